"""Organizations, tenants and memberships: the behaviour, for the API, the pages, the CLI and tests.

This is also the module's public face: other domains import only from here (the functions below, and
the slug format, the organization schema and the municipality names re-exported for them).
"""

from __future__ import annotations

import functools
from datetime import date

from smartregion import audit, jobs, tenancy
from smartregion.db import CompiledSelect
from smartregion.errors import Conflict, NotFound, Unprocessable, found, get_or_404
from sqlalchemy import ARRAY, Select, String, any_, bindparam, func, select
from sqlalchemy.orm import Session

from tenants.models import (
    MembershipRole,
    Organization,
    OrganizationKind,
    Tenant,
    TenantMembership,
    TenantStatus,
)
from tenants.schemas import SLUG as SLUG
from tenants.schemas import OrganizationSchema as OrganizationSchema
from tenants.validators import istat_problem, municipality_name, vat_problem

ORG_FIELDS = ("kind", "name", "istat_code", "vat_number", "fiscal_code", "website")


def organization_snapshot(org: Organization) -> dict:
    return {"id": org.id, **{name: getattr(org, name) for name in ORG_FIELDS}}


def tenant_snapshot(tenant: Tenant) -> dict:
    return {"id": tenant.id, "slug": tenant.slug, "name": tenant.name, "status": tenant.status,
            "municipality_id": tenant.municipality_id, "lead_company_id": tenant.lead_company_id,
            "joined_on": tenant.joined_on, "status_reason": tenant.status_reason}


# --- organizations -------------------------------------------------------------------------------

def _check_identifiers(kind: str, istat_code: str | None, vat_number: str | None) -> None:
    errors = {}
    if kind == OrganizationKind.MUNICIPALITY:
        if not istat_code:
            errors["istat_code"] = ["A municipality needs its ISTAT code."]
        elif problem := istat_problem(istat_code):
            errors["istat_code"] = [problem]
    if kind == OrganizationKind.PARTICIPATED_COMPANY:
        if not vat_number:
            errors["vat_number"] = ["A participated company needs its VAT number."]
        elif problem := vat_problem(vat_number):
            errors["vat_number"] = [problem]
    if errors:
        raise Unprocessable("The organization's identifiers are not valid.", errors=errors)


def _check_unique(session: Session, org_id: int | None, istat_code: str | None, vat_number: str | None) -> None:
    for column, value, label in ((Organization.istat_code, istat_code, "istat_code"),
                                 (Organization.vat_number, vat_number, "vat_number")):
        if value:
            other = session.scalar(select(Organization).where(column == value))
            if other is not None and other.id != org_id:
                raise Conflict(f"{other.name} already has {label} {value}.", errors={label: ["Already in use."]})


def create_organization(session: Session, **fields) -> Organization:
    """Register an organization (ISTAT code checked for municipalities, VAT number for companies)."""
    _check_identifiers(fields["kind"], fields.get("istat_code"), fields.get("vat_number"))
    _check_unique(session, None, fields.get("istat_code"), fields.get("vat_number"))
    org = Organization(**{name: fields.get(name) for name in ORG_FIELDS})
    session.add(org)
    session.flush()
    audit.record(session, action="organization.create", entity_type="organization", entity_id=org.id,
                 after=organization_snapshot(org))
    return org


def get_organization(session: Session, org_id: int) -> Organization:
    return get_or_404(session, Organization, org_id, f"Organization {org_id} not found.")


def update_organization(session: Session, org_id: int, **changes) -> Organization:
    org = get_organization(session, org_id)
    before = organization_snapshot(org)
    merged = {**before, **changes}
    _check_identifiers(merged["kind"], merged.get("istat_code"), merged.get("vat_number"))
    _check_unique(session, org.id, merged.get("istat_code"), merged.get("vat_number"))
    for name, value in changes.items():
        if name in ORG_FIELDS:
            setattr(org, name, value)
    session.flush()
    audit.record(session, action="organization.update", entity_type="organization", entity_id=org.id,
                 before=before, after=organization_snapshot(org))
    return org


def organizations_query(*, kind: str | None = None, q: str | None = None,
                        tenant_slugs: tuple[str, ...] | None = None) -> Select:
    """Organizations, optionally only those serving the given tenants (what a member may read)."""
    statement = select(Organization).order_by(Organization.name)
    if kind:
        statement = statement.where(Organization.kind == kind)
    if q:
        statement = statement.where(Organization.name.ilike(f"%{q}%"))
    if tenant_slugs is not None:
        tenant_ids = select(Tenant.id).where(Tenant.slug.in_(tenant_slugs))
        members = select(TenantMembership.organization_id).where(TenantMembership.tenant_id.in_(tenant_ids))
        own = select(Tenant.municipality_id).where(Tenant.slug.in_(tenant_slugs)).union(
            select(Tenant.lead_company_id).where(Tenant.slug.in_(tenant_slugs)), members)
        statement = statement.where(Organization.id.in_(own))
    return statement


