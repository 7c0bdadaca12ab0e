"""The census API as officers, the secretariat and auditors use it, bad input included."""

import csv
import io
import json
from pathlib import Path

import openpyxl
from smartregion.audit import AuditEvent
from sqlalchemy import func, select

from census.models import Submission, SubmissionVersion

DEMO = Path(__file__).resolve().parents[2] / "census" / "data" / "demo"
SUBMISSIONS = "/api/v1/tenants/firenze/census/submissions"


def read_csv(response):
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def answers(name):
    return json.loads((DEMO / name).read_text(encoding="utf-8"))


def new_draft(client, slug="firenze", key="projects", body=None):
    response = client.post(f"/api/v1/tenants/{slug}/census/submissions",
                           json={"schema_key": key, "schema_version": 1, "answers": body or {}})
    assert response.status_code == 201, response.json
    return response


def test_schemas_list_key_version_and_status(as_user):
    response = as_user("firenze-comune").get("/api/v1/census/schemas")
    assert response.status_code == 200
    assert [(s["key"], s["version"], s["status"]) for s in response.json] == [
        ("networks", 1, "approved"), ("projects", 1, "approved"), ("smart-services", 1, "approved")]
    assert response.json[0]["title"]["en"] == "Census of networks for the infrastructure cadastre"
    assert response.headers["X-Pagination"]
    detail = as_user("firenze-comune").get("/api/v1/census/schemas/projects/1")
    assert detail.json["approved_by"] == "segreteria" and detail.json["approved_at"]
    assert detail.json["definition"]["sections"][1]["fields"][0]["key"] == "projects"


def test_an_empty_draft_is_created_with_an_etag_and_its_missing_answers(as_user):
    response = new_draft(as_user("firenze-comune"))
    body = response.json
    assert response.headers["ETag"] == body["etag"]
    assert response.headers["Location"].endswith(f"/api/v1/tenants/firenze/census/submissions/{body['id']}")
    assert body["status"] == "draft" and body["completeness"] == 0 and body["tenant"] == "firenze"
    assert body["errors"]["/projects"] == ["An answer is required."]


def test_a_municipality_files_saves_and_submits_each_of_the_three_schemas(as_user):
    officer = as_user("prato-comune")
    for key in ("smart-services", "networks", "projects"):
        created = new_draft(officer, "prato", key)
        url = f"/api/v1/tenants/prato/census/submissions/{created.json['id']}"
        saved = officer.put(url, json={"answers": answers(f"firenze.{key}.json")},
                            headers={"If-Match": created.headers["ETag"]})
        assert saved.status_code == 200, saved.json
        assert saved.json["completeness"] == 100 and saved.json["errors"] == {}
        assert saved.headers["ETag"] != created.headers["ETag"]
        submitted = officer.post(f"{url}/submit", headers={"If-Match": saved.headers["ETag"]})
        assert submitted.status_code == 200, submitted.json
        assert submitted.json["status"] == "submitted" and submitted.json["submitted_by"] == "prato-comune"


def test_a_write_without_if_match_is_428_and_a_stale_one_is_412(as_user, db):
    officer = as_user("firenze-comune")
    created = new_draft(officer)
    url = f"/api/v1/tenants/firenze/census/submissions/{created.json['id']}"
    missing = officer.put(url, json={"answers": {"respondent_name": "Ufficio"}})
    assert missing.status_code == 428
    assert missing.headers["Content-Type"] == "application/problem+json"
    first = officer.put(url, json={"answers": {"respondent_name": "Primo"}},
                        headers={"If-Match": created.headers["ETag"]})
    assert first.status_code == 200
    # A second officer still holds the first ETag: the write is refused, not silently applied.
    stale = as_user("firenze-utility").put(url, json={"answers": {"respondent_name": "Secondo"}},
                                           headers={"If-Match": created.headers["ETag"]})
    assert stale.status_code == 412
    assert stale.json["status"] == 412 and stale.headers["ETag"] == first.headers["ETag"]
    current = officer.get(url)
    assert current.json["answers"] == {"respondent_name": "Primo"}
    assert current.headers["ETag"] == first.headers["ETag"]
    assert officer.post(f"{url}/submit", headers={"If-Match": created.headers["ETag"]}).status_code == 412


