"""Validation of funding lines, projects and funding plans, with errors keyed by field.

The functions take loosely typed values (from CSV cells, JSON documents or API bodies) and return a
clean dict plus ``{field: [messages]}``; an empty error map means the record can be written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from funding import territory
from funding.cup import CupError, normalise_cup
from funding.money import MoneyError, format_eur, parse_cents, parse_rate_bp
from funding.reference import (
    BeneficiaryKind,
    DeadlineModel,
    Domain,
    FundingSourceKind,
    Level,
    Programme,
    ProjectStatus,
    TimeHorizon,
)

MAX_TITLE = 500
MAX_IDENTIFIER = 200
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_TRUE = {"1", "true", "yes", "y", "si", "sì", "x", "vero"}
_FALSE = {"0", "false", "no", "n", "", "falso"}


class Errors(dict):
    """``{field: [messages]}`` with a helper to add to it."""

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def split_list(value: Any) -> list[str]:
    """A list from a JSON array or from text separated by ``|``, ``;`` or ``,``."""
    if blank(value):
        return []
    if isinstance(value, (list, tuple, set)):
        return [str(v).strip() for v in value if not blank(v)]
    text = str(value)
    separator = "|" if "|" in text else (";" if ";" in text else ",")
    return [part.strip() for part in text.split(separator) if part.strip()]


def parse_date(value: Any) -> date:
    """ISO 8601 (date or date-time), ``dd/mm/yyyy`` or ``yyyymmdd``."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if re.fullmatch(r"\d{8}", text):
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if match:
        return date(int(match[3]), int(match[2]), int(match[1]))
    if "T" in text or " " in text.strip():
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    return date.fromisoformat(text)


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(value)


def _text(data: Mapping, key: str, errors: Errors, *, required=False, limit=MAX_TITLE) -> str | None:
    value = data.get(key)
    if blank(value):
        if required:
            errors.add(key, "Missing data for required field.")
        return None
    text = str(value).strip()
    if len(text) > limit:
        errors.add(key, f"Longer than {limit} characters.")
    return text


def _money(data: Mapping, key: str, errors: Errors, *, required=False, positive=False) -> int | None:
    value = data.get(key)
    if blank(value):
        if required:
            errors.add(key, "Missing data for required field.")
        return None
    try:
        cents = parse_cents(value)
    except MoneyError as exc:
        reason = str(exc)
        if reason == "negative amount":
            errors.add(key, "Must not be negative.")
        elif reason == "amount too large":
            errors.add(key, "Amount is implausibly large (over 100 billion EUR).")
        else:
            errors.add(key, "Not a valid amount in EUR.")
        return None
    if positive and cents <= 0:
        errors.add(key, "Must be greater than zero.")
        return None
    return cents


def _date(data: Mapping, key: str, errors: Errors, *, required=False) -> date | None:
    value = data.get(key)
    if blank(value):
        if required:
            errors.add(key, "Missing data for required field.")
        return None
    try:
        return parse_date(value)
    except (ValueError, TypeError):
        errors.add(key, "Not a valid date (ISO 8601 expected).")
        return None


def _int(data: Mapping, key: str, errors: Errors, low: int, high: int) -> int | None:
    value = data.get(key)
    if blank(value):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        errors.add(key, "Not a valid integer.")
        return None
    if not low <= number <= high:
        errors.add(key, f"Must be between {low} and {high}.")
        return None
    return number


def _enum(data: Mapping, key: str, enum, errors: Errors, *, required=False, default=None):
    value = data.get(key)
    if blank(value):
        if required:
            errors.add(key, "Missing data for required field.")
        return default
    try:
        return enum.parse(value)
    except ValueError:
        errors.add(key, f"Unknown value {str(value)!r}; expected one of: " + ", ".join(m.value for m in enum))
        return default


def _enum_list(data: Mapping, key: str, enum, errors: Errors) -> list[str]:
    result = []
    for item in split_list(data.get(key)):
        try:
            member = enum.parse(item)
        except ValueError:
            errors.add(key, f"Unknown value {item!r}; expected any of: " + ", ".join(m.value for m in enum))
            continue
        if member.value not in result:
            result.append(member.value)
    return result


def _rate(data: Mapping, key: str, errors: Errors, *, required: bool = False) -> int | None:
    """A percentage as basis points, more than 0 and at most 10000."""
    value = data.get(key)
    if blank(value):
        if required:
            errors.add(key, "Missing data for required field.")
        return None
    try:
        bp = parse_rate_bp(value)
    except ValueError:
        errors.add(key, "Not a valid percentage.")
        return None
    if not 0 < bp <= 10000:
        errors.add(key, "Must be more than 0% and at most 100%.")
        return None
    return bp


