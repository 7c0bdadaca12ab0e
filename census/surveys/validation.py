"""Checking answers against a survey schema: a per-field error map and a completeness percentage."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from stdnum.it import codicefiscale, iva

from census.surveys.definition import Field, FieldType, SchemaDefinition

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CUP = re.compile(r"^[A-Z]\d{2}[A-Z]\d{11}$")
ISTAT_CODE = re.compile(r"^\d{6}$")
MAX_GEOMETRY_POSITIONS = 100_000


@dataclass
class ValidationReport:
    """What is wrong with a set of answers, and how much of the schema they fill.

    `errors` holds values that are wrong (type, code list, range, pattern, unknown field): a draft
    with such errors is refused. `missing` holds required answers not given yet: a draft may have
    them, a submission may not. Both map JSON-pointer paths (`/projects/0/budget`) to messages.
    """

    errors: dict[str, list[str]] = field(default_factory=dict)
    missing: dict[str, list[str]] = field(default_factory=dict)
    completeness: int = 0

    @property
    def is_valid_draft(self) -> bool:
        return not self.errors

    @property
    def is_complete(self) -> bool:
        return not self.errors and not self.missing

    def field_errors(self, *, include_missing: bool = True) -> dict[str, list[str]]:
        """The error map for a problem+json body."""
        out = {path: list(msgs) for path, msgs in self.errors.items()}
        if include_missing:
            for path, msgs in self.missing.items():
                out.setdefault(path, []).extend(msgs)
        return dict(sorted(out.items()))


def is_empty(value: Any) -> bool:
    """An unanswered question: absent, null, blank text or an empty list."""
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def as_decimal(value: Any) -> Decimal | None:
    """A decimal answer given as a JSON number or a numeric string, or None when it is neither."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


class _Counter:
    def __init__(self) -> None:
        self.slots = 0
        self.filled = 0


def validate_answers(definition: SchemaDefinition, answers: Any) -> ValidationReport:
    """Check `answers` against `definition`; never raises on bad answers."""
    report = ValidationReport()
    if not isinstance(answers, Mapping):
        report.errors["/"] = ["Answers must be a JSON object keyed by field."]
        return report
    required = _Counter()
    optional = _Counter()
    _check_object(definition.fields, answers, "", report, required, optional)
    if required.slots:
        report.completeness = math.floor(100 * required.filled / required.slots)
    elif optional.slots:
        report.completeness = math.floor(100 * optional.filled / optional.slots)
    else:
        report.completeness = 100
    return report


def _check_object(fields: tuple[Field, ...], answers: Mapping, prefix: str, report: ValidationReport,
                  required: _Counter, optional: _Counter) -> None:
    known = {f.key for f in fields}
    for key in answers:
        if key not in known:
            report.errors.setdefault(f"{prefix}/{key}", []).append("Unknown field for this schema version.")
    for f in fields:
        path = f"{prefix}/{f.key}"
        value = answers.get(f.key)
        counter = required if f.required else optional
        counter.slots += 1
        if is_empty(value):
            if f.required:
                report.missing.setdefault(path, []).append("An answer is required.")
            continue
        if f.type is FieldType.GROUP:
            # The entries' own fields are counted as slots of their own.
            messages = _check_group(f, value, path, report, required, optional)
        else:
            messages = _CHECKERS[f.type](f, value)
        if messages:
            report.errors.setdefault(path, []).extend(messages)
        else:
            counter.filled += 1
    for f in fields:
        _check_sibling_bounds(f, fields, answers, prefix, report)


def _comparable(f: Field, value: Any) -> Any:
    if f.type is FieldType.DATE:
        return dt.date.fromisoformat(value)
    return as_decimal(value)