# --- tenants -------------------------------------------------------------------------------------

def tenants_query(*, slugs: tuple[str, ...] | None = None, status: str | None = None) -> Select:
    statement = select(Tenant).order_by(Tenant.name)
    if slugs is not None:
        statement = statement.where(Tenant.slug.in_(slugs))
    if status:
        statement = statement.where(Tenant.status == status)
    return statement


def status_counts(session: Session) -> dict[str, int]:
    """How many tenants are in each status."""
    return dict(session.execute(select(Tenant.status, func.count()).group_by(Tenant.status)).all())


def participated_companies(session: Session) -> list[Organization]:
    """The participated companies by name: those a tenant may take as its lead company."""
    return session.scalars(select(Organization).where(
        Organization.kind == OrganizationKind.PARTICIPATED_COMPANY).order_by(Organization.name)).all()


def municipalities_without_tenant(session: Session) -> list[Organization]:
    """The municipalities by name that are no tenant's yet."""
    return session.scalars(select(Organization).where(
        Organization.kind == OrganizationKind.MUNICIPALITY, Organization.id.not_in(select(Tenant.municipality_id)))
        .order_by(Organization.name)).all()


# The tenants list as rows, not objects: the list is the API's most frequent read, and building an ORM
# object and dumping it through its schema costs more than the query itself. The dictionaries below are
# what ``TenantSchema`` dumps for the same tenants (a test holds them equal).
_TENANT_FIELDS = ("id", "slug", "name", "municipality_id", "lead_company_id", "status", "status_reason",
                  "joined_on", "keycloak_group")
_ORGANIZATION_FIELDS = ("id", "kind", "name", "istat_code", "vat_number", "fiscal_code", "website", "created_at")


@functools.cache
def _tenant_rows() -> Select:
    # Built once: a statement is immutable, and building its aliases costs more than running it.
    tenants = Tenant.__table__
    municipality, lead = Organization.__table__.alias("m"), Organization.__table__.alias("l")
    return (
        select(*(tenants.c[name] for name in (*_TENANT_FIELDS, "created_at")),
               *(municipality.c[name].label(f"m_{name}") for name in _ORGANIZATION_FIELDS),
               *(lead.c[name].label(f"l_{name}") for name in _ORGANIZATION_FIELDS))
        .select_from(tenants.join(municipality, municipality.c.id == tenants.c.municipality_id)
                     .join(lead, lead.c.id == tenants.c.lead_company_id))
        .order_by(tenants.c.name))


_EVERY_TENANT = CompiledSelect(_tenant_rows)
_SOME_TENANTS = CompiledSelect(lambda: _tenant_rows().where(
    Tenant.__table__.c.slug == any_(bindparam("slugs", type_=ARRAY(String)))))


def tenant_list(*, slugs: tuple[str, ...] | None = None) -> tuple[CompiledSelect, dict]:
    """The tenants list (all, or those of ``slugs``) as a compiled select and its parameters, for
    ``paginate_compiled``; ``tenant_items`` turns its rows into what ``TenantSchema`` dumps."""
    if slugs is None:
        return _EVERY_TENANT, {}
    return _SOME_TENANTS, {"slugs": list(slugs)}


def tenant_items(rows) -> list[dict]:
    """The rows of ``tenant_list`` (tuples in its columns' order) as ``TenantSchema`` dumps their tenants."""
    tenant_fields, organization_fields = _TENANT_FIELDS, _ORGANIZATION_FIELDS
    width, organization_width = len(tenant_fields), len(organization_fields)
    municipality_at = width + 1  # after the tenant's fields and its created_at
    lead_at = municipality_at + organization_width
    items = []
    for row in rows:
        item = dict(zip(tenant_fields, row[:width], strict=True))
        item["joined_on"] = _iso(item["joined_on"])
        municipality = dict(zip(organization_fields, row[municipality_at:lead_at], strict=True))
        municipality["created_at"] = _iso(municipality["created_at"])
        lead = dict(zip(organization_fields, row[lead_at:], strict=True))
        lead["created_at"] = _iso(lead["created_at"])
        item["municipality"], item["lead_company"] = municipality, lead
        item["created_at"] = _iso(row[width])
        items.append(item)
    return items


def _iso(value):
    return None if value is None else value.isoformat()


