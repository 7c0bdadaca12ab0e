"""Funding lines from the EU Funding & Tenders portal's search API, as saved to a file.

The search service (``https://api.tech.ec.europa.eu/search-api/prod/rest/search?apiKey=SEDIA``) answers
``{"totalResults", "pageNumber", "pageSize", "results": [...]}``. Each result has ``reference``, ``url``,
``summary`` (usually the title again) and a ``metadata`` object whose values are all arrays:
``identifier`` (the topic), ``callIdentifier``, ``callTitle``, ``title``, ``descriptionByte`` (the topic's
description in HTML), ``type`` (``1`` topic, ``2`` call, ``8`` cascade call, ``0`` tender), ``status``
(``31094501`` forthcoming, ``31094502`` open, ``31094503`` closed, often stale), ``startDate``,
``deadlineDate`` (one date per stage or cut-off), ``deadlineModel`` (``single-stage``, ``two-stage``,
``multiple cut-off``), ``frameworkProgramme`` (a numeric code), ``typesOfAction`` (a code, a label or
both, see ``actions``), ``keywords`` and, optionally, ``budgetOverview``: a JSON string whose
``budgetTopicActionMap`` lists, per action, ``action`` (``"<topic> - <type code> <type label>"``),
``budgetYearMap``, ``minContribution``, ``maxContribution``, ``expectedGrants``, ``plannedOpeningDate``
and ``deadlineDates``. Tenders (type 0) are procurement, not grants, and are skipped.

The status is derived from the dates (the portal's own is kept only to warn when it disagrees), the
co-financing rate from the type of action, and topics of programmes the region does not follow are
skipped with a warning. The topic identifier is kept as the line's external id, so importing a newer
file updates the lines.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from funding.importers import actions, reasons
from funding.importers.common import FileFormatError, ImportResult, decode, html_to_text
from funding.money import MoneyError, cents_to_decimal, parse_cents
from funding.reference import DeadlineModel, Domain, Programme
from funding.validation import clean_funding_line

SOURCE = "ft_portal"
BRUSSELS = ZoneInfo("Europe/Brussels")
PORTAL_TOPIC_URL = "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/topic-details/"
MAX_DESCRIPTION = 20_000

PORTAL_STATUS = {"31094501": "forthcoming", "31094502": "open", "31094503": "closed"}
# The portal's programme codes (the search API's ``frameworkProgramme`` facet) of the programmes the
# region follows, and the names of others it publishes, for the warning when one of them is skipped.
FOLLOWED = {
    "43108390": Programme.HORIZON_EUROPE,
    "43152860": Programme.DIGITAL_EUROPE,
    "43252405": Programme.LIFE,
    "43251567": Programme.CEF,
    "31045243": Programme.H2020,
}
NOT_FOLLOWED = {
    "43353764": "Erasmus+",
    "43251814": "Creative Europe",
    "43251589": "Citizens, Equality, Rights and Values (CERV)",
    "43252476": "Single Market Programme (SMP)",
    "43332642": "EU4Health",
    "44181033": "European Defence Fund (EDF)",
    "43298916": "Euratom Research and Training Programme",
    "43089234": "Innovation Fund",
    "44416173": "Interregional Innovation Investments (I3)",
    "43392145": "European Maritime, Fisheries and Aquaculture Fund (EMFAF)",
    "43254019": "European Social Fund+ (ESF+)",
    "43252386": "Justice Programme",
    "43252368": "Internal Security Fund (ISF)",
    "43251447": "Asylum, Migration and Integration Fund (AMIF)",
    "43252449": "Research Fund for Coal and Steel (RFCS)",
    "43254037": "European Solidarity Corps",
    "45876777": "Global Europe (NDICI)",
    "43637601": "Pilot Projects and Preparatory Actions (PPPA)",
}
DEADLINE_MODELS = {
    "single-stage": DeadlineModel.SINGLE_STAGE,
    "two-stage": DeadlineModel.TWO_STAGE,
    "multiple cut-off": DeadlineModel.MULTIPLE_CUTOFF,
    "multiple-cut-off": DeadlineModel.MULTIPLE_CUTOFF,
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
    """This topic's actions in the call-wide budget overview (absent: no actions; unreadable: ValueError)."""
    raw = _first(metadata, "budgetOverview")
    if raw in (None, "", "{}"):
        return []
    overview = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(overview, dict):
        raise ValueError("not an object")
    groups = overview.get("budgetTopicActionMap") or {}
    if not isinstance(groups, dict):
        raise ValueError("budgetTopicActionMap is not an object")
    actions_ = [a for group in groups.values() for a in (group or []) if isinstance(a, dict)]
    mine = [a for a in actions_ if str(a.get("action", "")).upper().startswith(identifier.upper())]
    return mine or (actions_ if len(actions_) == 1 else [])