def test_submit_with_missing_answers_is_422_with_a_field_map(as_user):
    officer = as_user("firenze-comune")
    created = new_draft(officer, body={"respondent_name": "Ufficio"})
    response = officer.post(f"/api/v1/tenants/firenze/census/submissions/{created.json['id']}/submit")
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json["errors"] == {"answers/projects": ["An answer is required."],
                                       "answers/respondent_email": ["An answer is required."]}
    url = f"/api/v1/tenants/firenze/census/submissions/{created.json['id']}"
    assert officer.get(url).json["status"] == "draft"


def test_wrong_types_and_choices_outside_the_code_list_are_422_and_nothing_is_written(as_user, db):
    before = db.scalar(select(func.count()).select_from(Submission))
    bad = {"respondent_name": 42, "projects": [{"title": "Lampioni", "domain": "tourism", "budget": "molti",
                                                "promoter_kind": "municipality", "status": "idea"}]}
    response = as_user("firenze-comune").post(
        SUBMISSIONS, json={"schema_key": "projects", "schema_version": 1, "answers": bad})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"answers/respondent_name", "answers/projects/0/domain",
                                            "answers/projects/0/budget"}
    assert "not in the code list" in response.json["errors"]["answers/projects/0/domain"][0]
    assert db.scalar(select(func.count()).select_from(Submission)) == before

    created = new_draft(as_user("firenze-comune"))
    url = f"/api/v1/tenants/firenze/census/submissions/{created.json['id']}"
    refused = as_user("firenze-comune").put(url, json={"answers": bad},
                                            headers={"If-Match": created.json["etag"]})
    assert refused.status_code == 422
    kept = as_user("firenze-comune").get(url)
    assert kept.json["answers"] == {} and kept.json["revision"] == 1


def test_a_body_that_is_not_a_submission_is_400_with_a_field_map(as_user):
    response = as_user("firenze-comune").post("/api/v1/tenants/firenze/census/submissions",
                                              json={"schema_key": "projects", "schema_version": "uno",
                                                    "answers": []})
    assert response.status_code == 400
    assert {"schema_version", "answers"} <= set(response.json["errors"])


def test_a_schema_version_that_is_not_approved_cannot_be_answered(as_user):
    seg = as_user("segreteria")
    draft = json.loads(json.dumps(seg.get("/api/v1/census/schemas/projects/1").json["definition"]))
    del draft["version"]
    created = seg.post("/api/v1/census/schemas", json=draft)
    assert created.status_code == 201 and created.json["version"] == 2 and created.json["status"] == "draft"
    officer = as_user("firenze-comune")
    response = officer.post(SUBMISSIONS, json={"schema_key": "projects", "schema_version": 2})
    assert response.status_code == 422
    assert "draft" in response.json["errors"]["schema_version"][0]
    unknown = officer.post(SUBMISSIONS, json={"schema_key": "projects", "schema_version": 9})
    assert unknown.status_code == 422


def test_an_approved_schema_is_immutable_and_changes_need_a_new_version(as_user, db):
    seg = as_user("segreteria")
    definition = seg.get("/api/v1/census/schemas/networks/1").json["definition"]
    definition["title"]["it"] = "Titolo cambiato"
    response = seg.put("/api/v1/census/schemas/networks/1", json=definition)
    assert response.status_code == 409
    assert "new version" in response.json["detail"]
    assert seg.get("/api/v1/census/schemas/networks/1").json["title"]["it"] != "Titolo cambiato"
    assert seg.post("/api/v1/census/schemas/networks/1/approve").status_code == 409
    again = seg.post("/api/v1/census/schemas", json=definition)  # same version 1
    assert again.status_code == 409

    definition["version"] = 2
    draft = seg.post("/api/v1/census/schemas", json=definition)
    assert draft.status_code == 201
    definition["title"]["en"] = "Changed while a draft"
    assert seg.put("/api/v1/census/schemas/networks/2", json=definition).status_code == 200
    approved = seg.post("/api/v1/census/schemas/networks/2/approve")
    assert approved.status_code == 200
    assert approved.json["approved_by"] == "segreteria" and approved.json["approved_at"]
    assert approved.json["title"]["en"] == "Changed while a draft"
    assert seg.post("/api/v1/census/schemas/networks/1/retire").json["status"] == "retired"
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.action.like("census.schema.%"))
                         .order_by(AuditEvent.id)).all()
    assert actions[-4:] == ["census.schema.create", "census.schema.update", "census.schema.approve",
                            "census.schema.retire"]


