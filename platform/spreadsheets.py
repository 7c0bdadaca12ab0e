"""Text that a spreadsheet would run as a formula (CSV and formula injection), kept as text.

Every export of the platform (CSV or XLSX) passes its text cells through ``neutralise``.
"""

from __future__ import annotations

from typing import Any

# Leading characters that make a spreadsheet read a cell as a formula (ASCII and full-width forms).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise(value: Any) -> Any:
    """Text a spreadsheet would run as a formula, prefixed with a quote; any other value unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
