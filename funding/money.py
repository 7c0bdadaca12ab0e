"""Money as exact integer cents of EUR: parsing what people and open data write, and formatting."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from babel import Locale
from babel.numbers import format_decimal
from babel.numbers import format_percent as babel_percent

# One hundred billion euro: more than any single programme line or smart-city project; anything larger
# is a unit or typing error.
MAX_CENTS = 100_000_000_000 * 100

_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)*$")


class MoneyError(ValueError):
    """A money value that cannot be read, is negative, or is absurdly large."""


def parse_cents(value, *, decimal_comma: bool | None = None, allow_negative: bool = False) -> int:
    """Read an amount in EUR (number, Decimal or text such as ``1.234.567,89`` or ``1,234,567.89``).

    ``decimal_comma`` forces the Italian convention (``,`` decimal separator, as in OpenCoesione);
    left to ``None`` the separator is inferred: the last of ``.`` or ``,`` followed by one or two digits
    is the decimal separator, anything else groups thousands.
    """
    if isinstance(value, bool) or value is None:
        raise MoneyError("missing amount")
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))
    elif isinstance(value, Decimal):
        amount = value
    else:
        amount = _parse_text(str(value), decimal_comma)
    if not amount.is_finite():
        raise MoneyError("not a number")
    cents = amount * 100
    if cents != cents.to_integral_value():
        cents = cents.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    result = int(cents)
    if result < 0 and not allow_negative:
        raise MoneyError("negative amount")
    if abs(result) > MAX_CENTS:
        raise MoneyError("amount too large")
    return result


def _parse_text(text: str, decimal_comma: bool | None) -> Decimal:
    cleaned = text.strip().replace("\u20ac", "").replace("EUR", "").replace("\u00a0", "").replace(" ", "")
    cleaned = cleaned.replace("'", "")
    if not cleaned or not _NUMBER.match(cleaned):
        raise MoneyError("not a number")
    sign = ""
    if cleaned[0] in "+-":
        sign, cleaned = cleaned[0].replace("+", ""), cleaned[1:]
    if decimal_comma is True:
        normalised = cleaned.replace(".", "").replace(",", ".")
    elif decimal_comma is False:
        normalised = cleaned.replace(",", "")
    else:
        normalised = _infer(cleaned)
    try:
        return Decimal(sign + normalised)
    except InvalidOperation as exc:
        raise MoneyError("not a number") from exc


def _infer(text: str) -> str:
    last_dot, last_comma = text.rfind("."), text.rfind(",")
    last = max(last_dot, last_comma)
    if last < 0:
        return text
    separator = text[last]
    tail = text[last + 1 :]
    other = "," if separator == "." else "."
    if len(tail) in (1, 2) or (len(tail) != 3 and other not in text and text.count(separator) == 1):
        integer = text[:last].replace(other, "").replace(separator, "")
        return f"{integer}.{tail}"
    if len(tail) == 3 and text.count(separator) == 1 and other in text[:last]:
        raise MoneyError("ambiguous separators")
    return text.replace(".", "").replace(",", "")


def cents_to_decimal(cents: int) -> Decimal:
    """Exactly, whatever the size (no rounding by the decimal context)."""
    return Decimal((1 if cents < 0 else 0, tuple(int(digit) for digit in str(abs(cents))), -2))


def format_eur(cents: int, locale: str = "it") -> str:
    """``1.234.567,89 EUR`` in Italian, ``EUR 1,234,567.89`` in English: Babel's digits for ``locale``, and the
    ISO code on the side where the locale writes its currency."""
    sign = "-" if cents < 0 else ""
    digits = format_decimal(cents_to_decimal(abs(cents)), format="#,##0.00", locale=locale)
    if Locale.parse(locale).currency_formats["standard"].pattern.startswith("\u00a4"):
        return f"{sign}EUR {digits}"
    return f"{sign}{digits} EUR"


def format_percent(basis_points: int, locale: str = "it") -> str:
    """Basis points (1/100 of a percent) as a percentage: ``62,5%`` in Italian, ``62.5%`` in English."""
    return babel_percent(Decimal(basis_points) / 10000, format="#,##0.##%", locale=locale)


def parse_rate_bp(value) -> int:
    """A percentage (``80``, ``"80%"``, ``"62,5"``) as basis points (8000)."""
    if isinstance(value, bool) or value is None:
        raise ValueError("missing rate")
    if isinstance(value, (int, float, Decimal)):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        text = str(value).strip().rstrip("%").strip().replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(value) from exc
    if not number.is_finite():
        raise ValueError(value)
    return int((number * 100).to_integral_value())
