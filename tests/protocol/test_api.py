"""Protocols through the API: the secretariat records and corrects them, everyone signed in reads."""

from smartregion.audit import AuditEvent
from sqlalchemy import select

from tenants.models import Organization, OrganizationKind


def _region_id(db):
    return db.scalar(select(Organization.id).where(Organization.kind == OrganizationKind.REGION))


def test_secretariat_records_corrects_and_deletes_a_protocol(as_user, db, demo):
    seg = as_user("segreteria")
    anci = db.scalar(select(Organization.id).where(Organization.name == "ANCI Toscana"))
    created = seg.post("/api/v1/protocols", json={
        "title": "Protocollo smart region 2026-2028", "region_id": _region_id(db), "signed_on": "2026-03-02",
        "monitoring_every_months": 6, "acceptance_rule": "region-and-majority", "signatory_ids": [anci]})
    assert created.status_code == 201, created.json
    body = created.json
    assert body["ends_on"] == "2028-03-02" and body["duration_months"] == 24
    assert {s["organization"]["name"] for s in body["signatories"]} == {"Regione Toscana", "ANCI Toscana"}

    line = seg.get(f"/api/v1/protocols/{body['id']}/timeline", query_string={"today": "2026-04-01"}).json
    keys = [m["key"] for m in line["milestones"]]
    assert keys == ["census", "monitoring-1", "operational-plan", "monitoring-2", "monitoring-3", "end"]
    assert line["status"] == "running" and line["position"]["next_milestone"] == "census"

    fixed = seg.patch(f"/api/v1/protocols/{body['id']}", json={"title": "Protocollo smart region 2026-28"})
    assert fixed.status_code == 200 and fixed.json["title"].endswith("2026-28")
    bad = seg.patch(f"/api/v1/protocols/{body['id']}", json={"census_months": 30})
    assert bad.status_code == 422 and "census_months" in bad.json["errors"]
    assert bad.headers["Content-Type"].startswith("application/problem+json")

    assert seg.delete(f"/api/v1/protocols/{body['id']}").status_code == 204
    assert seg.get(f"/api/v1/protocols/{body['id']}").status_code == 404
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == str(body["id"]),
                                                         AuditEvent.entity_type == "protocol")).all()
    assert {"protocol.create", "protocol.update", "protocol.delete"} <= set(actions)


def test_inconsistent_dates_and_wrong_region_are_refused(as_user, db, demo):
    seg = as_user("segreteria")
    base = {"title": "Rinnovo", "region_id": _region_id(db), "signed_on": "2026-03-02"}
    ends_early = seg.post("/api/v1/protocols", json=base | {"ends_on": "2025-01-01"})
    assert ends_early.status_code == 422 and "ends_on" in ends_early.json["errors"]
    plan_after_end = seg.post("/api/v1/protocols", json=base | {"duration_months": 7})
    assert plan_after_end.status_code == 422 and "plan_months" in plan_after_end.json["errors"]
    anci = db.scalar(select(Organization.id).where(Organization.name == "ANCI Toscana"))
    not_region = seg.post("/api/v1/protocols", json=base | {"region_id": anci})
    assert not_region.status_code == 422 and "region_id" in not_region.json["errors"]
    assert as_user("firenze-comune").post("/api/v1/protocols", json=base).status_code == 403


def test_a_protocol_with_history_cannot_be_deleted(as_user, db, demo):
    tuscan = as_user("segreteria").get("/api/v1/protocols").json[0]
    refused = as_user("segreteria").delete(f"/api/v1/protocols/{tuscan['id']}")
    assert refused.status_code == 409


def test_waivers_through_the_api(as_user, db, demo):
    seg = as_user("segreteria")
    tuscan = seg.get("/api/v1/protocols").json[0]
    url = f"/api/v1/protocols/{tuscan['id']}/waivers"
    missing = seg.post(url, json={"milestone_key": "census", "tenant": "siena"})
    assert missing.status_code == 400 and "reason" in missing.json["errors"]
    unknown = seg.post(url, json={"milestone_key": "nothing", "reason": "Perché sì"})
    assert unknown.status_code == 422
    granted = seg.post(url, json={"milestone_key": "census", "tenant": "siena", "reason": "Calamità naturale"})
    assert granted.status_code == 201
    assert seg.post(url, json={"milestone_key": "census", "tenant": "siena", "reason": "Di nuovo"}).status_code == 409
    matrix = as_user("revisore").get(f"/api/v1/protocols/{tuscan['id']}/matrix").json
    siena = next(r for r in matrix["tenants"] if r["slug"] == "siena")
    assert siena["cells"]["census"] == {"state": "waived", "due_on": "2018-06-27", "days_late": 0,
                                        "done_on": None, "waiver_reason": "Calamità naturale"}
