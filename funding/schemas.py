"""Request and response schemas of the funding API. Money in integer cents, rates in basis points."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

Str = ma.fields.String
Int = ma.fields.Integer
BIGINT = validate.Range(min=1, max=2**63 - 1)


def Money(**kwargs) -> ma.fields.Integer:  # noqa: N802 - a field factory, named like the fields
    """Integer cents (or basis points), exactly: 1.5 and "12" are refused, never rounded or converted."""
    return ma.fields.Integer(strict=True, **kwargs)


class FundingLineInputSchema(ma.Schema):
    programme = Str(required=True, metadata={"example": "pnrr"})
    level = Str(allow_none=True)
    call_identifier = Str(allow_none=True)
    topic_identifier = Str(allow_none=True)
    title = Str(required=True)
    description = Str(allow_none=True)
    opening_date = ma.fields.Date(allow_none=True)
    deadlines = ma.fields.List(
        ma.fields.Date(),
        load_default=list,
        metadata={"description": "One date, two stages, or several cut-off dates"},
    )
    deadline_model = Str(allow_none=True, metadata={"example": "single_stage"})
    total_budget_cents = Money(allow_none=True)
    min_grant_cents = Money(allow_none=True)
    max_grant_cents = Money(allow_none=True)
    cofinancing_rate_bp = Money(required=True, metadata={"description": "10000 = 100%"})
    non_profit_rate_bp = Money(
        allow_none=True,
        metadata={"description": "The rate for non-profit applicants, where higher (10000 = 100%)"},
    )
    action_type = Str(allow_none=True, metadata={"example": "HORIZON-IA"})
    beneficiary_kinds = ma.fields.List(Str(), load_default=list)
    domains = ma.fields.List(Str(), load_default=list)
    territories = ma.fields.List(Str(), load_default=list, metadata={"example": ["IT-R09"]})
    partnership_required = ma.fields.Boolean(load_default=False)
    min_partners = Int(load_default=0)
    trl_min = Int(allow_none=True)
    trl_max = Int(allow_none=True)
    url = Str(allow_none=True)
    external_id = Str(allow_none=True)


class FundingLineUpdateSchema(FundingLineInputSchema):
    """Any subset of the fields (used with ``partial=True``)."""


class FundingLineSchema(FundingLineInputSchema):
    id = Int(dump_only=True)
    portal_status = Str(dump_only=True, allow_none=True)
    external_source = Str(dump_only=True, allow_none=True)
    revision = Int(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)
    updated_at = ma.fields.DateTime(dump_only=True)


class FundingLineQuerySchema(ma.Schema):
    programme = Str()
    domain = Str()
    q = Str()


class FundingImportQuerySchema(ma.Schema):
    format = Str(required=True, validate=validate.OneOf(["csv", "json", "ft_portal"]))


class FundingFileSchema(ma.Schema):
    file = ma.fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class FundingImportAcceptedSchema(ma.Schema):
    job_id = Str(metadata={"description": "Follow it at /api/v1/jobs/<job_id>; its result is the report"})
    file_sha256 = Str()


class ProjectMilestoneSchema(ma.Schema):
    id = Int(dump_only=True)
    title = Str(required=True, validate=validate.Length(min=1, max=300))
    due_on = ma.fields.Date(required=True)
    done_on = ma.fields.Date(allow_none=True)


class ProjectFundingPlanItemSchema(ma.Schema):
    id = Int(dump_only=True)
    source_kind = Str(required=True, metadata={"example": "funding_line"})
    funding_line_id = Int(allow_none=True, validate=BIGINT)
    label = Str(allow_none=True)
    amount_cents = Money(required=True)


class ProjectInputSchema(ma.Schema):
    title = Str(required=True)
    description = Str(allow_none=True)
    domain = Str(required=True, metadata={"example": "mobility"})
    secondary_domains = ma.fields.List(Str(), load_default=list)
    applicant_kinds = ma.fields.List(Str(), load_default=list)
    lead_company_id = Int(allow_none=True, validate=BIGINT)
    partners = ma.fields.List(Str(), load_default=list)
    total_cost_cents = Money(required=True)
    requested_cents = Money(allow_none=True)
    time_horizon = Str(allow_none=True)
    start_date = ma.fields.Date(allow_none=True)
    end_date = ma.fields.Date(allow_none=True)
    status = Str(allow_none=True)
    cup = Str(allow_none=True)
    trl = Int(allow_none=True)
    progress_pct = Int(validate=validate.Range(0, 100))
    reusable = ma.fields.Boolean()
    milestones = ma.fields.List(ma.fields.Nested(ProjectMilestoneSchema), load_only=True)
    funding_plan = ma.fields.List(ma.fields.Nested(ProjectFundingPlanItemSchema), load_only=True)


class ProjectUpdateSchema(ProjectInputSchema):
    """Any subset of the card's fields; milestones and funding plan have their own URLs."""

    class Meta:
        exclude = ("milestones", "funding_plan")


class ProjectSchema(ProjectInputSchema):
    id = Int(dump_only=True)
    tenant_id = Int(dump_only=True)
    revision = Int(dump_only=True)
    cohesion = ma.fields.Dict(dump_only=True, metadata={"description": "OpenCoesione data joined by CUP"})
    census_submission_id = Int(dump_only=True)
    milestones_list = ma.fields.List(
        ma.fields.Nested(ProjectMilestoneSchema),
        dump_only=True,
        data_key="milestones",
        attribute="milestones",
    )
    funding_plan_list = ma.fields.List(
        ma.fields.Nested(ProjectFundingPlanItemSchema),
        dump_only=True,
        data_key="funding_plan",
        attribute="funding_items",
    )
    created_at = ma.fields.DateTime(dump_only=True)
    updated_at = ma.fields.DateTime(dump_only=True)


