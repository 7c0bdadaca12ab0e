"""The jobs console: failed and stuck first, filters, tenants see their own jobs (both locks), audited retry and
cancel for the secretariat, a page in Italian and English."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from tenants.models import Tenant


@pytest.fixture
def jobs_of_the_region(demo, db):
    """Jobs as a working day leaves them: one failed, one whose worker died, one waiting, some ended."""
    from smartregion.jobs import Job, JobState
    from smartregion.jobs.runner import UNEXPECTED_ERROR

    tenant = dict(db.execute(select(Tenant.slug, Tenant.id)).all())
    now = datetime.now(UTC)

    def job(name, state, tenant_slug=None, queue="imports", func="census.inventories.jobs.import_upload",
            age_minutes=5, **values):
        row = Job(id=str(uuid.uuid4()), queue=queue, func=func, kwargs={}, actor="firenze-utility",
                  tenant_id=tenant.get(tenant_slug), description=name, state=state, progress=0, attempts=1,
                  created_at=now - timedelta(minutes=age_minutes), **values)
        db.add(row)
        return row

    made = {
        "failed": job("Import rotto", JobState.FAILED, "firenze", error=UNEXPECTED_ERROR, age_minutes=30),
        "stuck": job("Import orfano", JobState.STARTED, "prato", started_at=now - timedelta(minutes=10),
                     heartbeat_at=now - timedelta(minutes=9), age_minutes=20),
        "queued": job("Import in attesa", JobState.QUEUED, "firenze", age_minutes=1,
                      dispatched_at=now - timedelta(minutes=1)),
        "finished": job("Rapporti di monitoraggio", JobState.FINISHED, None, queue="reports",
                        func="protocol.jobs.issue_monitoring_reports", age_minutes=2),
        "old": job("Import di ieri", JobState.FINISHED, "prato", age_minutes=60 * 26),
    }
    db.commit()
    return {key: row.id for key, row in made.items()} | {"tenants": tenant}


def test_the_region_sees_failed_and_stuck_jobs_first_and_filters_them(as_user, jobs_of_the_region):
    ids = jobs_of_the_region
    seg = as_user("segreteria")
    listed = seg.get("/api/v1/jobs")
    assert listed.status_code == 200
    order = [job["id"] for job in listed.json]
    assert order[:3] == [ids["failed"], ids["stuck"], ids["queued"]]
    assert set(order) == {ids[k] for k in ("failed", "stuck", "queued", "finished", "old")}
    assert [j["stuck"] for j in listed.json[:3]] == [False, True, False]
    assert "X-Pagination" in listed.headers

    def only(query):
        response = seg.get(f"/api/v1/jobs?{query}")
        assert response.status_code == 200, response.json
        return {job["id"] for job in response.json}

    assert only("state=failed&state=started") == {ids["failed"], ids["stuck"]}
    assert only("tenant=prato") == {ids["stuck"], ids["old"]}
    assert only("queue=reports") == {ids["finished"]}
    assert only("kind=protocol") == {ids["finished"]}
    assert only("stuck=true") == {ids["stuck"]}
    today = datetime.now(UTC).date()
    assert only(f"created_from={today}") == {ids[k] for k in ("failed", "stuck", "queued", "finished")}
    assert only(f"created_to={today - timedelta(days=1)}") == {ids["old"]}
    assert seg.get("/api/v1/jobs?state=lost").status_code == 400
    assert seg.get("/api/v1/jobs?tenant=atlantide").status_code == 404
    assert seg.get("/api/v1/jobs?page_size=2").json.__len__() == 2


def test_members_see_only_their_tenants_jobs_through_both_locks(as_user, jobs_of_the_region, db):
    from smartregion import tenancy

    ids = jobs_of_the_region
    firenze = as_user("firenze-comune")
    assert {j["id"] for j in firenze.get("/api/v1/jobs").json} == {ids["failed"], ids["queued"]}
    assert firenze.get("/api/v1/jobs?tenant=prato").status_code == 404
    assert firenze.get(f"/api/v1/jobs/{ids['stuck']}").status_code == 404
    assert firenze.get(f"/api/v1/jobs/{ids['finished']}").status_code == 404
    assert firenze.post(f"/api/v1/jobs/{ids['failed']}/retry").status_code == 403

    # The database refuses the other tenant's rows and the regional ones even to raw SQL.
    with tenancy.tenant_context(ids["tenants"]["firenze"]):
        seen = {row[0] for row in db.execute(text("SELECT id FROM jobs"))}
        db.rollback()
    assert seen == {ids["failed"], ids["queued"]}


def test_the_secretariat_retries_and_cancels_with_an_audit_trail(as_user, jobs_of_the_region, db):
    from smartregion.audit import AuditEvent

    ids = jobs_of_the_region
    seg = as_user("segreteria")
    retried = seg.post(f"/api/v1/jobs/{ids['failed']}/retry")
    assert retried.status_code == 202, retried.json
    assert (retried.json["state"], retried.json["attempts"], retried.json["error"]) == ("queued", 0, None)
    assert seg.post(f"/api/v1/jobs/{ids['stuck']}/retry").status_code == 202
    refused = seg.post(f"/api/v1/jobs/{ids['finished']}/retry")
    assert refused.status_code == 409 and refused.headers["Content-Type"] == "application/problem+json"
    assert "finished" in refused.json["detail"]
    cancelled = seg.post(f"/api/v1/jobs/{ids['queued']}/cancel")
    assert (cancelled.status_code, cancelled.json["state"]) == (200, "cancelled")
    assert seg.post(f"/api/v1/jobs/{ids['finished']}/cancel").status_code == 409
    assert as_user("revisore").post(f"/api/v1/jobs/{ids['failed']}/cancel").status_code == 403
    assert seg.post("/api/v1/jobs/nessuno/retry").status_code == 404

    with db.begin():
        events = db.execute(select(AuditEvent.action, AuditEvent.entity_id, AuditEvent.actor, AuditEvent.tenant_id)
                            .where(AuditEvent.entity_type == "job").order_by(AuditEvent.id)).all()
    tenants = ids["tenants"]
    assert events == [("job.retry", ids["failed"], "segreteria", tenants["firenze"]),
                      ("job.retry", ids["stuck"], "segreteria", tenants["prato"]),
                      ("job.cancel", ids["queued"], "segreteria", tenants["firenze"])]


def test_the_jobs_page_in_italian_and_english_and_its_retry_button(page_client, jobs_of_the_region):
    ids = jobs_of_the_region
    seg = page_client("segreteria")
    page = seg.get("/jobs").get_data(as_text=True)
    assert "Lavori in background" in page and "Il lavoro si è fermato per un errore imprevisto" in page
    assert "bloccato" in page and "Riprova" in page
    assert page.index("Import rotto") < page.index("Import orfano") < page.index("Import in attesa")
    english = page_client("segreteria", lang="en").get("/jobs?state=failed").get_data(as_text=True)
    assert "Background jobs" in english and "The job stopped on an unexpected error" in english
    assert "Import orfano" not in english

    done = seg.post_form("/jobs", f"/jobs/{ids['failed']}/retry", {"next": "/jobs?state=queued"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/jobs?state=queued")
    after = seg.get("/jobs?state=queued").get_data(as_text=True)
    assert "Il lavoro è di nuovo in coda." in after and "Import rotto" in after

    member = page_client("firenze-comune").get("/jobs").get_data(as_text=True)
    assert "Import rotto" in member and "Import orfano" not in member and "Rapporti di monitoraggio" not in member
    assert not re.search(r'data-testid="(retry|cancel)"', member)
    assert page_client("firenze-comune").post(f"/jobs/{ids['failed']}/retry").status_code == 403
