"""Exports across schema versions: stable columns, no answer dropped, formulas neutralised."""

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import openpyxl
import pytest

from census.surveys import parse_definition
from census.surveys.definition import Label
from census.surveys.export import ExportRecord, flatten, neutralise, to_csv, to_json, to_xlsx

L = {"it": "Etichetta", "en": "Label"}
TOPICS_V1 = [{"code": c, "label": {"it": c.title(), "en": c.title()}} for c in ("energy", "living", "people")]
TOPICS_V2 = [{"code": c, "label": {"it": c.title(), "en": c.title()}} for c in ("people", "energy", "water")]


def version(number, fields):
    return parse_definition({"key": "projects", "version": number, "title": L,
                             "sections": [{"key": "main", "title": L, "fields": fields}]})


V1 = version(1, [
    {"key": "name", "type": "text", "label": L},
    {"key": "reusable", "type": "boolean", "label": L},
    {"key": "topics", "type": "multi_choice", "label": L, "choices": TOPICS_V1},
    {"key": "code", "type": "text", "label": L},
    {"key": "items", "type": "group", "label": L, "fields": [
        {"key": "title", "type": "text", "label": L},
        {"key": "budget", "type": "money", "label": L},
    ]},
])
# Version 2 drops `reusable` and the `living` topic, reorders fields and topics, adds `water`,
# changes `code` from text to integer and adds a field to the group.
V2 = version(2, [
    {"key": "topics", "type": "multi_choice", "label": L, "choices": TOPICS_V2},
    {"key": "code", "type": "integer", "label": L},
    {"key": "started_on", "type": "date", "label": L},
    {"key": "name", "type": "text", "label": L},
    {"key": "items", "type": "group", "label": L, "fields": [
        {"key": "km", "type": "decimal", "unit": "km", "label": L},
        {"key": "budget", "type": "money", "label": L},
        {"key": "title", "type": "text", "label": L},
    ]},
])
OLD = ExportRecord(1, {"name": "Illuminazione smart", "reusable": True, "topics": ["living", "energy"],
                       "code": "A-7", "items": [{"title": "Lotto 1", "budget": "1000.50"},
                                                {"title": "Lotto 2", "budget": 250}]},
                   meta={"submission_id": 1, "tenant": "firenze"})
NEW = ExportRecord(2, {"name": "Sensori aria", "topics": ["water"], "code": 42, "started_on": "2018-03-01",
                       "items": [{"km": "12.5", "budget": "99.99", "title": "Rete"}]},
                   meta={"submission_id": 2, "tenant": "prato"})
META = [("submission_id", Label("Numero", "Number")), ("tenant", Label("Ente", "Tenant"))]


def test_columns_of_the_old_version_keep_their_place_when_a_new_version_appears():
    old_only = flatten([V1], [OLD], META).headers
    both = flatten([V1, V2], [OLD, NEW], META).headers
    assert old_only == [
        "submission_id", "tenant", "schema_version", "name", "reusable",
        "topics[energy]", "topics[living]", "topics[people]", "code",
        "items[0].title", "items[0].budget", "items[1].title", "items[1].budget",
    ]
    # Removing and reordering move nothing; an addition goes after what its list already had.
    assert both == [
        "submission_id", "tenant", "schema_version", "name", "reusable",
        "topics[energy]", "topics[living]", "topics[people]", "topics[water]", "code",
        "items[0].title", "items[0].budget", "items[0].km",
        "items[1].title", "items[1].budget", "items[1].km",
        "started_on",
    ]


def test_no_answer_is_dropped_across_versions():
    table = flatten([V1, V2], [OLD, NEW], META)
    old, new = (dict(zip(table.headers, row, strict=True)) for row in table.rows)
    assert old["reusable"] is True and old["code"] == "A-7"
    assert (old["topics[living]"], old["topics[energy]"], old["topics[people]"]) == (1, 1, 0)
    assert old["items[1].title"] == "Lotto 2" and old["items[1].budget"] == Decimal("250")
    assert old["items[0].budget"] == Decimal("1000.50")
    assert new["code"] == 42 and new["started_on"] == dt.date(2018, 3, 1)
    assert new["topics[water]"] == 1 and new["topics[energy]"] == 0
    # A topic that version 2 no longer offers is unknown for its answers, not "not chosen".
    assert new["topics[living]"] is None
    assert new["reusable"] is None
    assert new["items[0].km"] == Decimal("12.5") and new["items[1].title"] is None


