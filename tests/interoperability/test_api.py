"""Standards, validation, feeds and conformance through the API, as the people who use them."""

import json

from smartregion.audit import AuditEvent
from sqlalchemy import select, text

from interoperability.examples import official_examples

BASE = "/api/v1/standards"


def streetlight(number: int, **changes):
    entity = {
        "id": f"urn:ngsi-ld:Streetlight:firenze:PL-{number:04d}",
        "type": "Streetlight",
        "location": {"type": "Point", "coordinates": [11.2558 + number / 10000, 43.7696]},
        "status": "ok",
        "powerState": "on",
        "observationDateTime": "2026-11-21T18:00:00+01:00",
        "lanternHeight": 8,
    }
    entity.update(changes)
    return entity


def new_definition(code="TOS-BENCH", version="1.0.0"):
    return {
        "code": code,
        "version": version,
        "entity_type": "Streetlight",
        "upstream_schema": "https://smart-data-models.github.io/dataModel.Streetlighting/Streetlight/schema.json",
        "title": {"it": "Panchina luminosa", "en": "Lit bench"},
        "required": ["location", "status"],
        "units": {"lanternHeight": "MTR"},
        "geometry_types": ["Point"],
        "max_observation_interval": "P1D",
        "observed_at": "observationDateTime",
    }


def register_feed(client, name="Punti luce centro", sample=None, standard="TOS-STREETLIGHT"):
    return client.post(
        "/api/v1/tenants/firenze/feeds",
        json={
            "name": name,
            "kind": "sensor-class",
            "standard": standard,
            "version": "1.0.0",
            "sample": sample or streetlight(1),
        },
    )


def test_the_seven_published_standards_are_listed_for_everyone(demo, as_user):
    response = as_user("firenze-utility").get(BASE)
    assert response.status_code == 200
    assert {s["code"]: s["versions"] for s in response.json} == {
        code: [{"version": "1.0.0", "status": "published"}]
        for code in (
            "TOS-AIRQUALITY",
            "TOS-PARKINGSPOT",
            "TOS-STREETLIGHT",
            "TOS-TRAFFICFLOW",
            "TOS-WASTECONTAINER",
            "TOS-WATERQUALITY",
            "TOS-WEATHER",
        )
    }
    version = as_user("revisore").get(f"{BASE}/TOS-WEATHER/versions/1.0.0").json
    assert version["definition"]["notes"]["it"] and version["json_schema"]["allOf"][0]["$ref"].endswith(
        "WeatherObserved/schema.json"
    )


def test_done_when_publish_register_push_report_count_and_export(demo, as_user, live_server):
    seg, utility = as_user("segreteria"), as_user("firenze-utility")
    created = seg.post(BASE, json=new_definition())
    assert created.status_code == 201, created.json
    assert created.json["status"] == "draft"
    assert register_feed(utility, "Panchine", streetlight(1), "TOS-BENCH").status_code == 422  # draft
    published = seg.post(f"{BASE}/TOS-BENCH/versions/1.0.0/publish")
    assert published.status_code == 200 and published.json["status"] == "published"

    feed = register_feed(utility)
    assert feed.status_code == 201, feed.json
    feed_id = feed.json["id"]

    batch = [streetlight(2), streetlight(3, status="broken"), streetlight(4)]
    pushed = utility.post(f"/api/v1/tenants/firenze/feeds/{feed_id}/entities", json=batch)
    assert pushed.status_code == 207
    assert pushed.json["stored"] == 2 and pushed.json["valid"] is False
    assert [r["valid"] for r in pushed.json["results"]] == [True, False, True]
    (error,) = pushed.json["results"][1]["errors"]
    assert error["pointer"] == "/status" and error["rule"] == "regional.code-list"
    assert '"broken"' in error["message"]

    conformance = as_user("segreteria").get("/api/v1/conformance").json
    (row,) = [f for f in conformance["feeds"] if f["feed_id"] == feed_id]
    assert (row["tenant"], row["received"], row["accepted"], row["refused"]) == ("firenze", 3, 2, 1)
    assert row["share"] == round(2 / 3, 4)
    assert conformance["top_violations"][0]["rule"] == "regional.code-list"
    assert conformance["top_violations"][0]["attribute"] == "status"
    own = utility.get("/api/v1/tenants/firenze/conformance").json
    assert own["tenants"] == [
        {
            "tenant": "firenze",
            "received": 3,
            "accepted": 2,
            "refused": 1,
            "feeds": 1,
            "share": round(2 / 3, 4),
        }
    ]
    assert as_user("prato-utility").get("/api/v1/tenants/prato/conformance").json["feeds"] == []

    exported = utility.get("/api/v1/tenants/firenze/ngsi-ld/entities?type=Streetlight")
    assert exported.status_code == 200
    assert exported.headers["Content-Type"].startswith("application/ld+json")
    assert exported.headers["NGSILD-Tenant"] == "firenze"
    assert sorted(e["id"] for e in exported.json) == [streetlight(2)["id"], streetlight(4)["id"]]
    first = exported.json[0]
    assert first["status"] == {"type": "Property", "value": "ok"}
    assert first["location"]["type"] == "GeoProperty"
    assert first["lanternHeight"]["unitCode"] == "MTR"
    assert "@context" in first
    key_values = utility.get("/api/v1/tenants/firenze/ngsi-ld/entities?options=keyValues").json
    assert key_values[0]["status"] == "ok"