def _domains(text: str) -> list[str]:
    lowered = text.lower()
    return [
        d.value for d, words in DOMAIN_KEYWORDS.items() if any(re.search(r"\b" + re.escape(w), lowered) for w in words)
    ]


def derive_status(opening: date | None, deadlines: list[date], today: date) -> str | None:
    """Forthcoming before the opening date, closed once every deadline has passed, open in between."""
    if opening is not None and opening > today:
        return "forthcoming"
    if deadlines and max(deadlines) < today:
        return "closed"
    if deadlines or opening is not None:
        return "open"
    return None


def _description(result: dict, metadata: dict, title: str) -> str | None:
    """The topic's description as text; the search result's summary only when it is not the title again."""
    text = html_to_text(_first(metadata, "descriptionByte")) or html_to_text(_first(metadata, "description"))
    if text is None:
        summary = (result.get("summary") or "").strip()
        text = summary if summary and summary.lower() != str(title).strip().lower() else None
    if text and len(text) > MAX_DESCRIPTION:
        text = text[: MAX_DESCRIPTION - 1].rstrip() + "\u2026"
    return text


def _programme(metadata: dict) -> tuple[Programme | None, str]:
    """The followed programme of a result, or None and the name of the one it belongs to."""
    code = str(_first(metadata, "frameworkProgramme") or "").strip()
    programme = FOLLOWED.get(code)
    if programme is not None:
        return programme, code
    name = NOT_FOLLOWED.get(code)
    if name:
        return None, f"{name} ({code})"
    return None, f"programme {code}" if code else "no programme"


def _budget(actions_: list[dict], metadata: dict) -> tuple[int | None, int | None, int | None]:
    """(total, minimum grant, maximum grant) in cents; MoneyError when an amount cannot be read."""
    if actions_:
        years = [v for a in actions_ for v in (a.get("budgetYearMap") or {}).values() if v not in (None, "")]
        total = sum(parse_cents(v) for v in years) if years else None
        minimum = min((parse_cents(a["minContribution"]) for a in actions_ if a.get("minContribution")), default=None)
        maximum = max((parse_cents(a["maxContribution"]) for a in actions_ if a.get("maxContribution")), default=None)
        return total or None, minimum, maximum
    if _first(metadata, "budget") not in (None, ""):
        return parse_cents(_first(metadata, "budget")) or None, None, None
    return None, None, None


def _action_texts(metadata: dict, actions_: list[dict]) -> list[str]:
    """The type-of-action strings of a result: ``typesOfAction`` and what follows the topic in each action."""
    texts = [str(t) for t in metadata.get("typesOfAction") or [] if str(t).strip()]
    for action in actions_:
        text = str(action.get("action") or "")
        if " - " in text:
            texts.append(text.split(" - ", 1)[1])
    return texts


class Mapped:
    """One search result read: the raw line fields, or errors, or why it is skipped; and its warnings."""

    def __init__(self) -> None:
        self.raw: dict | None = None
        self.errors: dict[str, list[str]] = {}
        self.skipped: str | None = None
        self.warnings: list[str] = []

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


def _dates(metadata: dict, actions_: list[dict], out: Mapped) -> tuple[date | None, list[date]]:
    deadlines = []
    for value in metadata.get("deadlineDate") or []:
        try:
            deadlines.append(_portal_date(value))
        except ValueError:
            out.error("deadlineDate", reasons.BAD_DATE % {"value": repr(value)})
    if not deadlines:
        for action in actions_:
            for value in action.get("deadlineDates") or []:
                try:
                    deadlines.append(date.fromisoformat(str(value)[:10]))
                except ValueError:
                    out.error("budgetOverview", reasons.BAD_DEADLINE % {"value": repr(value)})
    opening = None
    if _first(metadata, "startDate"):
        try:
            opening = _portal_date(_first(metadata, "startDate"))
        except ValueError:
            out.error("startDate", reasons.BAD_DATE % {"value": repr(_first(metadata, "startDate"))})
    elif actions_ and actions_[0].get("plannedOpeningDate"):
        try:
            opening = date.fromisoformat(str(actions_[0]["plannedOpeningDate"])[:10])
        except ValueError:
            out.error("budgetOverview", reasons.BAD_OPENING)
    return opening, sorted(set(deadlines))


