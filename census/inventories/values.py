"""Cell parsers shared by every inventory kind: numbers with decimal comma or point, yes/no, dates."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

TRUE_WORDS = frozenset({"yes", "y", "true", "t", "1", "si", "s", "vero", "x"})
FALSE_WORDS = frozenset({"no", "n", "false", "f", "0", "falso"})

_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d")


class ValueProblem(ValueError):
    """A cell that cannot be read as the type its column asks for."""


def fold(text: str) -> str:
    """Lower-case, accent-free, trimmed text, for comparing words across languages and encodings."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).strip().lower()


def normalize_header(name: str) -> str:
    """Canonical form of a column header: accent-free snake case."""
    name = fold(name.lstrip("\ufeff"))
    name = re.sub(r"[^a-z0-9]+", "_", name)
    return name.strip("_")


def parse_decimal(text: str) -> Decimal:
    """Read a number written with a decimal comma or a decimal point (thousands separators allowed)."""
    raw = text.strip().replace("\u00a0", "").replace(" ", "")
    if not raw:
        raise ValueProblem("empty number")
    if "," in raw and "." in raw:
        if raw.rfind(",") > raw.rfind("."):
            raw = raw.replace(".", "").replace(",", ".")
        else:
            raw = raw.replace(",", "")
    elif "," in raw:
        if raw.count(",") > 1:
            raise ValueProblem(f"not a number: {text!r}")
        raw = raw.replace(",", ".")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueProblem(f"not a number: {text!r}") from None
    if not value.is_finite():
        raise ValueProblem(f"not a number: {text!r}")
    return value


def parse_float(text: str | float | int) -> float:
    """Read a coordinate-like number; a float or int cell from a spreadsheet passes through."""
    if isinstance(text, bool):
        raise ValueProblem("not a number")
    if isinstance(text, (int, float)):
        value = float(text)
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueProblem("not a number")
        return value
    raw = text.strip()
    if "," in raw and "." not in raw and raw.count(",") == 1:
        raw = raw.replace(",", ".")
    try:
        value = float(raw)
    except ValueError:
        return float(parse_decimal(raw))
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueProblem("not a number")
    return value


_BOOL_FAST = {word: value for words, value in ((TRUE_WORDS, True), (FALSE_WORDS, False))
              for base in words for word in (base, base.upper(), base.capitalize())}
_BOOL_FAST.update({"sì": True, "Sì": True, "SÌ": True})


def parse_bool(text: str | bool | int | float) -> bool:
    """Read yes/no, true/false, sì/no, 1/0 (English or Italian)."""
    fast = _BOOL_FAST.get(text) if isinstance(text, str) else None
    if fast is not None:
        return fast
    if isinstance(text, bool):
        return text
    if isinstance(text, (int, float)):
        if text in (0, 1):
            return bool(text)
        raise ValueProblem(f"not yes/no: {text!r}")
    word = fold(text)
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueProblem(f"not yes/no (yes/no, true/false, sì/no, 1/0): {text!r}")


def parse_date(text: str | dt.date | dt.datetime) -> dt.date:
    """Read an ISO 8601 date or an Italian dd/mm/yyyy date."""
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    raw = text.strip()
    if "T" in raw:
        raw = raw.split("T", 1)[0]
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise ValueProblem(f"not a date (use YYYY-MM-DD or DD/MM/YYYY): {text!r}")


def cell_text(value: object) -> str:
    """The text of a cell from any reader (spreadsheet floats like 12.0 become '12')."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value).strip()