def get_tenant(session: Session, slug: str) -> Tenant:
    current = tenancy.current_tenant_id_or_none()
    if current is not None:
        # A request acting in this tenant loaded its row when it entered it: no second query for it.
        loaded = session.identity_map.get(Session.identity_key(Tenant, current))
        if loaded is not None and loaded.slug == slug:
            return loaded
    return found(session.scalar(select(Tenant).where(Tenant.slug == slug)), f"Tenant {slug!r} not found.")


def _require_kind(session: Session, org_id: int, kind: OrganizationKind, field: str) -> Organization:
    org = session.get(Organization, org_id)
    if org is None:
        raise Unprocessable("Unknown organization.", errors={field: [f"Organization {org_id} does not exist."]})
    if org.kind != kind:
        raise Unprocessable(f"{org.name} is a {org.kind}, not a {kind}.", errors={field: [f"Must be a {kind}."]})
    return org


def create_tenant(session: Session, *, slug: str, municipality_id: int, lead_company_id: int,
                  name: str | None = None, joined_on: date | None = None) -> Tenant:
    """Open a tenant for a municipality with its lead participated company (pending until accepted)."""
    municipality = _require_kind(session, municipality_id, OrganizationKind.MUNICIPALITY, "municipality_id")
    _require_kind(session, lead_company_id, OrganizationKind.PARTICIPATED_COMPANY, "lead_company_id")
    if session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
        raise Conflict(f"The slug {slug!r} is already taken.", errors={"slug": ["Already in use."]})
    if session.scalar(select(Tenant.id).where(Tenant.municipality_id == municipality_id)) is not None:
        raise Conflict(f"{municipality.name} already has a tenant.", errors={"municipality_id": ["Already a tenant."]})
    tenant = Tenant(slug=slug, name=name or municipality_name(municipality.istat_code) or municipality.name,
                    municipality_id=municipality_id, lead_company_id=lead_company_id,
                    status=TenantStatus.PENDING, joined_on=joined_on)
    session.add(tenant)
    session.flush()
    founding = ((municipality_id, MembershipRole.MUNICIPALITY), (lead_company_id, MembershipRole.LEAD_COMPANY))
    for org_id, role in founding:
        session.add(TenantMembership(tenant_id=tenant.id, organization_id=org_id, role=role))
    session.flush()
    audit.record(session, action="tenant.create", entity_type="tenant", entity_id=tenant.id,
                 tenant_id=tenant.id, after=tenant_snapshot(tenant))
    return tenant


def update_tenant(session: Session, slug: str, **changes) -> Tenant:
    tenant = get_tenant(session, slug)
    before = tenant_snapshot(tenant)
    for name in ("name", "joined_on"):
        if name in changes:
            setattr(tenant, name, changes[name])
    session.flush()
    audit.record(session, action="tenant.update", entity_type="tenant", entity_id=tenant.id,
                 tenant_id=tenant.id, before=before, after=tenant_snapshot(tenant))
    return tenant


def accept_tenant(session: Session, slug: str) -> tuple[Tenant, jobs.Job]:
    """Activate a tenant and provision its identity-provider group in the background."""
    tenant = get_tenant(session, slug)
    if tenant.status == TenantStatus.SUSPENDED:
        raise Conflict(f"Tenant {slug!r} is suspended: reactivate it instead.")
    before = tenant_snapshot(tenant)
    tenant.status, tenant.status_reason = TenantStatus.ACTIVE, None
    tenant.joined_on = tenant.joined_on or date.today()
    session.flush()
    audit.record(session, action="tenant.accept", entity_type="tenant", entity_id=tenant.id,
                 tenant_id=tenant.id, before=before, after=tenant_snapshot(tenant))
    job = jobs.enqueue(session, "default", "tenants.jobs.provision_group", tenant_id=tenant.id,
                       description=f"Identity group for {tenant.slug}", slug=tenant.slug)
    return tenant, job


def suspend_tenant(session: Session, slug: str, reason: str) -> Tenant:
    tenant = get_tenant(session, slug)
    if tenant.status == TenantStatus.SUSPENDED:
        raise Conflict(f"Tenant {slug!r} is already suspended.")
    before = tenant_snapshot(tenant)
    tenant.status, tenant.status_reason = TenantStatus.SUSPENDED, reason
    session.flush()
    audit.record(session, action="tenant.suspend", entity_type="tenant", entity_id=tenant.id,
                 tenant_id=tenant.id, before=before, after=tenant_snapshot(tenant))
    return tenant


def reactivate_tenant(session: Session, slug: str, reason: str) -> Tenant:
    tenant = get_tenant(session, slug)
    if tenant.status != TenantStatus.SUSPENDED:
        raise Conflict(f"Tenant {slug!r} is not suspended.")
    before = tenant_snapshot(tenant)
    tenant.status, tenant.status_reason = TenantStatus.ACTIVE, reason
    session.flush()
    audit.record(session, action="tenant.reactivate", entity_type="tenant", entity_id=tenant.id,
                 tenant_id=tenant.id, before=before, after=tenant_snapshot(tenant))
    return tenant


