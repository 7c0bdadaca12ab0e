"""What auditors see (timeline, matrix, audit log, chain) and that they can never write."""

import csv
import io
import re

import pytest
from smartregion import audit
from sqlalchemy import select

from protocol.models import Protocol

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# The identity provider's own endpoints and the page session controls are not the platform's data.
NOT_DATA = ("/realms/", "/admin/realms/")
SESSION_ENDPOINTS = {"web.login", "web.logout", "web.set_language", "web.switch_tenant"}


@pytest.fixture
def tuscan(demo, db):
    return db.scalar(select(Protocol).order_by(Protocol.id))


def _concrete(rule) -> str:
    values = {name: ("1" if rule._converters[name].__class__.__name__ == "IntegerConverter" else "firenze")
              for name in rule.arguments}
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: values[m.group(1)], rule.rule)


def test_an_auditor_gets_403_on_every_writing_endpoint(app, as_user, tuscan):
    auditor = as_user("revisore")
    probed = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(NOT_DATA) or rule.endpoint in SESSION_ENDPOINTS:
            continue
        for method in sorted((rule.methods or set()) & WRITES):
            url = _concrete(rule)
            response = auditor.open(url, method=method, json={})
            assert response.status_code == 403, (method, url, response.status_code)
            assert response.headers["Content-Type"].startswith("application/problem+json"), (method, url)
            probed.append((method, rule.rule))
    assert ("POST", "/api/v1/protocols") in probed
    assert ("POST", "/api/v1/protocols/<int:protocol_id>/adhesions/<int:request_id>/decisions") in probed
    assert ("DELETE", "/api/v1/protocols/<int:protocol_id>") in probed
    assert len(probed) > 20


def test_auditor_sees_the_tuscan_timeline_with_today_position(as_user, tuscan):
    response = as_user("revisore").get(f"/api/v1/protocols/{tuscan.id}/timeline")
    assert response.status_code == 200
    body = response.json
    due = {m["key"]: m["due_on"] for m in body["milestones"]}
    assert due["census"] == "2018-06-27" and due["end"] == "2019-12-27"
    assert body["status"] == "ended" and body["frozen"] is True
    assert body["position"]["percent"] == 100.0
    listed = as_user("revisore").get("/api/v1/protocols").json
    assert [p["title"] for p in listed] == [tuscan.title]
    assert listed[0]["ends_on"] == "2019-12-27"


def test_matrix_shows_who_was_late_for_what(as_user, tuscan):
    matrix = as_user("revisore").get(f"/api/v1/protocols/{tuscan.id}/matrix", query_string={"today": "2018-07-10"})
    assert matrix.status_code == 200
    rows = {row["slug"]: row for row in matrix.json["tenants"]}
    assert set(rows) == {"firenze", "prato", "pisa", "grosseto", "siena"}
    assert rows["siena"]["cells"]["census"]["state"] == "late"
    assert rows["siena"]["cells"]["census"]["days_late"] == 13
    assert "census" in rows["siena"]["late_on"]
    assert rows["prato"]["cells"]["monitoring-1"]["state"] == "done"


def test_members_see_only_their_own_rows(as_user, tuscan):
    line = as_user("prato-comune").get(f"/api/v1/protocols/{tuscan.id}/timeline").json
    census = next(m for m in line["milestones"] if m["key"] == "census")
    assert [t["slug"] for t in census["tenants"]] == ["prato"]


def test_audit_log_filters_and_verified_chain(as_user, tuscan, db):
    auditor = as_user("revisore")
    by_action = auditor.get("/api/v1/audit/events", query_string={"action": "protocol.", "page_size": 100}).json
    assert by_action and all(e["action"].startswith("protocol.") for e in by_action)
    firenze = auditor.get("/api/v1/audit/events", query_string={"tenant": "firenze", "page_size": 100}).json
    assert firenze and len({e["tenant_id"] for e in firenze}) == 1
    by_actor = auditor.get("/api/v1/audit/events", query_string={"actor": "system:seed", "entity_type": "tenant"}).json
    assert by_actor and all(e["actor"] == "system:seed" and e["entity_type"] == "tenant" for e in by_actor)
    none = auditor.get("/api/v1/audit/events", query_string={"since": "2001-01-01", "until": "2001-12-31"}).json
    assert none == []
    backwards = auditor.get("/api/v1/audit/events", query_string={"since": "2020-01-02", "until": "2020-01-01"})
    assert backwards.status_code == 422
    verified = auditor.get("/api/v1/audit/verify").json
    assert verified["ok"] is True and verified["events"] > 10
    assert as_user("firenze-comune").get("/api/v1/audit/events").status_code == 403


def test_csv_export_neutralises_formulas(as_user, tuscan, db):
    audit.record(db, action="protocol.note", entity_type="protocol", entity_id=tuscan.id,
                 actor="=HYPERLINK(\"http://evil.example\",\"x\")", after={"note": "+1"})
    db.commit()
    response = as_user("revisore").get("/api/v1/audit/events.csv", query_string={"action": "protocol.note"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:5] == ["id", "at", "actor", "tenant", "action"]
    assert len(rows) == 2
    assert rows[1][2] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in rows[1])
