"""The offline schema registry: every reference resolves locally, nothing else is accepted."""

import pytest

from interoperability.registry import RefOutsideRegistry, SchemaRegistry, UnresolvableRef, upstream_manifest
from interoperability.standards import shipped_definitions

COMMON = "https://smart-data-models.github.io/data-models/common-schema.json"


def _refs(node):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for key, value in node.items():
            if key not in ("enum", "const"):
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_every_shipped_schema_has_its_source_and_licence():
    manifest = upstream_manifest()
    assert "Creative Commons Attribution 4.0" in manifest["licence"]
    for entry in manifest["schemas"] + manifest["examples"]:
        source = entry["source"]
        assert source["repository"].startswith("smart-data-models/")
        assert len(source["commit"]) == 40


def test_each_standard_bundles_into_one_document_with_only_local_references():
    registry = SchemaRegistry.shipped()
    for definition in shipped_definitions():
        bundled = registry.bundle(definition.json_schema())
        refs = list(_refs(bundled))
        assert refs, definition.code
        assert all(ref.startswith("#/definitions/") for ref in refs), definition.code


def test_a_reference_outside_the_registry_is_refused_with_its_location():
    schema = {
        "allOf": [
            {"$ref": COMMON + "#/definitions/GSMA-Commons"},
            {"properties": {"owner": {"$ref": "https://evil.example.org/owner.json"}}},
        ]
    }
    with pytest.raises(RefOutsideRegistry) as caught:
        SchemaRegistry.shipped().bundle(schema)
    assert caught.value.pointer == "/allOf/1/properties/owner/$ref"
    assert "https://evil.example.org/owner.json" in caught.value.message


def test_a_relative_reference_to_a_file_is_refused():
    with pytest.raises(RefOutsideRegistry):
        SchemaRegistry.shipped().bundle({"properties": {"a": {"$ref": "other.json#/x"}}})


def test_a_reference_to_a_missing_location_of_a_shipped_schema_is_refused():
    with pytest.raises(UnresolvableRef) as caught:
        SchemaRegistry.shipped().bundle({"$ref": COMMON + "#/definitions/NoSuchCommons"})
    assert "NoSuchCommons" in caught.value.message


def test_legacy_fiware_location_is_an_alias_of_the_current_common_schema():
    registry = SchemaRegistry.shipped()
    assert registry.canonical("https://fiware.github.io/dataModels/common-schema.json") == COMMON


def test_upstream_errata_are_declared_with_a_reason():
    errata = upstream_manifest()["errata"]
    assert {e["ref"].split("#")[1] for e in errata} == {
        "/definitions/Weather-Commons/allOf/properties",
        "/definitions/Weather-AirConditions/properties/feelsLikeTemperature",
    }
    assert all(e["reason"] for e in errata)