def change_lead_company(session: Session, slug: str, organization_id: int, reason: str) -> Tenant:
    """Replace the tenant's lead participated company; the old and new ones stay in the audit log."""
    tenant = get_tenant(session, slug)
    _require_kind(session, organization_id, OrganizationKind.PARTICIPATED_COMPANY, "organization_id")
    if tenant.lead_company_id == organization_id:
        raise Conflict("This company is already the lead company.", errors={"organization_id": ["Unchanged."]})
    before = tenant_snapshot(tenant)
    old = session.scalar(select(TenantMembership).where(
        TenantMembership.tenant_id == tenant.id, TenantMembership.role == MembershipRole.LEAD_COMPANY))
    if old is not None:
        old.role = MembershipRole.UTILITY
        already = session.scalar(select(TenantMembership).where(
            TenantMembership.tenant_id == tenant.id, TenantMembership.organization_id == old.organization_id,
            TenantMembership.role == MembershipRole.UTILITY, TenantMembership.id != old.id))
        if already is not None:
            session.delete(old)
    session.flush()
    existing = session.scalar(select(TenantMembership).where(
        TenantMembership.tenant_id == tenant.id, TenantMembership.organization_id == organization_id))
    if existing is not None:
        existing.role = MembershipRole.LEAD_COMPANY
    else:
        session.add(TenantMembership(tenant_id=tenant.id, organization_id=organization_id,
                                     role=MembershipRole.LEAD_COMPANY))
    tenant.lead_company_id = organization_id
    session.flush()
    session.expire(tenant, ["lead_company"])
    after = tenant_snapshot(tenant) | {"reason": reason}
    audit.record(session, action="tenant.lead_company.change", entity_type="tenant", entity_id=tenant.id,
                 tenant_id=tenant.id, before=before, after=after)
    return tenant


# --- memberships ---------------------------------------------------------------------------------

def companies_serving(session: Session, tenant_id: int) -> set[int]:
    """The participated companies that work for a tenant: its lead company and its member companies."""
    tenant = session.get(Tenant, tenant_id)
    members = session.scalars(select(TenantMembership.organization_id).where(
        TenantMembership.tenant_id == tenant_id,
        TenantMembership.role.in_([MembershipRole.LEAD_COMPANY, MembershipRole.UTILITY])))
    return ({tenant.lead_company_id} if tenant else set()) | set(members)


def memberships(session: Session, tenant_id: int) -> list[TenantMembership]:
    return list(session.scalars(select(TenantMembership).where(TenantMembership.tenant_id == tenant_id)
                                .order_by(TenantMembership.id)))


def add_membership(session: Session, tenant_id: int, organization_id: int, role: str) -> TenantMembership:
    """Let an organization (a utility may serve several tenants) work for this tenant."""
    org = session.get(Organization, organization_id)
    if org is None:
        raise Unprocessable("Unknown organization.", errors={"organization_id": ["Does not exist."]})
    if role == MembershipRole.LEAD_COMPANY:
        raise Conflict("The lead company is changed through its own endpoint, with a reason.",
                       errors={"role": ["Use PUT .../lead-company."]})
    if role == MembershipRole.MUNICIPALITY:
        raise Conflict("A tenant has exactly one municipality.", errors={"role": ["Not allowed."]})
    duplicate = session.scalar(select(TenantMembership).where(
        TenantMembership.tenant_id == tenant_id, TenantMembership.organization_id == organization_id,
        TenantMembership.role == role))
    if duplicate is not None:
        raise Conflict(f"{org.name} is already a {role} of this tenant.")
    membership = TenantMembership(tenant_id=tenant_id, organization_id=organization_id, role=role)
    session.add(membership)
    session.flush()
    audit.record(session, action="tenant.membership.add", entity_type="tenant_membership",
                 entity_id=membership.id, tenant_id=tenant_id,
                 after={"organization_id": organization_id, "role": role})
    return membership


def remove_membership(session: Session, tenant_id: int, membership_id: int) -> None:
    membership = session.scalar(select(TenantMembership).where(
        TenantMembership.tenant_id == tenant_id, TenantMembership.id == membership_id))
    if membership is None:
        raise NotFound(f"Membership {membership_id} not found.")
    if membership.role != MembershipRole.UTILITY:
        raise Conflict("The municipality and the lead company cannot be removed from their tenant.")
    audit.record(session, action="tenant.membership.remove", entity_type="tenant_membership",
                 entity_id=membership.id, tenant_id=tenant_id,
                 before={"organization_id": membership.organization_id, "role": membership.role})
    session.delete(membership)
    session.flush()
