"""Monitoring reports: issued by a job for each period, frozen with their SHA-256."""

from datetime import date

import psycopg
import pytest
from smartregion import jobs
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from monitoring.models import MonitoringReport
from monitoring.services import reports as monitoring
from protocol.models import Protocol
from protocol.services import protocols
from tenants.models import Organization, OrganizationKind


@pytest.fixture
def tuscan(demo, db):
    return db.scalar(select(Protocol).order_by(Protocol.id))


def _renewal(db, signed_on):
    region = db.scalar(select(Organization).where(Organization.kind == OrganizationKind.REGION))
    towns = db.scalars(select(Organization.id).where(Organization.kind == OrganizationKind.MUNICIPALITY)).all()
    protocol = protocols.create_protocol(db, title="Rinnovo del protocollo smart city", region_id=region.id,
                                         signed_on=signed_on, signatory_ids=list(towns), actor="segreteria")
    db.commit()
    return protocol


def test_demo_reports_are_frozen_and_verified(as_user, tuscan):
    auditor = as_user("revisore")
    regional = auditor.get(f"/api/v1/protocols/{tuscan.id}/monitoring-reports", query_string={"regional": "true"})
    assert regional.status_code == 200
    assert [r["milestone_key"] for r in regional.json] == [f"monitoring-{n}" for n in range(1, 8)] + ["end"]
    assert regional.json[0]["issued_on"] == "2018-03-27"
    detail = auditor.get(f"/api/v1/monitoring-reports/{regional.json[1]['id']}").json
    assert detail["verified"] is True
    assert detail["content"]["period"] == {"start": "2018-03-27", "end": "2018-06-27"}
    assert {row["tenant"]["slug"] for row in detail["content"]["tenants"]} == {
        "firenze", "prato", "pisa", "grosseto", "siena"}

    firenze = as_user("firenze-comune")
    own = firenze.get(f"/api/v1/protocols/{tuscan.id}/monitoring-reports", query_string={"tenant": "firenze"})
    assert own.status_code == 200 and len(own.json) == 8
    late = firenze.get(f"/api/v1/monitoring-reports/{own.json[2]['id']}").json["content"]
    assert late["census"]["state"] == "late"
    assert any(item["milestone"] == "census" for item in late["overdue"])
    other = firenze.get(f"/api/v1/protocols/{tuscan.id}/monitoring-reports", query_string={"tenant": "prato"})
    assert other.status_code == 404


def test_a_report_cannot_be_changed_by_the_app_or_the_owner(db, tuscan, owner_url):
    report = db.scalar(select(MonitoringReport).order_by(MonitoringReport.id).limit(1))
    with pytest.raises(DBAPIError):
        db.execute(text("UPDATE protocol_monitoring_reports SET content = '{}' WHERE id = :id"), {"id": report.id})
    db.rollback()
    conninfo = make_url(owner_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as conn, pytest.raises(psycopg.errors.IntegrityConstraintViolation):
        conn.execute("DELETE FROM protocol_monitoring_reports WHERE id = %s", (report.id,))
    assert monitoring.verify(db.get(MonitoringReport, report.id))


def test_the_reports_job_issues_what_is_due_once(as_user, db, demo, rq_worker, wait_for_job):
    renewal = _renewal(db, date(2026, 1, 15))
    seg = as_user("segreteria")
    url = f"/api/v1/protocols/{renewal.id}/monitoring-reports"
    accepted = seg.post(url, json={"today": "2026-07-20"})
    assert accepted.status_code == 202
    job = wait_for_job(accepted.json["job_id"])
    assert job["state"] == "finished", job
    assert job["result"]["issued"] == 12  # two periods: five tenants and the region each
    again = wait_for_job(seg.post(url, json={"today": "2026-07-20"}).json["job_id"])
    assert again["result"]["issued"] == 0
    rows = seg.get(url, query_string={"regional": "true"}).json
    assert [(r["milestone_key"], r["period_end"]) for r in rows] == [("monitoring-1", "2026-04-15"),
                                                                     ("monitoring-2", "2026-07-15")]
    assert all(len(r["sha256"]) == 64 for r in rows)


def test_daily_jobs_are_registered(app):
    assert {"monitoring.jobs.issue_monitoring_reports", "monitoring.jobs.send_deadline_notices"} <= set(jobs.PERIODIC)
