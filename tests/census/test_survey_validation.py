"""Answer validation: a per-field error map with JSON-pointer paths, and a completeness percentage."""

import pytest

from census.surveys import parse_definition, validate_answers

LABEL = {"it": "Etichetta", "en": "Label"}


def schema(*fields):
    return parse_definition({"key": "sample", "version": 1, "title": LABEL,
                             "sections": [{"key": "main", "title": LABEL, "fields": list(fields)}]})


def f(key, ftype, **attrs):
    return {"key": key, "type": ftype, "label": LABEL, **attrs}


POINT = {"type": "Point", "coordinates": [11.25, 43.77]}


@pytest.mark.parametrize(("field", "good", "bad", "message"), [
    (f("x", "text", max_length=5), "abcde", "abcdef", "at most 5 characters"),
    (f("x", "text", min_length=2), "ab", "a", "at least 2 characters"),
    (f("x", "text"), "testo", 12, "Must be text"),
    (f("x", "text", pattern=r"[A-Z]{2}\d"), "FI1", "fi1", "pattern"),
    (f("x", "text", format="email"), "ufficio@comune.prato.it", "ufficio.comune.it", "e-mail"),
    (f("x", "text", format="url"), "https://dati.comune.fi.it/api", "javascript:alert(1)", "http(s)"),
    (f("x", "text", format="vat_it"), "01307110484", "01307110485", "VAT"),
    (f("x", "text", format="fiscal_code_it"), "RSSMRA85T10A562S", "RSSMRA85T10A562X", "fiscal code"),
    (f("x", "text", format="cup"), "J11B16000050001", "J11B1600005", "CUP"),
    (f("x", "text", format="istat_code"), "048017", "48017", "ISTAT"),
    (f("x", "integer", min=0, max=10), 10, 11, "at most 10"),
    (f("x", "integer", min=0), 0, -1, "at least 0"),
    (f("x", "integer"), 3, "3", "whole number"),
    (f("x", "integer"), 3, 3.5, "whole number"),
    (f("x", "integer"), 3, True, "whole number"),
    (f("x", "decimal", unit="km", decimal_places=3), "12.345", 12.3456, "3 decimal places"),
    (f("x", "decimal", unit="%", min=0, max=100), 99.5, 100.1, "at most 100"),
    (f("x", "decimal", unit="km"), 1, "dodici", "a number"),
    (f("x", "decimal", unit="km"), 1, "NaN", "a number"),
    (f("x", "money", min=0), "1250.50", "1250.505", "2 decimal places"),
    (f("x", "money", min=0), 1250, -1, "at least 0"),
    (f("x", "money"), 10, [10], "amount in euro"),
    (f("x", "boolean"), False, "false", "true or false"),
    (f("x", "date", min="2017-01-01"), "2017-12-27", "2016-12-31", "at least 2017-01-01"),
    (f("x", "date"), "2018-02-28", "2018-02-30", "calendar date"),
    (f("x", "date"), "2018-02-28", "28/02/2018", "YYYY-MM-DD"),
    (f("x", "choice", code_list="anci-domains"), "mobility", "transport", "not in the code list"),
    (f("x", "choice", code_list="anci-domains"), "mobility", ["mobility"], "one code"),
    (f("x", "multi_choice", code_list="anci-domains"), ["energy", "people"], ["energy", "sport"], "sport"),
    (f("x", "multi_choice", code_list="anci-domains"), ["energy"], ["energy", "energy"], "more than once"),
    (f("x", "multi_choice", code_list="anci-domains", max_items=1), ["energy"], ["energy", "people"],
     "at most 1"),
    (f("x", "multi_choice", code_list="anci-domains"), ["energy"], "energy", "list of codes"),
    (f("x", "geometry", geometry_types=["Point"]), POINT,
     {"type": "LineString", "coordinates": [[11, 43], [11.1, 43.1]]}, "not allowed"),
    (f("x", "geometry"), POINT, {"type": "Point", "coordinates": [211.0, 43.7]}, "WGS84 bounds"),
    (f("x", "geometry"), POINT, {"type": "Point", "coordinates": [[11, 43]]}, "nested"),
    (f("x", "geometry"), POINT, {"type": "Point", "coordinates": [11]}, "position"),
    (f("x", "geometry"), POINT, {"type": "Point"}, "GeoJSON"),
    (f("x", "geometry"), {"type": "LineString", "coordinates": [[11, 43], [11.1, 43.1]]},
     {"type": "LineString", "coordinates": [[11, 43]]}, "at least 2"),
    (f("x", "geometry"), {"type": "Polygon", "coordinates": [[[11, 43], [11.1, 43], [11.1, 43.1], [11, 43]]]},
     {"type": "Polygon", "coordinates": [[[11, 43], [11.1, 43], [11.1, 43.1], [11.2, 43]]]}, "end where"),
    (f("x", "geometry"),
     {"type": "MultiPolygon", "coordinates": [[[[11, 43], [11.1, 43], [11.1, 43.1], [11, 43]]]]},
     {"type": "MultiPolygon", "coordinates": [[[11, 43], [11.1, 43], [11.1, 43.1], [11, 43]]]}, "nested"),
])
def test_each_rule_accepts_the_good_value_and_explains_the_bad_one(field, good, bad, message):
    definition = schema(field)
    assert validate_answers(definition, {"x": good}).errors == {}
    errors = validate_answers(definition, {"x": bad}).errors
    assert list(errors) == ["/x"]
    assert message in " ".join(errors["/x"])


