"""Conformance to the regional standards, on the official Smart Data Models examples and on bad input."""

import copy
import json

import pytest

from interoperability.examples import example_verdicts, official_examples
from interoperability.standards import (
    DefinitionError,
    StandardDefinition,
    shipped_definition,
    shipped_definitions,
)
from interoperability.validation import compile_standard

CODES = {
    "TOS-STREETLIGHT": "Streetlight",
    "TOS-AIRQUALITY": "AirQualityObserved",
    "TOS-WATERQUALITY": "WaterQualityObserved",
    "TOS-WASTECONTAINER": "WasteContainer",
    "TOS-PARKINGSPOT": "ParkingSpot",
    "TOS-TRAFFICFLOW": "TrafficFlowObserved",
    "TOS-WEATHER": "WeatherObserved",
}


def streetlight(**changes):
    entity = {
        "id": "urn:ngsi-ld:Streetlight:firenze:PL-001",
        "type": "Streetlight",
        "location": {"type": "Point", "coordinates": [11.2558, 43.7696]},
        "status": "ok",
        "powerState": "on",
        "observationDateTime": "2026-11-21T18:00:00+01:00",
    }
    entity.update(changes)
    return entity


def test_the_seven_regional_standards_ship_as_version_1_0_0():
    assert {(d.code, d.entity_type) for d in shipped_definitions()} == set(CODES.items())
    assert {d.version for d in shipped_definitions()} == {"1.0.0"}
    for definition in shipped_definitions():
        assert definition.notes["en"] and definition.notes["it"]
        assert definition.max_interval is not None


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_official_example_that_conforms_upstream_is_accepted_by_the_regional_layer(code):
    verdicts = example_verdicts(shipped_definition(code, "1.0.0"))
    assert verdicts, code
    for verdict in verdicts:
        if verdict["upstream_valid"]:
            assert verdict["regional_valid"], (verdict["file"], verdict["regional_errors"])
        else:
            assert not verdict["regional_valid"], verdict["file"]


def test_real_fiware_examples_of_every_profiled_type_validate_where_they_conform_upstream():
    accepted = {
        code: [v["file"] for v in example_verdicts(shipped_definition(code, "1.0.0")) if v["regional_valid"]]
        for code in CODES
    }
    assert accepted == {
        "TOS-STREETLIGHT": ["Streetlight/example.jsonld", "Streetlight/example-normalized.jsonld"],
        "TOS-AIRQUALITY": [],
        "TOS-WATERQUALITY": [
            "WaterQualityObserved/example.jsonld",
            "WaterQualityObserved/example-normalized-ld.jsonld",
        ],
        "TOS-WASTECONTAINER": ["WasteContainer/example.jsonld", "WasteContainer/example-normalized.jsonld"],
        "TOS-PARKINGSPOT": ["ParkingSpot/example.jsonld", "ParkingSpot/example-normalized.jsonld"],
        "TOS-TRAFFICFLOW": [
            "TrafficFlowObserved/example-normalized.jsonld",
            "TrafficFlowObserved/example.json",
        ],
        "TOS-WEATHER": [],
    }


def test_both_forms_of_the_official_examples_are_covered():
    forms = {}
    for verdict in example_verdicts(shipped_definition("TOS-PARKINGSPOT", "1.0.0")):
        forms[verdict["form"]] = verdict["regional_valid"]
    assert forms == {"normalized": True, "keyValues": True}


def test_upstream_non_conforming_air_quality_examples_pass_once_the_reported_fields_are_fixed():
    compiled = compile_standard(shipped_definition("TOS-AIRQUALITY", "1.0.0"))
    for example in official_examples("AirQualityObserved"):
        payload = example.payload()
        result = compiled.check(payload)
        assert not result.valid
        pointers = {error.pointer for error in result.errors}
        fixed = copy.deepcopy(payload)
        for pointer in pointers:
            name, *rest = pointer.lstrip("/").split("/")
            value = "2016-03-15T11:00:00+01:00" if name == "dateObserved" else 176
            if rest:
                fixed[name]["value"] = value
            else:
                fixed[name] = value
        assert compiled.check(fixed).valid, compiled.check(fixed).errors


def test_weather_examples_are_refused_with_the_fix_in_the_message():
    compiled = compile_standard(shipped_definition("TOS-WEATHER", "1.0.0"))
    for example in official_examples("WeatherObserved"):
        result = compiled.check(example.payload())
        assert [e.rule for e in result.errors] == ["regional.minimum"]
        assert "315" in result.errors[0].message


