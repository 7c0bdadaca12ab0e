"""Funding lines from the secretariat's own CSV or JSON files.

Columns (CSV header or JSON keys): ``programme``, ``level``, ``call_identifier``, ``topic_identifier``,
``title``, ``description``, ``opening_date``, ``deadline`` and ``second_deadline`` or ``deadlines``
(``|``-separated), ``deadline_model``, ``total_budget``, ``min_grant``, ``max_grant`` (EUR),
``cofinancing_rate`` (percent), ``beneficiary_kinds``, ``domains``, ``territories`` (``|``-separated),
``partnership_required``, ``min_partners``, ``trl_min``, ``trl_max``, ``url``, ``external_id``.
"""

from __future__ import annotations

import json

from funding.importers import reasons
from funding.importers.common import FileFormatError, ImportResult, decode, read_csv
from funding.validation import clean_funding_line

REQUIRED_COLUMNS = ("programme", "title", "cofinancing_rate")
SOURCE = "secretariat"


def _finish(result: ImportResult, line: int, raw: dict) -> None:
    clean, errors = clean_funding_line(raw)
    if errors:
        result.fail(line, errors)
        return
    if not clean["external_source"]:
        clean["external_source"] = SOURCE if clean["external_id"] else None
    result.records.append((line, clean))


def parse_csv(data: bytes | str) -> ImportResult:
    result = ImportResult()
    header, rows = read_csv(data)
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise FileFormatError(reasons.MISSING_COLUMNS % {"columns": ", ".join(missing)})
    for line, row in rows:
        _finish(result, line, row)
    return result


def parse_json(data: bytes | str) -> ImportResult:
    """A JSON array of lines, or an object with a ``funding_lines`` array; line numbers are 1-based items."""
    try:
        document = json.loads(decode(data))
    except (ValueError, UnicodeDecodeError) as exc:
        raise FileFormatError(reasons.NOT_JSON % {"reason": exc}) from exc
    items = document.get("funding_lines") if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise FileFormatError(reasons.NOT_A_LIST)
    result = ImportResult()
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            result.fail(index, {"item": [reasons.NOT_AN_OBJECT]})
            continue
        _finish(result, index, item)
    return result