def map_result(result: dict, today: date) -> Mapped:
    """One search result as raw funding-line fields (for ``clean_funding_line``), or its errors, or a skip."""
    out = Mapped()
    metadata = result.get("metadata") or {}
    kind = str(_first(metadata, "type") or "")
    if kind == "0":
        out.skipped = reasons.TENDER
        return out
    identifier = str(_first(metadata, "identifier") or "").strip()
    if not identifier:
        out.error("identifier", reasons.NO_IDENTIFIER)
        return out
    programme, programme_name = _programme(metadata)
    if programme is None:
        out.skipped = reasons.NOT_FOLLOWED % {"identifier": identifier, "programme": programme_name}
        out.warnings.append(out.skipped)
        return out

    actions_: list[dict] = []
    try:
        actions_ = _topic_actions(metadata, identifier)
    except (ValueError, AttributeError, TypeError):
        # The budget block is optional: an unreadable one costs the amounts, not the line.
        out.warnings.append(reasons.BUDGET_UNREADABLE % {"identifier": identifier})
    opening, deadlines = _dates(metadata, actions_, out)
    model_text = str(
        _first(metadata, "deadlineModel") or (actions_[0].get("deadlineModel") if actions_ else "") or "single-stage"
    ).strip().lower()
    model = DEADLINE_MODELS.get(model_text)
    if model is None:
        out.error("deadlineModel", reasons.UNKNOWN_MODEL % {"value": repr(model_text)})
    try:
        total, minimum, maximum = _budget(actions_, metadata)
    except MoneyError as exc:
        out.warnings.append(reasons.BUDGET_AMOUNT % {"identifier": identifier, "reason": exc})
        total = minimum = maximum = None
    if out.errors:
        return out

    resolved = actions.resolve(programme, _action_texts(metadata, actions_))
    if resolved.warning:
        out.warnings.append(f"{identifier}: {resolved.warning}")
    status = derive_status(opening, deadlines, today)
    portal = PORTAL_STATUS.get(str(_first(metadata, "status") or ""))
    if portal and status and portal != status:
        out.warnings.append(reasons.STATUS_DISAGREES % {"identifier": identifier, "portal": portal, "status": status})
    title = str(_first(metadata, "title") or result.get("title") or result.get("summary") or identifier).strip()
    text = " ".join([title, str(_first(metadata, "callTitle") or ""), " ".join(metadata.get("keywords") or [])])
    url = result.get("url") if kind == "8" and result.get("url") else PORTAL_TOPIC_URL + identifier.lower()
    out.raw = {
        "programme": programme.value,
        "call_identifier": _first(metadata, "callIdentifier"),
        "topic_identifier": identifier,
        "title": title,
        "description": _description(result, metadata, title),
        "opening_date": opening,
        "deadlines": deadlines,
        "deadline_model": model.value,
        "total_budget": None if total is None else cents_to_decimal(total),
        "min_grant": None if minimum is None else cents_to_decimal(minimum),
        "max_grant": None if maximum is None else cents_to_decimal(maximum),
        "cofinancing_rate": resolved.rate,
        "non_profit_rate": resolved.non_profit_rate,
        "action_type": resolved.action.code if resolved.action else None,
        "domains": _domains(text),
        "territories": ["EU"],
        "partnership_required": resolved.partners is not None,
        "min_partners": resolved.partners or 0,
        "url": url,
        "portal_status": status or portal,
        "external_source": SOURCE,
        "external_id": identifier,
    }
    return out


def today_in_brussels() -> date:
    return datetime.now(BRUSSELS).date()


def parse(data: bytes | str, *, today: date | None = None) -> ImportResult:
    """Every grant result of a saved search-API answer; line numbers are 1-based result positions."""
    today = today or today_in_brussels()
    try:
        document = json.loads(decode(data))
    except (ValueError, UnicodeDecodeError) as exc:
        raise FileFormatError(reasons.NOT_JSON % {"reason": exc}) from exc
    if not isinstance(document, dict) or not isinstance(document.get("results"), list):
        raise FileFormatError(reasons.NOT_PORTAL)
    result = ImportResult()
    seen: dict[str, int] = {}
    for position, item in enumerate(document["results"], start=1):
        if not isinstance(item, dict) or not isinstance(item.get("metadata") or {}, dict):
            result.fail(position, {"result": [reasons.NOT_A_RESULT]})
            continue
        mapped = map_result(item, today)
        result.warnings.extend((position, message) for message in mapped.warnings)
        if mapped.skipped:
            result.skipped.append((position, mapped.skipped))
            continue
        if mapped.errors:
            result.fail(position, mapped.errors)
            continue
        clean, errors = clean_funding_line(mapped.raw)
        if errors:
            result.fail(position, errors)
            continue
        # The portal lists a topic once per language; keep the first.
        if clean["external_id"] in seen:
            result.skipped.append((position, reasons.DUPLICATE % {"position": seen[clean["external_id"]]}))
            continue
        seen[clean["external_id"]] = position
        result.records.append((position, clean))
    return result

