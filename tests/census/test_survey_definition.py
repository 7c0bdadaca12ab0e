"""The survey-schema definition format: what a well-formed definition is, and what is refused."""

import copy

import pytest

from census.surveys import DefinitionError, FieldType, parse_definition
from census.surveys.codelists import ANCI_DOMAINS

LABEL = {"it": "Etichetta", "en": "Label"}


def definition(*fields, **extra):
    return {"key": "sample", "version": 1, "title": {"it": "Prova", "en": "Sample"},
            "sections": [{"key": "main", "title": LABEL, "fields": list(fields)}], **extra}


def text(key="name", **attrs):
    return {"key": key, "type": "text", "label": LABEL, **attrs}


def test_every_field_type_parses_and_round_trips():
    raw = definition(
        text(max_length=10, pattern="[A-Z]+", required=True),
        {"key": "count", "type": "integer", "label": LABEL, "min": 0, "max": 9},
        {"key": "length", "type": "decimal", "unit": "km", "label": LABEL, "decimal_places": 2},
        {"key": "budget", "type": "money", "label": LABEL, "min": 0},
        {"key": "active", "type": "boolean", "label": LABEL},
        {"key": "start", "type": "date", "label": LABEL, "min": "2017-01-01"},
        {"key": "end", "type": "date", "label": LABEL, "min_field": "start"},
        {"key": "domain", "type": "choice", "label": LABEL, "code_list": "anci-domains"},
        {"key": "tags", "type": "multi_choice", "label": LABEL, "max_items": 2,
         "choices": [{"code": "a", "label": LABEL}, {"code": "b", "label": LABEL}]},
        {"key": "where", "type": "geometry", "label": LABEL, "geometry_types": ["Point"]},
        {"key": "items", "type": "group", "label": LABEL, "min_items": 1, "fields": [text("title")]},
    )
    parsed = parse_definition(raw)
    assert [f.type for f in parsed.fields] == [FieldType(t) for t in (
        "text", "integer", "decimal", "money", "boolean", "date", "date", "choice", "multi_choice",
        "geometry", "group")]
    assert parsed.field("budget").currency == "EUR"
    assert parsed.field("items").fields[0].key == "title"
    assert parse_definition(parsed.to_dict()) == parsed


def test_a_code_list_is_resolved_into_the_stored_definition():
    parsed = parse_definition(definition({"key": "domain", "type": "choice", "label": LABEL,
                                          "code_list": "anci-domains"}))
    stored = parsed.to_dict()["sections"][0]["fields"][0]
    assert stored["code_list"] == "anci-domains"
    assert [c["code"] for c in stored["choices"]] == [c.code for c in ANCI_DOMAINS.codes]
    assert stored["choices"][2]["label"] == {"it": "Mobilità", "en": "Mobility"}


@pytest.mark.parametrize(("field", "path"), [
    ({"key": "Bad Key", "type": "text", "label": LABEL}, "/sections/0/fields/0/key"),
    ({"key": "x", "type": "colour", "label": LABEL}, "/sections/0/fields/0/type"),
    ({"key": "x", "type": "text", "label": {"it": "solo italiano"}}, "/sections/0/fields/0/label"),
    ({"key": "x", "type": "decimal", "label": LABEL}, "/sections/0/fields/0/unit"),
    ({"key": "x", "type": "money", "label": LABEL, "currency": "USD"}, "/sections/0/fields/0/currency"),
    ({"key": "x", "type": "choice", "label": LABEL}, "/sections/0/fields/0"),
    ({"key": "x", "type": "choice", "label": LABEL, "code_list": "nope"}, "/sections/0/fields/0/code_list"),
    ({"key": "x", "type": "text", "label": LABEL, "pattern": "(unclosed"}, "/sections/0/fields/0/pattern"),
    ({"key": "x", "type": "text", "label": LABEL, "max_lenght": 3}, "/sections/0/fields/0/max_lenght"),
    ({"key": "x", "type": "integer", "label": LABEL, "min": 5, "max": 1}, "/sections/0/fields/0/max"),
    ({"key": "x", "type": "integer", "label": LABEL, "min": "five"}, "/sections/0/fields/0/min"),
    ({"key": "x", "type": "geometry", "label": LABEL, "geometry_types": ["Circle"]},
     "/sections/0/fields/0/geometry_types"),
    ({"key": "x", "type": "group", "label": LABEL, "fields": [
        {"key": "y", "type": "group", "label": LABEL, "fields": [text()]}]},
     "/sections/0/fields/0/fields/0/type"),
    ({"key": "x", "type": "text", "label": LABEL, "format": "iban"}, "/sections/0/fields/0/format"),
])
def test_a_malformed_field_is_refused_with_its_path(field, path):
    with pytest.raises(DefinitionError) as excinfo:
        parse_definition(definition(field))
    assert path in excinfo.value.errors


def test_duplicate_keys_across_sections_are_refused():
    raw = definition(text("name"))
    raw["sections"].append({"key": "other", "title": LABEL, "fields": [text("name")]})
    with pytest.raises(DefinitionError) as excinfo:
        parse_definition(raw)
    assert any("used twice" in m for m in excinfo.value.errors["/sections"])


def test_a_sibling_bound_must_name_a_field_of_the_same_type():
    raw = definition(text("start"), {"key": "end", "type": "date", "label": LABEL, "min_field": "start"})
    with pytest.raises(DefinitionError) as excinfo:
        parse_definition(raw)
    assert "end.min_field" in " ".join(excinfo.value.errors["/sections"])


def test_schema_level_errors_are_all_reported_at_once():
    with pytest.raises(DefinitionError) as excinfo:
        parse_definition({"key": "Not Valid", "version": 0, "title": "x", "sections": [], "colour": 1})
    assert set(excinfo.value.errors) == {"/key", "/version", "/title", "/sections", "/colour"}


def test_a_definition_that_is_not_an_object_is_refused():
    with pytest.raises(DefinitionError) as excinfo:
        parse_definition(["not", "a", "schema"])
    assert "/" in excinfo.value.errors


def test_parsing_does_not_change_the_input():
    raw = definition({"key": "domain", "type": "choice", "label": LABEL, "code_list": "anci-domains"})
    before = copy.deepcopy(raw)
    parse_definition(raw)
    assert raw == before