def test_validate_endpoint_answers_a_report_for_one_entity_or_a_list(demo, as_user):
    client = as_user("firenze-comune")
    one = client.post(f"{BASE}/TOS-STREETLIGHT/versions/1.0.0/validate", json=streetlight(1))
    assert one.status_code == 200
    assert one.json["valid"] is True and len(one.json["results"]) == 1
    bad = streetlight(2)
    del bad["powerState"]
    many = client.post(f"{BASE}/TOS-STREETLIGHT/versions/1.0.0/validate", json=[streetlight(1), bad])
    assert many.json["valid"] is False
    assert [r["valid"] for r in many.json["results"]] == [True, False]
    assert many.json["results"][1]["errors"][0] == {
        "pointer": "/powerState",
        "rule": "regional.required",
        "attribute": "powerState",
        "message": many.json["results"][1]["errors"][0]["message"],
    }


def test_official_fiware_examples_validate_through_the_api(demo, as_user):
    client = as_user("firenze-comune")
    for code, entity_type in (
        ("TOS-STREETLIGHT", "Streetlight"),
        ("TOS-PARKINGSPOT", "ParkingSpot"),
        ("TOS-WASTECONTAINER", "WasteContainer"),
        ("TOS-WATERQUALITY", "WaterQualityObserved"),
    ):
        for example in official_examples(entity_type):
            response = client.post(
                f"{BASE}/{code}/versions/1.0.0/validate",
                data=example.text,
                content_type="application/ld+json",
            )
            assert response.status_code == 200
            assert response.json["valid"] is True, (example.file, response.json)
    examples = client.get(f"{BASE}/TOS-TRAFFICFLOW/versions/1.0.0/examples").json["examples"]
    assert {e["file"]: e["regional_valid"] for e in examples} == {
        "TrafficFlowObserved/example.jsonld": False,
        "TrafficFlowObserved/example-normalized.jsonld": True,
        "TrafficFlowObserved/example.json": True,
    }


def test_feed_registration_is_refused_when_the_sample_does_not_conform(demo, as_user):
    response = register_feed(as_user("firenze-utility"), sample=streetlight(1, powerState="dimmed"))
    assert response.status_code == 422
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert "sample/powerState" in response.json["errors"]
    assert "regional.code-list" in response.json["errors"]["sample/powerState"][0]


def test_published_standard_cannot_be_edited(demo, as_user):
    seg = as_user("segreteria")
    response = seg.patch(f"{BASE}/TOS-STREETLIGHT/versions/1.0.0", json={"required": ["location"]})
    assert response.status_code == 409, response.json
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert "immutable" in response.json["detail"]
    draft = seg.post(
        f"{BASE}/TOS-STREETLIGHT/versions",
        json={**new_definition("TOS-STREETLIGHT", "1.1.0"), "entity_type": "Streetlight"},
    )
    assert draft.status_code == 201, draft.json
    edited = seg.patch(f"{BASE}/TOS-STREETLIGHT/versions/1.1.0", json={"required": ["location", "circuit"]})
    assert edited.status_code == 200 and edited.json["definition"]["required"] == ["location", "circuit"]
    assert seg.post(f"{BASE}/TOS-STREETLIGHT/versions/1.1.0/publish").status_code == 200
    deprecated = seg.post(
        f"{BASE}/TOS-STREETLIGHT/versions/1.0.0/deprecate",
        json={"sunset_on": "2027-12-31", "successor": "1.1.0"},
    )
    assert deprecated.status_code == 200
    assert (deprecated.json["status"], deprecated.json["successor"]) == ("deprecated", "1.1.0")


