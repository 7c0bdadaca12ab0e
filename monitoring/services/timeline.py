"""The protocol's milestones and each tenant's state on them, computed from the data for a given day.

States: `pending` (not due yet, nothing started), `on-time` (started, not due yet), `late` (due and
not done), `done` (with `days_late` when done after the due date), `waived` (with the reason).
Everything is computed for `as_of = min(today, end of the protocol)`: past the end, the protocol
shows as ended and its final state no longer moves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from smartregion.cache import VersionedCache, data_version
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitoring.models import MonitoringReport
from monitoring.services import sources
from protocol.dates import add_months
from protocol.models import Protocol, ProtocolSignatory, SignatoryRole, Waiver
from protocol.services.calendar import (
    Milestone,
    census_due_on,
    ends_on,
    milestones,
)
from protocol.services.protocols import get_protocol, participating_tenants
from tenants.models import Tenant

PENDING, ON_TIME, LATE, DONE, WAIVED = "pending", "on-time", "late", "done", "waived"
STATES = (PENDING, ON_TIME, LATE, DONE, WAIVED)
@dataclass
class TenantState:
    tenant_id: int
    slug: str
    name: str
    due_on: date
    state: str
    done_on: date | None = None
    days_late: int = 0
    waiver_reason: str | None = None
    detail: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        # dataclasses.asdict deep-copies every detail; with every tenant of a region that was most of the time.
        return {"tenant_id": self.tenant_id, "slug": self.slug, "name": self.name, "due_on": self.due_on,
                "state": self.state, "done_on": self.done_on, "days_late": self.days_late,
                "waiver_reason": self.waiver_reason, "detail": self.detail}


def _state(due: date, as_of: date, progress: sources.Progress | None) -> tuple[str, date | None, int]:
    done_on = progress.done_on if progress else None
    if done_on is not None and done_on <= as_of:
        return DONE, done_on, max(0, (done_on - due).days)
    if as_of > due:
        return LATE, None, (as_of - due).days
    return (ON_TIME if progress and progress.started else PENDING), None, 0


def _waiver_for(waivers: list[Waiver], key: str, tenant_id: int | None) -> Waiver | None:
    specific = [w for w in waivers if w.milestone_key == key and w.tenant_id == tenant_id]
    general = [w for w in waivers if w.milestone_key == key and w.tenant_id is None]
    return (specific or general or [None])[0]


@dataclass
class Timeline:
    protocol: Protocol
    today: date
    as_of: date
    status: str
    milestones: list[Milestone]
    states: dict[str, list[TenantState]]
    regional: dict[str, dict]
    tenants: list[Tenant]

    def position(self) -> dict:
        start, end = self.protocol.signed_on, ends_on(self.protocol)
        total = (end - start).days
        elapsed = min(max((self.today - start).days, 0), total)
        upcoming = next((m.key for m in self.milestones if m.due_on >= self.today), None)
        return {"elapsed_days": elapsed, "total_days": total, "percent": round(100 * elapsed / total, 1),
                "next_milestone": upcoming}

    def as_dict(self) -> dict:
        return {
            "protocol_id": self.protocol.id, "title": self.protocol.title, "signed_on": self.protocol.signed_on,
            "ends_on": ends_on(self.protocol), "today": self.today, "as_of": self.as_of, "status": self.status,
            "frozen": self.status == "ended", "position": self.position(),
            "milestones": [
                {"key": m.key, "kind": m.kind, "label_it": m.label_it, "label_en": m.label_en, "due_on": m.due_on,
                 "provisional": m.provisional, "period_start": m.period_start,
                 "past": m.due_on < self.today, "regional": self.regional.get(m.key),
                 "summary": {state: sum(1 for s in self.states[m.key] if s.state == state) for state in STATES},
                 "tenants": [s.as_dict() for s in self.states[m.key]]}
                for m in self.milestones],
        }

    def matrix(self) -> dict:
        rows = []
        index = {(key, s.tenant_id): s for key, states in self.states.items() for s in states}
        for tenant in self.tenants:
            cells = {}
            for m in self.milestones:
                state = index.get((m.key, tenant.id))
                cells[m.key] = None if state is None else {
                    "state": state.state, "due_on": state.due_on, "days_late": state.days_late,
                    "done_on": state.done_on, "waiver_reason": state.waiver_reason}
            late = [key for key, cell in cells.items() if cell and (cell["state"] == LATE or cell["days_late"])]
            rows.append({"tenant_id": tenant.id, "slug": tenant.slug, "name": tenant.name, "cells": cells,
                         "late_on": late})
        return {"protocol_id": self.protocol.id, "today": self.today, "as_of": self.as_of, "status": self.status,
                "milestones": [{"key": m.key, "due_on": m.due_on, "label_it": m.label_it, "label_en": m.label_en}
                               for m in self.milestones],
                "tenants": rows}


_TIMELINES = VersionedCache()


def compute_cached(session: Session, protocol_id: int, *, today: date) -> Timeline:
    """``compute``, kept while nothing in the region changes (regional scope); callers must not alter it."""
    return _TIMELINES.get_or_build((protocol_id, today), data_version(session),
                                   lambda: compute(session, protocol_id, today=today))


def compute(session: Session, protocol_id: int, *, today: date) -> Timeline:
    """Milestones and per-tenant states of a protocol as they stand on `today` (frozen after its end)."""
    protocol = get_protocol(session, protocol_id)
    end = ends_on(protocol)
    as_of = min(today, end)
    status = "not-started" if today < protocol.signed_on else ("ended" if today >= end else "running")
    joined = participating_tenants(session, protocol)
    joined = [(t, s) for t, s in joined if _joined_on(t, s) <= as_of]
    tenants = [t for t, _ in joined]
    census = sources.census_facts(session, protocol, tenants, as_of)
    census_due = census_due_on(protocol)
    plan_due, provisional = sources.plan_due_on(protocol, census, census_due)
    items = milestones(protocol, plan_due, provisional)
    plan = sources.plan_progress(session, tenants, as_of)
    reports = session.execute(select(MonitoringReport.milestone_key, MonitoringReport.tenant_id,
                                     MonitoringReport.issued_on, MonitoringReport.id)
                              .where(MonitoringReport.protocol_id == protocol.id)).all()
    issued = {(r.milestone_key, r.tenant_id): (r.issued_on, r.id) for r in reports}
    waivers = list(session.scalars(select(Waiver).where(Waiver.protocol_id == protocol.id)))
    states: dict[str, list[TenantState]] = {m.key: [] for m in items}
    for tenant, signatory in joined:
        start = _joined_on(tenant, signatory)
        tenant_census_due = census.due.get(tenant.id) or (
            census_due if start <= protocol.signed_on else add_months(start, protocol.census_months))
        tenant_plan_due = max(plan_due, add_months(tenant_census_due, protocol.plan_months))
        for m in items:
            progress: sources.Progress | None
            if m.kind == "census":
                due, progress = tenant_census_due, census.tenants.get(tenant.id)
            elif m.kind == "operational-plan":
                due, progress = tenant_plan_due, plan.get(tenant.id)
            elif m.kind == "monitoring":
                if m.due_on < start:
                    continue
                due = m.due_on
                report = issued.get((m.key, tenant.id))
                progress = sources.Progress(done_on=report[0], detail={"report_id": report[1]}) if report else None
            else:
                due = m.due_on
                progress = sources.Progress(done_on=end) if as_of >= end else None
            state, done_on, days_late = _state(due, as_of, progress)
            waiver = _waiver_for(waivers, m.key, tenant.id) if m.kind != "end" else None
            reason = None
            if waiver is not None and state != DONE:
                state, days_late, reason = WAIVED, 0, waiver.reason
            states[m.key].append(TenantState(tenant.id, tenant.slug, tenant.name, due, state, done_on, days_late,
                                             reason, (progress.detail or {}) if progress else {}))
    regional = {}
    for m in items:
        if m.kind in ("monitoring", "end"):
            report = issued.get((m.key, None))
            progress = sources.Progress(done_on=report[0]) if report else None
            state, done_on, days_late = _state(m.due_on, as_of, progress)
            regional[m.key] = {"state": state, "done_on": done_on, "days_late": days_late,
                               "report_id": report[1] if report else None}
    return Timeline(protocol, today, as_of, status, items, states, regional, tenants)


def _joined_on(tenant: Tenant, signatory: ProtocolSignatory) -> date:
    if signatory.role == SignatoryRole.ORIGINAL:
        return signatory.joined_on
    return max(signatory.joined_on, tenant.joined_on or signatory.joined_on)