def test_a_malformed_schema_definition_is_422_with_paths(as_user):
    response = as_user("segreteria").post("/api/v1/census/schemas", json={
        "key": "prova", "title": {"it": "Prova", "en": "Test"},
        "sections": [{"key": "s", "title": {"it": "S", "en": "S"},
                      "fields": [{"key": "km", "type": "decimal", "label": {"it": "Km", "en": "Km"}}]}]})
    assert response.status_code == 422
    assert "definition/sections/0/fields/0/unit" in response.json["errors"]


def test_only_the_secretariat_manages_schemas_and_auditors_write_nothing(as_user):
    definition = {"key": "prova", "title": {"it": "P", "en": "T"}, "sections": []}
    assert as_user("firenze-comune").post("/api/v1/census/schemas", json=definition).status_code == 403
    assert as_user("revisore").post("/api/v1/census/schemas", json=definition).status_code == 403
    assert as_user("revisore").post("/api/v1/tenants/firenze/census/submissions",
                                    json={"schema_key": "projects", "schema_version": 1}).status_code == 403


def test_another_tenants_submission_is_not_found(as_user):
    prato = new_draft(as_user("prato-comune"), "prato")
    sub_id = prato.json["id"]
    firenze = as_user("firenze-comune")
    # Through Firenze's own address, Prato's submission does not exist...
    assert firenze.get(f"/api/v1/tenants/firenze/census/submissions/{sub_id}").status_code == 404
    assert firenze.post(f"/api/v1/tenants/firenze/census/submissions/{sub_id}/submit").status_code == 404
    # ...and Prato's address is not Firenze's to use.
    assert firenze.post(f"/api/v1/tenants/prato/census/submissions/{sub_id}/submit").status_code == 404
    assert firenze.get("/api/v1/tenants/prato/census/submissions").status_code == 404


def test_the_secretariat_returns_with_field_comments_and_accepts_after_correction(as_user, db):
    officer, seg = as_user("firenze-comune"), as_user("segreteria")
    filled = answers("firenze.projects.json")
    created = new_draft(officer, body=filled)
    url = f"/api/v1/tenants/firenze/census/submissions/{created.json['id']}"
    assert seg.post(f"{url}/accept").status_code == 409  # a draft never submitted
    assert seg.post(f"{url}/return", json={"note": "x"}).status_code == 409
    assert officer.post(f"{url}/submit").status_code == 200
    assert officer.post(f"{url}/accept").status_code == 403

    bad_comment = seg.post(f"{url}/return", json={"comments": {"/projects/0/colour": "?"}})
    assert bad_comment.status_code == 422 and "comments//projects/0/colour" in bad_comment.json["errors"]
    returned = seg.post(f"{url}/return", json={"comments": {"/projects/1/budget": "Importo IVA inclusa?"},
                                                "note": "Da rivedere"})
    assert returned.status_code == 200, returned.json
    assert returned.json["status"] == "returned"
    assert returned.json["comments"] == {"/": ["Da rivedere"], "/projects/1/budget": ["Importo IVA inclusa?"]}

    filled["projects"][1]["budget"] = "1464000.00"
    corrected = officer.put(url, json={"answers": filled}, headers={"If-Match": returned.headers["ETag"]})
    assert corrected.status_code == 200 and corrected.json["status"] == "returned"
    assert officer.post(f"{url}/submit").json["status"] == "submitted"
    accepted = seg.post(f"{url}/accept")
    assert accepted.status_code == 200 and accepted.json["status"] == "accepted"
    assert accepted.json["reviewed_by"] == "segreteria"
    frozen = officer.put(url, json={"answers": filled}, headers={"If-Match": accepted.headers["ETag"]})
    assert frozen.status_code == 409

    history = officer.get(f"{url}/history").json
    assert [(v["action"], v["actor"]) for v in history] == [
        ("create", "firenze-comune"), ("submit", "firenze-comune"), ("return", "segreteria"),
        ("save", "firenze-comune"), ("submit", "firenze-comune"), ("accept", "segreteria")]
    assert history[2]["comments"]["/projects/1/budget"] == ["Importo IVA inclusa?"]
    assert history[3]["answers"]["projects"][1]["budget"] == "1464000.00"
    versions = db.scalar(select(func.count()).select_from(SubmissionVersion)
                         .where(SubmissionVersion.submission_id == created.json["id"]))
    assert versions == 6


