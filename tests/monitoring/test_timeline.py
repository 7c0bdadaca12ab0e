"""The timeline of the demo protocol, computed from the census, funding and monitoring data."""

from datetime import date

import pytest
from smartregion.errors import Unprocessable
from sqlalchemy import select

from monitoring.services import timeline
from protocol.models import Protocol
from protocol.services import protocols


@pytest.fixture
def tuscan(demo, db):
    return db.scalar(select(Protocol).order_by(Protocol.id))


def _state(line, key, slug):
    return next(s for s in line.states[key] if s.slug == slug)


def test_demo_protocol_has_its_census_due_six_months_after_signature_and_ends_after_24(db, tuscan):
    line = timeline.compute(db, tuscan.id, today=date(2018, 1, 10))
    due = {m.key: m.due_on for m in line.milestones}
    assert due["census"] == date(2018, 6, 27)
    assert due["end"] == date(2019, 12, 27)
    assert due["operational-plan"] == date(2018, 8, 27)
    assert [k for k in due if k.startswith("monitoring-")] == [f"monitoring-{n}" for n in range(1, 8)]
    assert due["monitoring-1"] == date(2018, 3, 27) and due["monitoring-7"] == date(2019, 9, 27)
    assert line.status == "running"


def test_census_states_follow_the_submissions(db, tuscan):
    before = timeline.compute(db, tuscan.id, today=date(2018, 6, 1))
    assert _state(before, "census", "firenze").state == "on-time"
    assert _state(before, "census", "siena").state == "pending"
    after = timeline.compute(db, tuscan.id, today=date(2018, 7, 1))
    assert _state(after, "census", "siena").state == "late"
    assert _state(after, "census", "siena").days_late == 4
    assert _state(after, "census", "firenze").state == "late"  # one schema was returned for corrections


def test_a_clock_past_the_end_shows_the_protocol_ended_and_frozen(db, tuscan):
    at_end = timeline.compute(db, tuscan.id, today=date(2019, 12, 27)).as_dict()
    later = timeline.compute(db, tuscan.id, today=date(2031, 5, 4)).as_dict()
    assert later["status"] == "ended" and later["frozen"] is True
    assert later["as_of"] == date(2019, 12, 27)
    assert later["position"]["percent"] == 100.0
    strip = lambda d: [{k: v for k, v in m.items() if k != "past"} for m in d["milestones"]]  # noqa: E731
    assert strip(later) == strip(at_end)
    census = next(m for m in later["milestones"] if m["key"] == "census")
    siena = next(t for t in census["tenants"] if t["slug"] == "siena")
    assert siena["state"] == "late" and siena["days_late"] == (date(2019, 12, 27) - date(2018, 6, 27)).days


def test_recomputing_gives_the_same_answer(db, tuscan):
    first = timeline.compute(db, tuscan.id, today=date(2018, 9, 1)).as_dict()
    second = timeline.compute(db, tuscan.id, today=date(2018, 9, 1)).as_dict()
    assert first == second


def test_monitoring_reports_of_the_demo_are_done_on_their_dates(db, tuscan):
    line = timeline.compute(db, tuscan.id, today=date(2020, 1, 1))
    first = _state(line, "monitoring-1", "prato")
    assert first.state == "done" and first.done_on == date(2018, 3, 27) and first.days_late == 0
    assert line.regional["end"]["state"] == "done"


def test_a_waiver_needs_a_reason_and_shows_with_it(db, tuscan):
    siena = next(t for t in timeline.compute(db, tuscan.id, today=date(2019, 1, 1)).tenants if t.slug == "siena")
    with pytest.raises(Unprocessable) as refused:
        protocols.grant_waiver(db, tuscan.id, milestone_key="census", reason="  ", tenant_id=siena.id, actor="t")
    assert "reason" in refused.value.errors
    protocols.grant_waiver(db, tuscan.id, milestone_key="census", reason="Commissariamento del comune",
                           tenant_id=siena.id, actor="segreteria")
    state = _state(timeline.compute(db, tuscan.id, today=date(2019, 1, 1)), "census", "siena")
    assert state.state == "waived" and state.waiver_reason == "Commissariamento del comune"


def test_inconsistent_dates_are_refused(db, tuscan):
    with pytest.raises(Unprocessable) as refused:
        protocols.create_protocol(db, title="Rinnovo", region_id=tuscan.region_id, signed_on=date(2020, 1, 1),
                                  duration_months=6, census_months=6, actor="t")
    assert "census_months" in refused.value.errors
    with pytest.raises(Unprocessable) as refused:
        protocols.create_protocol(db, title="Rinnovo", region_id=tuscan.region_id, signed_on=date(2020, 1, 1),
                                  ends_on=date(2019, 1, 1), actor="t")
    assert "ends_on" in refused.value.errors


def test_operational_plan_state_follows_the_funding_plan(db, tuscan):
    from funding.models import OperationalPlan
    from funding.services import plans
    from tenants.models import Organization, OrganizationKind

    towns = db.scalars(select(Organization.id).where(Organization.kind == OrganizationKind.MUNICIPALITY)).all()
    renewal = protocols.create_protocol(db, title="Rinnovo", region_id=tuscan.region_id, signed_on=date(2026, 1, 15),
                                        signatory_ids=list(towns), actor="segreteria")
    drafting = timeline.compute(db, renewal.id, today=date(2026, 8, 1))
    assert _state(drafting, "operational-plan", "firenze").state == "on-time"  # named in the draft plan
    assert _state(drafting, "operational-plan", "siena").state == "pending"
    plan = db.scalar(select(OperationalPlan).where(OperationalPlan.series == "toscana-2026"))
    plans.approve_plan(db, plan.id, actor="segreteria")
    approved_on = plan.approved_at.date()
    line = timeline.compute(db, renewal.id, today=max(approved_on, date(2026, 9, 16)))
    firenze = _state(line, "operational-plan", "firenze")
    assert firenze.state == "done" and firenze.done_on == approved_on
    assert firenze.days_late == max(0, (approved_on - date(2026, 9, 15)).days)
    assert _state(line, "operational-plan", "siena").state == "late"
