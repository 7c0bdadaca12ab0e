"""Identifiers, money and the refusal of bad funding lines, projects and funding plans, field by field."""

from datetime import date

import pytest

from funding.cup import CupError, decision_year, is_valid_cup, normalise_cup
from funding.money import MoneyError, format_eur, parse_cents, parse_rate_bp
from funding.territory import normalise_token, tokens_for_municipality
from funding.validation import check_funding_plan, clean_funding_line, clean_project

GOOD_LINE = {
    "programme": "PR FESR Toscana 2021-2027",
    "title": "Efficienza energetica degli edifici pubblici",
    "opening_date": "2026-09-01",
    "deadline": "2027-03-31",
    "total_budget": "25.000.000,00",
    "min_grant": "100000",
    "max_grant": "2500000",
    "cofinancing_rate": "80%",
    "beneficiary_kinds": "Comune|Unione di comuni",
    "domains": "energy|Pianificazione",
    "territories": "Toscana",
}


@pytest.mark.parametrize("cup", ["D11B21000440006", "j31f22000980006", " E71H 20000120001 "])
def test_well_formed_cups_are_accepted_and_normalised(cup):
    assert is_valid_cup(cup)
    assert normalise_cup(cup) == cup.replace(" ", "").upper()


@pytest.mark.parametrize(
    ("cup", "reason"),
    [
        ("D11B2100044000", "A CUP has 15 characters, this has 14"),
        ("D11B21-00440006", "A CUP contains only letters and digits"),
        ("111B21000440006", "Malformed CUP (letter, 2 digits, letter, 2-digit year, 9 digits)"),
        ("D1AB21000440006", "Malformed CUP (letter, 2 digits, letter, 2-digit year, 9 digits)"),
        ("D11B2100044000X", "Malformed CUP (letter, 2 digits, letter, 2-digit year, 9 digits)"),
    ],
)
def test_malformed_cups_are_refused_with_the_reason(cup, reason):
    with pytest.raises(CupError) as caught:
        normalise_cup(cup)
    assert caught.value.reason_en == reason
    assert caught.value.reason_it


def test_the_cup_carries_the_year_of_the_funding_decision():
    assert decision_year("D11B21000440006") == 2021
    assert decision_year("B11H03000180001") == 2003


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("1.234.567,89", 123456789),
        ("1,234,567.89", 123456789),
        ("1234567,89", 123456789),
        ("2500000", 250000000),
        ("1.500", 150000),
        ("0,1", 10),
        ("€ 12.000,00", 1200000),
        (1500000, 150000000),
        (0.1, 10),
    ],
)
def test_amounts_are_read_exactly_to_the_cent(text, cents):
    assert parse_cents(text) == cents


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("-5", "negative amount"),
        ("1e15", "not a number"),
        ("200000000000", "amount too large"),
        ("mille", "not a number"),
    ],
)
def test_bad_amounts_are_refused(text, reason):
    with pytest.raises(MoneyError, match=reason):
        parse_cents(text)


def test_amounts_print_the_italian_and_the_english_way():
    assert format_eur(123456789) == "1.234.567,89 EUR"
    assert format_eur(123456789, "en") == "EUR 1,234,567.89"
    assert parse_rate_bp("62,5") == 6250 and parse_rate_bp("80%") == 8000 and parse_rate_bp(100) == 10000


def test_territories_are_read_from_names_and_codes():
    assert normalise_token("Toscana") == "IT-R09"
    assert normalise_token("it-p048") == "IT-P048"
    assert normalise_token("Mezzogiorno") == "IT-MZ"
    assert tokens_for_municipality("100005") == ("EU", "IT", "IT-P100", "IT-M100005", "IT-R09", "IT-CN")
    with pytest.raises(ValueError):
        normalise_token("Atlantide")