def _check_sibling_bounds(f: Field, fields: tuple[Field, ...], answers: Mapping, prefix: str,
                          report: ValidationReport) -> None:
    path = f"{prefix}/{f.key}"
    if f.min_field is None and f.max_field is None or is_empty(answers.get(f.key)) or path in report.errors:
        return
    by_key = {other.key: other for other in fields}
    value = _comparable(f, answers[f.key])
    for ref, lower in ((f.min_field, True), (f.max_field, False)):
        if ref is None or is_empty(answers.get(ref)) or f"{prefix}/{ref}" in report.errors:
            continue
        other = _comparable(by_key[ref], answers[ref])
        below, above = ("before", "after") if f.type is FieldType.DATE else ("lower than", "higher than")
        if lower and value < other:
            report.errors.setdefault(path, []).append(f"Must not be {below} {ref} ({answers[ref]}).")
        if not lower and value > other:
            report.errors.setdefault(path, []).append(f"Must not be {above} {ref} ({answers[ref]}).")


def _check_text(f: Field, value: Any) -> list[str]:
    if not isinstance(value, str):
        return ["Must be text."]
    out = []
    if f.min_length is not None and len(value) < f.min_length:
        out.append(f"Must be at least {f.min_length} characters long.")
    if f.max_length is not None and len(value) > f.max_length:
        out.append(f"Must be at most {f.max_length} characters long.")
    if f.pattern is not None and not re.fullmatch(f.pattern, value):
        out.append("Does not match the expected pattern.")
    if f.format is not None and not _FORMATS[f.format](value.strip()):
        out.append(_FORMAT_MESSAGES[f.format])
    return out


def _valid_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value


def _valid_fiscal_code(value: str) -> bool:
    # Companies and public bodies have an 11-digit numeric fiscal code, people a 16-character one.
    return iva.is_valid(value) if value.isdigit() else codicefiscale.is_valid(value)


_FORMATS = {
    "email": lambda v: bool(EMAIL.match(v)),
    "url": _valid_url,
    "vat_it": iva.is_valid,
    "fiscal_code_it": _valid_fiscal_code,
    "cup": lambda v: bool(CUP.match(v)),
    "istat_code": lambda v: bool(ISTAT_CODE.match(v)),
}
_FORMAT_MESSAGES = {
    "email": "Not a valid e-mail address.",
    "url": "Not a valid http(s) address.",
    "vat_it": "Not a valid Italian VAT number (partita IVA): check digit or length is wrong.",
    "fiscal_code_it": "Not a valid Italian fiscal code (codice fiscale).",
    "cup": "Not a valid CUP project code (15 characters, e.g. J11B16000050001).",
    "istat_code": "Not a valid ISTAT municipality code (6 digits).",
}


def _range(f: Field, number: Any) -> list[str]:
    out = []
    if f.min is not None and number < f.min:
        out.append(f"Must be at least {f.min}.")
    if f.max is not None and number > f.max:
        out.append(f"Must be at most {f.max}.")
    return out


def _check_integer(f: Field, value: Any) -> list[str]:
    if not isinstance(value, int) or isinstance(value, bool):
        return ["Must be a whole number."]
    return _range(f, value)


