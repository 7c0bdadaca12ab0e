"""CUP, the Italian public investment project code (Codice Unico di Progetto).

A CUP has 15 characters: a letter, two digits, a letter, the two-digit year of the funding decision,
then nine digits (a progressive number and the issuing system's suffix), for example
``J11B21000440006``. The code has no published check digit, so validation is structural.
"""

from __future__ import annotations

import re

_CUP = re.compile(r"^[A-Z][0-9]{2}[A-Z][0-9]{2}[0-9]{9}$")


class CupError(ValueError):
    """A string that is not a well-formed CUP; ``reason`` says why (Italian and English)."""

    def __init__(self, reason_it: str, reason_en: str):
        super().__init__(reason_en)
        self.reason_it = reason_it
        self.reason_en = reason_en


def normalise_cup(value: str) -> str:
    """Upper-case, strip spaces; raise CupError when the result is not a well-formed CUP."""
    text = re.sub(r"\s+", "", str(value or "")).upper()
    if len(text) != 15:
        raise CupError(
            f"Il CUP deve avere 15 caratteri, ne ha {len(text)}",
            f"A CUP has 15 characters, this has {len(text)}",
        )
    if not text.isalnum() or not text.isascii():
        raise CupError("Il CUP contiene solo lettere e cifre", "A CUP contains only letters and digits")
    if not _CUP.match(text):
        raise CupError(
            "Struttura del CUP non valida (lettera, 2 cifre, lettera, anno a 2 cifre, 9 cifre)",
            "Malformed CUP (letter, 2 digits, letter, 2-digit year, 9 digits)",
        )
    return text


def is_valid_cup(value: str) -> bool:
    try:
        normalise_cup(value)
    except CupError:
        return False
    return True


def decision_year(cup: str) -> int:
    """The year of the funding decision encoded in positions 5-6."""
    yy = int(normalise_cup(cup)[4:6])
    return 2000 + yy if yy < 90 else 1900 + yy
