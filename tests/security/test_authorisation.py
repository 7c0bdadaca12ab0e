"""The authorisation slips of the probe, each closed: draft plans, another tenant's lead company, money
that is not an integer, a sunset in the past (and a deprecation withdrawn), protocol rows under RLS."""

from __future__ import annotations

from datetime import date, timedelta

import psycopg
from sqlalchemy import select
from sqlalchemy.engine import make_url

from tenants.models import Tenant

PROJECT = {"title": "Illuminazione adattiva", "domain": "energy", "total_cost_cents": 120_000_00}


def test_a_draft_plan_is_read_by_the_secretariat_and_auditors_only(as_user):
    secretariat, auditor, member = as_user("segreteria"), as_user("revisore"), as_user("prato-comune")
    draft = next(p for p in secretariat.get("/api/v1/operational-plans").json if p["status"] == "draft")
    assert any(p["id"] == draft["id"] for p in auditor.get("/api/v1/operational-plans").json)
    assert auditor.get(f"/api/v1/operational-plans/{draft['id']}").status_code == 200
    assert all(p["id"] != draft["id"] for p in member.get("/api/v1/operational-plans").json)
    refused = member.get(f"/api/v1/operational-plans/{draft['id']}")
    assert refused.status_code == 403 and refused.headers["Content-Type"] == "application/problem+json"
    assert member.get(f"/api/v1/operational-plans/{draft['id']}/export").status_code == 403

    assert secretariat.post(f"/api/v1/operational-plans/{draft['id']}/approve").status_code == 200
    assert member.get(f"/api/v1/operational-plans/{draft['id']}").json["status"] == "approved"


def test_a_project_cannot_name_another_tenants_lead_company(as_user):
    secretariat, firenze = as_user("segreteria"), as_user("firenze-comune")
    own = secretariat.get("/api/v1/tenants/firenze").json["lead_company_id"]
    others = secretariat.get("/api/v1/tenants/prato").json["lead_company_id"]
    refused = firenze.post("/api/v1/tenants/firenze/projects", json={**PROJECT, "lead_company_id": others})
    assert refused.status_code == 422 and "lead_company_id" in refused.json["errors"]
    created = firenze.post("/api/v1/tenants/firenze/projects", json={**PROJECT, "lead_company_id": own})
    assert created.status_code == 201, created.json
    moved = firenze.patch(f"/api/v1/tenants/firenze/projects/{created.json['id']}", json={"lead_company_id": others})
    assert moved.status_code == 422 and "lead_company_id" in moved.json["errors"]
    assert firenze.get(f"/api/v1/tenants/firenze/projects/{created.json['id']}").json["lead_company_id"] == own

    # In the plan too: a municipality's lead company is one of its own companies.
    draft = next(p for p in secretariat.get("/api/v1/operational-plans").json if p["status"] == "draft")
    plan_refused = secretariat.put(f"/api/v1/operational-plans/{draft['id']}/municipalities/firenze",
                                   json={"project_ids": [created.json["id"]], "lead_company_id": others})
    assert plan_refused.status_code == 422 and "lead_company_id" in plan_refused.json["errors"]
    # A utility that joins the tenant as a member may lead its projects.
    assert secretariat.post("/api/v1/tenants/firenze/memberships",
                            json={"organization_id": others, "role": "utility"}).status_code == 201
    assert firenze.patch(f"/api/v1/tenants/firenze/projects/{created.json['id']}",
                         json={"lead_company_id": others}).status_code == 200


def test_money_is_integer_cents_only(as_user):
    firenze, secretariat = as_user("firenze-comune"), as_user("segreteria")
    for value in (1.5, "12", "120000.00", 1e3, True):
        refused = firenze.post("/api/v1/tenants/firenze/projects", json={**PROJECT, "total_cost_cents": value})
        assert refused.status_code == 400, value
        assert "total_cost_cents" in refused.json["errors"]
    line = {"programme": "pnrr", "title": "Linea di prova", "cofinancing_rate_bp": 10000, "total_budget_cents": 2.5}
    refused = secretariat.post("/api/v1/funding-lines", json=line)
    assert refused.status_code == 400 and "total_budget_cents" in refused.json["errors"]
    project = firenze.post("/api/v1/tenants/firenze/projects", json=PROJECT).json
    plan = firenze.put(f"/api/v1/tenants/firenze/projects/{project['id']}/funding-plan",
                       json={"funding_plan": [{"source_kind": "own", "amount_cents": 10.25}]})
    assert plan.status_code == 400
    stored = firenze.get(f"/api/v1/tenants/firenze/projects/{project['id']}").json
    assert stored["total_cost_cents"] == 120_000_00


