"""Importers of funding lines (CSV, JSON, EU Funding & Tenders portal) and of OpenCoesione records."""

from funding.importers.common import FileFormatError, ImportResult, RowError

__all__ = ["FileFormatError", "ImportResult", "RowError"]
