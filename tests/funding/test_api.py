"""The funding API as municipalities, the secretariat and auditors use it, on the seeded demo region."""

from datetime import date, timedelta

from smartregion import tenancy
from smartregion.audit import AuditEvent
from sqlalchemy import select, text

from funding.models import Match, Project

CRITERIA = [
    "deadline",
    "domain",
    "beneficiary",
    "territory",
    "grant_range",
    "trl",
    "domain_fit",
    "budget_fit",
    "cofinancing",
    "time_left",
    "partnership",
]


def _project_id(client, slug: str, title_start: str) -> int:
    listing = client.get(f"/api/v1/tenants/{slug}/projects")
    assert listing.status_code == 200
    return next(p["id"] for p in listing.json if p["title"].startswith(title_start))


def test_a_municipality_sees_ranked_explained_matches_for_its_project(as_user):
    firenze = as_user("firenze-comune")
    project_id = _project_id(firenze, "firenze", "Illuminazione pubblica")
    response = firenze.get(f"/api/v1/tenants/firenze/projects/{project_id}/matches")
    assert response.status_code == 200, response.json
    matches = response.json["matches"]
    assert len(matches) == 14  # every line of the demo region, eligible ones first
    eligible = [m for m in matches if m["eligible"]]
    assert eligible and all(m["eligible"] for m in matches[: len(eligible)])
    assert [m["score"] for m in eligible] == sorted((m["score"] for m in eligible), reverse=True)
    best = eligible[0]
    assert best["funding_line"]["title"] == "Efficientamento energetico degli edifici pubblici"
    assert [c["criterion"] for c in best["criteria"]] == CRITERIA
    assert all(set(c) >= {"criterion", "passed", "detail"} for c in best["criteria"])
    closed = next(m for m in matches if m["funding_line"]["title"].startswith("Resilienza del territorio"))
    deadline = next(c for c in closed["criteria"] if c["criterion"] == "deadline")
    assert not closed["eligible"] and not deadline["passed"]
    assert deadline["detail"].startswith("Scadenza passata il ")

    english = firenze.get(f"/api/v1/tenants/firenze/projects/{project_id}/matches?lang=en&eligible=true")
    assert all(m["eligible"] for m in english.json["matches"])
    assert english.json["matches"][0]["criteria"][0]["label"] == "Deadline not passed"


def test_territory_explains_why_a_coastal_interreg_line_does_not_fit_firenze(as_user):
    firenze = as_user("firenze-comune")
    project_id = _project_id(firenze, "firenze", "Monitoraggio della qualità")
    matches = firenze.get(f"/api/v1/tenants/firenze/projects/{project_id}/matches?lang=en").json["matches"]
    interreg = next(m for m in matches if m["funding_line"]["programme"] == "interreg")
    territory = next(c for c in interreg["criteria"] if c["criterion"] == "territory")
    assert not interreg["eligible"]
    assert not territory["passed"]
    assert territory["detail"].startswith("Project outside the line's territory (Province 045")


def test_another_tenant_cannot_see_the_project_and_the_database_hides_its_rows(as_user, db):
    firenze = as_user("firenze-comune")
    project_id = _project_id(firenze, "firenze", "Illuminazione pubblica")
    prato = as_user("prato-comune")
    assert prato.get(f"/api/v1/tenants/firenze/projects/{project_id}/matches").status_code == 404
    assert prato.get(f"/api/v1/tenants/prato/projects/{project_id}/matches").status_code == 404
    tenant_ids = dict(db.execute(text("SELECT slug, id FROM tenants")).all())
    db.rollback()  # the next transaction starts in the tenant's scope
    with tenancy.tenant_context(tenant_ids["prato"]):
        rows = (
            db.execute(text("SELECT tenant_id FROM funding_projects UNION ALL SELECT tenant_id FROM funding_matches"))
            .scalars()
            .all()
        )
    db.rollback()
    assert rows and set(rows) == {tenant_ids["prato"]}


