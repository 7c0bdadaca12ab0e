"""Read, map and check a whole inventory file as one stream: the part of an import without a database."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field

from .kinds import Kind, alias_table, match_header
from .readers import Limits, open_reader
from .validation import (
    REASONS_IT,
    CleanRow,
    HeaderMap,
    Rejection,
    RowValidator,
    choose_crs,
    copy_escape,
    map_headers,
)
from .values import normalize_header


@dataclass
class Plan:
    """A file opened and understood: its format, columns, coordinate system and row checker."""

    kind: Kind
    reader: object
    header_map: HeaderMap
    validator: RowValidator
    epsg: int
    crs_source: str
    warnings: list[str] = field(default_factory=list)

    @property
    def format(self) -> str:
        return self.reader.format

    def rows(self) -> Iterator[tuple[int, CleanRow | None, list[Rejection]]]:
        """Stream (line, clean row or None, rejections) for every data row, in file order."""
        check = self.validator.check
        for line, cells, geometry in self.reader.rows():
            clean, errors = check(line, cells, geometry)
            yield line, clean, errors

    def copy_rows(self) -> Iterator[tuple[int, str | None, str | None, list[Rejection]]]:
        """Stream (line, asset id, line of COPY text, rejections): the good rows ready for the staging table.

        Rows take the validator's common path when they can and the full check otherwise; both give
        the same text for the same row.
        """
        fast, check = self.validator.copy_line, self.validator.check
        for line, cells, geometry in self.reader.rows():
            done = None if geometry is not None else fast(line, cells)
            if done is not None:
                yield line, done[0], done[1], ()
                continue
            clean, errors = check(line, cells, geometry)
            if clean is None:
                yield line, None, None, errors
            else:
                yield line, clean.asset_id, copy_text(clean), ()


def prepare(path: str | os.PathLike, kind: Kind, *, filename: str = "", form_epsg: int | None = None,
            limits: Limits | None = None) -> Plan:
    """Open the file, map its header and choose its coordinate system; FileProblem if it cannot be imported."""
    table = alias_table(kind)
    reader = open_reader(path, filename, limits=limits,
                         known_header=lambda header: match_header(kind, header, table) is not None)
    header_map = map_headers(kind, reader.headers, has_geometry=reader.has_geometry)
    choice = choose_crs(reader, header_map, form_epsg)
    validator = RowValidator(header_map, choice, has_geometry=reader.has_geometry,
                             header_count=len(reader.headers) if reader.format == "csv" else None)
    warnings = []
    if header_map.unknown:
        warnings.append("columns ignored (not part of the kind): " + ", ".join(header_map.unknown))
    return Plan(kind, reader, header_map, validator, choice.epsg, choice.source, warnings)


def copy_text(row: CleanRow) -> str:
    """A checked row as a line of the staging table's COPY text (columns as in ``STAGE_COLUMNS``)."""
    operator = "\\N" if row.operator is None else copy_escape(row.operator)
    geometry = "\\N" if row.geometry is None else copy_escape(json.dumps(row.geometry))
    attributes = copy_escape(json.dumps(row.attributes, ensure_ascii=False, separators=(",", ":")))
    return (f"{row.line}\t{copy_escape(row.asset_id)}\t{copy_escape(row.category)}\t{operator}\t{row.longitude!r}"
            f"\t{row.latitude!r}\t{row.length_m!r}\t{geometry}\t{attributes}\n")


ERROR_REPORT_HEADER = ("line", "field", "code", "reason", "motivo", "value")


def neutralise(text: str) -> str:
    """Defuse spreadsheet formula injection in exported text."""
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def error_report_line(rejection: Rejection) -> list[str]:
    """One line of the downloadable error report (CSV, English reason and Italian motivo)."""
    return [str(rejection.line), rejection.field, rejection.code, neutralise(rejection.reason),
            REASONS_IT.get(rejection.code, ""), neutralise(rejection.value)]


def write_error_report(rejections, stream: io.TextIOBase) -> int:
    """Write the error report; returns the number of lines written."""
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(ERROR_REPORT_HEADER)
    count = 0
    for rejection in rejections:
        writer.writerow(error_report_line(rejection))
        count += 1
    return count


def template_csv(kind: Kind, *, language: str = "en") -> str:
    """The downloadable CSV template of a kind: header (English or Italian) and one example row."""
    columns = kind.template_fields
    stream = io.StringIO()
    writer = csv.writer(stream, delimiter=";", lineterminator="\r\n")
    if language == "it":
        writer.writerow([normalize_header(f.label_it) for f in columns])
    else:
        writer.writerow([f.name for f in columns])
    writer.writerow([f.example for f in columns])
    return stream.getvalue()

