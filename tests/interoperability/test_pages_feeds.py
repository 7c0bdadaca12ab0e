"""The feed and standards pages with the session cookie: register a feed, publish, deprecate, validate."""

from __future__ import annotations

import functools
import json
import re

import pytest
from smartregion.audit import AuditEvent
from sqlalchemy import select

from tests.interoperability.test_api import new_definition, register_feed, streetlight

FEEDS = "/tenants/firenze/feeds"


@pytest.fixture
def page_client(page_client):
    """These pages are checked in English."""
    return functools.partial(page_client, lang="en")


def _feed_form(name="Punti luce Oltrarno", sample=None, version="TOS-STREETLIGHT 1.0.0", kind="sensor-class"):
    entity = streetlight(1) if sample is None else sample
    return {"name": name, "kind": kind, "standard_version": version, "description": "Quartiere 1",
            "sample": entity if isinstance(entity, str) else json.dumps(entity, indent=2)}


def _field(html: str, field_id: str) -> str:
    match = re.search(rf'data-testid="error-{field_id}">(.*?)</div>', html, re.S)
    assert match, f"no inline error for {field_id}"
    return match.group(1)


# --- feeds ---------------------------------------------------------------------------------------


def test_utility_registers_a_feed_with_the_form_and_sees_it_listed(page_client, db):
    utility = page_client("firenze-utility")
    page = utility.get(FEEDS)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-testid="feed-form"' in html and "No feed yet." in html
    # only published versions are offered, with the same fields as the API's POST
    for name in ('name="name"', 'name="kind"', 'name="standard_version"', 'name="description"', 'name="sample"'):
        assert name in html
    assert '<option value="TOS-STREETLIGHT 1.0.0"' in html

    response = utility.post_form(FEEDS, FEEDS, _feed_form())
    assert response.status_code == 303
    assert re.search(r"/tenants/firenze/feeds#feed-\d+$", response.headers["Location"])

    listed = utility.get(FEEDS).get_data(as_text=True)
    assert "Feed Punti luce Oltrarno registered against TOS-STREETLIGHT 1.0.0." in listed
    row = re.search(r'<tr id="feed-(\d+)" data-testid="feed-row">(.*?)</tr>', listed, re.S)
    assert row and "Punti luce Oltrarno" in row.group(2) and "TOS-STREETLIGHT 1.0.0" in row.group(2)
    assert "No entity received yet" in row.group(2)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "interoperability.feed.register"))
    assert event is not None and event.actor == "firenze-utility"
    assert event.entity_id == row.group(1)


def test_bad_input_is_refused_inline_with_what_was_typed_kept(page_client, as_user):
    utility = page_client("firenze-utility")

    not_json = utility.post_form(FEEDS, FEEDS, _feed_form(sample='{"id": "urn:ngsi-ld:Streetlight:x",\n  "type": }'))
    assert not_json.status_code == 400
    html = not_json.get_data(as_text=True)
    assert "Not valid JSON (line 2, column 11)" in _field(html, "sample")
    assert 'value="Punti luce Oltrarno"' in html  # the name is kept
    assert '&#34;type&#34;: }</textarea>' in html  # and so is the sample, as typed
    assert 'aria-invalid="true"' in html and 'data-testid="form-error"' in html

    broken = streetlight(1, status="broken")
    del broken["powerState"]
    refused = utility.post_form(FEEDS, FEEDS, _feed_form(sample=broken))
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "does not conform to TOS-STREETLIGHT 1.0.0: 2 problems" in _field(html, "sample")
    table = re.search(r'data-testid="sample-violations">(.*?)</table>', html, re.S).group(1)
    assert "<code>/status</code>" in table and "Value not in the code list (regional standard)" in table
    assert "not in the allowed list: &#34;ok&#34;, &#34;defectiveLamp&#34;" in table
    assert "<code>/powerState</code>" in table and "Missing attribute" in table
    assert '<option value="TOS-STREETLIGHT 1.0.0" selected>' in html

    deep = utility.post_form(FEEDS, FEEDS, _feed_form(sample="[" * 40 + "]" * 40))
    assert deep.status_code == 400
    assert "nested deeper than 32 levels" in _field(deep.get_data(as_text=True), "sample")
    a_list = utility.post_form(FEEDS, FEEDS, _feed_form(sample=[streetlight(1)]))
    assert a_list.status_code == 422
    assert "not a JSON object" in _field(a_list.get_data(as_text=True), "sample")

    short = utility.post_form(FEEDS, FEEDS, _feed_form(name="x"))
    assert short.status_code == 400
    assert "Length must be between 2 and 200." in _field(short.get_data(as_text=True), "name")

    unknown = utility.post_form(FEEDS, FEEDS, _feed_form(version="TOS-STREETLIGHT 9.9.9"))
    assert unknown.status_code == 422
    assert "Choose a published version" in _field(unknown.get_data(as_text=True), "standard-version")

    assert utility.post_form(FEEDS, FEEDS, _feed_form()).status_code == 303
    twice = utility.post_form(FEEDS, FEEDS, _feed_form())
    assert twice.status_code == 409
    assert "Already in use." in _field(twice.get_data(as_text=True), "name")

    no_token = utility.post_form(FEEDS, FEEDS, _feed_form(name="Senza token"), csrf=False)
    assert no_token.status_code == 400

    names = [feed["name"] for feed in as_user("firenze-utility").get("/api/v1/tenants/firenze/feeds").json]
    assert names == ["Punti luce Oltrarno"]