def test_a_project_change_recomputes_its_matches(as_user, db):
    prato = as_user("prato-comune")
    project_id = _project_id(prato, "prato", "Wi-Fi cittadino")
    before = prato.get(f"/api/v1/tenants/prato/projects/{project_id}/matches").json["matches"]
    pnrr = next(m for m in before if m["funding_line"]["programme"] == "pnrr" and m["eligible"])
    changed = prato.patch(
        f"/api/v1/tenants/prato/projects/{project_id}",
        json={"total_cost_cents": 900_000_00, "requested_cents": 900_000_00},
    )
    assert changed.status_code == 200, changed.json
    after = prato.get(f"/api/v1/tenants/prato/projects/{project_id}/matches").json["matches"]
    same = next(m for m in after if m["funding_line"]["id"] == pnrr["funding_line"]["id"])
    grant = next(c for c in same["criteria"] if c["criterion"] == "grant_range")
    assert not same["eligible"] and not grant["passed"]
    assert "sopra il massimo di 500.000,00 EUR" in grant["detail"]
    stored = db.scalar(
        select(Match).where(Match.project_id == project_id, Match.funding_line_id == pnrr["funding_line"]["id"])
    )
    assert stored.eligible is False


def test_a_line_change_recomputes_matches_and_ranks_the_regions_projects(as_user):
    seg = as_user("segreteria")
    living = seg.get("/api/v1/funding-lines?domain=living").json
    assert {line["title"] for line in living} == {
        "Adattamento delle città al cambiamento climatico",
        "Bando regionale per la sicurezza urbana integrata",
    }
    lines = seg.get("/api/v1/funding-lines?programme=regional").json
    security = next(line for line in lines if line["title"].startswith("Bando regionale per la sicurezza"))
    ranking = seg.get(f"/api/v1/funding-lines/{security['id']}/ranking").json["matches"]
    top = ranking[0]
    assert top["tenant"] == "prato" and top["eligible"]
    assert top["project"]["title"] == "Videosorveglianza intelligente nei quartieri"
    closed = seg.patch(
        f"/api/v1/funding-lines/{security['id']}",
        json={
            "opening_date": (date.today() - timedelta(days=90)).isoformat(),
            "deadlines": [(date.today() - timedelta(days=1)).isoformat()],
        },
    )
    assert closed.status_code == 200, closed.json
    ranking = seg.get(f"/api/v1/funding-lines/{security['id']}/ranking?eligible=true").json["matches"]
    assert ranking == []
    assert as_user("firenze-comune").get(f"/api/v1/funding-lines/{security['id']}/ranking").status_code == 403


def test_bad_funding_lines_are_refused_field_by_field_and_nothing_is_written(as_user, db):
    seg = as_user("segreteria")
    count = seg.get("/api/v1/funding-lines").headers["X-Pagination"]
    response = seg.post(
        "/api/v1/funding-lines",
        json={
            "programme": "pnrr",
            "title": "Linea sbagliata",
            "cofinancing_rate_bp": 12000,
            "min_grant_cents": 500_000_00,
            "max_grant_cents": 100_000_00,
            "total_budget_cents": -5,
            "opening_date": "2027-01-10",
            "deadlines": ["2027-01-01"],
            "domains": ["smartness"],
            "beneficiary_kinds": ["mayor"],
        },
    )
    assert response.status_code == 422
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert set(response.json["errors"]) == {
        "cofinancing_rate_bp",
        "min_grant_cents",
        "total_budget_cents",
        "deadlines",
        "domains",
        "beneficiary_kinds",
    }
    assert seg.get("/api/v1/funding-lines").headers["X-Pagination"] == count
    assert (
        as_user("revisore")
        .post("/api/v1/funding-lines", json={"programme": "pnrr", "title": "X", "cofinancing_rate_bp": 10000})
        .status_code
        == 403
    )