def test_a_good_line_is_cleaned_into_codes_cents_and_dates():
    clean, errors = clean_funding_line(GOOD_LINE)
    assert not errors
    assert clean["programme"] == "erdf_regional" and clean["level"] == "eu_shared"
    assert clean["total_budget_cents"] == 2_500_000_000
    assert clean["cofinancing_rate_bp"] == 8000
    assert clean["beneficiary_kinds"] == ["municipality", "municipal_union"]
    assert clean["domains"] == ["energy", "planning"]
    assert clean["territories"] == ["IT-R09"]
    assert clean["deadlines"] == [date(2027, 3, 31)] and clean["deadline_model"] == "single_stage"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"min_grant": "-1"}, "min_grant", "Must not be negative."),
        (
            {"total_budget": "999999999999999"},
            "total_budget",
            "Amount is implausibly large (over 100 billion EUR).",
        ),
        ({"min_grant": "3000000"}, "min_grant", "The minimum grant is above the maximum grant."),
        ({"max_grant": "30000000"}, "max_grant", "The maximum grant is above the line's total budget."),
        ({"deadline": "2026-08-01"}, "deadlines", "A deadline falls before the opening date."),
        ({"cofinancing_rate": "120"}, "cofinancing_rate", "Must be more than 0% and at most 100%."),
        (
            {"domains": "energy|smartness"},
            "domains",
            "Unknown value 'smartness'; expected any of: energy, environment, mobility, government, economy, "
            "people, living, planning",
        ),
        ({"beneficiary_kinds": "mayor"}, "beneficiary_kinds", None),
        ({"programme": "Marshall Plan"}, "programme", None),
        ({"title": ""}, "title", "Missing data for required field."),
        (
            {"deadline_model": "two_stage"},
            "deadlines",
            "A two-stage line has exactly two deadlines (first and second stage).",
        ),
        ({"url": "javascript:alert(1)"}, "url", "Not a valid http(s) URL."),
    ],
)
def test_bad_lines_are_refused_field_by_field(changes, field, message):
    _, errors = clean_funding_line({**GOOD_LINE, **changes})
    assert field in errors
    if message:
        assert message in errors[field]


def test_a_two_stage_line_keeps_both_stage_deadlines():
    clean, errors = clean_funding_line({**GOOD_LINE, "second_deadline": "2027-09-15"})
    assert not errors
    assert clean["deadline_model"] == "two_stage"
    assert clean["deadlines"] == [date(2027, 3, 31), date(2027, 9, 15)]


def test_projects_are_validated_and_get_their_time_horizon():
    clean, errors = clean_project(
        {
            "title": "Semafori intelligenti",
            "domain": "Mobilità",
            "secondary_domains": ["environment"],
            "total_cost": "1.200.000",
            "requested_amount": "960.000",
            "start_date": "2027-01-01",
            "end_date": "2029-06-30",
            "cup": "d11b21000440006",
        }
    )
    assert not errors
    assert clean["domain"] == "mobility" and clean["time_horizon"] == "medium"
    assert clean["cup"] == "D11B21000440006"
    _, errors = clean_project(
        {
            "title": "X",
            "domain": "mobility",
            "total_cost": "100",
            "requested_amount": "200",
            "start_date": "2027-01-01",
            "end_date": "2026-01-01",
            "cup": "ABC",
        }
    )
    assert set(errors) == {"requested_amount", "end_date", "cup"}


def test_a_funding_plan_above_the_project_cost_is_refused():
    items, errors = check_funding_plan(
        1_000_000_00,
        [
            {"source_kind": "funding_line", "funding_line_id": 3, "amount": "800000"},
            {"source_kind": "own", "amount": "250000"},
        ],
    )
    assert errors["funding_plan"] == [
        "The funding plan totals EUR 1,050,000.00, above the project's cost of EUR 1,000,000.00."
    ]
    _, errors = check_funding_plan(1_000_000_00, [{"source_kind": "funding_line", "amount": "-3"}])
    assert errors == {
        "funding_plan.0.amount": ["Must not be negative."],
        "funding_plan.0.funding_line_id": ["A funding-line source names its funding line."],
    }
    items, errors = check_funding_plan(1_000_000_00, [{"source_kind": "own", "amount": "1000000"}])
    assert not errors and items[0]["amount_cents"] == 1_000_000_00


def test_cents_convert_to_decimal_exactly_and_absurd_ones_are_refused():
    from funding.money import cents_to_decimal

    assert str(cents_to_decimal(123456789)) == "1234567.89"
    assert parse_cents(cents_to_decimal(-5), allow_negative=True) == -5
    _, errors = clean_funding_line({**GOOD_LINE, "total_budget": cents_to_decimal(10**40)})
    assert errors["total_budget"] == ["Amount is implausibly large (over 100 billion EUR)."]