def test_feed_detail_shows_its_conformance_and_readable_violations(page_client, as_user):
    api = as_user("firenze-utility")
    feed_id = register_feed(api).json["id"]
    pushed = api.post(f"/api/v1/tenants/firenze/feeds/{feed_id}/entities",
                      json=[streetlight(2), streetlight(3, status="broken")])
    assert pushed.status_code == 207

    utility = page_client("firenze-utility")
    listed = utility.get(FEEDS).get_data(as_text=True)
    assert "Partly conforming" in listed and "50%" in listed
    detail = utility.get(f"{FEEDS}/{feed_id}")
    assert detail.status_code == 200
    html = detail.get_data(as_text=True)
    assert re.search(r'data-testid="feed-share">\s*50%', html)
    violations = re.search(r'data-testid="feed-violations">(.*?)</table>', html, re.S).group(1)
    assert "Value not in the code list (regional standard)" in violations
    assert "<code>status</code>" in violations and "&#34;broken&#34;" in violations
    entities = re.search(r'data-testid="feed-entities">(.*?)</table>', html, re.S).group(1)
    assert "urn:ngsi-ld:Streetlight:firenze:PL-0002" in entities
    assert "urn:ngsi-ld:Streetlight:firenze:PL-0003" not in entities  # refused, not stored
    assert f"/api/v1/tenants/firenze/feeds/{feed_id}/entities" in html
    assert "urn:ngsi-ld:Streetlight:firenze:PL-0001" in html  # the registered sample

    assert page_client("prato-utility").get(f"{FEEDS}/{feed_id}").status_code == 404
    assert utility.get(f"{FEEDS}/999999").status_code == 404
    # the conformance page links the feed
    assert f'href="/tenants/firenze/feeds/{feed_id}"' in utility.get("/conformance").get_data(as_text=True)


def test_who_may_see_and_who_may_register(page_client, as_user):
    feed_id = register_feed(as_user("firenze-utility")).json["id"]

    officer = page_client("firenze-comune")  # the API lets municipality officers register feeds too
    html = officer.get(FEEDS).get_data(as_text=True)
    assert "Punti luce centro" in html and 'data-testid="feed-form"' in html

    auditor = page_client("revisore")
    html = auditor.get(FEEDS).get_data(as_text=True)
    assert "Punti luce centro" in html and 'data-testid="feed-form"' not in html
    assert auditor.get(f"{FEEDS}/{feed_id}").status_code == 200
    refused = auditor.post_form(FEEDS, FEEDS, _feed_form(name="Del revisore"))
    assert refused.status_code == 403

    other = page_client("prato-utility")
    assert other.get(FEEDS).status_code == 404
    assert other.post_form("/tenants/prato/feeds", FEEDS, _feed_form(name="Di Prato")).status_code == 404

    names = [feed["name"] for feed in as_user("revisore").get("/api/v1/tenants/firenze/feeds").json]
    assert names == ["Punti luce centro"]


# --- standards -----------------------------------------------------------------------------------

STANDARDS = "/standards"


def test_secretariat_publishes_and_deprecates_versions_from_the_standards_page(page_client, as_user):
    api = as_user("segreteria")
    assert api.post("/api/v1/standards", json=new_definition()).status_code == 201
    assert api.post("/api/v1/standards/TOS-BENCH/versions",
                    json={**new_definition(version="1.1.0"), "code": None}).status_code == 201
    secretariat = page_client("segreteria")
    html = secretariat.get(STANDARDS).get_data(as_text=True)
    assert 'data-testid="publish-TOS-BENCH-1-0-0"' in html and 'data-testid="deprecate-TOS-STREETLIGHT-1-0-0"' in html

    publish = "/standards/TOS-BENCH/versions/1.0.0/publish"
    response = secretariat.post_form(STANDARDS, publish, {})
    assert response.status_code == 303 and response.headers["Location"].endswith("/standards#standard-TOS-BENCH")
    html = secretariat.get(STANDARDS).get_data(as_text=True)
    assert "TOS-BENCH 1.0.0 is published" in html
    assert re.search(r'data-testid="status-TOS-BENCH-1-0-0">\s*published', html)
    again = secretariat.post_form(STANDARDS, publish, {})
    assert again.status_code == 409 and "already published" in again.get_data(as_text=True)

    deprecate = "/standards/TOS-BENCH/versions/1.0.0/deprecate"
    missing = secretariat.post_form(STANDARDS, deprecate, {"sunset_on": "", "successor": ""})
    assert missing.status_code == 400
    html = missing.get_data(as_text=True)
    assert "Missing data for required field." in _field(html, "sunset-TOS-BENCH-1-0-0")
    assert "TOS-BENCH 1.0.0 was not deprecated" in html and 'href="#deprecate-TOS-BENCH-1-0-0"' in html
    assert re.search(r'<details open id="deprecate-TOS-BENCH-1-0-0"', html)
    draft_successor = secretariat.post_form(STANDARDS, deprecate, {"sunset_on": "2027-06-30", "successor": "1.1.0"})
    assert draft_successor.status_code == 422
    html = draft_successor.get_data(as_text=True)
    assert "TOS-BENCH 1.1.0 is draft" in html and 'value="2027-06-30"' in html  # the date is kept

    assert secretariat.post_form(STANDARDS, "/standards/TOS-BENCH/versions/1.1.0/publish", {}).status_code == 303
    done = secretariat.post_form(STANDARDS, deprecate, {"sunset_on": "2027-06-30", "successor": "1.1.0"})
    assert done.status_code == 303
    version = api.get("/api/v1/standards/TOS-BENCH/versions/1.0.0").json
    assert (version["status"], version["sunset_on"], version["successor"]) == ("deprecated", "2027-06-30", "1.1.0")
    html = secretariat.get(STANDARDS).get_data(as_text=True)
    assert re.search(r'data-testid="status-TOS-BENCH-1-0-0">\s*deprecated', html) and "2027-06-30" in html