def _places(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _check_decimal(f: Field, value: Any) -> list[str]:
    number = as_decimal(value)
    if number is None:
        return ["Must be a number."]
    out = _range(f, number)
    if f.decimal_places is not None and _places(number) > f.decimal_places:
        out.append(f"Must have at most {f.decimal_places} decimal places.")
    return out


def _check_money(f: Field, value: Any) -> list[str]:
    number = as_decimal(value)
    if number is None:
        return ["Must be an amount in euro, such as 1250.50."]
    out = _range(f, number)
    if _places(number) > 2:
        out.append("An amount in euro has at most 2 decimal places (cents).")
    return out


def _check_boolean(f: Field, value: Any) -> list[str]:
    return [] if isinstance(value, bool) else ["Must be true or false."]


def _check_date(f: Field, value: Any) -> list[str]:
    if not isinstance(value, str) or not ISO_DATE.match(value):
        return ["Must be a date as YYYY-MM-DD."]
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return ["Not a valid calendar date."]
    return _range(f, day)


def _check_choice(f: Field, value: Any) -> list[str]:
    if not isinstance(value, str):
        return ["Must be one code of the list."]
    if value not in f.codes:
        return [f"{value!r} is not in the code list; allowed: {', '.join(f.codes)}."]
    return []


def _check_multi_choice(f: Field, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return ["Must be a list of codes."]
    out = []
    outside = [v for v in value if v not in f.codes]
    if outside:
        out.append(f"Not in the code list: {', '.join(map(repr, outside))}; allowed: {', '.join(f.codes)}.")
    if len(set(value)) != len(value):
        out.append("A code is chosen more than once.")
    if f.min_items is not None and len(value) < f.min_items:
        out.append(f"Choose at least {f.min_items}.")
    if f.max_items is not None and len(value) > f.max_items:
        out.append(f"Choose at most {f.max_items}.")
    return out


def _check_geometry(f: Field, value: Any) -> list[str]:
    if not isinstance(value, Mapping) or "type" not in value or "coordinates" not in value:
        return ["Must be a GeoJSON geometry object with `type` and `coordinates`."]
    gtype = value["type"]
    if gtype not in f.geometry_types:
        return [f"Geometry type {gtype!r} is not allowed here; allowed: {', '.join(f.geometry_types)}."]
    problem = _geometry_problem(gtype, value["coordinates"])
    return [problem] if problem else []


def _position_problem(position: Any) -> str | None:
    if not isinstance(position, list) or len(position) not in (2, 3) or not all(
            isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c) for c in position):
        return "A position must be [longitude, latitude] in WGS84 degrees."
    lon, lat = position[0], position[1]
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return "A position is outside WGS84 bounds (longitude -180..180, latitude -90..90)."
    return None


def _positions(coords: Any, depth: int) -> list | None:
    """Flatten nested coordinate arrays of the given depth; None when the nesting is wrong."""
    if depth == 0:
        return [coords] if isinstance(coords, list) and not any(isinstance(c, list) for c in coords) else None
    if not isinstance(coords, list):
        return None
    out: list = []
    for item in coords:
        inner = _positions(item, depth - 1)
        if inner is None:
            return None
        out.extend(inner)
    return out


_DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}


def _geometry_problem(gtype: str, coords: Any) -> str | None:
    positions = _positions(coords, _DEPTH[gtype])
    if positions is None:
        return f"The coordinates are not nested as a {gtype} requires."
    if len(positions) > MAX_GEOMETRY_POSITIONS:
        return f"A geometry may have at most {MAX_GEOMETRY_POSITIONS} positions."
    for position in positions:
        problem = _position_problem(position)
        if problem:
            return problem
    if gtype == "MultiPoint" and not coords:
        return "A MultiPoint needs at least one position."
    if gtype == "LineString" and len(coords) < 2:
        return "A LineString needs at least 2 positions."
    if gtype == "MultiLineString" and (not coords or any(len(line) < 2 for line in coords)):
        return "Each line of a MultiLineString needs at least 2 positions."
    polygons = [coords] if gtype == "Polygon" else coords if gtype == "MultiPolygon" else []
    if gtype == "MultiPolygon" and not coords:
        return "A MultiPolygon needs at least one polygon."
    for polygon in polygons:
        if not polygon:
            return "A polygon needs at least one ring."
        for ring in polygon:
            if len(ring) < 4 or ring[0] != ring[-1]:
                return "A polygon ring needs at least 4 positions and must end where it starts."
    return None


def _check_group(f: Field, value: Any, path: str, report: ValidationReport, required: _Counter,
                 optional: _Counter) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        return ["Must be a list of entries (objects keyed by field)."]
    out = []
    if f.min_items is not None and len(value) < f.min_items:
        out.append(f"Needs at least {f.min_items} entries.")
    if f.max_items is not None and len(value) > f.max_items:
        out.append(f"Allows at most {f.max_items} entries.")
    for i, item in enumerate(value):
        _check_object(f.fields, item, f"{path}/{i}", report, required, optional)
    return out


_CHECKERS = {
    FieldType.TEXT: _check_text,
    FieldType.INTEGER: _check_integer,
    FieldType.DECIMAL: _check_decimal,
    FieldType.MONEY: _check_money,
    FieldType.BOOLEAN: _check_boolean,
    FieldType.DATE: _check_date,
    FieldType.CHOICE: _check_choice,
    FieldType.MULTI_CHOICE: _check_multi_choice,
    FieldType.GEOMETRY: _check_geometry,
}