def test_traffic_flow_key_values_example_that_is_not_json_upstream_is_reported_as_such():
    verdict = next(
        v
        for v in example_verdicts(shipped_definition("TOS-TRAFFICFLOW", "1.0.0"))
        if v["file"] == "TrafficFlowObserved/example.jsonld"
    )
    assert verdict["json"] is False and verdict["regional_valid"] is False
    assert verdict["upstream_errors"][0].startswith("not JSON")


def test_a_batch_report_lists_each_entity_in_order_with_pointer_rule_and_message():
    compiled = compile_standard(shipped_definition("TOS-STREETLIGHT", "1.0.0"))
    bad = streetlight(status="broken")
    normalized_bad = {
        "id": "urn:ngsi-ld:Streetlight:firenze:PL-003",
        "type": "Streetlight",
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [43.77, 191.2]}},
        "status": {"type": "Property", "value": "ok"},
        "powerState": {"type": "Property", "value": "on"},
        "lanternHeight": {"type": "Property", "value": 30, "unitCode": "FOT"},
    }
    report = compiled.validate([streetlight(), bad, normalized_bad])
    data = report.to_dict()
    assert data["valid"] is False and data["entities"] == 3 and data["conforming"] == 1
    assert [r["valid"] for r in data["results"]] == [True, False, False]
    (status_error,) = data["results"][1]["errors"]
    assert status_error["pointer"] == "/status"
    assert status_error["rule"] == "regional.code-list"
    assert '"broken"' in status_error["message"] and "defectiveLamp" in status_error["message"]
    errors = {e["pointer"]: e for e in data["results"][2]["errors"]}
    assert errors["/lanternHeight/unitCode"]["rule"] == "regional.unit"
    assert "MTR" in errors["/lanternHeight/unitCode"]["message"]
    assert errors["/location/value/coordinates/1"]["rule"] == "regional.wgs84"
    assert "latitude" in errors["/location/value/coordinates/1"]["message"]
    json.dumps(data)


def test_missing_regional_attribute_points_where_it_belongs():
    compiled = compile_standard(shipped_definition("TOS-STREETLIGHT", "1.0.0"))
    entity = streetlight()
    del entity["powerState"]
    (error,) = compiled.check(entity).errors
    assert (error.pointer, error.rule, error.attribute) == ("/powerState", "regional.required", "powerState")
    assert "TOS-STREETLIGHT 1.0.0" in error.message


def test_geometry_type_crs_and_timestamps_are_regional_rules():
    compiled = compile_standard(shipped_definition("TOS-STREETLIGHT", "1.0.0"))
    line = streetlight(location={"type": "LineString", "coordinates": [[11.2, 43.7], [11.3, 43.8]]})
    assert [e.rule for e in compiled.check(line).errors] == ["regional.geometry"]
    crs = streetlight(
        location={
            "type": "Point",
            "coordinates": [681000, 4848000],
            "crs": {"type": "name", "properties": {"name": "EPSG:3003"}},
        }
    )
    rules = {e.rule for e in compiled.check(crs).errors}
    assert {"regional.crs", "regional.wgs84"} <= rules
    local = streetlight(observationDateTime="2026-11-21T18:00:00")
    assert [e.rule for e in compiled.check(local).errors] == ["regional.timestamp"]


def test_entity_of_another_type_and_non_objects_are_refused():
    compiled = compile_standard(shipped_definition("TOS-STREETLIGHT", "1.0.0"))
    wrong = compiled.check(streetlight(type="ParkingSpot"))
    assert any(e.pointer == "/type" and "profiles 'Streetlight'" in e.message for e in wrong.errors)
    report = compiled.validate([1, "x", None])
    assert [r.errors[0].rule for r in report.results] == ["ngsi-ld.entity"] * 3


def test_a_standard_version_is_compiled_once_and_reused():
    definition = shipped_definition("TOS-WEATHER", "1.0.0")
    assert compile_standard(definition) is compile_standard(definition)


def test_definition_errors_name_the_field():
    data = shipped_definition("TOS-STREETLIGHT", "1.0.0").to_dict()
    data.update(version="1.0", units={"lanternHeight": "feet"}, max_observation_interval="daily")
    with pytest.raises(DefinitionError) as caught:
        StandardDefinition.from_dict(data)
    assert set(caught.value.errors) == {"version", "units", "max_observation_interval"}