def test_other_roles_get_no_buttons_and_403(page_client, as_user):
    assert as_user("segreteria").post("/api/v1/standards", json=new_definition()).status_code == 201
    for username in ("firenze-utility", "firenze-comune", "revisore"):
        person = page_client(username)
        html = person.get(STANDARDS).get_data(as_text=True)
        assert "TOS-BENCH" in html and "publish-TOS-BENCH" not in html and "deprecate-TOS-STREETLIGHT" not in html
        assert person.post_form(STANDARDS, "/standards/TOS-BENCH/versions/1.0.0/publish", {}).status_code == 403
        assert person.post_form(STANDARDS, "/standards/TOS-STREETLIGHT/versions/1.0.0/deprecate",
                                {"sunset_on": "2027-01-01"}).status_code == 403
    assert as_user("segreteria").get("/api/v1/standards/TOS-BENCH/versions/1.0.0").json["status"] == "draft"
    streetlight_version = as_user("segreteria").get("/api/v1/standards/TOS-STREETLIGHT/versions/1.0.0").json
    assert streetlight_version["status"] == "published"


def test_validate_a_pasted_sample_and_read_its_violations(page_client):
    utility = page_client("firenze-utility")
    html = utility.get(STANDARDS).get_data(as_text=True)
    assert 'data-testid="validate-form"' in html

    payload = json.dumps([streetlight(1), streetlight(2, status="broken", location={"type": "Point",
                                                                                   "coordinates": [191.0, 43.7]})])
    checked = utility.post_form(STANDARDS, "/standards/validate",
                                {"standard_version": "TOS-STREETLIGHT 1.0.0", "payload": payload})
    assert checked.status_code == 200
    html = checked.get_data(as_text=True)
    assert re.search(r'data-testid="validation-verdict">\s*1 of 2 entities conform', html)
    table = re.search(r'data-testid="violations-1">(.*?)</table>', html, re.S).group(1)
    assert "Value not in the code list (regional standard)" in table and "<code>/status</code>" in table
    assert "Coordinates outside WGS84" in table and "longitude 191.0 is outside WGS84 range" in table
    assert 'data-testid="violations-0"' not in html
    assert "urn:ngsi-ld:Streetlight:firenze:PL-0002" in html
    assert '<option value="TOS-STREETLIGHT 1.0.0" selected>' in html  # the choice is kept

    good = utility.post_form(STANDARDS, "/standards/validate",
                             {"standard_version": "TOS-STREETLIGHT 1.0.0", "payload": json.dumps(streetlight(1))})
    assert re.search(r'data-testid="validation-verdict">\s*Every entity conforms \(1\)', good.get_data(as_text=True))

    bad_json = utility.post_form(STANDARDS, "/standards/validate",
                                 {"standard_version": "TOS-STREETLIGHT 1.0.0", "payload": "{oops"})
    assert bad_json.status_code == 400
    html = bad_json.get_data(as_text=True)
    assert "Not valid JSON (line 1, column 2)" in _field(html, "validate-payload") and "{oops</textarea>" in html
    unknown = utility.post_form(STANDARDS, "/standards/validate", {"standard_version": "TOS-NOPE 1.0.0",
                                                                  "payload": "{}"})
    assert unknown.status_code == 422
    assert "Choose a version from the list." in _field(unknown.get_data(as_text=True), "validate-version")

    auditor = page_client("revisore")
    assert 'data-testid="validate-form"' not in auditor.get(STANDARDS).get_data(as_text=True)
    refused = auditor.post_form(STANDARDS, "/standards/validate",
                                {"standard_version": "TOS-STREETLIGHT 1.0.0", "payload": payload})
    assert refused.status_code == 403
