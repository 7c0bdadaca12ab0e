"""Marshmallow schemas of the census API: request validation, responses, OpenAPI."""

from __future__ import annotations

import marshmallow as ma
from smartregion.api import EnumField

from census.models import CampaignStatus, ReportStatus, SchemaStatus, SubmissionStatus, TenantCampaignState


class SurveySchemaSummary(ma.Schema):
    key = ma.fields.String(metadata={"example": "smart-services"})
    version = ma.fields.Integer(metadata={"example": 1})
    status = EnumField(SchemaStatus)
    title = ma.fields.Method("_title")
    approved_by = ma.fields.String(allow_none=True)
    approved_at = ma.fields.DateTime(allow_none=True)
    retired_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()

    def _title(self, schema):
        return {"it": schema.title_it, "en": schema.title_en}


class SurveySchemaDetail(SurveySchemaSummary):
    created_by = ma.fields.String()
    updated_at = ma.fields.DateTime()
    retired_by = ma.fields.String(allow_none=True)
    definition = ma.fields.Dict(metadata={"description": "The definition: sections and fields"})


class SurveySchemaQuery(ma.Schema):
    key = ma.fields.String()
    status = EnumField(SchemaStatus)


class SchemaDefinitionBody(ma.Schema):
    """A survey-schema definition (see docs/census.md); `version` defaults to the key's next one."""

    class Meta:
        unknown = ma.INCLUDE

    key = ma.fields.String(required=True)
    version = ma.fields.Raw()
    title = ma.fields.Raw(required=True)
    description = ma.fields.Raw()
    sections = ma.fields.Raw(required=True)


class CensusCampaignSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    protocol_id = ma.fields.Integer(required=True)
    title = ma.fields.String(validate=ma.validate.Length(max=300))
    opens_on = ma.fields.Date(dump_only=True)
    due_on = ma.fields.Date(dump_only=True)
    schema_keys = ma.fields.List(ma.fields.String(), validate=ma.validate.Length(min=1))
    status = EnumField(CampaignStatus, dump_only=True)
    closed_on = ma.fields.Date(dump_only=True, allow_none=True)
    closed_by = ma.fields.String(dump_only=True, allow_none=True)
    plan_due_on = ma.fields.Date(dump_only=True, allow_none=True,
                                 metadata={"description": "Operational plan due date, once closed"})
    created_at = ma.fields.DateTime(dump_only=True)


class TenantStandingSchema(ma.Schema):
    tenant = ma.fields.String(attribute="slug")
    name = ma.fields.String()
    due_on = ma.fields.Date()
    state = EnumField(TenantCampaignState)
    late = ma.fields.Boolean()
    completeness = ma.fields.Integer()
    schemas = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(),
                             metadata={"description": "Best status per schema key"})
    submissions = ma.fields.Integer()


class CensusCampaignDetailSchema(CensusCampaignSchema):
    standings = ma.fields.List(ma.fields.Nested(TenantStandingSchema), dump_only=True)


class CampaignCloseSchema(ma.Schema):
    closed_on = ma.fields.Date(metadata={"description": "Defaults to today"})


class SubmissionCreateSchema(ma.Schema):
    schema_key = ma.fields.String(required=True, metadata={"example": "projects"})
    schema_version = ma.fields.Integer(required=True, strict=True, metadata={"example": 1})
    answers = ma.fields.Dict(keys=ma.fields.String(), load_default=dict)
    campaign_id = ma.fields.Integer(metadata={"description": "Defaults to the open campaign"})


class SubmissionUpdateSchema(ma.Schema):
    answers = ma.fields.Dict(keys=ma.fields.String(), required=True)


class SubmissionSummarySchema(ma.Schema):
    id = ma.fields.Integer()
    tenant = ma.fields.String(attribute="tenant.slug")
    campaign_id = ma.fields.Integer()
    schema_key = ma.fields.String()
    schema_version = ma.fields.Integer()
    status = EnumField(SubmissionStatus)
    completeness = ma.fields.Integer(metadata={"description": "Percentage of required answers given"})
    revision = ma.fields.Integer()
    etag = ma.fields.String()
    created_by = ma.fields.String()
    created_at = ma.fields.DateTime()
    updated_by = ma.fields.String()
    updated_at = ma.fields.DateTime()
    submitted_at = ma.fields.DateTime(allow_none=True)
    submitted_by = ma.fields.String(allow_none=True)
    reviewed_at = ma.fields.DateTime(allow_none=True)
    reviewed_by = ma.fields.String(allow_none=True)


class SubmissionSchema(SubmissionSummarySchema):
    answers = ma.fields.Dict()
    errors = ma.fields.Method("_errors", metadata={
        "description": "Per-field problems (JSON-pointer paths), required answers still missing included"})
    comments = ma.fields.Dict(metadata={"description": "The secretariat's comments per field path"})

    def _errors(self, sub):
        from census.services import report_of

        return report_of(sub).field_errors()


class SubmissionQuery(ma.Schema):
    schema_key = ma.fields.String()
    status = EnumField(SubmissionStatus)
    campaign_id = ma.fields.Integer()


class SubmissionReturnSchema(ma.Schema):
    comments = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Raw(), load_default=dict,
                              metadata={"example": {"/projects/0/budget": "Indicare l'importo IVA inclusa."}})
    note = ma.fields.String(validate=ma.validate.Length(max=2000))


class SubmissionVersionSchema(ma.Schema):
    revision = ma.fields.Integer()
    action = ma.fields.String()
    status = EnumField(SubmissionStatus)
    completeness = ma.fields.Integer()
    answers = ma.fields.Dict()
    comments = ma.fields.Dict()
    note = ma.fields.String(allow_none=True)
    actor = ma.fields.String()
    at = ma.fields.DateTime()


class CensusExportQuery(ma.Schema):
    format = ma.fields.String(load_default="csv", validate=ma.validate.OneOf(["csv", "xlsx", "json"]))
    status = ma.fields.List(EnumField(SubmissionStatus))
    campaign_id = ma.fields.Integer()


class TenantCensusExportQuery(CensusExportQuery):
    schema_key = ma.fields.String(required=True)


class CensusAnalysisQuery(ma.Schema):
    campaign_id = ma.fields.Integer()
    include_drafts = ma.fields.Boolean(load_default=False)


class CensusReportCreateSchema(ma.Schema):
    campaign_id = ma.fields.Integer(metadata={"description": "Defaults to the most recent campaign"})


class CensusReportSchema(ma.Schema):
    id = ma.fields.Integer()
    campaign_id = ma.fields.Integer()
    status = EnumField(ReportStatus)
    job_id = ma.fields.String(allow_none=True)
    requested_by = ma.fields.String()
    created_at = ma.fields.DateTime()
    generated_at = ma.fields.DateTime(allow_none=True)
    error = ma.fields.String(allow_none=True)
    html_url = ma.fields.Method("_html")
    xlsx_url = ma.fields.Method("_xlsx")

    def _html(self, report):
        return f"/api/v1/census/reports/{report.id}/report.html" if report.html_sha256 else None

    def _xlsx(self, report):
        return f"/api/v1/census/reports/{report.id}/report.xlsx" if report.xlsx_sha256 else None


class CensusReportAcceptedSchema(ma.Schema):
    report = ma.fields.Nested(CensusReportSchema)
    job_id = ma.fields.String()