def clean_funding_line(data: Mapping) -> tuple[dict, Errors]:
    """A funding line (linea di finanziamento) from loosely typed fields."""
    errors = Errors()
    programme = _enum(data, "programme", Programme, errors, required=True)
    level = _enum(data, "level", Level, errors, default=programme.default_level if programme else None)
    clean: dict[str, Any] = {
        "programme": programme.value if programme else None,
        "level": level.value if level else None,
        "call_identifier": _text(data, "call_identifier", errors, limit=MAX_IDENTIFIER),
        "topic_identifier": _text(data, "topic_identifier", errors, limit=MAX_IDENTIFIER),
        "title": _text(data, "title", errors, required=True),
        "description": _text(data, "description", errors, limit=20_000),
        "opening_date": _date(data, "opening_date", errors),
        "total_budget_cents": _money(data, "total_budget", errors, positive=True),
        "min_grant_cents": _money(data, "min_grant", errors),
        "max_grant_cents": _money(data, "max_grant", errors, positive=True),
        "beneficiary_kinds": _enum_list(data, "beneficiary_kinds", BeneficiaryKind, errors),
        "domains": _enum_list(data, "domains", Domain, errors),
        "trl_min": _int(data, "trl_min", errors, 1, 9),
        "trl_max": _int(data, "trl_max", errors, 1, 9),
        "url": _text(data, "url", errors, limit=1000),
        "portal_status": _text(data, "portal_status", errors, limit=40),
        "external_source": _text(data, "external_source", errors, limit=40),
        "external_id": _text(data, "external_id", errors, limit=MAX_IDENTIFIER),
    }
    if clean["url"] and not _URL.match(clean["url"]):
        errors.add("url", "Not a valid http(s) URL.")

    clean["cofinancing_rate_bp"] = _rate(data, "cofinancing_rate", errors, required=True)
    clean["non_profit_rate_bp"] = _rate(data, "non_profit_rate", errors)
    clean["action_type"] = _text(data, "action_type", errors, limit=40)
    rate, non_profit = clean["cofinancing_rate_bp"], clean["non_profit_rate_bp"]
    if rate is not None and non_profit is not None and non_profit < rate:
        errors.add("non_profit_rate", "The rate for non-profit applicants is below the line's rate.")

    territories = []
    for item in split_list(data.get("territories")):
        try:
            token = territory.normalise_token(item)
        except ValueError:
            errors.add("territories", f"Unknown territory {item!r}.")
            continue
        if token not in territories:
            territories.append(token)
    clean["territories"] = territories

    try:
        clean["partnership_required"] = parse_bool(data.get("partnership_required") or False)
    except ValueError:
        errors.add("partnership_required", "Not a valid boolean.")
        clean["partnership_required"] = False
    clean["min_partners"] = _int(data, "min_partners", errors, 0, 100) or 0

    deadlines = []
    raw_deadlines = data.get("deadlines")
    if blank(raw_deadlines) and not blank(data.get("deadline")):
        raw_deadlines = [data.get("deadline")] + (
            [] if blank(data.get("second_deadline")) else [data.get("second_deadline")]
        )
    for item in split_list(raw_deadlines):
        try:
            deadlines.append(parse_date(item))
        except (ValueError, TypeError):
            errors.add("deadlines", f"Not a valid date: {item!r}.")
    deadlines = sorted(set(deadlines))
    clean["deadlines"] = deadlines
    default_model = (
        DeadlineModel.TWO_STAGE
        if not blank(data.get("second_deadline"))
        else (DeadlineModel.MULTIPLE_CUTOFF if len(deadlines) > 2 else DeadlineModel.SINGLE_STAGE)
    )
    model = _enum(data, "deadline_model", DeadlineModel, errors, default=default_model)
    clean["deadline_model"] = model.value if model else None

    _check_line(clean, errors)
    return clean, errors


