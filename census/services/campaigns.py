"""Census campaigns: due dates per tenant, each tenant's state, closing (which opens the plan window)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from smartregion import audit
from smartregion.errors import Conflict, Unprocessable, found
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, lazyload, load_only

from census.models import (
    Campaign,
    CampaignStatus,
    Submission,
    SubmissionStatus,
    SurveySchema,
    TenantCampaignState,
)
from census.surveys import SHIPPED_KEYS
from protocol.models import Protocol
from tenants.models import Tenant, TenantStatus

DONE = (SubmissionStatus.SUBMITTED, SubmissionStatus.ACCEPTED)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def campaign_snapshot(campaign: Campaign) -> dict:
    return {"id": campaign.id, "protocol_id": campaign.protocol_id, "title": campaign.title,
            "opens_on": campaign.opens_on, "due_on": campaign.due_on, "status": campaign.status,
            "schema_keys": campaign.schema_keys, "closed_on": campaign.closed_on,
            "closed_by": campaign.closed_by}


def campaigns_query() -> Select:
    return select(Campaign).order_by(Campaign.opens_on.desc(), Campaign.id.desc())


def get_campaign(session: Session, campaign_id: int, *, for_update: bool = False) -> Campaign:
    statement = select(Campaign).where(Campaign.id == campaign_id)
    return found(session.scalar(statement.with_for_update() if for_update else statement),
                 f"Census campaign {campaign_id} not found.")


def current_campaign(session: Session) -> Campaign | None:
    """The most recent open campaign, if any."""
    return session.scalar(campaigns_query().where(Campaign.status == CampaignStatus.OPEN).limit(1))


def campaign_for_protocol(session: Session, protocol_id: int) -> Campaign | None:
    """The census campaign of a protocol (the protocol module reads `closed_on` from it)."""
    return session.scalar(select(Campaign).where(Campaign.protocol_id == protocol_id))


def create_campaign(session: Session, protocol_id: int, *, title: str | None = None,
                    schema_keys: list[str] | None = None, actor: str) -> Campaign:
    """Open the census of a protocol: from signature, due after the protocol's census months (6)."""
    protocol = session.get(Protocol, protocol_id)
    if protocol is None:
        raise Unprocessable("Unknown protocol.",
                            errors={"protocol_id": [f"Protocol {protocol_id} not found."]})
    keys = list(dict.fromkeys(schema_keys or SHIPPED_KEYS))
    known = set(session.scalars(select(SurveySchema.key).where(SurveySchema.key.in_(keys))))
    if set(keys) - known:
        raise Unprocessable("A campaign collects existing survey schemas.", errors={
            "schema_keys": [f"Unknown survey schema: {key}." for key in keys if key not in known]})
    if campaign_for_protocol(session, protocol_id) is not None:
        raise Conflict(f"Protocol {protocol_id} already has its census campaign.")
    campaign = Campaign(
        protocol_id=protocol.id, title=title or f"Censimento smart city - {protocol.title}"[:300],
        opens_on=protocol.signed_on, due_on=add_months(protocol.signed_on, protocol.census_months),
        schema_keys=keys, status=CampaignStatus.OPEN, created_by=actor)
    session.add(campaign)
    session.flush()
    audit.record(session, action="census.campaign.create", entity_type="census_campaign",
                 entity_id=campaign.id, after=campaign_snapshot(campaign), actor=actor)
    return campaign


def close_campaign(session: Session, campaign_id: int, *, actor: str,
                   closed_on: date | None = None) -> Campaign:
    """Close the census (secretariat): records `closed_on`, which starts the operational plan's window."""
    campaign = get_campaign(session, campaign_id, for_update=True)
    if campaign.status == CampaignStatus.CLOSED:
        raise Conflict(f"Census campaign {campaign_id} was already closed on {campaign.closed_on}.")
    closed_on = closed_on or datetime.now(UTC).date()
    if closed_on < campaign.opens_on:
        raise Unprocessable("A campaign cannot close before it opens.",
                            errors={"closed_on": [f"Must be on or after {campaign.opens_on}."]})
    before = campaign_snapshot(campaign)
    campaign.status, campaign.closed_on, campaign.closed_by = CampaignStatus.CLOSED, closed_on, actor
    session.flush()
    audit.record(session, action="census.campaign.close", entity_type="census_campaign",
                 entity_id=campaign.id, before=before, after=campaign_snapshot(campaign), actor=actor)
    return campaign


