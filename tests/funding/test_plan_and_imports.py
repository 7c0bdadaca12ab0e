"""Imports through the API, census projects, and the operational plan."""

import io
import json
from pathlib import Path

from openpyxl import load_workbook
from smartregion.audit import AuditEvent
from sqlalchemy import select, text

DATA = Path(__file__).parent / "data"


def _upload(client, url: str, path: Path):
    return client.post(
        url, data={"file": (io.BytesIO(path.read_bytes()), path.name)}, content_type="multipart/form-data"
    )


def _import(client, url: str, path: Path, wait_for_job, data: bytes | None = None) -> dict:
    body = data if data is not None else path.read_bytes()
    accepted = client.post(url, data={"file": (io.BytesIO(body), path.name)}, content_type="multipart/form-data")
    assert accepted.status_code == 202, accepted.json
    job = wait_for_job(accepted.json["job_id"])
    assert job["state"] == "finished", job
    assert job["result"]["file_sha256"] == accepted.json["file_sha256"]
    return job["result"]


def test_the_secretariat_imports_portal_topics_and_a_reimport_updates_them(as_user, db, rq_worker, wait_for_job):
    seg = as_user("segreteria")
    url = "/api/v1/funding-lines/import?format=ft_portal"
    first = _import(seg, url, DATA / "ft_portal_search.json", wait_for_job)
    assert len(first["created"]) == 5 and first["updated"] == []
    assert [e["line"] for e in first["errors"]] == [8]
    assert len(first["skipped"]) == 2
    mission = seg.get(f"/api/v1/funding-lines/{first['created'][0]}").json
    assert mission["external_id"] == "HORIZON-MISS-2026-CIT-02-01" and mission["external_source"] == "ft_portal"
    assert mission["deadline_model"] == "two_stage" and mission["deadlines"] == ["2027-01-20", "2027-09-15"]

    document = json.loads((DATA / "ft_portal_search.json").read_text())
    document["results"][0]["metadata"]["deadlineDate"][0] = "2027-02-03T16:00:00.000+0000"
    again = _import(seg, url, DATA / "ft_portal_search.json", wait_for_job, json.dumps(document).encode())
    assert again["updated"] == [mission["id"]] and again["created"] == []
    assert len(again["unchanged"]) == 4
    updated = seg.get(f"/api/v1/funding-lines/{mission['id']}").json
    assert updated["deadlines"] == ["2027-02-03", "2027-09-15"] and updated["revision"] == 2
    assert db.scalars(select(AuditEvent.action).where(AuditEvent.action == "funding.line.reimport")).all()


def test_csv_import_keeps_good_rows_reports_bad_ones_and_refuses_malformed_files(as_user, rq_worker, wait_for_job):
    seg = as_user("segreteria")
    report = _import(seg, "/api/v1/funding-lines/import?format=csv", DATA / "funding_lines.csv", wait_for_job)
    assert len(report["created"]) == 3
    assert {(e["line"], e["field"]) for e in report["errors"]} >= {(5, "total_budget"), (6, "min_grant")}
    again = _import(seg, "/api/v1/funding-lines/import?format=csv", DATA / "funding_lines.csv", wait_for_job)
    assert again["created"] == [] and sorted(again["unchanged"]) == sorted(report["created"])
    before = seg.get("/api/v1/funding-lines").headers["X-Pagination"]
    malformed = seg.post(
        "/api/v1/funding-lines/import?format=csv",
        data={"file": (io.BytesIO(b"programme,title,cofinancing_rate\npnrr,T,100,x\n"), "x.csv")},
        content_type="multipart/form-data",
    )
    assert malformed.status_code == 422
    assert malformed.json["errors"]["file"] == ["Line 2 has 4 cells, the header 3."]
    assert seg.get("/api/v1/funding-lines").headers["X-Pagination"] == before
    assert (
        _upload(
            as_user("prato-comune"), "/api/v1/funding-lines/import?format=csv", DATA / "funding_lines.csv"
        ).status_code
        == 403
    )


def test_a_submitted_census_projects_form_becomes_project_cards_once(as_user, db):
    prato = as_user("prato-comune")
    submission_id = db.execute(
        text(
            "SELECT s.id FROM census_submissions s JOIN tenants t ON t.id = s.tenant_id "
            "WHERE t.slug = 'prato' AND s.schema_key = 'projects'"
        )
    ).scalar_one()
    db.rollback()
    first = prato.post("/api/v1/tenants/prato/projects/from-census", json={"submission_id": submission_id})
    assert first.status_code == 200, first.json
    assert len(first.json["created"]) == 2 and first.json["refused"] == []
    again = prato.post("/api/v1/tenants/prato/projects/from-census", json={"submission_id": submission_id})
    assert again.json["created"] == [] and sorted(again.json["existing"]) == sorted(first.json["created"])
    card = prato.get(f"/api/v1/tenants/prato/projects/{first.json['created'][0]}").json
    assert card["title"] == "Prato Smart City: sensori ambientali nel distretto tessile"
    assert card["total_cost_cents"] == 2_750_000_00 and card["requested_cents"] == 1_100_000_00
    assert card["funding_plan"][0]["amount_cents"] == 1_650_000_00
    assert card["status"] == "in_progress" and card["reusable"] is True
    matches = prato.get(f"/api/v1/tenants/prato/projects/{card['id']}/matches").json["matches"]
    assert len(matches) == 14

    firenze_submission = db.execute(
        text(
            "SELECT s.id FROM census_submissions s JOIN tenants t ON t.id = s.tenant_id "
            "WHERE t.slug = 'firenze' AND s.schema_key = 'projects'"
        )
    ).scalar_one()
    db.rollback()
    returned = as_user("firenze-comune").post(
        "/api/v1/tenants/firenze/projects/from-census", json={"submission_id": firenze_submission}
    )
    assert returned.status_code == 409
    assert (
        prato.post("/api/v1/tenants/prato/projects/from-census", json={"submission_id": firenze_submission}).status_code
        == 404
    )


