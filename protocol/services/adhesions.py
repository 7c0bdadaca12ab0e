"""Adhesions ("adesioni"): a later organization asks to join, the original signatories decide.

When the protocol's acceptance rule is met the organization becomes a signatory; a municipality
also gets its tenant (with its lead participated company), accepted at once, so that its
identity-provider group is provisioned by a job and its own census clock starts on that day.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from smartregion import audit, jobs
from smartregion.audit import AuditEvent
from smartregion.errors import Conflict, NotFound, Unprocessable
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from protocol.models import (
    AcceptanceRule,
    AdhesionDecision,
    AdhesionRequest,
    AdhesionStatus,
    Decision,
    Protocol,
    ProtocolSignatory,
    SignatoryRole,
)
from protocol.services.calendar import ends_on
from protocol.services.protocols import get_protocol
from tenants import services as tenant_services
from tenants.models import Organization, OrganizationKind, Tenant
from tenants.validators import municipality_name

MAY_ADHERE = (OrganizationKind.MUNICIPALITY, OrganizationKind.UNION_OF_MUNICIPALITIES, OrganizationKind.UNIVERSITY,
              OrganizationKind.RESEARCH_CENTRE, OrganizationKind.PARTICIPATED_COMPANY)


# What the domains above do when a municipality is admitted with its new tenant (monitoring: its
# representative receives the deadline notices). Each registers its listener at start-up, by name.
_ON_ADMISSION: dict[str, Callable[[Session, Protocol, AdhesionRequest], None]] = {}


def on_admission(name: str, listener: Callable[[Session, Protocol, AdhesionRequest], None]) -> None:
    """Call `listener(session, protocol, request)` when an admission opens a tenant, in its transaction."""
    _ON_ADMISSION[name] = listener


def request_snapshot(request: AdhesionRequest) -> dict:
    return {"id": request.id, "protocol_id": request.protocol_id, "organization_id": request.organization_id,
            "lead_company_id": request.lead_company_id, "tenant_slug": request.tenant_slug,
            "representative_name": request.representative_name,
            "representative_role": request.representative_role, "requested_on": request.requested_on,
            "status": request.status, "reason": request.reason, "decided_on": request.decided_on,
            "tenant_id": request.tenant_id}


def slug_for(name: str) -> str:
    """`Comune di Collesalvetti` -> `collesalvetti`."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    plain = re.sub(r"^(comune|citta|unione dei comuni|unione)\s+(di|del|della|dei)?\s*", "", plain)
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:63]


def requests_query(protocol_id: int, *, status: str | None = None) -> Select:
    statement = select(AdhesionRequest).where(AdhesionRequest.protocol_id == protocol_id).order_by(AdhesionRequest.id)
    if status:
        statement = statement.where(AdhesionRequest.status == status)
    return statement


def get_request(session: Session, protocol_id: int, request_id: int, *, for_update: bool = False) -> AdhesionRequest:
    statement = select(AdhesionRequest).where(AdhesionRequest.protocol_id == protocol_id,
                                              AdhesionRequest.id == request_id)
    request = session.scalar(statement.with_for_update(of=AdhesionRequest) if for_update else statement)
    if request is None:
        raise NotFound(f"Adhesion request {request_id} not found.")
    return request


def _organization(session: Session, organization_id: int | None, fields: dict | None, label: str) -> Organization:
    if organization_id is not None:
        org = session.get(Organization, organization_id)
        if org is None:
            raise Unprocessable("Unknown organization.", errors={label: [f"Organization {organization_id} not found."]})
        return org
    if not fields:
        raise Unprocessable("The request names the organization.", errors={label: ["Missing data for required field."]})
    for column in ("istat_code", "vat_number"):
        if fields.get(column):
            existing = session.scalar(select(Organization).where(getattr(Organization, column) == fields[column]))
            if existing is not None:
                return existing
    return tenant_services.create_organization(session, **fields)