def test_a_sunset_in_the_past_is_refused_and_a_deprecation_can_be_withdrawn_before_it(as_user):
    secretariat, utility = as_user("segreteria"), as_user("firenze-utility")
    url = "/api/v1/standards/TOS-STREETLIGHT/versions/1.0.0"
    for day in (date.today() - timedelta(days=1), date.today()):
        refused = secretariat.post(f"{url}/deprecate", json={"sunset_on": day.isoformat()})
        assert refused.status_code == 422 and "sunset_on" in refused.json["errors"]
    assert secretariat.get("/api/v1/standards/TOS-STREETLIGHT").json["versions"][0]["status"] == "published"

    sunset = (date.today() + timedelta(days=90)).isoformat()
    assert secretariat.post(f"{url}/deprecate", json={"sunset_on": sunset}).status_code == 200
    assert utility.delete(f"{url}/deprecation").status_code == 403
    withdrawn = secretariat.delete(f"{url}/deprecation")
    assert withdrawn.status_code == 200
    assert (withdrawn.json["status"], withdrawn.json["sunset_on"]) == ("published", None)
    assert secretariat.delete(f"{url}/deprecation").status_code == 409


def test_the_secretariat_withdraws_a_deprecation_from_the_standards_page(page_client, as_user):
    secretariat = page_client("segreteria")
    page = "/standards"
    past = secretariat.post_form(page, "/standards/TOS-STREETLIGHT/versions/1.0.0/deprecate",
                                 {"sunset_on": date.today().isoformat(), "successor": ""})
    assert past.status_code == 422 and "future day" in past.get_data(as_text=True)
    sunset = (date.today() + timedelta(days=30)).isoformat()
    assert secretariat.post_form(page, "/standards/TOS-STREETLIGHT/versions/1.0.0/deprecate",
                                 {"sunset_on": sunset, "successor": ""}).status_code == 303
    html = secretariat.get(page).get_data(as_text=True)
    assert 'data-testid="withdraw-TOS-STREETLIGHT-1-0-0"' in html
    assert secretariat.post_form(page, "/standards/TOS-STREETLIGHT/versions/1.0.0/withdraw-deprecation",
                                 {}).status_code == 303
    versions = as_user("segreteria").get("/api/v1/standards/TOS-STREETLIGHT").json["versions"]
    assert versions[0]["status"] == "published"


def _app_conninfo(owner_url: str) -> str:
    return make_url(owner_url).set(drivername="postgresql", username="smartregion_app").render_as_string(
        hide_password=False)


def test_protocol_rows_of_a_tenant_are_hidden_from_another_tenants_scope(demo, owner_url, db):
    firenze = db.scalar(select(Tenant.id).where(Tenant.slug == "firenze"))
    prato = db.scalar(select(Tenant.id).where(Tenant.slug == "prato"))
    owner = make_url(owner_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(owner) as conn:
        protocol = conn.execute("SELECT id FROM protocols ORDER BY id LIMIT 1").fetchone()[0]
        for tenant in (firenze, prato, None):
            conn.execute("INSERT INTO protocol_notice_recipients (protocol_id, tenant_id, email) VALUES (%s, %s, %s)",
                         (protocol, tenant, f"avvisi-{tenant}@example.invalid"))
            conn.execute("INSERT INTO protocol_waivers (protocol_id, milestone_key, tenant_id, reason, granted_by) "
                         "VALUES (%s, 'census', %s, 'Proroga concessa', 'segreteria')", (protocol, tenant))
    with psycopg.connect(_app_conninfo(owner_url)) as conn:
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(firenze),))
        for table in ("protocol_notice_recipients", "protocol_waivers", "protocol_notices",
                      "protocol_monitoring_reports", "protocol_adhesion_requests"):
            seen = {row[0] for row in conn.execute(f"SELECT DISTINCT tenant_id FROM {table}")}
            assert seen <= {firenze}, table
        assert conn.execute("SELECT count(*) FROM protocol_waivers").fetchone() == (1,)
        with psycopg.connect(_app_conninfo(owner_url)) as regional:
            regional.execute("SELECT set_config('app.scope', 'region', true)")
            assert regional.execute("SELECT count(*) FROM protocol_waivers").fetchone() == (3,)