def test_the_secretariat_composes_approves_and_exports_the_plan_with_exact_totals(as_user):
    seg = as_user("segreteria")
    plan = seg.get("/api/v1/operational-plans").json[0]
    assert plan["status"] == "draft" and plan["series"] == "toscana-2026"
    assert as_user("prato-comune").get(f"/api/v1/operational-plans/{plan['id']}/export").status_code == 403

    prato_ids = [p["id"] for p in seg.get("/api/v1/tenants/prato/projects").json]
    composed = seg.put(f"/api/v1/operational-plans/{plan['id']}/municipalities/prato", json={"project_ids": prato_ids})
    assert composed.status_code == 200, composed.json
    practices = seg.patch(
        f"/api/v1/operational-plans/{plan['id']}",
        json={"best_practices": [{"title": "Coworking di distretto", "tenant": "prato", "project_id": prato_ids[3]}]},
    )
    assert practices.status_code == 200, practices.json
    bad = seg.patch(
        f"/api/v1/operational-plans/{plan['id']}",
        json={"best_practices": [{"title": "Progetto altrui", "tenant": "firenze", "project_id": prato_ids[0]}]},
    )
    assert bad.status_code == 422 and "best_practices.0.project_id" in bad.json["errors"]

    approved = seg.post(f"/api/v1/operational-plans/{plan['id']}/approve")
    assert approved.status_code == 200 and approved.json["status"] == "approved"
    assert (
        seg.put(
            f"/api/v1/operational-plans/{plan['id']}/municipalities/prato",
            json={"project_ids": prato_ids[:1]},
        ).status_code
        == 409
    )

    document = as_user("prato-comune").get(f"/api/v1/operational-plans/{plan['id']}/export").json
    totals = document["totals"]
    costs = [p["total_cost_cents"] for m in document["municipalities"] for p in m["projects"]]
    assert totals["total_cost_cents"] == sum(costs)
    assert sum(totals["by_source"].values()) == totals["total_cost_cents"]
    assert sum(totals["by_domain"].values()) == totals["total_cost_cents"]
    assert sum(totals["by_municipality"].values()) == totals["total_cost_cents"]
    assert totals["by_municipality"]["prato"] == 3_200_000_00 + 450_000_00 + 700_000_00 + 1_100_000_00
    assert totals["by_source"]["private"] == 200_000_00
    prato = next(m for m in document["municipalities"] if m["tenant"] == "prato")
    assert prato["lead_company"]["name"].startswith("Prato Multiservizi")
    assert document["standards"][0]["code"] == "TOS-STREETLIGHT"

    html = seg.get(f"/api/v1/operational-plans/{plan['id']}/export?format=html")
    assert html.status_code == 200 and html.mimetype == "text/html"
    assert "Efficientamento energetico degli edifici scolastici" in html.get_data(as_text=True)
    assert "3.200.000,00 EUR" in html.get_data(as_text=True)
    xlsx = seg.get(f"/api/v1/operational-plans/{plan['id']}/export?format=xlsx&lang=en")
    book = load_workbook(io.BytesIO(xlsx.data))
    sheet = book["Totals"]
    values = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row[0]}
    assert values["Private"] == 200_000.00
    assert values["Total"] == totals["total_cost_cents"] / 100

    second = seg.post(f"/api/v1/operational-plans/{plan['id']}/versions")
    assert second.status_code == 201 and second.json["version"] == 2 and second.json["status"] == "draft"
    assert seg.post(f"/api/v1/operational-plans/{plan['id']}/versions").status_code == 409
    seg.put(
        f"/api/v1/operational-plans/{second.json['id']}/municipalities/prato",
        json={"project_ids": prato_ids[:2]},
    )
    assert seg.post(f"/api/v1/operational-plans/{second.json['id']}/approve").status_code == 200
    assert seg.get(f"/api/v1/operational-plans/{plan['id']}").json["status"] == "superseded"
    frozen = seg.get(f"/api/v1/operational-plans/{plan['id']}/export").json
    assert frozen["totals"] == totals
