"""What the other domains say about a tenant's obligations, read through their public services.

Each reader answers for a given day (`as_of`), so that a timeline computed twice is the same and a
clock moved past the end of the protocol sees the data as they stood on its last day. A domain that
is not enabled answers nothing, and its milestones then follow the calendar alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app, has_app_context
from smartregion.registry import Tenant
from sqlalchemy.orm import Session

from protocol.services import Protocol


def enabled(module: str) -> bool:
    if not has_app_context():
        return True
    return module in current_app.config.get("MODULES", [])


@dataclass
class Progress:
    """A tenant's work on one obligation: done (and when), started, or nothing yet."""

    done_on: date | None = None
    started: bool = False
    detail: dict | None = None


# --- census --------------------------------------------------------------------------------------

@dataclass
class CensusFacts:
    campaign_id: int | None
    closed_on: date | None
    tenants: dict[int, Progress]
    due: dict[int, date]


def census_facts(session: Session, protocol: Protocol, tenants: list[Tenant], as_of: date) -> CensusFacts:
    """Each tenant's census due date and progress, from the census campaign of the protocol."""
    if not enabled("census"):
        return CensusFacts(None, None, {}, {})
    from census import services as census

    campaign = census.campaign_for_protocol(session, protocol.id)
    if campaign is None:
        return CensusFacts(None, None, {}, {})
    ids = [t.id for t in tenants]
    standings = {s.tenant_id: s for s in census.standings(session, campaign, tenant_ids=ids, today=as_of)}
    handed_in = census.handed_in_on(session, campaign.id, ids)
    progress, due = {}, {}
    for tenant in tenants:
        standing = standings.get(tenant.id)
        if standing is None:
            continue
        due[tenant.id] = census.tenant_due_on(campaign, protocol, tenant)
        days = handed_in.get(tenant.id, {})
        complete = all(key in days for key in campaign.schema_keys)
        done_on = max(days.values()) if complete and days else None
        if done_on is not None and done_on > as_of:
            done_on = None
        progress[tenant.id] = Progress(
            done_on=done_on, started=standing.submissions > 0,
            detail={"census_state": str(standing.state), "completeness": standing.completeness,
                    "schemas": dict(standing.schemas)})
    closed_on = campaign.closed_on if campaign.closed_on and campaign.closed_on <= as_of else None
    return CensusFacts(campaign.id, closed_on, progress, due)


# --- operational plan ----------------------------------------------------------------------------

def plan_progress(session: Session, tenants: list[Tenant], as_of: date) -> dict[int, Progress]:
    """A tenant's part of the operational plan is done when an approved version names it."""
    if not enabled("funding"):
        return {}
    from funding import services as funding

    progress: dict[int, Progress] = {}
    for entry in funding.plan_entries(session, [t.id for t in tenants]):
        item = progress.setdefault(entry.tenant_id, Progress(detail={"plans": []}))
        approved = entry.approved_at.date() if entry.approved_at else None
        in_force = entry.status in (funding.PlanStatus.APPROVED, funding.PlanStatus.SUPERSEDED)
        if in_force and approved and approved <= as_of:
            item.done_on = min(item.done_on or approved, approved)
        item.started = True
        item.detail["plans"].append({"series": entry.series, "version": entry.version, "status": entry.status,
                                     "projects": entry.projects})
    return progress


def projects_summary(session: Session, tenant: Tenant, as_of: date) -> dict:
    """The tenant's project cards: how many, their cost, funding secured, milestones met and overdue."""
    if not enabled("funding"):
        return {}
    from funding.services import projects_summary as summary_of

    return summary_of(session, tenant.id, as_of)


def conformance(session: Session) -> dict:
    """Conformance of the data feeds to the regional standards, per tenant (counters when issued)."""
    if not enabled("interoperability"):
        return {}
    from interoperability.services import conformance as read_conformance

    result = read_conformance(session)
    return {"tenants": {row["tenant"]: {"received": row["received"], "accepted": row["accepted"],
                                        "share": row["share"]} for row in result["tenants"]},
            "standards": result["standards"]}