def plan_due_on(session: Session, campaign: Campaign) -> date | None:
    """The operational plan's due date: the protocol's plan months (2) after the census closed."""
    if campaign.closed_on is None:
        return None
    protocol = session.get(Protocol, campaign.protocol_id)
    return add_months(campaign.closed_on, protocol.plan_months)


def tenant_due_on(campaign: Campaign, protocol: Protocol, tenant: Tenant) -> date:
    """Due months after signature, or after the tenant's adhesion when it joined later."""
    start = max(campaign.opens_on, tenant.joined_on or campaign.opens_on)
    return add_months(start, protocol.census_months)


@dataclass
class TenantStanding:
    """A tenant's position in a campaign, derived from its submissions."""

    tenant_id: int
    slug: str
    name: str
    due_on: date
    state: TenantCampaignState
    late: bool
    completeness: int
    schemas: dict[str, str] = field(default_factory=dict)
    submissions: int = 0


def _best(statuses: list[SubmissionStatus]) -> str:
    for status in (SubmissionStatus.ACCEPTED, SubmissionStatus.SUBMITTED, SubmissionStatus.RETURNED,
                   SubmissionStatus.DRAFT):
        if status in statuses:
            return status.value
    return "missing"


def standing(campaign: Campaign, protocol: Protocol, tenant: Tenant, submissions: list[Submission],
             today: date) -> TenantStanding:
    due = tenant_due_on(campaign, protocol, tenant)
    by_key: dict[str, list[Submission]] = {}
    for sub in submissions:
        by_key.setdefault(sub.schema_key, []).append(sub)
    schemas = {key: _best([s.status for s in by_key.get(key, [])]) for key in campaign.schema_keys}
    completeness = round(sum(max((s.completeness for s in by_key.get(key, [])), default=0)
                             for key in campaign.schema_keys) / max(1, len(campaign.schema_keys)))
    if all(v == SubmissionStatus.ACCEPTED for v in schemas.values()):
        state = TenantCampaignState.ACCEPTED
    elif all(v in DONE for v in schemas.values()):
        state = TenantCampaignState.SUBMITTED
    else:
        state = TenantCampaignState.IN_PROGRESS if submissions else TenantCampaignState.NOT_STARTED
    # Late: past due with something still not handed in; a closed campaign freezes the clock.
    reference = min(today, campaign.closed_on) if campaign.closed_on else today
    late_submission = any(s.submitted_at and s.submitted_at.date() > due for s in submissions)
    if state in (TenantCampaignState.NOT_STARTED, TenantCampaignState.IN_PROGRESS) and reference > due:
        state = TenantCampaignState.LATE
    late = state == TenantCampaignState.LATE or late_submission
    return TenantStanding(tenant.id, tenant.slug, tenant.name, due, state, late, completeness, schemas,
                          len(submissions))


# What a standing reads of a submission: not its answers and comments (JSON), nor its schema's definition
# and its tenant (joined by default), which would be loaded and decoded once per submission.
STANDING_LOAD = (load_only(Submission.tenant_id, Submission.id, Submission.schema_key, Submission.status,
                           Submission.completeness, Submission.submitted_at),
                 lazyload(Submission.schema), lazyload(Submission.tenant))


def standings(session: Session, campaign: Campaign, *, tenant_ids: list[int] | None = None,
              today: date | None = None) -> list[TenantStanding]:
    """Every participating tenant's standing (or those given); the caller picks the scope."""
    today = today or datetime.now(UTC).date()
    protocol = session.get(Protocol, campaign.protocol_id)
    # Region-wide: the participating tenants; asked by id: those tenants, whatever their status.
    if tenant_ids is None:
        statement = select(Tenant).where(Tenant.status.in_([TenantStatus.ACTIVE, TenantStatus.SUSPENDED]))
    else:
        statement = select(Tenant).where(Tenant.id.in_(tenant_ids))
    tenants = session.scalars(statement.order_by(Tenant.name)).all()
    subs_statement = select(Submission).options(*STANDING_LOAD).where(
        Submission.campaign_id == campaign.id)
    if tenant_ids is not None:
        subs_statement = subs_statement.where(Submission.tenant_id.in_(tenant_ids))
    by_tenant: dict[int, list[Submission]] = {}
    for sub in session.scalars(subs_statement):
        by_tenant.setdefault(sub.tenant_id, []).append(sub)
    return [standing(campaign, protocol, t, by_tenant.get(t.id, []), today) for t in tenants]
