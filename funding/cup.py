"""CUP, the Italian public investment project code (Codice Unico di Progetto).

A CUP has 15 characters: a letter, two digits, a letter, the two-digit year of the funding decision,
then nine digits (a progressive number and the issuing system's suffix), for example
``J11B21000440006``. The code has no published check digit, so validation is structural.
"""

from __future__ import annotations

import re

from smartregion.i18n import translate

from funding.importers.reasons import CUP_CHARACTERS, CUP_LENGTH, CUP_STRUCTURE

_CUP = re.compile(r"^[A-Z][0-9]{2}[A-Z][0-9]{2}[0-9]{9}$")


class CupError(ValueError):
    """A string that is not a well-formed CUP; ``reason_en`` says why, a message id of the catalogue with its values
    (``reason_it`` is its Italian)."""

    def __init__(self, message_id: str, **values):
        self.message_id, self.values = message_id, values
        super().__init__(self.reason_en)

    @property
    def reason_en(self) -> str:
        return self.message_id % self.values if self.values else self.message_id

    @property
    def reason_it(self) -> str:
        return translate(self.message_id, "it", **self.values)


def normalise_cup(value: str) -> str:
    """Upper-case, strip spaces; raise CupError when the result is not a well-formed CUP."""
    text = re.sub(r"\s+", "", str(value or "")).upper()
    if len(text) != 15:
        raise CupError(CUP_LENGTH, length=len(text))
    if not text.isalnum() or not text.isascii():
        raise CupError(CUP_CHARACTERS)
    if not _CUP.match(text):
        raise CupError(CUP_STRUCTURE)
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
