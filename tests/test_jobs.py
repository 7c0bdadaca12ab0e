"""Jobs run on a real RQ worker process; accepting a tenant provisions its identity group."""

import requests
from sqlalchemy import select

from tenants.models import Tenant


def _create_pending_tenant(seg):
    town = seg.post("/api/v1/organizations", json={"kind": "municipality", "name": "Comune di Collesalvetti",
                                                   "istat_code": "049008"}).json
    company = seg.post("/api/v1/organizations", json={"kind": "participated-company",
                                                      "name": "ASA Esempio S.p.A.", "vat_number": "01234560488"}).json
    response = seg.post("/api/v1/tenants", json={"slug": "collesalvetti", "municipality_id": town["id"],
                                                 "lead_company_id": company["id"]})
    assert response.status_code == 201, response.json


def _admin_token(live_server):
    response = requests.post(f"{live_server}/realms/smartregion/protocol/openid-connect/token",
                             data={"grant_type": "client_credentials", "client_id": "smartregion-admin",
                                   "client_secret": "development-admin-secret"}, timeout=10)
    return response.json()["access_token"]


def test_accepting_a_tenant_provisions_its_group_through_a_real_worker(as_user, rq_worker, wait_for_job,
                                                                       live_server, db):
    seg = as_user("segreteria")
    _create_pending_tenant(seg)
    accepted = seg.post("/api/v1/tenants/collesalvetti/accept")
    assert accepted.status_code == 202
    job_id = accepted.json["job_id"]

    job = wait_for_job(job_id)
    assert job["state"] == "finished", job
    assert job["progress"] == 100
    assert job["result"]["path"] == "/tenants/collesalvetti"
    assert job["result"]["created"] is True

    seen = seg.get(f"/api/v1/jobs/{job_id}")
    assert seen.status_code == 200
    assert seen.json["state"] == "finished"
    assert seen.json["result"]["path"] == "/tenants/collesalvetti"

    headers = {"Authorization": f"Bearer {_admin_token(live_server)}"}
    group = requests.get(f"{live_server}/admin/realms/smartregion/group-by-path/tenants/collesalvetti",
                         headers=headers, timeout=10)
    assert group.status_code == 200
    assert group.json()["path"] == "/tenants/collesalvetti"
    assert db.scalar(select(Tenant.keycloak_group).where(Tenant.slug == "collesalvetti")) == "/tenants/collesalvetti"

    # Idempotent: running the provisioning again creates nothing new.
    from smartregion.db import get_session
    from smartregion.jobs import enqueue
    from smartregion.tenancy import regional_scope

    with seg.client.application.test_request_context(), regional_scope():
        session = get_session()
        again = enqueue(session, "default", "tenants.jobs.provision_group", slug="collesalvetti")
        session.commit()
    second = wait_for_job(again.id)
    assert second["state"] == "finished"
    assert second["result"]["created"] is False
    children = requests.get(f"{live_server}/admin/realms/smartregion/group-by-path/tenants", headers=headers,
                            timeout=10).json()["subGroups"]
    assert [c["name"] for c in children].count("collesalvetti") == 1


def test_a_failing_job_records_its_error(app, rq_worker, wait_for_job, demo):
    from smartregion.db import get_session
    from smartregion.jobs import enqueue
    from smartregion.tenancy import regional_scope

    with app.test_request_context(), regional_scope():
        session = get_session()
        job = enqueue(session, "default", "tenants.jobs.provision_group", slug="Not A Valid/Group")
        session.commit()
    result = wait_for_job(job.id)
    assert result["state"] == "failed"
    assert result["error"]


def test_members_cannot_see_other_tenants_jobs(as_user, app, demo):
    from smartregion.db import get_session
    from smartregion.jobs import enqueue
    from smartregion.tenancy import regional_scope

    with app.test_request_context(), regional_scope():
        session = get_session()
        firenze = session.scalar(select(Tenant.id).where(Tenant.slug == "firenze"))
        job = enqueue(session, "default", "tenants.jobs.provision_group", tenant_id=firenze, slug="firenze")
        session.commit()
    assert as_user("firenze-comune").get(f"/api/v1/jobs/{job.id}").status_code == 200
    assert as_user("prato-comune").get(f"/api/v1/jobs/{job.id}").status_code == 404
    assert as_user("segreteria").get("/api/v1/jobs/does-not-exist").status_code == 404
