"""EU Funding & Tenders search results as the portal returns them: types of action, rates, status, programmes."""

import json
from datetime import date, timedelta

import pytest

from funding.importers import FileFormatError, actions, ft_portal, reasons
from funding.reference import Programme
from tests.funding import portal

TODAY = date(2026, 12, 6)


@pytest.fixture(scope="module")
def parsed():
    result = ft_portal.parse(portal.today_answer(TODAY), today=TODAY)
    return result, {clean["external_id"]: clean for _, clean in result.records}


def test_types_of_action_given_by_label_or_code_set_rate_partnership_and_non_profit_rate(parsed):
    _, lines = parsed
    innovation = lines["HORIZON-CL5-2027-D4-01-03"]
    assert innovation["action_type"] == "HORIZON-IA"
    assert (innovation["cofinancing_rate_bp"], innovation["non_profit_rate_bp"]) == (7000, 10000)
    assert innovation["partnership_required"] and innovation["min_partners"] == 2
    research = lines["HORIZON-CL6-2027-CIRCBIO-01-02"]
    assert (research["action_type"], research["cofinancing_rate_bp"], research["non_profit_rate_bp"]) == (
        "HORIZON-RIA", 10000, None)
    support = lines["HORIZON-MISS-2027-CIT-01-05"]
    assert support["action_type"] == "HORIZON-CSA" and support["cofinancing_rate_bp"] == 10000
    assert not support["partnership_required"] and support["min_partners"] == 0
    assert lines["HORIZON-JU-CBE-2027-IA-02"]["action_type"] == "HORIZON-RIA"
    assert (lines["DIGITAL-2027-CLOUD-AI-08-LDT"]["action_type"],
            lines["DIGITAL-2027-CLOUD-AI-08-LDT"]["cofinancing_rate_bp"]) == ("DIGITAL-SIMPLE", 5000)
    assert (lines["LIFE-2027-SAP-CLIMA-CCA"]["action_type"],
            lines["LIFE-2027-SAP-CLIMA-CCA"]["cofinancing_rate_bp"]) == ("LIFE-SAP", 6000)


def test_an_unrecorded_type_of_action_takes_the_programme_rate_with_a_warning(parsed):
    result, lines = parsed
    accelerator = lines["HORIZON-EIC-2027-ACCELERATOR-01"]
    assert accelerator["action_type"] is None and accelerator["cofinancing_rate_bp"] == 10000
    assert accelerator["deadline_model"] == "multiple_cutoff" and len(accelerator["deadlines"]) == 2
    [warning] = [m for _, m in result.warnings if m.startswith("HORIZON-EIC-2027-ACCELERATOR-01")]
    assert "HORIZON EIC Grants" in warning and "usual 100%" in warning


def test_the_description_is_kept_as_text_and_the_summary_that_repeats_the_title_is_not(parsed):
    _, lines = parsed
    assert lines["HORIZON-CL6-2027-CIRCBIO-01-02"]["description"] == (
        "Expected Outcome:\nCities deploy interoperable local digital twins & open urban data platforms.\n"
        "Scope:\n- pilots in at least three cities;\n- reuse of the Smart Data Models.")
    assert lines["HORIZON-CL5-2027-D4-01-03"]["description"] is None


def test_the_budget_block_is_optional_and_an_unreadable_one_costs_the_amounts_not_the_line(parsed):
    result, lines = parsed
    innovation = lines["HORIZON-CL5-2027-D4-01-03"]
    assert innovation["total_budget_cents"] == 30_000_000_00
    assert (innovation["min_grant_cents"], innovation["max_grant_cents"]) == (5_000_000_00, 10_000_000_00)
    research = lines["HORIZON-CL6-2027-CIRCBIO-01-02"]
    assert research["total_budget_cents"] is None and research["max_grant_cents"] is None
    support = lines["HORIZON-MISS-2027-CIT-01-05"]
    assert support["total_budget_cents"] is None
    assert (3, "HORIZON-MISS-2027-CIT-01-05: the budget overview cannot be read; imported without budget") in (
        result.warnings)
    assert result.errors == []


def test_the_status_comes_from_the_dates_and_a_stale_portal_status_is_reported(parsed):
    result, lines = parsed
    assert lines["HORIZON-CL5-2027-D4-01-03"]["portal_status"] == "open"
    assert lines["HORIZON-MISS-2027-CIT-01-05"]["portal_status"] == "closed"
    assert lines["HORIZON-JU-CBE-2027-IA-02"]["portal_status"] == "forthcoming"
    assert lines["DIGITAL-2027-CLOUD-AI-08-LDT"]["portal_status"] == "open"
    stale = [m for _, m in result.warnings if "the portal says" in m]
    assert sorted(stale) == sorted([
        "HORIZON-MISS-2027-CIT-01-05: the portal says open, its dates say closed; closed is kept",
        "HORIZON-JU-CBE-2027-IA-02: the portal says open, its dates say forthcoming; forthcoming is kept",
        "DIGITAL-2027-CLOUD-AI-08-LDT: the portal says forthcoming, its dates say open; open is kept",
    ])
    deadline = TODAY + timedelta(days=90)
    assert lines["HORIZON-CL5-2027-D4-01-03"]["deadlines"] == [deadline]


