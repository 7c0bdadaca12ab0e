"""What the other domains say about a tenant's obligations, read through their public services.

Each reader answers for a given day (`as_of`), so that a timeline computed twice is the same and a
clock moved past the end of the protocol sees the data as they stood on its last day. A domain that
is not enabled answers nothing, and its milestones then follow the calendar alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session, load_only

from protocol.dates import add_months
from protocol.models import Protocol
from tenants.models import Tenant


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
    from census.models import Submission, SubmissionStatus

    campaign = census.campaign_for_protocol(session, protocol.id)
    if campaign is None:
        return CensusFacts(None, None, {}, {})
    ids = [t.id for t in tenants]
    standings = {s.tenant_id: s for s in census.standings(session, campaign, tenant_ids=ids, today=as_of)}
    handed_in: dict[int, dict[str, date]] = {}
    statement = (census.submissions_query(campaign_id=campaign.id).where(Submission.tenant_id.in_(ids))
                 .options(*census.STANDING_LOAD))
    for sub in session.scalars(statement):
        if sub.status in (SubmissionStatus.SUBMITTED, SubmissionStatus.ACCEPTED) and sub.submitted_at:
            day = sub.submitted_at.date()
            keys = handed_in.setdefault(sub.tenant_id, {})
            keys[sub.schema_key] = min(keys.get(sub.schema_key, day), day)
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
    from funding.models import OperationalPlan, PlanMunicipality, PlanStatus
    from funding.services import plans

    # The plans' documents (JSON snapshots) are not needed to know which plan was approved when.
    by_plan = {plan.id: plan for plan in session.scalars(plans.plans_query().options(load_only(
        OperationalPlan.id, OperationalPlan.series, OperationalPlan.version, OperationalPlan.status,
        OperationalPlan.approved_at)))}
    ids = [t.id for t in tenants]
    progress: dict[int, Progress] = {}
    entries = session.execute(select(PlanMunicipality.tenant_id, PlanMunicipality.plan_id, PlanMunicipality.project_ids)
                              .where(PlanMunicipality.tenant_id.in_(ids))).all()
    for tenant_id, plan_id, project_ids in entries:
        plan = by_plan.get(plan_id)
        if plan is None:
            continue
        item = progress.setdefault(tenant_id, Progress(detail={"plans": []}))
        approved = plan.approved_at.date() if plan.approved_at else None
        if plan.status in (PlanStatus.APPROVED, PlanStatus.SUPERSEDED) and approved and approved <= as_of:
            item.done_on = min(item.done_on or approved, approved)
        item.started = True
        item.detail["plans"].append({"series": plan.series, "version": plan.version, "status": plan.status,
                                     "projects": len(project_ids or [])})
    return progress


def projects_summary(session: Session, tenant: Tenant, as_of: date) -> dict:
    """The tenant's project cards: how many, their cost, funding secured, milestones met and overdue."""
    if not enabled("funding"):
        return {}
    from funding.services import projects as funding_projects

    items = session.scalars(funding_projects.projects_query(tenant.id)).unique().all()
    summary = {"projects": len(items), "by_status": {}, "total_cost_cents": 0, "funding_secured_cents": 0,
               "milestones": 0, "milestones_done": 0, "milestones_overdue": 0, "average_progress_pct": None,
               "overdue": []}
    for project in items:
        summary["by_status"][project.status] = summary["by_status"].get(project.status, 0) + 1
        summary["total_cost_cents"] += project.total_cost_cents or 0
        summary["funding_secured_cents"] += sum(item.amount_cents for item in project.funding_items)
        for milestone in project.milestones:
            summary["milestones"] += 1
            if milestone.done_on and milestone.done_on <= as_of:
                summary["milestones_done"] += 1
            elif milestone.due_on < as_of:
                summary["milestones_overdue"] += 1
                summary["overdue"].append({"project": project.title, "milestone": milestone.title,
                                           "due_on": milestone.due_on.isoformat()})
    if items:
        summary["average_progress_pct"] = round(sum(p.progress_pct or 0 for p in items) / len(items))
    return summary


def conformance(session: Session) -> dict:
    """Conformance of the data feeds to the regional standards, per tenant (counters when issued)."""
    if not enabled("interoperability"):
        return {}
    import importlib

    reader = None
    for name in ("interoperability.services", "interoperability.conformance"):
        try:
            reader = reader or getattr(importlib.import_module(name), "conformance", None)
        except ImportError:
            continue
    if reader is None:
        return {}
    result = reader(session)
    return {"tenants": {row["tenant"]: {"received": row["received"], "accepted": row["accepted"],
                                        "share": row["share"]} for row in result["tenants"]},
            "standards": result["standards"]}


def plan_due_on(protocol: Protocol, census: CensusFacts, census_due: date) -> tuple[date, bool]:
    """The plan's due date: plan months after the census closed; provisional while it is open."""
    if census.closed_on is not None:
        return add_months(census.closed_on, protocol.plan_months), False
    return add_months(census_due, protocol.plan_months), True