def request_adhesion(session: Session, protocol_id: int, *, representative_name: str, representative_role: str,
                     accepts_objectives: bool, accepts_conditions: bool, requested_on: date,
                     organization_id: int | None = None, organization: dict | None = None,
                     lead_company_id: int | None = None, lead_company: dict | None = None,
                     tenant_slug: str | None = None, representative_email: str | None = None,
                     actor: str) -> AdhesionRequest:
    """Record a request to join, with the representative's acceptance of objectives and conditions."""
    protocol = get_protocol(session, protocol_id)
    errors = {}
    if not accepts_objectives:
        errors["accepts_objectives"] = ["The protocol's objectives must be accepted."]
    if not accepts_conditions:
        errors["accepts_conditions"] = ["The protocol's conditions must be accepted."]
    if requested_on < protocol.signed_on:
        errors["requested_on"] = [f"The protocol was signed on {protocol.signed_on}."]
    if errors:
        raise Unprocessable("The adhesion request is not valid.", errors=errors)
    if requested_on >= ends_on(protocol):
        raise Conflict(f"The protocol ended on {ends_on(protocol)}: it no longer accepts adhesions.")
    org = _organization(session, organization_id, organization, "organization")
    if org.kind not in MAY_ADHERE:
        raise Unprocessable(f"A {org.kind} cannot adhere to the protocol.",
                            errors={"organization": [f"Must be one of: {', '.join(MAY_ADHERE)}."]})
    if any(s.organization_id == org.id for s in protocol.signatories):
        raise Conflict(f"{org.name} is already a signatory of this protocol.",
                       errors={"organization": ["Already admitted."]})
    if session.scalar(select(AdhesionRequest.id).where(
            AdhesionRequest.protocol_id == protocol.id, AdhesionRequest.organization_id == org.id,
            AdhesionRequest.status == AdhesionStatus.PENDING)) is not None:
        raise Conflict(f"{org.name} already has a pending request.", errors={"organization": ["Pending request."]})
    lead, slug = None, None
    if org.kind == OrganizationKind.MUNICIPALITY:
        if session.scalar(select(Tenant.id).where(Tenant.municipality_id == org.id)) is not None:
            raise Conflict(f"{org.name} already has a tenant.", errors={"organization": ["Already a tenant."]})
        if lead_company_id is None and not lead_company:
            raise Unprocessable("A municipality names its lead participated company.",
                                errors={"lead_company": ["Missing data for required field."]})
        lead_fields = None if lead_company is None else {"kind": OrganizationKind.PARTICIPATED_COMPANY, **lead_company}
        lead = _organization(session, lead_company_id, lead_fields, "lead_company")
        if lead.kind != OrganizationKind.PARTICIPATED_COMPANY:
            raise Unprocessable(f"{lead.name} is not a participated company.",
                                errors={"lead_company": ["Must be a participated company."]})
        slug = tenant_slug or slug_for(municipality_name(org.istat_code) or org.name)
        if session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
            raise Conflict(f"The tenant slug {slug!r} is already taken.", errors={"tenant_slug": ["Already in use."]})
    request = AdhesionRequest(
        protocol_id=protocol.id, organization_id=org.id, lead_company_id=lead.id if lead else None,
        tenant_slug=slug, representative_name=representative_name, representative_role=representative_role,
        representative_email=representative_email, accepts_objectives=True, accepts_conditions=True,
        requested_on=requested_on, status=AdhesionStatus.PENDING, created_by=actor)
    session.add(request)
    session.flush()
    audit.record(session, action="protocol.adhesion.request", entity_type="adhesion_request", entity_id=request.id,
                 after=request_snapshot(request), actor=actor)
    return request


def original_signatories(protocol: Protocol) -> list[ProtocolSignatory]:
    return [s for s in protocol.signatories if s.role == SignatoryRole.ORIGINAL]


def rule_outcome(protocol: Protocol, decisions: list[AdhesionDecision]) -> str | None:
    """`admitted`, `refused`, or None while the acceptance rule can still go either way."""
    voters = original_signatories(protocol)
    accepted = {d.signatory_id for d in decisions if d.decision == Decision.ACCEPT}
    refused = {d.signatory_id for d in decisions if d.decision == Decision.REFUSE}
    if protocol.acceptance_rule == AcceptanceRule.REGION_AND_MAJORITY:
        region = next((s.id for s in voters if s.organization_id == protocol.region_id), None)
        if region in refused or 2 * (len(voters) - len(refused)) <= len(voters):
            return AdhesionStatus.REFUSED
        if region in accepted and 2 * len(accepted) > len(voters):
            return AdhesionStatus.ADMITTED
        return None
    if refused:
        return AdhesionStatus.REFUSED
    if all(s.id in accepted for s in voters):
        return AdhesionStatus.ADMITTED
    return None


def decide(session: Session, protocol_id: int, request_id: int, *, organization_id: int, decision: str,
           reason: str | None, decided_on: date, actor: str) -> tuple[AdhesionRequest, jobs.Job | None]:
    """Record one original signatory's acceptance (or refusal, with a reason); apply the rule."""
    protocol = get_protocol(session, protocol_id)
    request = get_request(session, protocol_id, request_id, for_update=True)
    if request.status != AdhesionStatus.PENDING:
        raise Conflict(f"The request is {request.status}: no more decisions are taken on it.")
    signatory = next((s for s in original_signatories(protocol) if s.organization_id == organization_id), None)
    if signatory is None:
        raise Unprocessable("Only the original signatories decide on an adhesion.",
                            errors={"organization_id": ["Not an original signatory of this protocol."]})
    if any(d.signatory_id == signatory.id for d in request.decisions):
        raise Conflict(f"{signatory.organization.name} has already decided on this request.",
                       errors={"organization_id": ["Already decided."]})
    if decision == Decision.REFUSE and not (reason and reason.strip()):
        raise Unprocessable("A refusal gives its reason.", errors={"reason": ["Missing data for required field."]})
    if decided_on < request.requested_on:
        raise Unprocessable("A decision cannot precede the request.",
                            errors={"decided_on": [f"Must be on or after {request.requested_on}."]})
    item = AdhesionDecision(request_id=request.id, signatory_id=signatory.id, decision=decision,
                            reason=(reason or "").strip() or None, decided_on=decided_on, decided_by=actor)
    session.add(item)
    session.flush()
    session.refresh(request, ["decisions"])
    audit.record(session, action=f"protocol.adhesion.{decision}", entity_type="adhesion_request",
                 entity_id=request.id, after={"organization_id": organization_id, "decision": decision,
                                              "reason": item.reason, "decided_on": decided_on}, actor=actor)
    outcome = rule_outcome(protocol, request.decisions)
    if outcome == AdhesionStatus.ADMITTED:
        return request, _admit(session, protocol, request, decided_on, actor)
    if outcome == AdhesionStatus.REFUSED:
        refusals = [f"{d.signatory.organization.name}: {d.reason}" for d in request.decisions
                    if d.decision == Decision.REFUSE]
        _close(session, request, AdhesionStatus.REFUSED, "; ".join(refusals), decided_on, actor)
    return request, None