class ProjectListQuerySchema(ma.Schema):
    status = Str()
    domain = Str()


class ProjectMilestonesSchema(ma.Schema):
    milestones = ma.fields.List(ma.fields.Nested(ProjectMilestoneSchema), required=True)


class ProjectFundingPlanSchema(ma.Schema):
    funding_plan = ma.fields.List(ma.fields.Nested(ProjectFundingPlanItemSchema), required=True)


class ProjectsFromCensusSchema(ma.Schema):
    submission_id = Int(required=True, validate=BIGINT)


class ProjectsFromCensusReportSchema(ma.Schema):
    submission_id = Int()
    created = ma.fields.List(Int())
    existing = ma.fields.List(Int())
    refused = ma.fields.List(ma.fields.Dict())


class FundingMatchesQuerySchema(ma.Schema):
    lang = Str(load_default="it", validate=validate.OneOf(["it", "en"]))
    eligible = ma.fields.Boolean(load_default=False, metadata={"description": "Only eligible lines"})
    limit = Int(validate=validate.Range(1, 10000))


class MatchCriterionSchema(ma.Schema):
    criterion = Str()
    kind = Str(metadata={"description": "hard (decides eligibility) or soft (scores)"})
    label = Str()
    passed = ma.fields.Boolean()
    detail = Str()
    weight = Int()
    points = ma.fields.Float()


class MatchedFundingLineSchema(ma.Schema):
    id = Int()
    title = Str()
    programme = Str()
    programme_label = Str()
    level = Str()
    call_identifier = Str(allow_none=True)
    topic_identifier = Str(allow_none=True)
    deadline = Str(allow_none=True)
    days_left = Int(allow_none=True)
    url = Str(allow_none=True)


class FundingMatchSchema(ma.Schema):
    funding_line = ma.fields.Nested(MatchedFundingLineSchema)
    eligible = ma.fields.Boolean()
    score = ma.fields.Float(metadata={"description": "0-100 from the soft criteria"})
    criteria = ma.fields.List(ma.fields.Nested(MatchCriterionSchema))


class ProjectMatchesSchema(ma.Schema):
    project_id = Int()
    computed_on = Str()
    matches = ma.fields.List(ma.fields.Nested(FundingMatchSchema))


class RankedProjectMatchSchema(ma.Schema):
    tenant = Str()
    project = ma.fields.Dict()
    eligible = ma.fields.Boolean()
    score = ma.fields.Float()
    criteria = ma.fields.List(ma.fields.Nested(MatchCriterionSchema))


class FundingLineRankingSchema(ma.Schema):
    funding_line = ma.fields.Nested(MatchedFundingLineSchema)
    computed_on = Str()
    matches = ma.fields.List(ma.fields.Nested(RankedProjectMatchSchema))


class FundingNoticeSchema(ma.Schema):
    id = Int()
    project_id = Int()
    funding_line_id = Int()
    funding_line_title = Str()
    deadline = ma.fields.Date()
    threshold_days = Int()
    days_left = Int()
    created_at = ma.fields.DateTime()
    read_at = ma.fields.DateTime(allow_none=True)


class FundingNoticeQuerySchema(ma.Schema):
    unread = ma.fields.Boolean(load_default=False)


class PlanStandardSchema(ma.Schema):
    code = Str(required=True)
    title = Str()


class PlanBestPracticeSchema(ma.Schema):
    title = Str(required=True)
    tenant = Str(allow_none=True)
    project_id = Int(allow_none=True, validate=BIGINT)
    description = Str(allow_none=True)


class OperationalPlanInputSchema(ma.Schema):
    series = Str(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]{1,62}$"))
    title = Str(required=True, validate=validate.Length(min=1, max=300))
    notes = Str(allow_none=True)
    standards = ma.fields.List(ma.fields.Nested(PlanStandardSchema), load_default=list)
    best_practices = ma.fields.List(ma.fields.Nested(PlanBestPracticeSchema), load_default=list)


class OperationalPlanUpdateSchema(ma.Schema):
    title = Str(validate=validate.Length(min=1, max=300))
    notes = Str(allow_none=True)
    standards = ma.fields.List(ma.fields.Nested(PlanStandardSchema))
    best_practices = ma.fields.List(ma.fields.Nested(PlanBestPracticeSchema))


class OperationalPlanSchema(OperationalPlanInputSchema):
    id = Int(dump_only=True)
    version = Int(dump_only=True)
    status = Str(dump_only=True)
    previous_id = Int(dump_only=True, allow_none=True)
    created_by = Str(dump_only=True)
    approved_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    approved_by = Str(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)


class OperationalPlanMunicipalityInputSchema(ma.Schema):
    project_ids = ma.fields.List(Int(validate=BIGINT), required=True)
    lead_company_id = Int(allow_none=True, validate=BIGINT)


class OperationalPlanMunicipalitySchema(ma.Schema):
    tenant_id = Int()
    plan_id = Int()
    lead_company_id = Int()
    project_ids = ma.fields.List(Int())


class OperationalPlanExportQuerySchema(ma.Schema):
    format = Str(load_default="json", validate=validate.OneOf(["json", "html", "xlsx"]))
    lang = Str(load_default="it", validate=validate.OneOf(["it", "en"]))
