"""Funding lines from the EU Funding & Tenders portal's search API, as saved to a file.

The search service (``https://api.tech.ec.europa.eu/search-api/prod/rest/search?apiKey=SEDIA``) answers
``{"totalResults", "pageNumber", "pageSize", "results": [...]}``. Each result has ``reference``, ``url``,
``summary`` and a ``metadata`` object whose values are all arrays: ``identifier`` (the topic),
``callIdentifier``, ``callTitle``, ``title``, ``type`` (``1`` topic, ``2`` prospect, ``8`` cascade
call, ``0`` tender), ``status`` (``31094501`` forthcoming, ``31094502`` open, ``31094503`` closed),
``startDate``, ``deadlineDate`` (one date per stage or cut-off), ``deadlineModel`` (``single-stage``,
``two-stage``, ``multiple cut-off``), ``frameworkProgramme``, ``typesOfAction``, ``keywords`` and
``budgetOverview``: a JSON string whose ``budgetTopicActionMap`` lists, per action, ``budgetYearMap``,
``minContribution``, ``maxContribution``, ``expectedGrants``, ``plannedOpeningDate`` and
``deadlineDates``. Tenders (type 0) are procurement, not grants, and are skipped.

The topic identifier is kept as the line's external id, so importing a newer file updates the lines.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from funding.importers.common import FileFormatError, ImportResult, decode
from funding.money import MoneyError, cents_to_decimal, parse_cents
from funding.reference import DeadlineModel, Domain, Programme
from funding.validation import clean_funding_line

SOURCE = "ft_portal"
BRUSSELS = ZoneInfo("Europe/Brussels")
PORTAL_TOPIC_URL = "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/topic-details/"

STATUS = {"31094501": "forthcoming", "31094502": "open", "31094503": "closed"}
PROGRAMMES = {
    "43108390": Programme.HORIZON_EUROPE,
    "43152860": Programme.DIGITAL_EUROPE,
    "43252405": Programme.LIFE,
    "43251567": Programme.CEF,
    "31045243": Programme.H2020,
}
DEADLINE_MODELS = {
    "single-stage": DeadlineModel.SINGLE_STAGE,
    "two-stage": DeadlineModel.TWO_STAGE,
    "multiple cut-off": DeadlineModel.MULTIPLE_CUTOFF,
    "multiple-cut-off": DeadlineModel.MULTIPLE_CUTOFF,
}
# Funding rate and partnership by type of action (first match on the action code wins), then programme.
ACTION_RULES: list[tuple[str, int, int | None]] = [
    ("HORIZON-RIA", 100, 2),
    ("HORIZON-IA", 70, 2),
    ("HORIZON-CSA", 100, None),
    ("HORIZON-COFUND", 50, 2),
    ("DIGITAL-CSA", 100, None),
    ("DIGITAL-SME", 75, None),
    ("DIGITAL-SIMPLE", 50, None),
    ("DIGITAL-GFS", 50, None),
    ("LIFE-SAP", 60, None),
    ("LIFE-SIP", 60, None),
    ("LIFE-OG", 60, None),
    ("LIFE-PJG", 60, None),
    ("CEF-PJG", 50, None),
    ("CEF-PJG-DIG", 50, None),
]
PROGRAMME_RATE = {
    Programme.HORIZON_EUROPE: 100,
    Programme.DIGITAL_EUROPE: 50,
    Programme.LIFE: 60,
    Programme.CEF: 50,
    Programme.H2020: 100,
}
DOMAIN_KEYWORDS: dict[Domain, tuple[str, ...]] = {
    Domain.ENERGY: (
        "energy",
        "renewable",
        "heating",
        "electricity",
        "smart grid",
        "photovoltaic",
        "efficiency",
    ),
    Domain.ENVIRONMENT: (
        "climate",
        "environment",
        "water",
        "air quality",
        "biodiversity",
        "waste",
        "circular",
        "pollution",
        "adaptation",
        "nature-based",
    ),
    Domain.MOBILITY: ("mobility", "transport", "traffic", "vehicle", "logistics", "charging", "cycling"),
    Domain.GOVERNMENT: (
        "public administration",
        "e-government",
        "interoperab",
        "data space",
        "govtech",
        "public services",
        "digital twin",
        "cybersecurity",
        "open data",
    ),
    Domain.ECONOMY: ("sme", "start-up", "business", "entrepreneur", "industry", "tourism"),
    Domain.PEOPLE: ("skills", "education", "inclusion", "citizen", "social innovation", "participation"),
    Domain.LIVING: ("health", "culture", "heritage", "safety", "housing", "well-being", "ageing"),
    Domain.PLANNING: ("urban", "cities", "city", "regeneration", "built environment", "buildings", "spatial"),
}


def _first(metadata: dict, key: str):
    values = metadata.get(key)
    if isinstance(values, list):
        return values[0] if values else None
    return values


def _portal_date(value: str) -> date:
    """Portal timestamps are UTC; deadlines are read as Brussels dates."""
    moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(BRUSSELS).date()


def _topic_actions(metadata: dict, identifier: str) -> list[dict]:
    raw = _first(metadata, "budgetOverview")
    if not raw:
        return []
    overview = json.loads(raw) if isinstance(raw, str) else raw
    actions = [a for group in (overview.get("budgetTopicActionMap") or {}).values() for a in group]
    mine = [a for a in actions if str(a.get("action", "")).upper().startswith(identifier.upper())]
    return mine or (actions if len(actions) == 1 else [])


def _domains(text: str) -> list[str]:
    lowered = text.lower()
    return [
        d.value for d, words in DOMAIN_KEYWORDS.items() if any(re.search(r"\b" + re.escape(w), lowered) for w in words)
    ]


def _action_rule(programme: Programme, action_codes: str) -> tuple[int, int | None]:
    upper = action_codes.upper()
    for prefix, rate, partners in ACTION_RULES:
        if prefix in upper:
            return rate, partners
    return PROGRAMME_RATE.get(programme, 100), None


def map_result(result: dict) -> tuple[dict | None, dict[str, list[str]] | None, str | None]:
    """One search result as raw funding-line fields, or the errors, or why it is skipped."""
    metadata = result.get("metadata") or {}
    kind = str(_first(metadata, "type") or "")
    if kind == "0":
        return None, None, "tender (procurement), not a grant"
    identifier = _first(metadata, "identifier") or result.get("reference")
    if not identifier:
        return None, {"identifier": ["The result has no identifier."]}, None
    programme_code = str(_first(metadata, "frameworkProgramme") or "")
    programme = PROGRAMMES.get(programme_code)
    if programme is None:
        return (
            None,
            {"frameworkProgramme": [f"Programme {programme_code!r} is not tracked by the region."]},
            None,
        )

    errors: dict[str, list[str]] = {}
    actions = []
    try:
        actions = _topic_actions(metadata, identifier)
    except (ValueError, AttributeError, TypeError):
        errors["budgetOverview"] = ["Not a readable budget overview."]

    deadlines = []
    for value in metadata.get("deadlineDate") or []:
        try:
            deadlines.append(_portal_date(value))
        except ValueError:
            errors.setdefault("deadlineDate", []).append(f"Not a valid date: {value!r}.")
    if not deadlines:
        for action in actions:
            deadlines.extend(date.fromisoformat(d) for d in action.get("deadlineDates") or [])
    opening = None
    if _first(metadata, "startDate"):
        try:
            opening = _portal_date(_first(metadata, "startDate"))
        except ValueError:
            errors["startDate"] = ["Not a valid date."]
    elif actions and actions[0].get("plannedOpeningDate"):
        opening = date.fromisoformat(actions[0]["plannedOpeningDate"])
    model_text = str(
        _first(metadata, "deadlineModel") or (actions[0].get("deadlineModel") if actions else "") or "single-stage"
    ).lower()
    model = DEADLINE_MODELS.get(model_text)
    if model is None:
        errors["deadlineModel"] = [f"Unknown deadline model {model_text!r}."]

    total = minimum = maximum = None
    try:
        if actions:
            total = sum(parse_cents(v) for a in actions for v in (a.get("budgetYearMap") or {}).values() if v)
            minimum = min(
                (parse_cents(a["minContribution"]) for a in actions if a.get("minContribution")), default=None
            )
            maximum = max(
                (parse_cents(a["maxContribution"]) for a in actions if a.get("maxContribution")), default=None
            )
        elif _first(metadata, "budget") not in (None, ""):
            total = parse_cents(_first(metadata, "budget"))
    except MoneyError:
        errors["budgetOverview"] = ["Not a valid amount."]
    if errors:
        return None, errors, None

    action_codes = (
        " ".join(str(a.get("action", "")) for a in actions) + " " + " ".join(metadata.get("typesOfAction") or [])
    )
    rate, partners = _action_rule(programme, action_codes)
    title = _first(metadata, "title") or result.get("title") or result.get("summary") or identifier
    text = " ".join([str(title), str(_first(metadata, "callTitle") or ""), " ".join(metadata.get("keywords") or [])])
    if kind == "8":
        url = result.get("url")
    else:
        url = PORTAL_TOPIC_URL + identifier.lower()
    raw = {
        "programme": programme.value,
        "call_identifier": _first(metadata, "callIdentifier"),
        "topic_identifier": identifier,
        "title": title,
        "description": result.get("summary"),
        "opening_date": opening,
        "deadlines": sorted(set(deadlines)),
        "deadline_model": model.value,
        "total_budget": None if total is None else cents_to_decimal(total),
        "min_grant": None if minimum is None else cents_to_decimal(minimum),
        "max_grant": None if maximum is None else cents_to_decimal(maximum),
        "cofinancing_rate": rate,
        "domains": _domains(text),
        "territories": ["EU"],
        "partnership_required": partners is not None,
        "min_partners": partners or 0,
        "url": url,
        "portal_status": STATUS.get(str(_first(metadata, "status") or ""), None),
        "external_source": SOURCE,
        "external_id": identifier,
    }
    return raw, None, None


def parse(data: bytes | str) -> ImportResult:
    """Every grant result of a saved search-API answer; line numbers are 1-based result positions."""
    try:
        document = json.loads(decode(data))
    except (ValueError, UnicodeDecodeError) as exc:
        raise FileFormatError(f"Not valid JSON: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("results"), list):
        raise FileFormatError("Not a Funding & Tenders search answer: no 'results' list.")
    result = ImportResult()
    seen: dict[str, int] = {}
    for position, item in enumerate(document["results"], start=1):
        if not isinstance(item, dict):
            result.fail(position, {"result": ["Not an object."]})
            continue
        raw, errors, skipped = map_result(item)
        if skipped:
            result.skipped.append((position, skipped))
            continue
        if errors:
            result.fail(position, errors)
            continue
        clean, errors = clean_funding_line(raw)
        if errors:
            result.fail(position, errors)
            continue
        # The portal lists a topic once per language; keep the first.
        if clean["external_id"] in seen:
            result.skipped.append((position, f"duplicate of result {seen[clean['external_id']]}"))
            continue
        seen[clean["external_id"]] = position
        result.records.append((position, clean))
    return result
