"""The protocol's milestones and each tenant's state on them, computed from the data for a given day.

States: `pending` (not due yet, nothing started), `on-time` (started, not due yet), `late` (due and
not done), `done` (with `days_late` when done after the due date), `waived` (with the reason).
Everything is computed for `as_of = min(today, end of the protocol)`: past the end, the protocol
shows as ended and its final state no longer moves.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from smartregion.cache import VersionedCache, data_version
from smartregion.registry import Tenant
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitoring.models import MonitoringReport
from monitoring.services import sources
from protocol.services import (
    Milestone,
    Protocol,
    ProtocolSignatory,
    SignatoryRole,
    Waiver,
    get_protocol,
    milestones,
    participating_tenants,
)

PENDING, ON_TIME, LATE, DONE, WAIVED = "pending", "on-time", "late", "done", "waived"
STATES = (PENDING, ON_TIME, LATE, DONE, WAIVED)


@dataclass(slots=True)
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


def _waiver_index(waivers: list[Waiver]):
    """The waiver of a milestone for a tenant: its own (the first granted), else the one for every tenant."""
    first: dict[tuple[str, int | None], Waiver] = {}
    for waiver in waivers:
        first.setdefault((waiver.milestone_key, waiver.tenant_id), waiver)

    def waiver_of(key: str, tenant_id: int | None) -> Waiver | None:
        return first.get((key, tenant_id)) or first.get((key, None))

    return waiver_of


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

    def seen_by(self, user) -> Timeline:
        """The timeline as a user may read it: whole for the regional roles, a member's own tenants' rows."""
        if user.is_regional:
            return self
        own = set(user.tenant_slugs)
        return replace(self, states={key: [s for s in rows if s.slug in own] for key, rows in self.states.items()},
                       tenants=[t for t in self.tenants if t.slug in own])

    def position(self) -> dict:
        start, end = self.protocol.signed_on, self.protocol.ends_on
        total = (end - start).days
        elapsed = min(max((self.today - start).days, 0), total)
        upcoming = next((m.key for m in self.milestones if m.due_on >= self.today), None)
        return {"elapsed_days": elapsed, "total_days": total, "percent": round(100 * elapsed / total, 1),
                "next_milestone": upcoming}

    def as_dict(self) -> dict:
        return {
            "protocol_id": self.protocol.id, "title": self.protocol.title, "signed_on": self.protocol.signed_on,
            "ends_on": self.protocol.ends_on, "today": self.today, "as_of": self.as_of, "status": self.status,
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
        keys = [m.key for m in self.milestones]
        by_tenant: dict[int, dict] = {}
        for key, states in self.states.items():
            for s in states:
                by_tenant.setdefault(s.tenant_id, {})[key] = s
        for tenant in self.tenants:
            tenant_id = tenant.id
            own = by_tenant.get(tenant_id, {})
            cells, late = {}, []
            for key in keys:
                state = own.get(key)
                if state is None:
                    cells[key] = None
                    continue
                cells[key] = {"state": state.state, "due_on": state.due_on, "days_late": state.days_late,
                              "done_on": state.done_on, "waiver_reason": state.waiver_reason}
                if state.state == LATE or state.days_late:
                    late.append(key)
            rows.append({"tenant_id": tenant_id, "slug": tenant.slug, "name": tenant.name, "cells": cells,
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
    end = protocol.ends_on
    as_of = min(today, end)
    status = "not-started" if today < protocol.signed_on else ("ended" if today >= end else "running")
    # Each tenant's start once, and the protocol's fields read once: in the loop below, over every tenant
    # and milestone of a region, attribute reads on the ORM objects were most of the time.
    joined = [(t, s, _joined_on(t, s)) for t, s in participating_tenants(session, protocol)]
    joined = [entry for entry in joined if entry[2] <= as_of]
    tenants = [t for t, _, _ in joined]
    census = sources.census_facts(session, protocol, tenants, as_of)
    plan_due, provisional = protocol.plan_due_on(census.closed_on), census.closed_on is None
    items = milestones(protocol, plan_due, provisional)
    plan = sources.plan_progress(session, tenants, as_of)
    reports = session.execute(select(MonitoringReport.milestone_key, MonitoringReport.tenant_id,
                                     MonitoringReport.issued_on, MonitoringReport.id)
                              .where(MonitoringReport.protocol_id == protocol.id)).all()
    issued = {(r.milestone_key, r.tenant_id): (r.issued_on, r.id) for r in reports}
    waivers = list(session.scalars(select(Waiver).where(Waiver.protocol_id == protocol.id)))
    waiver_of = _waiver_index(waivers)
    states: dict[str, list[TenantState]] = {m.key: [] for m in items}
    census_progress, census_dues = census.tenants, census.due
    end_progress = sources.Progress(done_on=end) if as_of >= end else None
    for tenant, _signatory, start in joined:
        tenant_id, slug, name = tenant.id, tenant.slug, tenant.name
        tenant_census_due = census_dues.get(tenant_id) or protocol.census_due_on(start)
        tenant_plan_due = max(plan_due, protocol.plan_due_on(tenant_census_due))
        for m in items:
            kind, key = m.kind, m.key
            progress: sources.Progress | None
            if kind == "census":
                due, progress = tenant_census_due, census_progress.get(tenant_id)
            elif kind == "operational-plan":
                due, progress = tenant_plan_due, plan.get(tenant_id)
            elif kind == "monitoring":
                if m.due_on < start:
                    continue
                due = m.due_on
                report = issued.get((key, tenant_id))
                progress = sources.Progress(done_on=report[0], detail={"report_id": report[1]}) if report else None
            else:
                due, progress = m.due_on, end_progress
            state, done_on, days_late = _state(due, as_of, progress)
            waiver = waiver_of(key, tenant_id) if waivers and kind != "end" else None
            reason = None
            if waiver is not None and state != DONE:
                state, days_late, reason = WAIVED, 0, waiver.reason
            states[key].append(TenantState(tenant_id, slug, name, due, state, done_on, days_late, reason,
                                           (progress.detail or {}) if progress else {}))
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
