"""What every importer shares: decoding, CSV reading, and the row-by-row error report."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from smartregion.spreadsheets import neutralise

from funding.importers import reasons

MAX_ROWS = 200_000


@dataclass(frozen=True, slots=True)
class RowError:
    """A rejected row: its line in the file (1 is the header of a CSV), the field and the reason."""

    line: int
    field: str
    message: str

    def as_dict(self) -> dict:
        return {"line": self.line, "field": self.field, "message": self.message}


@dataclass
class ImportResult:
    """Good records with the line they came from, and the errors of the bad ones; bad never stop good."""

    records: list[tuple[int, dict]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)

    def fail(self, line: int, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            for message in messages:
                self.errors.append(RowError(line, name, message))

    @property
    def file_errors(self) -> list[RowError]:
        return [e for e in self.errors if e.line == 0]

    def error_report_csv(self) -> str:
        """The rejected rows as a CSV to download, one line per error."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["line", "field", "message"])
        for error in self.errors:
            writer.writerow([error.line, error.field, neutralise(error.message)])
        return out.getvalue()


class FileFormatError(ValueError):
    """A file that cannot be read at all (not text, not CSV, not the expected JSON)."""

    def __init__(self, message: str, field_name: str = "file"):
        super().__init__(message)
        self.field = field_name


def decode(data: bytes | str) -> str:
    """UTF-8 (with or without BOM), falling back to Windows-1252 as Italian open data often is."""
    if isinstance(data, str):
        return data
    if b"\x00" in data[:4096]:
        raise FileFormatError(reasons.BINARY)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="strict")


def read_csv(data: bytes | str, *, delimiter: str | None = None) -> tuple[list[str], list[tuple[int, dict]]]:
    """The header (lower-cased, stripped) and the rows as ``(line, {column: value})``.

    A row with more cells than the header is malformed and raises with its line; short rows are padded.
    """
    try:
        text = decode(data)
    except UnicodeDecodeError as exc:
        raise FileFormatError(reasons.NOT_TEXT) from exc
    if not text.strip():
        raise FileFormatError("The file is empty.")
    if delimiter is None:
        first = text.splitlines()[0]
        delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [h.strip().lower() for h in next(reader)]
        if len(set(header)) != len(header):
            raise FileFormatError(reasons.REPEATED_COLUMN)
        rows = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header):
                raise FileFormatError(reasons.BAD_ROW_WIDTH % {"line": reader.line_num, "cells": len(row),
                                                             "columns": len(header)})
            if len(rows) >= MAX_ROWS:
                raise FileFormatError(reasons.TOO_MANY_ROWS % {"count": MAX_ROWS})
            padded = row + [""] * (len(header) - len(row))
            rows.append((reader.line_num, dict(zip(header, padded, strict=True))))
    except csv.Error as exc:
        raise FileFormatError(reasons.BAD_CSV_AT % {"line": reader.line_num, "reason": exc}) from exc
    return header, rows


class _TextOf(HTMLParser):
    """Collects an HTML fragment's text, one line per block element and per list item."""

    BLOCKS = frozenset({"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
                        "section", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")

    def handle_endtag(self, tag) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data) -> None:
        self.parts.append(data)


def html_to_text(fragment: str | None) -> str | None:
    """Plain text of an HTML fragment (the portal's descriptions), paragraphs kept as lines."""
    if not fragment or not str(fragment).strip():
        return None
    parser = _TextOf()
    parser.feed(str(fragment))
    parser.close()
    lines = [re.sub(r"[ \t\r\f\v\u00a0]+", " ", line).strip() for line in "".join(parser.parts).split("\n")]
    text = "\n".join(line for line in lines if line)
    return text or None