def test_funding_plan_above_cost_is_refused_and_a_good_one_is_kept(as_user):
    prato = as_user("prato-comune")
    project_id = _project_id(prato, "prato", "Videosorveglianza")
    too_much = prato.put(
        f"/api/v1/tenants/prato/projects/{project_id}/funding-plan",
        json={
            "funding_plan": [
                {"source_kind": "own", "amount_cents": 500_000_00},
                {"source_kind": "private", "amount_cents": 300_000_00},
            ]
        },
    )
    assert too_much.status_code == 422
    assert "funding_plan" in too_much.json["errors"]
    kept = prato.get(f"/api/v1/tenants/prato/projects/{project_id}").json["funding_plan"]
    assert [item["amount_cents"] for item in kept] == [420_000_00]
    negative = prato.put(
        f"/api/v1/tenants/prato/projects/{project_id}/funding-plan",
        json={"funding_plan": [{"source_kind": "own", "amount_cents": -1}]},
    )
    assert negative.json["errors"] == {"funding_plan.0.amount_cents": ["Must not be negative."]}


def test_projects_are_created_with_cup_validation_and_milestones(as_user):
    firenze = as_user("firenze-comune")
    bad = firenze.post(
        "/api/v1/tenants/firenze/projects",
        json={
            "title": "Parcheggi intelligenti",
            "domain": "mobility",
            "total_cost_cents": 300_000_00,
            "requested_cents": 400_000_00,
            "cup": "H11B1700035",
            "status": "someday",
        },
    )
    assert bad.status_code == 422
    assert set(bad.json["errors"]) == {"requested_cents", "cup", "status"}
    good = firenze.post(
        "/api/v1/tenants/firenze/projects",
        json={
            "title": "Parcheggi intelligenti",
            "domain": "mobility",
            "total_cost_cents": 300_000_00,
            "requested_cents": 240_000_00,
            "cup": "h11b18000120004",
            "start_date": "2027-01-01",
            "end_date": "2027-12-31",
            "milestones": [{"title": "Sensori installati", "due_on": "2027-06-30"}],
        },
    )
    assert good.status_code == 201, good.json
    assert good.json["cup"] == "H11B18000120004" and good.json["time_horizon"] == "short"
    assert good.json["milestones"][0]["title"] == "Sensori installati"
    again = firenze.post(
        "/api/v1/tenants/firenze/projects",
        json={
            "title": "Doppione",
            "domain": "mobility",
            "total_cost_cents": 100_00,
            "cup": "H11B18000120004",
        },
    )
    assert again.status_code == 409
    done = firenze.put(
        f"/api/v1/tenants/firenze/projects/{good.json['id']}/milestones",
        json={
            "milestones": [
                {"title": "Sensori installati", "due_on": "2027-06-30", "done_on": "2027-06-20"},
                {"title": "App in esercizio", "due_on": "2027-12-01"},
            ]
        },
    )
    assert done.json["progress_pct"] == 50
    assert as_user("firenze-utility").get(f"/api/v1/tenants/firenze/projects/{good.json['id']}").status_code == 200


def test_deadline_notices_reach_the_tenants_with_matching_projects_once(as_user, app, db):
    from funding.services import matching, notices

    with app.app_context():
        matching.refresh_all(db)
        first = notices.create_deadline_notices(db)
        second = notices.create_deadline_notices(db)
        db.commit()
    assert first["created"] > 0 and second["created"] == 0
    prato = as_user("prato-comune").get("/api/v1/tenants/prato/funding-notices").json
    wifi = [n for n in prato if n["funding_line_title"].startswith("Esperienza del cittadino")]
    assert wifi and wifi[0]["threshold_days"] == 30 and wifi[0]["days_left"] == 25
    firenze = as_user("firenze-comune").get("/api/v1/tenants/firenze/funding-notices").json
    assert {n["project_id"] for n in firenze}.isdisjoint({n["project_id"] for n in prato})
    cef = [n for n in firenze if n["funding_line_title"] == "5G per le comunità intelligenti"]
    assert cef and cef[0]["threshold_days"] == 14 and cef[0]["days_left"] == 12
    read = as_user("prato-comune").post(f"/api/v1/tenants/prato/funding-notices/{wifi[0]['id']}/read")
    assert read.status_code == 204
    unread = as_user("prato-comune").get("/api/v1/tenants/prato/funding-notices?unread=true").json
    assert wifi[0]["id"] not in {n["id"] for n in unread}
    assert db.scalars(select(AuditEvent.action).where(AuditEvent.action == "funding.notice.read")).all()


