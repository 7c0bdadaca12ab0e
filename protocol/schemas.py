"""Request and response schemas of protocols, timelines, adhesions, monitoring, notices and the audit log."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate
from smartregion.api import EnumField

from protocol.models import AcceptanceRule, AdhesionStatus, Decision, SignatoryRole
from tenants.schemas import SLUG, OrganizationSchema

MONTHS = validate.Range(min=1, max=240)


class ProtocolSignatorySchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    organization_id = ma.fields.Integer(required=True)
    role = EnumField(SignatoryRole, dump_only=True)
    joined_on = ma.fields.Date(dump_only=True)
    organization = ma.fields.Nested(OrganizationSchema, dump_only=True)


class ProtocolSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    title = ma.fields.String(required=True, validate=validate.Length(min=3, max=400))
    region_id = ma.fields.Integer(required=True)
    signed_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(metadata={"description": "Optional on input: checked against signature + duration"})
    duration_months = ma.fields.Integer(load_default=24, validate=MONTHS)
    census_months = ma.fields.Integer(load_default=6, validate=MONTHS)
    plan_months = ma.fields.Integer(load_default=2, validate=MONTHS)
    monitoring_every_months = ma.fields.Integer(load_default=3, validate=MONTHS)
    acceptance_rule = EnumField(AcceptanceRule, load_default=AcceptanceRule.ALL_SIGNATORIES)
    notes = ma.fields.String(allow_none=True)
    signatory_ids = ma.fields.List(ma.fields.Integer(), load_only=True,
                                   metadata={"description": "Original signatories besides the Region"})
    signatories = ma.fields.List(ma.fields.Nested(ProtocolSignatorySchema), dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)


class ProtocolUpdateSchema(ma.Schema):
    title = ma.fields.String(validate=validate.Length(min=3, max=400))
    signed_on = ma.fields.Date()
    ends_on = ma.fields.Date()
    duration_months = ma.fields.Integer(validate=MONTHS)
    census_months = ma.fields.Integer(validate=MONTHS)
    plan_months = ma.fields.Integer(validate=MONTHS)
    monitoring_every_months = ma.fields.Integer(validate=MONTHS)
    acceptance_rule = EnumField(AcceptanceRule)
    notes = ma.fields.String(allow_none=True)


class WaiverSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    milestone_key = ma.fields.String(required=True, validate=validate.Length(min=1, max=63))
    tenant = ma.fields.String(load_only=True, validate=validate.Regexp(SLUG),
                              metadata={"description": "Tenant slug; absent for every tenant"})
    tenant_id = ma.fields.Integer(dump_only=True, allow_none=True)
    reason = ma.fields.String(required=True, validate=validate.Length(min=3, max=4000))
    granted_by = ma.fields.String(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)


class NewOrganizationSchema(ma.Schema):
    kind = ma.fields.String(required=True)
    name = ma.fields.String(required=True, validate=validate.Length(min=2, max=300))
    istat_code = ma.fields.String(allow_none=True)
    vat_number = ma.fields.String(allow_none=True)
    fiscal_code = ma.fields.String(allow_none=True)
    website = ma.fields.Url(allow_none=True)


class NewCompanySchema(ma.Schema):
    name = ma.fields.String(required=True, validate=validate.Length(min=2, max=300))
    vat_number = ma.fields.String(required=True)
    fiscal_code = ma.fields.String(allow_none=True)
    website = ma.fields.Url(allow_none=True)


class AdhesionDecisionSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    organization_id = ma.fields.Integer(required=True, metadata={"description": "The deciding original signatory"})
    decision = EnumField(Decision, required=True)
    reason = ma.fields.String(allow_none=True, validate=validate.Length(max=4000))
    decided_on = ma.fields.Date(metadata={"description": "Default: today"})
    decided_by = ma.fields.String(dump_only=True)


class AdhesionDecisionOutSchema(ma.Schema):
    id = ma.fields.Integer()
    organization_id = ma.fields.Function(lambda d: d.signatory.organization_id)
    organization = ma.fields.Function(lambda d: d.signatory.organization.name)
    decision = EnumField(Decision)
    reason = ma.fields.String(allow_none=True)
    decided_on = ma.fields.Date()
    decided_by = ma.fields.String()


class AdhesionSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    protocol_id = ma.fields.Integer(dump_only=True)
    organization_id = ma.fields.Integer(metadata={"description": "An organization already registered"})
    new_organization = ma.fields.Nested(NewOrganizationSchema, load_only=True,
                                        metadata={"description": "Or the organization to register"})
    lead_company_id = ma.fields.Integer(allow_none=True)
    new_lead_company = ma.fields.Nested(NewCompanySchema, load_only=True)
    tenant_slug = ma.fields.String(allow_none=True, validate=validate.Regexp(SLUG))
    representative_name = ma.fields.String(required=True, validate=validate.Length(min=2, max=200))
    representative_role = ma.fields.String(required=True, validate=validate.Length(min=2, max=200))
    representative_email = ma.fields.Email(allow_none=True)
    accepts_objectives = ma.fields.Boolean(required=True)
    accepts_conditions = ma.fields.Boolean(required=True)
    requested_on = ma.fields.Date(metadata={"description": "Default: today"})
    status = EnumField(AdhesionStatus, dump_only=True)
    reason = ma.fields.String(dump_only=True, allow_none=True)
    decided_on = ma.fields.Date(dump_only=True, allow_none=True)
    tenant_id = ma.fields.Integer(dump_only=True, allow_none=True)
    organization = ma.fields.Nested(OrganizationSchema, dump_only=True)
    lead_company = ma.fields.Nested(OrganizationSchema, dump_only=True, allow_none=True)
    decisions = ma.fields.List(ma.fields.Nested(AdhesionDecisionOutSchema), dump_only=True)
    created_by = ma.fields.String(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)

    @ma.validates_schema
    def names_the_organization(self, data, **kwargs):
        if data.get("organization_id") is None and not data.get("new_organization"):
            raise ma.ValidationError("Give organization_id or new_organization.", "organization_id")


class AdhesionQuerySchema(ma.Schema):
    status = EnumField(AdhesionStatus)


class AdhesionDecidedSchema(ma.Schema):
    request = ma.fields.Nested(AdhesionSchema)
    job_id = ma.fields.String(allow_none=True, metadata={"description": "Identity-group job of a new tenant"})


class WithdrawalSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=validate.Length(min=3, max=4000))