def test_campaign_shows_each_tenants_state_and_closing_records_the_date(as_user):
    seg = as_user("segreteria")
    campaigns = seg.get("/api/v1/census/campaigns").json
    assert len(campaigns) == 1
    campaign = campaigns[0]
    assert (campaign["opens_on"], campaign["due_on"]) == ("2017-12-27", "2018-06-27")
    detail = seg.get(f"/api/v1/census/campaigns/{campaign['id']}").json
    states = {s["tenant"]: s for s in detail["standings"]}
    assert set(states) == {"firenze", "prato", "pisa", "grosseto", "siena"}
    assert states["firenze"]["schemas"] == {"smart-services": "accepted", "networks": "submitted",
                                            "projects": "returned"}
    # The demo census ran in 2018: whoever has not handed everything in is late by now.
    assert states["siena"]["state"] == "late" and states["siena"]["submissions"] == 0
    assert states["firenze"]["state"] == "late" and states["firenze"]["late"]
    own = as_user("prato-comune").get(f"/api/v1/census/campaigns/{campaign['id']}").json
    assert [s["tenant"] for s in own["standings"]] == ["prato"]
    standing = as_user("prato-comune").get("/api/v1/tenants/prato/census/standing").json
    assert standing["schemas"]["networks"] == "accepted"

    close = f"/api/v1/census/campaigns/{campaign['id']}/close"
    assert as_user("firenze-comune").post(close).status_code == 403
    closed = seg.post(close, json={"closed_on": "2018-07-15"})
    assert closed.status_code == 200
    assert closed.json["status"] == "closed" and closed.json["closed_on"] == "2018-07-15"
    assert closed.json["plan_due_on"] == "2018-09-15"
    assert seg.post(f"/api/v1/census/campaigns/{campaign['id']}/close", json={}).status_code == 409
    refused = as_user("firenze-comune").post("/api/v1/tenants/firenze/census/submissions",
                                             json={"schema_key": "projects", "schema_version": 1})
    assert refused.status_code == 409


def test_exports_across_two_versions_keep_every_answer(as_user):
    seg, officer = as_user("segreteria"), as_user("firenze-comune")
    definition = seg.get("/api/v1/census/schemas/smart-services/1").json["definition"]
    # Version 2 drops the Wi-Fi question and moves the sensor questions first.
    infrastructures = definition["sections"][2]["fields"]
    definition["sections"][2]["fields"] = [f for f in infrastructures if f["key"] != "public_wifi_hotspots"]
    definition["sections"][2]["fields"].sort(key=lambda f: not f["key"].startswith(("iot", "sensor")))
    definition["version"] = 2
    assert seg.post("/api/v1/census/schemas", json=definition).status_code == 201
    assert seg.post("/api/v1/census/schemas/smart-services/2/approve").status_code == 200
    v2 = answers("firenze.smart-services.json")
    del v2["public_wifi_hotspots"]
    v2["iot_sensors"] = 2500
    created = officer.post("/api/v1/tenants/firenze/census/submissions",
                           json={"schema_key": "smart-services", "schema_version": 2, "answers": v2})
    assert created.status_code == 201, created.json

    csv_response = seg.get("/api/v1/census/schemas/smart-services/export?format=csv")
    assert csv_response.status_code == 200 and csv_response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(csv_response.get_data(as_text=True).lstrip("\ufeff"))))
    by_version = {(r["tenant"], r["schema_version"], r["status"]): r for r in rows}
    old = by_version[("firenze", "1", "accepted")]
    new = by_version[("firenze", "2", "draft")]
    assert old["public_wifi_hotspots"] == "650" and new["public_wifi_hotspots"] == ""
    assert old["iot_sensors"] == "2400" and new["iot_sensors"] == "2500"
    assert old["services[0].domain"] == "energy"
    assert old["services[4].operator_name"] == "Alia Servizi Ambientali"
    header = next(csv.reader(io.StringIO(csv_response.get_data(as_text=True).lstrip("\ufeff"))))
    assert header.index("public_wifi_hotspots") < header.index("iot_sensors")  # version 1 order kept

    xlsx = seg.get("/api/v1/census/schemas/smart-services/export?format=xlsx")
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data))["answers"]
    assert [c.value for c in sheet[1]] == header
    as_json = seg.get("/api/v1/census/schemas/smart-services/export?format=json").json
    assert as_json["schema_versions"] == [1, 2]
    assert any(s["answers"] == v2 for s in as_json["submissions"])

    own = officer.get("/api/v1/tenants/firenze/census/export?schema_key=smart-services&format=csv")
    assert own.status_code == 200
    assert {r["tenant"] for r in read_csv(own)} == {"firenze"}
    assert officer.get("/api/v1/census/schemas/smart-services/export").status_code == 403
    assert seg.get("/api/v1/census/schemas/smart-services/export?format=pdf").status_code == 400


