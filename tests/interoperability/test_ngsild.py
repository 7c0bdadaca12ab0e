"""Normalized and key-values NGSI-LD entities."""

from interoperability import ngsild


def test_normalized_entity_converts_to_key_values_with_pointers_into_the_original():
    entity = {
        "id": "urn:ngsi-ld:ParkingSpot:1",
        "type": "ParkingSpot",
        "status": {"type": "Property", "value": "free", "observedAt": "2024-01-01T00:00:00Z"},
        "refParkingSite": {"type": "Relationship", "object": "urn:ngsi-ld:ParkingSite:9"},
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [11.25, 43.77]}},
        "dateLastChange": {
            "type": "Property",
            "value": {"@type": "DateTime", "@value": "2024-01-01T00:00:00Z"},
        },
        "@context": ["https://smartdatamodels.org/context.jsonld"],
    }
    assert ngsild.detect_form(entity) == ngsild.NORMALIZED
    key_values, origin, problems = ngsild.to_key_values(entity)
    assert problems == []
    assert key_values == {
        "id": "urn:ngsi-ld:ParkingSpot:1",
        "type": "ParkingSpot",
        "status": "free",
        "refParkingSite": "urn:ngsi-ld:ParkingSite:9",
        "location": {"type": "Point", "coordinates": [11.25, 43.77]},
        "dateLastChange": "2024-01-01T00:00:00Z",
    }
    assert origin["status"] == "/value"
    assert origin["refParkingSite"] == "/object"


def test_key_values_entity_is_detected_and_kept():
    entity = {
        "id": "x",
        "type": "Streetlight",
        "location": {"type": "Point", "coordinates": [1, 2]},
        "address": {"type": "PostalAddress", "addressLocality": "Prato"},
    }
    assert ngsild.detect_form(entity) == ngsild.KEY_VALUES
    key_values, _origin, problems = ngsild.to_key_values(entity)
    assert key_values == entity and problems == []


def test_an_attribute_that_is_not_an_ngsi_ld_attribute_in_a_normalized_entity_is_reported():
    entity = {
        "id": "x",
        "type": "Streetlight",
        "status": {"type": "Property", "value": "ok"},
        "circuit": "C-1",
        "powerState": {"type": "Property"},
    }
    _kv, _origin, problems = ngsild.to_key_values(entity)
    assert {p.pointer for p in problems} == {"/circuit", "/powerState"}


def test_multi_attribute_uses_the_default_instance():
    entity = {
        "id": "x",
        "type": "T",
        "temperature": [
            {"type": "Property", "value": 20.5, "datasetId": "urn:ngsi-ld:Dataset:sensor-b"},
            {"type": "Property", "value": 21.0, "unitCode": "CEL"},
        ],
    }
    key_values, origin, _problems = ngsild.to_key_values(entity)
    assert key_values["temperature"] == 21.0 and origin["temperature"] == "/1/value"
    assert ngsild.unit_codes(entity) == {"temperature": ("CEL", "/temperature/1/unitCode")}


def test_round_trip_to_normalized_and_back():
    entity = {
        "id": "urn:ngsi-ld:Streetlight:1",
        "type": "Streetlight",
        "location": {"type": "Point", "coordinates": [11.1, 43.8]},
        "status": "ok",
        "lanternHeight": 8,
        "refStreetlightGroup": "urn:ngsi-ld:StreetlightGroup:1",
        "observationDateTime": "2024-05-01T10:00:00Z",
    }
    normalized = ngsild.to_normalized(entity, units={"lanternHeight": "MTR"}, datetimes={"observationDateTime"})
    assert normalized["location"]["type"] == "GeoProperty"
    assert normalized["refStreetlightGroup"] == {
        "type": "Relationship",
        "object": "urn:ngsi-ld:StreetlightGroup:1",
    }
    assert normalized["lanternHeight"] == {"type": "Property", "value": 8, "unitCode": "MTR"}
    assert normalized["observationDateTime"]["value"] == {
        "@type": "DateTime",
        "@value": "2024-05-01T10:00:00Z",
    }
    assert ngsild.to_key_values(normalized)[0] == entity


def test_identifiers_become_ngsi_ld_urns():
    assert ngsild.ngsi_ld_id("Streetlight", "PL-0042") == "urn:ngsi-ld:Streetlight:PL-0042"
    assert ngsild.ngsi_ld_id("Streetlight", "urn:ngsi-ld:Streetlight:7") == "urn:ngsi-ld:Streetlight:7"