def test_an_unknown_field_is_an_error_not_silently_dropped():
    report = validate_answers(schema(f("name", "text")), {"name": "a", "colour": "red"})
    assert report.errors == {"/colour": ["Unknown field for this schema version."]}


def test_answers_must_be_an_object():
    report = validate_answers(schema(f("name", "text")), ["name"])
    assert "/" in report.errors


def test_group_entries_are_checked_with_indexed_paths():
    definition = schema(f("projects", "group", required=True, max_items=3, fields=[
        f("title", "text", required=True),
        f("budget", "money", required=True, min=0),
        f("domain", "choice", code_list="anci-domains"),
    ]))
    answers = {"projects": [
        {"title": "Smart lighting", "budget": "120000.00", "domain": "energy"},
        {"title": "", "budget": "tanti", "domain": "sport", "extra": 1},
    ]}
    report = validate_answers(definition, answers)
    assert set(report.errors) == {"/projects/1/budget", "/projects/1/domain", "/projects/1/extra"}
    assert report.missing == {"/projects/1/title": ["An answer is required."]}
    too_many = validate_answers(definition, {"projects": [answers["projects"][0]] * 4})
    assert "at most 3 entries" in too_many.errors["/projects"][0]
    not_a_list = validate_answers(definition, {"projects": {"title": "x"}})
    assert "list of entries" in not_a_list.errors["/projects"][0]


def test_missing_required_answers_are_separate_from_wrong_values():
    definition = schema(f("name", "text", required=True), f("count", "integer", required=True),
                        f("note", "text"))
    report = validate_answers(definition, {"count": "three", "note": ""})
    assert report.errors == {"/count": ["Must be a whole number."]}
    assert report.missing == {"/name": ["An answer is required."]}
    assert not report.is_valid_draft and not report.is_complete
    assert report.field_errors() == {"/count": ["Must be a whole number."],
                                     "/name": ["An answer is required."]}
    assert report.field_errors(include_missing=False) == {"/count": ["Must be a whole number."]}


def test_an_empty_draft_is_valid_but_incomplete():
    definition = schema(f("name", "text", required=True))
    report = validate_answers(definition, {})
    assert report.is_valid_draft and not report.is_complete
    assert report.completeness == 0


def test_completeness_counts_required_answers_including_those_of_each_entry():
    definition = schema(
        f("name", "text", required=True), f("email", "text", required=True, format="email"),
        f("note", "text"),
        f("items", "group", required=True, fields=[f("title", "text", required=True), f("n", "integer")]),
    )
    assert validate_answers(definition, {"name": "Ufficio"}).completeness == 33
    # A wrong value does not count as answered.
    assert validate_answers(definition, {"name": "Ufficio", "email": "nope"}).completeness == 33
    half = validate_answers(definition, {"name": "U", "email": "u@c.it", "items": [{"n": 1}]})
    assert half.completeness == 75
    full = validate_answers(definition, {"name": "U", "email": "u@c.it", "items": [{"title": "t"}]})
    assert full.completeness == 100 and full.is_complete


def test_completeness_without_required_fields_counts_all_fields():
    definition = schema(f("a", "text"), f("b", "text"), f("c", "text"))
    assert validate_answers(definition, {"a": "x"}).completeness == 33
    assert validate_answers(definition, {"a": "x", "b": "y", "c": "z"}).completeness == 100


def test_completeness_is_never_rounded_up_to_100():
    fields = [f(f"q{i}", "integer", required=True) for i in range(200)]
    answers = {f"q{i}": i for i in range(199)}
    assert validate_answers(schema(*fields), answers).completeness == 99


def test_sibling_bounds_compare_dates_and_amounts():
    definition = schema(f("items", "group", fields=[
        f("start_on", "date"), f("end_on", "date", min_field="start_on"),
        f("budget", "money"), f("funded", "money", max_field="budget"),
    ]))
    good = {"items": [{"start_on": "2018-01-01", "end_on": "2019-06-30", "budget": "100.00", "funded": 100}]}
    assert validate_answers(definition, good).errors == {}
    bad = {"items": [{"start_on": "2018-01-01", "end_on": "2017-06-30", "budget": "100.00",
                      "funded": "100.01"}]}
    errors = validate_answers(definition, bad).errors
    assert errors["/items/0/end_on"] == ["Must not be before start_on (2018-01-01)."]
    assert errors["/items/0/funded"] == ["Must not be higher than budget (100.00)."]
    # A bound that is itself missing or wrong is not compared.
    assert validate_answers(definition, {"items": [{"end_on": "2017-06-30", "start_on": "ieri"}]}).errors == {
        "/items/0/start_on": ["Must be a date as YYYY-MM-DD."]}
