"""Request and response schemas of organizations and tenants."""

from __future__ import annotations

import re

import marshmallow as ma
from marshmallow import validate
from smartregion.api import EnumField

from tenants.models import MembershipRole, OrganizationKind, TenantStatus
from tenants.validators import fiscal_code_problem, istat_problem, vat_problem

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def _check(problem_of):
    def validator(value):
        if value is not None and (problem := problem_of(value)):
            raise ma.ValidationError(problem)

    return validator


class OrganizationSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    kind = EnumField(OrganizationKind, required=True)
    name = ma.fields.String(required=True, validate=validate.Length(min=2, max=300))
    istat_code = ma.fields.String(allow_none=True, validate=_check(istat_problem),
                                  metadata={"description": "ISTAT municipality code (municipalities)"})
    vat_number = ma.fields.String(allow_none=True, validate=_check(vat_problem),
                                  metadata={"description": "Partita IVA (companies)"})
    fiscal_code = ma.fields.String(allow_none=True, validate=_check(fiscal_code_problem))
    website = ma.fields.Url(allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)

    @ma.validates_schema
    def identifiers_by_kind(self, data, **kwargs):
        kind = data.get("kind")
        if kind == OrganizationKind.MUNICIPALITY and not data.get("istat_code"):
            raise ma.ValidationError("A municipality needs its ISTAT code.", "istat_code")
        if kind == OrganizationKind.PARTICIPATED_COMPANY and not data.get("vat_number"):
            raise ma.ValidationError("A participated company needs its VAT number.", "vat_number")


class OrganizationUpdateSchema(OrganizationSchema):
    """Every field optional (the API loads it with ``partial=True``)."""

    kind = EnumField(OrganizationKind)

    @ma.validates_schema
    def identifiers_by_kind(self, data, **kwargs):
        pass


class OrganizationQuerySchema(ma.Schema):
    kind = EnumField(OrganizationKind)
    q = ma.fields.String(metadata={"description": "Part of the name"})


class TenantSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    slug = ma.fields.String(required=True, validate=validate.Regexp(
        SLUG, error="Lower-case letters, digits and hyphens, as in the municipality's name (e.g. firenze)."))
    name = ma.fields.String(validate=validate.Length(min=2, max=300))
    municipality_id = ma.fields.Integer(required=True)
    lead_company_id = ma.fields.Integer(required=True)
    status = EnumField(TenantStatus, dump_only=True)
    status_reason = ma.fields.String(dump_only=True, allow_none=True)
    joined_on = ma.fields.Date(allow_none=True)
    keycloak_group = ma.fields.String(dump_only=True, allow_none=True)
    municipality = ma.fields.Nested(OrganizationSchema, dump_only=True)
    lead_company = ma.fields.Nested(OrganizationSchema, dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)


class TenantUpdateSchema(ma.Schema):
    name = ma.fields.String(validate=validate.Length(min=2, max=300))
    joined_on = ma.fields.Date(allow_none=True)


class TenantReasonSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=validate.Length(min=3, max=2000))


class LeadCompanySchema(ma.Schema):
    organization_id = ma.fields.Integer(required=True)
    reason = ma.fields.String(required=True, validate=validate.Length(min=3, max=2000))


class MembershipSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    organization_id = ma.fields.Integer(required=True)
    role = EnumField(MembershipRole, required=True)
    organization = ma.fields.Nested(OrganizationSchema, dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)


class AcceptedSchema(ma.Schema):
    tenant = ma.fields.Nested(TenantSchema)
    job_id = ma.fields.String()