def test_programmes_the_region_does_not_follow_are_skipped_with_a_warning_naming_them(parsed):
    result, lines = parsed
    assert "ERASMUS-EDU-2027-PI-ALL-INNO" not in lines and "EDF-2027-DA-C4ISR-01" not in lines
    assert (8, "ERASMUS-EDU-2027-PI-ALL-INNO: Erasmus+ (43353764) is not a programme the region follows") in (
        result.skipped)
    assert (9, "EDF-2027-DA-C4ISR-01: European Defence Fund (EDF) (44181033) is not a programme the region "
               "follows") in result.warnings
    assert (10, "duplicate of result 1") in result.skipped
    assert len(result.records) == 7


@pytest.mark.parametrize(("texts", "code"), [
    (["HORIZON Research and Innovation Actions"], "HORIZON-RIA"),
    (["HORIZON-IA"], "HORIZON-IA"),
    (["HORIZON  Innovation  Actions"], "HORIZON-IA"),
    (["HORIZON-JU-IA HORIZON JU Innovation Actions"], "HORIZON-IA"),
    (["HORIZON Programme Cofund Actions"], "HORIZON-COFUND"),
    (["HORIZON Pre-commercial Procurement"], "HORIZON-PCP"),
    (["HORIZON Research and Innovation Actions", "HORIZON Innovation Actions"], "HORIZON-IA"),
])
def test_horizon_types_of_action_are_read_from_codes_and_labels(texts, code):
    assert actions.resolve(Programme.HORIZON_EUROPE, texts).action.code == code


def test_a_cef_topic_takes_the_programme_rate_and_says_so():
    resolved = actions.resolve(Programme.CEF, ["CEF Project Grants"])
    assert resolved.action is None and resolved.rate == 50
    assert resolved.warning.startswith("type of action (CEF Project Grants) has no recorded funding rate")


def test_files_that_are_not_a_portal_answer_are_refused_as_a_whole():
    with pytest.raises(FileFormatError, match="Not valid JSON"):
        ft_portal.parse(b"<html><body>Service unavailable</body></html>")
    with pytest.raises(FileFormatError, match="no 'results' list"):
        ft_portal.parse(json.dumps({"type": "throwable", "message": "apiKey is missing"}))
    broken = ft_portal.parse(portal.answer([{"metadata": ["not", "an", "object"]}, "text"]), today=TODAY)
    assert [(e.line, e.field) for e in broken.errors] == [(1, "result"), (2, "result")]


def test_skip_reasons_and_warnings_are_said_in_italian_too(parsed):
    result, _ = parsed
    italian = {reasons.translated(m, "it") for _, m in result.warnings + result.skipped}
    assert "ERASMUS-EDU-2027-PI-ALL-INNO: Erasmus+ (43353764) non è un programma seguito dalla regione" in italian
    assert ("HORIZON-MISS-2027-CIT-01-05: il portale lo dà aperto, le date lo dicono chiuso; si tiene chiuso"
            in italian)
    assert "duplicato del risultato 1" in italian
    assert all(text != reasons.translated(text, "it") for text in {m for _, m in result.warnings + result.skipped})


def test_an_unreadable_amount_in_the_budget_block_costs_the_amounts_not_the_line():
    identifier = "HORIZON-CL5-2027-D2-01-09"
    opening, deadline = TODAY - timedelta(days=3), TODAY + timedelta(days=60)
    budget = portal.budget_overview(identifier, "HORIZON-RIA HORIZON Research and Innovation Actions",
                                    years={"2027": 1}, maximum="tbc", opening=opening, deadlines=[deadline])
    result = ft_portal.parse(portal.answer([portal.topic(
        identifier, "Smart grids for energy communities", programme=portal.HORIZON,
        types_of_action=["HORIZON Research and Innovation Actions"], opening=opening, deadlines=[deadline],
        status="open", budget=budget)]), today=TODAY)
    [(_, line)] = result.records
    assert line["max_grant_cents"] is None and line["total_budget_cents"] is None
    [(_, warning)] = result.warnings
    assert warning.startswith(f"{identifier}: an amount of the budget overview cannot be read")
    assert reasons.translated(warning, "it").startswith(
        f"{identifier}: un importo del quadro del bilancio non è leggibile")