def test_formula_injection_is_neutralised_in_exports(as_user):
    officer = as_user("prato-comune")
    body = answers("prato.projects.json")
    body["projects"][0]["title"] = "=HYPERLINK(\"http://evil.example\",\"clic\")"
    new_draft(officer, "prato", body=body)
    exported = officer.get("/api/v1/tenants/prato/census/export?schema_key=projects&format=csv")
    titles = [r["projects[0].title"] for r in read_csv(exported)]
    assert "'=HYPERLINK(\"http://evil.example\",\"clic\")" in titles


def test_analysis_shows_the_regions_figures(as_user):
    figures = as_user("revisore").get("/api/v1/census/analysis")
    assert figures.status_code == 200
    data = figures.json
    # Submitted and accepted forms only: Firenze's services, both networks, Prato's projects.
    assert data["services_by_domain"]["environment"] == 2 and data["services_by_domain"]["energy"] == 1
    assert data["network_km_by_category"]["gas"] == "2270.750"
    assert data["projects_by_domain"]["environment"] == {"count": 1, "budget": "2750000.00",
                                                         "funded": "1650000.00"}
    assert data["projects_by_budget_band"]["over-5m"] == 1
    assert data["broadband"]["by_tenant"]["prato"]["coverage_100mbps"] == "54.2"
    assert data["broadband"]["average_coverage_100mbps"] == "61.4"
    assert data["assets_by_kind"]["smart_lighting_points"] == 31000
    assert data["completeness"]["by_state"]["late"] == 5 and len(data["completeness"]["late"]) == 5
    with_drafts = as_user("segreteria").get("/api/v1/census/analysis?include_drafts=true").json
    assert with_drafts["services_by_domain"]["mobility"] == 2
    own = as_user("prato-comune").get("/api/v1/tenants/prato/census/analysis").json
    assert own["by_tenant"].keys() == {"prato"}
    assert as_user("prato-comune").get("/api/v1/census/analysis").status_code == 403


def test_census_pages_render_for_people(as_user):
    seg = as_user("segreteria")
    overview = seg.get("/census")
    assert overview.status_code == 200 and "Firenze" in overview.get_data(as_text=True)
    assert seg.get("/census/analysis").status_code == 200
    assert seg.get("/census/schemas/networks/1").status_code == 200
    sub_id = seg.get("/api/v1/tenants/firenze/census/submissions?status=returned").json[0]["id"]
    page = as_user("firenze-comune").get(f"/tenants/firenze/census/submissions/{sub_id}")
    assert page.status_code == 200 and "Indicare il CUP" in page.get_data(as_text=True)
    assert as_user("firenze-comune").get(f"/tenants/prato/census/submissions/{sub_id}").status_code == 404


def test_the_census_api_is_documented_in_openapi(client):
    spec = client.get("/api/openapi.json").json
    put = spec["paths"]["/api/v1/tenants/{slug}/census/submissions/{submission_id}"]["put"]
    assert {"412", "428"} <= set(put["responses"])
    created = spec["paths"]["/api/v1/tenants/{slug}/census/submissions"]["post"]["responses"]["201"]
    assert "ETag" in created["headers"]
    assert "/api/v1/census/schemas" in spec["paths"] and "/api/v1/census/analysis" in spec["paths"]
