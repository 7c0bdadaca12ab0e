"""Importing funding lines (CSV, JSON, Funding & Tenders portal)."""

import json
from datetime import date
from pathlib import Path

import pytest

from funding.importers import FileFormatError, ft_portal, lines

DATA = Path(__file__).parent / "data"


def test_csv_lines_import_good_rows_and_report_bad_ones_by_line_and_field():
    result = lines.parse_csv((DATA / "funding_lines.csv").read_bytes())
    assert [clean["external_id"] for _, clean in result.records] == [
        "FESR-A2.1-2026",
        "PNRR-144-2026",
        "FSC-MOB-2026",
    ]
    fsc = result.records[2][1]
    assert fsc["deadline_model"] == "two_stage"
    assert fsc["deadlines"] == [date(2026, 12, 10), date(2027, 4, 30)]
    assert fsc["partnership_required"] and fsc["min_partners"] == 1
    assert result.records[1][1]["cofinancing_rate_bp"] == 10000
    assert result.records[1][1]["total_budget_cents"] == 150_000_000
    by_line = {}
    for error in result.errors:
        by_line.setdefault(error.line, set()).add(error.field)
    assert by_line == {
        5: {"total_budget"},
        6: {"min_grant"},
        7: {"deadlines", "cofinancing_rate", "beneficiary_kinds", "domains"},
    }
    report = result.error_report_csv().splitlines()
    assert report[0] == "line,field,message"
    assert len(report) == 1 + len(result.errors)


def test_malformed_csv_is_refused_as_a_whole():
    with pytest.raises(FileFormatError, match="Line 2 has 4 cells, the header 3"):
        lines.parse_csv("programme,title,cofinancing_rate\npnrr,Titolo,100,extra\n")
    with pytest.raises(FileFormatError, match="Missing columns: cofinancing_rate"):
        lines.parse_csv("programme,title\npnrr,Titolo\n")
    with pytest.raises(FileFormatError, match="empty"):
        lines.parse_csv(b"")
    with pytest.raises(FileFormatError, match="binary"):
        lines.parse_csv(b"\x89PNG\r\n\x1a\n\x00\x00")


def test_json_lines_take_numbers_and_lists():
    document = {
        "funding_lines": [
            {
                "programme": "digital_europe",
                "title": "Gemelli digitali locali",
                "cofinancing_rate": 50,
                "max_grant": 6000000,
                "deadlines": ["2027-02-24"],
                "domains": ["government", "planning"],
                "external_id": "LDT-1",
            },
            {
                "programme": "life",
                "title": "Adattamento",
                "cofinancing_rate": 60,
                "min_grant": 5,
                "max_grant": 1,
            },
            "not an object",
        ]
    }
    result = lines.parse_json(json.dumps(document))
    assert [clean["title"] for _, clean in result.records] == ["Gemelli digitali locali"]
    assert result.records[0][1]["max_grant_cents"] == 600_000_000
    assert {(e.line, e.field) for e in result.errors} == {(2, "min_grant"), (3, "item")}
    with pytest.raises(FileFormatError):
        lines.parse_json("{not json")


def test_the_portal_search_answer_gives_topics_with_stages_cut_offs_and_budgets():
    result = ft_portal.parse((DATA / "ft_portal_search.json").read_bytes())
    records = {clean["external_id"]: clean for _, clean in result.records}
    assert list(records) == [
        "HORIZON-MISS-2026-CIT-02-01",
        "DIGITAL-2026-CLOUD-DATA-AI-09-LDT",
        "LIFE-2026-SAP-CLIMA-CCA",
        "CEF-DIG-2026-5GSMARTCOM-WORKS",
        "HORIZON-CL5-2025-D6-01-03",
    ]
    mission = records["HORIZON-MISS-2026-CIT-02-01"]
    assert mission["programme"] == "horizon_europe" and mission["level"] == "eu_direct"
    assert mission["call_identifier"] == "HORIZON-MISS-2026-CIT-02"
    assert mission["deadline_model"] == "two_stage"
    assert mission["deadlines"] == [date(2027, 1, 20), date(2027, 9, 15)]
    assert mission["opening_date"] == date(2026, 9, 16)
    assert mission["total_budget_cents"] == 24_000_000_00
    assert (mission["min_grant_cents"], mission["max_grant_cents"]) == (4_000_000_00, 8_000_000_00)
    assert mission["cofinancing_rate_bp"] == 7000 and mission["partnership_required"]
    assert set(mission["domains"]) >= {"mobility", "energy", "planning"}
    assert mission["portal_status"] == "open" and mission["external_source"] == "ft_portal"
    assert mission["url"].endswith("/topic-details/horizon-miss-2026-cit-02-01")

    cef = records["CEF-DIG-2026-5GSMARTCOM-WORKS"]
    assert cef["deadline_model"] == "multiple_cutoff"
    assert cef["deadlines"] == [date(2026, 10, 14), date(2027, 1, 27), date(2027, 5, 19)]
    assert cef["total_budget_cents"] == 40_000_000_00 and cef["min_grant_cents"] is None
    assert records["LIFE-2026-SAP-CLIMA-CCA"]["portal_status"] == "forthcoming"
    assert records["DIGITAL-2026-CLOUD-DATA-AI-09-LDT"]["total_budget_cents"] == 18_000_000_00
    assert records["HORIZON-CL5-2025-D6-01-03"]["portal_status"] == "closed"

    assert [(line, why) for line, why in result.skipped] == [
        (6, "duplicate of result 5"),
        (7, "tender (procurement), not a grant"),
    ]
    assert [(e.line, e.field) for e in result.errors] == [(8, "deadlineDate")]


def test_a_file_that_is_not_a_portal_answer_is_refused():
    with pytest.raises(FileFormatError, match="no 'results' list"):
        ft_portal.parse(json.dumps({"funding_lines": []}))