def test_the_same_export_reorders_nothing_whatever_the_order_of_versions_given():
    assert flatten([V2, V1], [NEW, OLD]).headers == flatten([V1, V2], [OLD, NEW]).headers


def test_answers_no_definition_describes_keep_a_column_of_their_own():
    legacy = ExportRecord(1, {"name": "x", "colour": "blu", "items": [{"title": "t", "note": "n"}]})
    table = flatten([V1], [legacy])
    row = dict(zip(table.headers, table.rows[0], strict=True))
    assert row["colour (extra)"] == "blu" and row["items[0].note (extra)"] == "n"


def test_an_export_covers_one_schema_and_needs_every_version_it_exports():
    other = parse_definition({"key": "networks", "version": 1, "title": L, "sections": [
        {"key": "s", "title": L, "fields": [{"key": "x", "type": "text", "label": L}]}]})
    with pytest.raises(ValueError):
        flatten([V1, other], [])
    with pytest.raises(ValueError):
        flatten([V1], [NEW])


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\uff1d1"])
def test_formula_triggers_are_neutralised(text):
    assert neutralise(text) == "'" + text
    assert neutralise("Firenze = capoluogo") == "Firenze = capoluogo"


def test_csv_neutralises_formulas_but_keeps_numbers():
    record = ExportRecord(1, {"name": "=cmd|' /C calc'!A0", "code": "-1", "items": [{"budget": "-15.50"}]},
                          meta={"submission_id": 3, "tenant": "@pisa"})
    text = to_csv(flatten([V1], [record], META))
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0]["name"] == "'=cmd|' /C calc'!A0"
    assert rows[0]["tenant"] == "'@pisa"
    assert rows[0]["code"] == "'-1"  # a text answer, so it stays text
    assert rows[0]["items[0].budget"] == "-15.50"  # an amount stays a number
    assert rows[0]["reusable"] == ""


def test_csv_writes_every_value_in_a_plain_form():
    text = to_csv(flatten([V1, V2], [OLD, NEW], META))
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0]["reusable"] == "true"
    assert rows[0]["items[0].budget"] == "1000.50"
    assert rows[1]["started_on"] == "2018-03-01"
    assert rows[1]["topics[living]"] == ""


def test_xlsx_has_typed_cells_a_column_sheet_and_no_formula():
    record = ExportRecord(1, {"name": "=1+1", "reusable": False, "items": [{"budget": "1000.50"}]},
                          meta={"submission_id": 9, "tenant": "siena"})
    content = to_xlsx(flatten([V1, V2], [record, NEW], META), title="Progetti")
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook["answers"]
    headers = [c.value for c in sheet[1]]
    first = {h: c for h, c in zip(headers, sheet[2], strict=True)}
    second = {h: c for h, c in zip(headers, sheet[3], strict=True)}
    assert first["name"].value == "'=1+1" and first["name"].data_type == "s"
    assert first["reusable"].value is False
    assert first["items[0].budget"].value == 1000.5
    assert second["started_on"].value == dt.datetime(2018, 3, 1)
    assert second["code"].value == 42
    columns = {row[0]: row for row in workbook["columns"].iter_rows(min_row=2, values_only=True)}
    assert columns["items[0].km"][4] == "km"
    assert columns["reusable"][5] == "1"
    assert columns["topics[water]"][2] == "Label: Water"


def test_json_keeps_the_answers_exactly_as_given():
    document = json.loads(to_json([V1, V2], [OLD, NEW], META))
    assert document["schema_key"] == "projects" and document["schema_versions"] == [1, 2]
    assert document["submissions"][0]["answers"] == OLD.answers
    assert document["submissions"][1] == {"submission_id": 2, "tenant": "prato", "schema_version": 2,
                                          "answers": NEW.answers}
    assert "topics[water]" in [c["header"] for c in document["columns"]]
