"""Monitoring reports ("rapporti di monitoraggio"): per tenant and for the region, frozen once issued.

A report covers one monitoring milestone (and the final one at the end of the protocol). Its
content is computed for the milestone's date and kept with the SHA-256 of its canonical JSON.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

from smartregion import audit
from smartregion.errors import NotFound
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from monitoring.models import MonitoringReport
from monitoring.services import sources, timeline
from protocol.models import Protocol
from protocol.services.protocols import protocols_query
from tenants.models import Tenant

REPORTED_KINDS = ("monitoring", "end")


def canonical(content: dict) -> bytes:
    return json.dumps(audit.normalise(content), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(content: dict) -> str:
    return hashlib.sha256(canonical(content)).hexdigest()


def reports_query(protocol_id: int, *, tenant_id: int | None = None, regional: bool = False) -> Select:
    statement = select(MonitoringReport).where(MonitoringReport.protocol_id == protocol_id)
    if regional:
        statement = statement.where(MonitoringReport.tenant_id.is_(None))
    elif tenant_id is not None:
        statement = statement.where(MonitoringReport.tenant_id == tenant_id)
    return statement.order_by(MonitoringReport.period_end, MonitoringReport.tenant_id.nulls_first())


def get_report(session: Session, report_id: int) -> MonitoringReport:
    report = session.get(MonitoringReport, report_id)
    if report is None:
        raise NotFound(f"Monitoring report {report_id} not found.")
    return report


def verify(report: MonitoringReport) -> bool:
    """True when the stored content still matches the hash taken when it was issued."""
    return digest(report.content) == report.sha256


def _tenant_content(session: Session, line: timeline.Timeline, tenant: Tenant, conformance: dict) -> dict:
    states = {key: next((s for s in rows if s.tenant_id == tenant.id), None) for key, rows in line.states.items()}
    states = {key: state for key, state in states.items() if state is not None}
    census = states.get("census")
    return {
        "tenant": {"slug": tenant.slug, "name": tenant.name},
        "census": census and {"state": census.state, "due_on": census.due_on, "done_on": census.done_on,
                              "days_late": census.days_late, **census.detail},
        "operational_plan": (plan := states.get("operational-plan")) and {
            "state": plan.state, "due_on": plan.due_on, "done_on": plan.done_on, "days_late": plan.days_late},
        "projects": sources.projects_summary(session, tenant, line.as_of),
        "conformance": conformance.get("tenants", {}).get(tenant.slug),
        "overdue": [{"milestone": key, "due_on": s.due_on, "days_late": s.days_late}
                    for key, s in states.items() if s is not None and s.state == timeline.LATE],
    }


def build_content(session: Session, protocol: Protocol, milestone: timeline.Milestone, tenant: Tenant | None,
                  *, line: timeline.Timeline | None = None, conformance: dict | None = None) -> dict:
    """The report's content for the milestone's date: states, projects, conformance, overdue items."""
    line = line or timeline.compute(session, protocol.id, today=milestone.due_on)
    conformance = sources.conformance(session) if conformance is None else conformance
    head = {"protocol": {"id": protocol.id, "title": protocol.title}, "milestone": milestone.key,
            "period": {"start": milestone.period_start, "end": milestone.due_on}}
    if tenant is not None:
        return head | _tenant_content(session, line, tenant, conformance)
    rows = [_tenant_content(session, line, t, conformance) for t in line.tenants]
    summary = {m.key: {state: sum(1 for s in line.states[m.key] if s.state == state) for state in timeline.STATES}
               for m in line.milestones if m.due_on <= milestone.due_on}
    return head | {"region": True, "milestones": summary, "tenants": rows,
                   "standards": conformance.get("standards", [])}


def issue_due_reports(session: Session, *, today: date, protocol_id: int | None = None,
                      job_id: str | None = None) -> list[MonitoringReport]:
    """Issue every report whose date has come and that is not issued yet (idempotent)."""
    statement = protocols_query()
    if protocol_id is not None:
        statement = statement.where(Protocol.id == protocol_id)
    issued = []
    for protocol in session.scalars(statement).all():
        existing = {(r.milestone_key, r.tenant_id) for r in session.execute(
            select(MonitoringReport.milestone_key, MonitoringReport.tenant_id)
            .where(MonitoringReport.protocol_id == protocol.id))}
        line = timeline.compute(session, protocol.id, today=today)
        conformance = None
        for milestone in line.milestones:
            if milestone.kind not in REPORTED_KINDS or milestone.due_on > today:
                continue
            subjects = [t for t in line.tenants if any(s.tenant_id == t.id for s in line.states[milestone.key])]
            missing = [t for t in [*subjects, None] if (milestone.key, t.id if t else None) not in existing]
            if not missing:
                continue
            at_date = timeline.compute(session, protocol.id, today=milestone.due_on)
            conformance = sources.conformance(session) if conformance is None else conformance
            for tenant in missing:
                key = (milestone.key, tenant.id if tenant else None)
                content = audit.normalise(build_content(session, protocol, milestone, tenant, line=at_date,
                                                        conformance=conformance))
                report = MonitoringReport(
                    protocol_id=protocol.id, milestone_key=milestone.key, tenant_id=key[1],
                    period_start=milestone.period_start, period_end=milestone.due_on, issued_on=today,
                    content=content, sha256=digest(content), job_id=job_id)
                session.add(report)
                session.flush()
                audit.record(session, action="protocol.monitoring.issue", entity_type="monitoring_report",
                             entity_id=report.id, tenant_id=key[1],
                             after={"milestone": milestone.key, "sha256": report.sha256, "issued_on": today})
                existing.add(key)
                issued.append(report)
    return issued