def _close(session: Session, request: AdhesionRequest, status: str, reason: str | None, day: date,
           actor: str) -> None:
    before = request_snapshot(request)
    request.status, request.reason, request.decided_on = status, reason, day
    session.flush()
    audit.record(session, action=f"protocol.adhesion.{status}", entity_type="adhesion_request",
                 entity_id=request.id, tenant_id=request.tenant_id, before=before, after=request_snapshot(request),
                 actor=actor)


def _admit(session: Session, protocol: Protocol, request: AdhesionRequest, day: date, actor: str) -> jobs.Job | None:
    protocol.signatories.append(ProtocolSignatory(organization_id=request.organization_id,
                                                  role=SignatoryRole.ADHERENT, joined_on=day))
    job = None
    if request.organization.kind == OrganizationKind.MUNICIPALITY:
        tenant = tenant_services.create_tenant(session, slug=request.tenant_slug,
                                               municipality_id=request.organization_id,
                                               lead_company_id=request.lead_company_id, joined_on=day)
        tenant, job = tenant_services.accept_tenant(session, tenant.slug)
        request.tenant_id = tenant.id
        for listener in _ON_ADMISSION.values():
            listener(session, protocol, request)
    _close(session, request, AdhesionStatus.ADMITTED, None, day, actor)
    return job


def withdraw(session: Session, protocol_id: int, request_id: int, *, reason: str | None, day: date,
             actor: str) -> AdhesionRequest:
    """The organization withdraws its pending request; the reason is kept."""
    request = get_request(session, protocol_id, request_id, for_update=True)
    if not (reason and reason.strip()):
        raise Unprocessable("A withdrawal gives its reason.", errors={"reason": ["Missing data for required field."]})
    if request.status != AdhesionStatus.PENDING:
        raise Conflict(f"The request is {request.status}: only a pending request can be withdrawn.")
    _close(session, request, AdhesionStatus.WITHDRAWN, reason.strip(), day, actor)
    return request


# --- what happened to a request ------------------------------------------------------------------

@dataclass
class Step:
    """One step of a request: recorded, a signatory's decision, its closing, the tenant it opened."""

    kind: str  # requested | accept | refuse | admitted | refused | withdrawn | tenant-opened
    on: date
    by: str | None = None
    organization: str | None = None
    reason: str | None = None
    at: datetime | None = None


def pending_voters(protocol: Protocol, request: AdhesionRequest) -> list[ProtocolSignatory]:
    """The original signatories that have not decided on the request yet."""
    decided = {d.signatory_id for d in request.decisions}
    return [s for s in original_signatories(protocol) if s.id not in decided]


def admission_job(session: Session, request: AdhesionRequest) -> jobs.Job | None:
    """The job that provisions the identity group of the tenant an admission opened, if any."""
    if request.tenant_id is None:
        return None
    return session.scalar(select(jobs.Job).where(jobs.Job.func == "tenants.jobs.provision_group",
                                                 jobs.Job.tenant_id == request.tenant_id)
                          .order_by(jobs.Job.created_at.desc()).limit(1))


def history(session: Session, request: AdhesionRequest) -> list[Step]:
    """The request's steps in order; who closed it and when come from the audit log."""
    steps = [Step("requested", request.requested_on, by=request.created_by, organization=request.organization.name,
                  at=request.created_at)]
    steps += [Step(d.decision, d.decided_on, by=d.decided_by, organization=d.signatory.organization.name,
                   reason=d.reason, at=d.created_at) for d in request.decisions]
    if request.status != AdhesionStatus.PENDING:
        closing = session.scalar(select(AuditEvent).where(
            AuditEvent.entity_type == "adhesion_request", AuditEvent.entity_id == str(request.id),
            AuditEvent.action == f"protocol.adhesion.{request.status}").order_by(AuditEvent.id.desc()).limit(1))
        steps.append(Step(request.status, request.decided_on or request.requested_on, reason=request.reason,
                          by=closing.actor if closing else None, at=closing.at if closing else None))
    if request.tenant_id is not None:
        tenant = session.get(Tenant, request.tenant_id)
        steps.append(Step("tenant-opened", request.decided_on or request.requested_on,
                          organization=tenant.slug if tenant else request.tenant_slug))
    return steps
