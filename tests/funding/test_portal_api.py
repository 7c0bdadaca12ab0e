"""A saved Funding & Tenders search answer imported through the API and the page, and the rates it brings."""

import io
import json
from datetime import date

from funding.importers import ft_portal
from tests.funding import portal


def _import(client, body: bytes, wait_for_job) -> dict:
    accepted = client.post("/api/v1/funding-lines/import?format=ft_portal", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(body), "search-results.json")})
    assert accepted.status_code == 202, accepted.json
    job = wait_for_job(accepted.json["job_id"])
    assert job["state"] == "finished", job
    return job["result"]


def test_portal_topics_arrive_with_type_of_action_rates_description_and_status(as_user, rq_worker, wait_for_job):
    seg = as_user("segreteria")
    report = _import(seg, portal.today_answer(ft_portal.today_in_brussels()), wait_for_job)
    assert len(report["created"]) == 7 and report["errors"] == []
    assert {s["line"]: s["reason"] for s in report["skipped"]} == {
        8: "ERASMUS-EDU-2027-PI-ALL-INNO: Erasmus+ (43353764) is not a programme the region follows",
        9: "EDF-2027-DA-C4ISR-01: European Defence Fund (EDF) (44181033) is not a programme the region follows",
        10: "duplicate of result 1",
    }
    assert {s["motivo"] for s in report["skipped"]} >= {"duplicato del risultato 1"}
    assert any(w["message"].startswith("HORIZON-EIC-2027-ACCELERATOR-01: type of action (HORIZON EIC Grants)")
               for w in report["warnings"])
    lines = {line["external_id"]: line for line in seg.get("/api/v1/funding-lines?page_size=50").json}
    innovation = lines["HORIZON-CL5-2027-D4-01-03"]
    assert (innovation["action_type"], innovation["cofinancing_rate_bp"], innovation["non_profit_rate_bp"]) == (
        "HORIZON-IA", 7000, 10000)
    assert innovation["portal_status"] == "open" and innovation["total_budget_cents"] == 30_000_000_00
    assert lines["HORIZON-MISS-2027-CIT-01-05"]["portal_status"] == "closed"
    assert lines["HORIZON-CL6-2027-CIRCBIO-01-02"]["description"].startswith("Expected Outcome:\nCities deploy")

    # A municipality's own project gets the non-profit rate of the innovation action.
    firenze = as_user("firenze-comune")
    created = firenze.post("/api/v1/tenants/firenze/projects", json={
        "title": "Navette elettriche a chiamata", "domain": "mobility", "applicant_kinds": ["municipality"],
        "total_cost_cents": 6_000_000_00, "requested_cents": 6_000_000_00, "partners": ["Bologna", "Lyon"]})
    assert created.status_code == 201, created.json
    ranking = seg.get(f"/api/v1/funding-lines/{innovation['id']}/ranking?lang=en").json
    [mine] = [m for m in ranking["matches"] if m["project"]["id"] == created.json["id"]]
    [cofinancing] = [c for c in mine["criteria"] if c["criterion"] == "cofinancing"]
    assert cofinancing["passed"] and cofinancing["detail"].startswith(
        "Covers up to 100% (non-profit applicants): grant EUR 6,000,000.00")


def test_a_line_keeps_its_non_profit_rate_and_refuses_one_below_its_rate(as_user):
    seg = as_user("segreteria")
    body = {"programme": "horizon_europe", "title": "Smart district pilots", "cofinancing_rate_bp": 7000,
            "non_profit_rate_bp": 10000, "action_type": "HORIZON-IA", "deadlines": ["2027-04-15"]}
    created = seg.post("/api/v1/funding-lines", json=body)
    assert created.status_code == 201, created.json
    assert created.json["non_profit_rate_bp"] == 10000 and created.json["action_type"] == "HORIZON-IA"
    refused = seg.patch(f"/api/v1/funding-lines/{created.json['id']}", json={"non_profit_rate_bp": 5000})
    assert refused.status_code == 422 and refused.headers["Content-Type"] == "application/problem+json"
    assert refused.json["errors"] == {"non_profit_rate_bp": [
        "The rate for non-profit applicants is below the line's rate."]}
    assert seg.get(f"/api/v1/funding-lines/{created.json['id']}").json["non_profit_rate_bp"] == 10000


def test_what_is_not_a_portal_answer_is_refused_with_a_problem_and_nothing_changes(as_user):
    seg = as_user("segreteria")
    before = seg.get("/api/v1/funding-lines").headers["X-Pagination"]
    for body, message in (
        (b"<html><body>503 Service Unavailable</body></html>", "Not valid JSON"),
        (json.dumps({"type": "throwable", "message": "apiKey missing"}).encode(), "no 'results' list"),
    ):
        refused = seg.post("/api/v1/funding-lines/import?format=ft_portal", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(body), "search-results.json")})
        assert refused.status_code == 422 and refused.headers["Content-Type"] == "application/problem+json"
        assert message in refused.json["errors"]["file"][0]
    assert seg.get("/api/v1/funding-lines").headers["X-Pagination"] == before


def test_the_import_page_lists_warnings_and_skipped_results_in_italian_and_english(page_client, rq_worker,
                                                                                     wait_for_job):
    seg = page_client("segreteria")
    accepted = seg.post("/funding/lines/import", content_type="multipart/form-data", data={
        "format": "ft_portal", "file": (io.BytesIO(portal.today_answer(date.today())), "search-results.json")})
    assert accepted.status_code == 303
    assert wait_for_job(accepted.headers["Location"].rsplit("/", 1)[1])["state"] == "finished"
    html = seg.get(accepted.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="import-warnings"' in html and 'data-testid="import-skipped"' in html
    assert "Erasmus+ (43353764) non è un programma seguito dalla regione" in html
    assert "style=" not in html.split('data-testid="import-report"')[1]
    english = page_client("segreteria", lang="en").get(accepted.headers["Location"]).get_data(as_text=True)
    assert "Erasmus+ (43353764) is not a programme the region follows" in english