def test_the_daily_job_runs_on_a_real_worker(as_user, app, db, rq_worker, wait_for_job):
    from smartregion import jobs

    with app.app_context(), app.test_request_context():
        job = jobs.enqueue(db, "periodic", "funding.jobs.daily_refresh", description="test")
        db.commit()
    finished = wait_for_job(job.id)
    assert finished["state"] == "finished", finished
    assert finished["result"]["pairs"] == 8 * 14
    assert finished["result"]["created"] > 0
    with tenancy.regional_scope():
        assert db.scalar(select(Project).limit(1)) is not None


def test_the_project_page_shows_the_explained_ranking(as_user):
    firenze = as_user("firenze-comune")
    project_id = _project_id(firenze, "firenze", "Banca dati unica")
    page = firenze.get(f"/funding/tenants/firenze/projects/{project_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Banca dati unica della mobilità e servizi MaaS" in html
    assert "Mobilità sostenibile e sistemi di trasporto intelligenti" in html
    assert "Prima fase: Scadenza" in html
    assert as_user("prato-comune").get(f"/funding/tenants/firenze/projects/{project_id}").status_code == 404
    seg = as_user("segreteria")
    line_id = next(
        line["id"]
        for line in seg.get("/api/v1/funding-lines?programme=fsc").json
        if line["title"].startswith("Mobilità")
    )
    ranking = seg.get(f"/funding/lines/{line_id}")
    assert ranking.status_code == 200 and "Banca dati unica della mobilità" in ranking.get_data(as_text=True)
    assert firenze.get(f"/funding/lines/{line_id}").status_code == 403
    lines = firenze.get("/funding/lines")
    assert lines.status_code == 200 and "5G per le comunità intelligenti" in lines.get_data(as_text=True)


def test_seeding_the_demo_again_adds_nothing(as_user, app, db):
    from smartregion.cli import seed_demo

    def counts():
        return db.execute(
            text(
                "SELECT (SELECT count(*) FROM funding_lines), (SELECT count(*) FROM funding_projects), "
                "(SELECT count(*) FROM funding_operational_plans)"
            )
        ).one()

    before = counts()
    db.rollback()
    seed_demo(app)
    assert counts() == before == (14, 8, 1)


def test_auditors_read_projects_and_matches_but_write_nothing(as_user):
    auditor = as_user("revisore")
    projects = auditor.get("/api/v1/tenants/prato/projects")
    assert projects.status_code == 200 and len(projects.json) == 4
    matches = auditor.get(f"/api/v1/tenants/prato/projects/{projects.json[0]['id']}/matches?limit=3")
    assert matches.status_code == 200 and len(matches.json["matches"]) == 3
    assert (
        auditor.patch(
            f"/api/v1/tenants/prato/projects/{projects.json[0]['id']}", json={"title": "Cambiato"}
        ).status_code
        == 403
    )


def test_the_openapi_document_describes_the_funding_endpoints(client):
    spec = client.get("/api/openapi.json")
    assert spec.status_code == 200
    paths = spec.json["paths"]
    assert "/api/v1/tenants/{slug}/projects/{project_id}/matches" in paths
    assert "/api/v1/operational-plans/{plan_id}/export" in paths
    matches = paths["/api/v1/tenants/{slug}/projects/{project_id}/matches"]["get"]
    assert "200" in matches["responses"] and "404" in matches["responses"]