def _check_line(clean: dict, errors: Errors) -> None:
    low, high, total = clean["min_grant_cents"], clean["max_grant_cents"], clean["total_budget_cents"]
    if low is not None and high is not None and low > high:
        errors.add("min_grant", "The minimum grant is above the maximum grant.")
    if high is not None and total is not None and high > total:
        errors.add("max_grant", "The maximum grant is above the line's total budget.")
    opening, deadlines = clean["opening_date"], clean["deadlines"]
    if opening is not None and any(d < opening for d in deadlines):
        errors.add("deadlines", "A deadline falls before the opening date.")
    model = clean["deadline_model"]
    if model == DeadlineModel.TWO_STAGE.value and len(deadlines) != 2:
        errors.add("deadlines", "A two-stage line has exactly two deadlines (first and second stage).")
    if model == DeadlineModel.SINGLE_STAGE.value and len(deadlines) > 1:
        errors.add("deadlines", "A single-stage line has one deadline.")
    if clean["trl_min"] is not None and clean["trl_max"] is not None and clean["trl_min"] > clean["trl_max"]:
        errors.add("trl_min", "The minimum TRL is above the maximum TRL.")
    if clean["partnership_required"] is False and clean["min_partners"]:
        errors.add("min_partners", "Minimum partners given but no partnership is required.")


def clean_project(data: Mapping) -> tuple[dict, Errors]:
    """A smart-city project (scheda progetto) from loosely typed fields."""
    errors = Errors()
    domain = _enum(data, "domain", Domain, errors, required=True)
    clean: dict[str, Any] = {
        "title": _text(data, "title", errors, required=True),
        "description": _text(data, "description", errors, limit=20_000),
        "domain": domain.value if domain else None,
        "secondary_domains": [
            d for d in _enum_list(data, "secondary_domains", Domain, errors) if not domain or d != domain.value
        ],
        "applicant_kinds": _enum_list(data, "applicant_kinds", BeneficiaryKind, errors),
        "partners": split_list(data.get("partners")),
        "total_cost_cents": _money(data, "total_cost", errors, required=True, positive=True),
        "requested_cents": _money(data, "requested_amount", errors),
        "start_date": _date(data, "start_date", errors),
        "end_date": _date(data, "end_date", errors),
        "trl": _int(data, "trl", errors, 1, 9),
    }
    status = _enum(data, "status", ProjectStatus, errors, default=ProjectStatus.PROPOSED)
    clean["status"] = status.value if status else None
    clean["cup"] = None
    if not blank(data.get("cup")):
        try:
            clean["cup"] = normalise_cup(data["cup"])
        except CupError as exc:
            errors.add("cup", exc.reason_en)
    horizon = _enum(data, "time_horizon", TimeHorizon, errors)
    start, end = clean["start_date"], clean["end_date"]
    if start and end:
        if end < start:
            errors.add("end_date", "The end date is before the start date.")
        elif horizon is None:
            months = (end.year - start.year) * 12 + end.month - start.month
            horizon = TimeHorizon.from_months(months)
    clean["time_horizon"] = horizon.value if horizon else None
    cost, requested = clean["total_cost_cents"], clean["requested_cents"]
    if cost is not None and requested is not None and requested > cost:
        errors.add("requested_amount", "The requested amount exceeds the project's total cost.")
    if not clean["applicant_kinds"]:
        clean["applicant_kinds"] = [BeneficiaryKind.MUNICIPALITY.value]
    return clean, errors


def check_funding_plan(total_cost_cents: int, items: Iterable[Mapping]) -> tuple[list[dict], Errors]:
    """A funding plan: sources and amounts, none negative, together not above the project's cost."""
    errors = Errors()
    clean_items = []
    total = 0
    for index, item in enumerate(items):
        prefix = f"funding_plan.{index}"
        item_errors = Errors()
        kind = _enum(item, "source_kind", FundingSourceKind, item_errors, required=True)
        amount = _money(item, "amount", item_errors, required=True, positive=True)
        line_id = item.get("funding_line_id")
        if kind is FundingSourceKind.FUNDING_LINE and blank(line_id):
            item_errors.add("funding_line_id", "A funding-line source names its funding line.")
        for field, messages in item_errors.items():
            for message in messages:
                errors.add(f"{prefix}.{field}", message)
        if amount is not None:
            total += amount
        clean_items.append(
            {
                "source_kind": kind.value if kind else None,
                "funding_line_id": None if blank(line_id) else line_id,
                "label": None if blank(item.get("label")) else str(item["label"]).strip()[:MAX_TITLE],
                "amount_cents": amount,
            }
        )
    if total > total_cost_cents:
        errors.add(
            "funding_plan",
            f"The funding plan totals {format_eur(total, 'en')}, above the project's "
            f"cost of {format_eur(total_cost_cents, 'en')}.",
        )
    return clean_items, errors
