"""Protocols, their signatories and the waivers granted on their milestones."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from smartregion import audit
from smartregion.errors import Conflict, NotFound, Unprocessable
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from protocol.dates import add_months
from protocol.models import (
    AcceptanceRule,
    AdhesionRequest,
    Protocol,
    ProtocolSignatory,
    SignatoryRole,
    Waiver,
)
from protocol.services.calendar import milestone_keys
from tenants.models import Organization, OrganizationKind, Tenant, TenantStatus

FIELDS = ("title", "region_id", "signed_on", "duration_months", "census_months", "plan_months",
          "monitoring_every_months", "acceptance_rule", "notes")


# What the domains above keep about a protocol (a census campaign, monitoring reports): while any of
# it exists the protocol is history and cannot be deleted. Each domain registers its check at start-up.
_HISTORY: dict[str, Callable[[Session, int], bool]] = {}


def keeps_history(label: str, has: Callable[[Session, int], bool]) -> None:
    """Declare rows of another domain that tie a protocol to its history (`label` names them)."""
    _HISTORY[label] = has


def protocol_snapshot(protocol: Protocol) -> dict:
    return {"id": protocol.id, **{name: getattr(protocol, name) for name in FIELDS}}


def protocols_query() -> Select:
    return select(Protocol).order_by(Protocol.signed_on.desc(), Protocol.id.desc())


def get_protocol(session: Session, protocol_id: int) -> Protocol:
    protocol = session.get(Protocol, protocol_id)
    if protocol is None:
        raise NotFound(f"Protocol {protocol_id} not found.")
    return protocol


def check_terms(terms: dict, *, ends: date | None = None) -> None:
    """Refuse terms that contradict each other (422 with the offending fields)."""
    errors: dict[str, list[str]] = {}
    duration, census, plan = terms["duration_months"], terms["census_months"], terms["plan_months"]
    every = terms["monitoring_every_months"]
    for name in ("duration_months", "census_months", "plan_months", "monitoring_every_months"):
        if terms[name] is None or terms[name] < 1:
            errors[name] = ["Must be at least one month."]
    if not errors:
        if census >= duration:
            errors["census_months"] = [f"The census ({census} months) must fall inside the protocol ({duration})."]
        elif census + plan > duration:
            errors["plan_months"] = [f"The operational plan ({census}+{plan} months) would fall after the end "
                                     f"of the protocol ({duration} months)."]
        if every > duration:
            errors["monitoring_every_months"] = ["The monitoring cadence is longer than the protocol."]
    if ends is not None and not errors:
        expected = add_months(terms["signed_on"], duration)
        if ends <= terms["signed_on"]:
            errors["ends_on"] = ["The protocol cannot end before it is signed."]
        elif ends != expected:
            errors["ends_on"] = [f"Signed on {terms['signed_on']} for {duration} months, it ends on {expected}."]
    if errors:
        raise Unprocessable("The protocol's dates are inconsistent.", errors=errors)


def _region(session: Session, region_id: int) -> Organization:
    region = session.get(Organization, region_id)
    if region is None or region.kind != OrganizationKind.REGION:
        raise Unprocessable("The protocol is promoted by a Region.",
                            errors={"region_id": ["Must be an organization of kind region."]})
    return region


def create_protocol(session: Session, *, title: str, region_id: int, signed_on: date, duration_months: int = 24,
                    census_months: int = 6, plan_months: int = 2, monitoring_every_months: int = 3,
                    acceptance_rule: str = AcceptanceRule.ALL_SIGNATORIES, notes: str | None = None,
                    ends_on: date | None = None, signatory_ids: list[int] | None = None, actor: str) -> Protocol:
    """Record a signed protocol; the Region is always among its original signatories."""
    terms = {"signed_on": signed_on, "duration_months": duration_months, "census_months": census_months,
             "plan_months": plan_months, "monitoring_every_months": monitoring_every_months}
    check_terms(terms, ends=ends_on)
    _region(session, region_id)
    protocol = Protocol(title=title, region_id=region_id, acceptance_rule=acceptance_rule, notes=notes, **terms)
    session.add(protocol)
    ids = list(dict.fromkeys([region_id, *(signatory_ids or [])]))
    for org_id in ids:
        if session.get(Organization, org_id) is None:
            raise Unprocessable("Unknown signatory.", errors={"signatory_ids": [f"Organization {org_id} not found."]})
        protocol.signatories.append(ProtocolSignatory(organization_id=org_id, role=SignatoryRole.ORIGINAL,
                                                      joined_on=signed_on))
    session.flush()
    audit.record(session, action="protocol.create", entity_type="protocol", entity_id=protocol.id,
                 after=protocol_snapshot(protocol) | {"signatory_ids": ids}, actor=actor)
    return protocol


def update_protocol(session: Session, protocol_id: int, changes: dict, *, actor: str) -> Protocol:
    protocol = get_protocol(session, protocol_id)
    before = protocol_snapshot(protocol)
    merged = before | {name: value for name, value in changes.items() if name in FIELDS}
    check_terms(merged, ends=changes.get("ends_on"))
    if "region_id" in changes:
        _region(session, changes["region_id"])
    for name in FIELDS:
        if name in changes:
            setattr(protocol, name, changes[name])
    session.flush()
    audit.record(session, action="protocol.update", entity_type="protocol", entity_id=protocol.id,
                 before=before, after=protocol_snapshot(protocol), actor=actor)
    return protocol


def delete_protocol(session: Session, protocol_id: int, *, actor: str) -> None:
    """Delete a protocol recorded by mistake; one with adhesions or reports is history and stays."""
    protocol = get_protocol(session, protocol_id)
    for model, label in ((AdhesionRequest, "adhesion requests"), (Waiver, "waivers")):
        if session.scalar(select(func.count()).select_from(model).where(model.protocol_id == protocol_id)):
            raise Conflict(f"Protocol {protocol_id} has {label}: it cannot be deleted.")
    for label, has in _HISTORY.items():
        if has(session, protocol_id):
            raise Conflict(f"Protocol {protocol_id} has {label}: it cannot be deleted.")
    audit.record(session, action="protocol.delete", entity_type="protocol", entity_id=protocol.id,
                 before=protocol_snapshot(protocol), actor=actor)
    session.delete(protocol)
    session.flush()


def add_signatory(session: Session, protocol_id: int, organization_id: int, *, actor: str) -> ProtocolSignatory:
    """Add an original signatory (one that signed on the day); later ones join through adhesion."""
    protocol = get_protocol(session, protocol_id)
    if session.get(Organization, organization_id) is None:
        raise Unprocessable("Unknown organization.", errors={"organization_id": ["Does not exist."]})
    if any(s.organization_id == organization_id for s in protocol.signatories):
        raise Conflict("This organization already signed the protocol.", errors={"organization_id": ["Already in."]})
    signatory = ProtocolSignatory(organization_id=organization_id, role=SignatoryRole.ORIGINAL,
                                  joined_on=protocol.signed_on)
    protocol.signatories.append(signatory)
    session.flush()
    audit.record(session, action="protocol.signatory.add", entity_type="protocol", entity_id=protocol.id,
                 after={"organization_id": organization_id, "role": SignatoryRole.ORIGINAL}, actor=actor)
    return signatory


def participating_tenants(session: Session, protocol: Protocol) -> list[tuple[Tenant, ProtocolSignatory]]:
    """Tenants whose municipality signed or adhered to the protocol, with the signatory row."""
    by_org = {s.organization_id: s for s in protocol.signatories}
    tenants = session.scalars(select(Tenant).where(
        Tenant.municipality_id.in_(list(by_org)),
        Tenant.status.in_([TenantStatus.ACTIVE, TenantStatus.SUSPENDED])).order_by(Tenant.name)).all()
    return [(tenant, by_org[tenant.municipality_id]) for tenant in tenants]


def waivers(session: Session, protocol_id: int) -> list[Waiver]:
    return list(session.scalars(select(Waiver).where(Waiver.protocol_id == protocol_id).order_by(Waiver.id)))


def grant_waiver(session: Session, protocol_id: int, *, milestone_key: str, reason: str | None,
                 tenant_id: int | None = None, actor: str) -> Waiver:
    """Waive a milestone for one tenant (or every tenant), always with a reason."""
    protocol = get_protocol(session, protocol_id)
    errors = {}
    if not reason or len(reason.strip()) < 3:
        errors["reason"] = ["A waiver needs its reason."]
    if milestone_key not in milestone_keys(protocol) or milestone_key == "end":
        errors["milestone_key"] = [f"No milestone {milestone_key!r} can be waived in this protocol."]
    if tenant_id is not None and session.get(Tenant, tenant_id) is None:
        errors["tenant"] = ["Unknown tenant."]
    if errors:
        raise Unprocessable("The waiver is not valid.", errors=errors)
    duplicate = session.scalar(select(Waiver).where(
        Waiver.protocol_id == protocol_id, Waiver.milestone_key == milestone_key,
        Waiver.tenant_id.is_(None) if tenant_id is None else Waiver.tenant_id == tenant_id))
    if duplicate is not None:
        raise Conflict("This milestone is already waived.")
    waiver = Waiver(protocol_id=protocol_id, milestone_key=milestone_key, tenant_id=tenant_id,
                    reason=reason.strip(), granted_by=actor)
    session.add(waiver)
    session.flush()
    audit.record(session, action="protocol.waiver.grant", entity_type="protocol_waiver", entity_id=waiver.id,
                 tenant_id=tenant_id, after={"protocol_id": protocol_id, "milestone_key": milestone_key,
                                             "reason": waiver.reason}, actor=actor)
    return waiver
