"""Entities as brokers and publishers send them: NGSI-v2 normalized (Orion v2, IoT Agents), GeoJSON Features."""

from __future__ import annotations

from interoperability.standards import shipped_definition
from interoperability.validation import compile_standard

STREETLIGHT = compile_standard(shipped_definition("TOS-STREETLIGHT", "1.0.0"))


def _orion_v2(status="ok", **extra):
    """An entity as GET /v2/entities returns it by default (options=normalized is implied)."""
    return {
        "id": "urn:ngsi-ld:Streetlight:firenze:PL-001",
        "type": "Streetlight",
        "location": {"type": "geo:json", "value": {"type": "Point", "coordinates": [11.2558, 43.7696]},
                     "metadata": {}},
        "status": {"type": "Text", "value": status, "metadata": {}},
        "powerState": {"type": "Text", "value": "on", "metadata": {}},
        "observationDateTime": {"type": "DateTime", "value": "2026-11-21T18:00:00.000Z",
                                "metadata": {"TimeInstant": {"type": "DateTime", "value": "2026-11-21T18:00:00.000Z"}}},
        **extra,
    }


def test_ngsi_v2_normalized_is_read_and_said_so():
    report = STREETLIGHT.validate([_orion_v2()])
    result = report.results[0]
    assert result.form == "ngsiV2Normalized" and result.valid, result.errors
    assert result.key_values["status"] == "ok"
    assert result.key_values["location"] == {"type": "Point", "coordinates": [11.2558, 43.7696]}
    assert result.to_dict()["form"] == "ngsiV2Normalized"


def test_ngsi_v2_errors_point_at_the_value_and_never_mislead():
    result = STREETLIGHT.check(_orion_v2(status="rotto"))
    assert not result.valid
    error = next(e for e in result.errors if e.attribute == "status")
    assert error.pointer == "/status/value"
    assert error.message.startswith("'status' is \"rotto\", which is not in the allowed list")
    # An IoT Agent's geo:point ("latitude, longitude") is read as a GeoJSON point.
    point = _orion_v2(location={"type": "geo:point", "value": "43.7696, 11.2558"})
    assert STREETLIGHT.check(point).valid


def test_a_wrapped_value_sent_as_key_values_is_described_as_what_it_is():
    entity = {"id": "urn:ngsi-ld:Streetlight:firenze:PL-002", "type": "Streetlight",
              "location": {"type": "Point", "coordinates": [11.2558, 43.7696]}, "status": {"value": "ok"},
              "powerState": "on", "observationDateTime": "2026-11-21T18:00:00+01:00"}
    result = STREETLIGHT.check(entity)
    messages = " ".join(e.message for e in result.errors)
    assert result.form == "keyValues" and not result.valid
    assert "'ok' is not in the allowed list" not in messages and '{"value": "ok"}' in messages
    spaced = STREETLIGHT.check({**entity, "status": "ok "})
    assert any("spaces around it" in e.message for e in spaced.errors)


def test_geojson_feature_collection_of_smart_data_models():
    features = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": f"urn:ngsi-ld:Streetlight:firenze:PL-{n}",
         "geometry": {"type": "Point", "coordinates": [11.2558, 43.7696]},
         "properties": {"type": "Streetlight", "status": status, "powerState": "on",
                        "observationDateTime": "2026-11-21T18:00:00+01:00"}}
        for n, status in ((1, "ok"), (2, "spento"))]}
    report = STREETLIGHT.validate(features)
    first, second = report.results
    assert first.form == "geojsonFeature" and first.valid and first.id == "urn:ngsi-ld:Streetlight:firenze:PL-1"
    assert first.type == "Streetlight" and first.key_values["location"]["type"] == "Point"
    assert not second.valid
    assert [e.pointer for e in second.errors] == ["/properties/status"]
    moved = STREETLIGHT.check({**features["features"][0], "geometry": {"type": "Point", "coordinates": [200, 43]}})
    assert moved.errors and moved.errors[0].pointer.startswith("/geometry")