def test_only_the_secretariat_manages_standards(demo, as_user):
    assert as_user("firenze-utility").post(BASE, json=new_definition()).status_code == 403
    assert as_user("revisore").post(f"{BASE}/TOS-WEATHER/versions/1.0.0/publish").status_code == 403


def test_a_schema_reference_outside_the_registry_is_refused(demo, as_user):
    definition = {
        **new_definition(),
        "extra_schema": {"properties": {"circuit": {"$ref": "https://example.org/evil.json#/definitions/circuit"}}},
    }
    response = as_user("segreteria").post(BASE, json=definition)
    assert response.status_code == 422
    assert "ref-outside-registry" in response.json["errors"]["extra_schema"][0]
    unknown = as_user("segreteria").post(
        BASE, json={**new_definition(), "upstream_schema": "https://example.org/Streetlight.json"}
    )
    assert unknown.status_code == 422 and "upstream_schema" in unknown.json["errors"]


def test_a_standard_version_that_does_not_exist_is_a_clear_404(demo, as_user):
    response = as_user("firenze-comune").post(f"{BASE}/TOS-STREETLIGHT/versions/9.9.9/validate", json=streetlight(1))
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert "Known versions: 1.0.0" in response.json["detail"]
    assert as_user("firenze-comune").get(f"{BASE}/TOS-NOPE/versions/1.0.0").status_code == 404


def test_bad_bodies_get_problem_json(demo, as_user):
    client = as_user("firenze-comune")
    url = f"{BASE}/TOS-STREETLIGHT/versions/1.0.0/validate"
    not_json = client.post(url, data="{'id': 1,", content_type="application/json")
    assert not_json.status_code == 400 and "not valid JSON" in not_json.json["detail"]
    deep = client.post(url, data="[" * 100 + "]" * 100, content_type="application/json")
    assert deep.status_code == 400 and "nested deeper" in deep.json["detail"]
    very_deep = client.post(url, data="[" * 100000 + "]" * 100000, content_type="application/json")
    assert very_deep.status_code == 400
    wrong_type = client.post(url, data="id=1", content_type="application/x-www-form-urlencoded")
    assert wrong_type.status_code == 400
    for response in (not_json, deep, wrong_type):
        assert response.headers["Content-Type"].startswith("application/problem+json")


def test_fifty_megabytes_are_refused_before_parsing(demo, as_user):
    client = as_user("firenze-utility")
    url = f"{BASE}/TOS-STREETLIGHT/versions/1.0.0/validate"
    big = b"[" + b" " * (50 * 1024 * 1024) + b"]"
    response = client.post(url, data=big, content_type="application/json")
    assert response.status_code == 413
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert "50 MB" in response.json["detail"]


def test_another_tenant_cannot_see_or_push_to_a_feed(demo, as_user, owner_url):
    utility = as_user("firenze-utility")
    feed_id = register_feed(utility).json["id"]
    other = as_user("prato-utility")
    assert other.get(f"/api/v1/tenants/firenze/feeds/{feed_id}").status_code == 404
    assert other.post(f"/api/v1/tenants/firenze/feeds/{feed_id}/entities", json=streetlight(5)).status_code == 404
    assert other.post(f"/api/v1/tenants/prato/feeds/{feed_id}/entities", json=streetlight(5)).status_code == 404
    assert (
        as_user("revisore").post(f"/api/v1/tenants/firenze/feeds/{feed_id}/entities", json=streetlight(5)).status_code
        == 403
    )


def test_row_level_security_hides_other_tenants_feeds(demo, as_user, app):
    register_feed(as_user("firenze-utility"))
    from smartregion.db import db as database

    with app.app_context():
        session = database.new_session()
        prato = session.execute(text("SELECT id FROM tenants WHERE slug = 'prato'")).scalar_one()
        session.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(prato)})
        assert session.execute(text("SELECT count(*) FROM interop_feeds")).scalar_one() == 0
        session.rollback()
        session.close()


def test_every_write_is_audited(demo, as_user, db):
    feed_id = register_feed(as_user("firenze-utility")).json["id"]
    as_user("firenze-utility").post(f"/api/v1/tenants/firenze/feeds/{feed_id}/entities", json=[streetlight(9)])
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.action.like("interoperability.%"))).all()
    assert {
        "interoperability.version.publish",
        "interoperability.feed.register",
        "interoperability.feed.push",
    } <= set(actions)
    json.dumps(actions)
