"""Read, map and check a whole inventory file as one stream: the part of an import without a database."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice

from smartregion.spreadsheets import neutralise

from .columns import HeaderMap, choose_crs, map_headers
from .kinds import Kind, alias_table, match_header
from .mapping import Settings, suggest
from .readers import Limits, Opened, open_upload
from .validation import REASONS_IT, CleanRow, Rejection, RowValidator, copy_escape
from .values import normalize_header

SAMPLE_ROWS = 50


@dataclass
class Plan:
    """A file opened and understood: its format, columns, coordinate system and row checker.

    Close it when done: an archive's members and GDAL's copies live in a temporary folder.
    """

    kind: Kind
    reader: object
    header_map: HeaderMap
    validator: RowValidator
    epsg: int
    crs_source: str
    warnings: list[str] = field(default_factory=list)
    opened: Opened | None = None
    mapping: dict[str, str] = field(default_factory=dict)

    @property
    def format(self) -> str:
        return self.reader.format

    def close(self) -> None:
        if self.opened is not None:
            self.opened.close()

    def __enter__(self) -> Plan:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def rows(self) -> Iterator[tuple[int, CleanRow | None, list[Rejection]]]:
        """Stream (line, clean row or None, rejections) for every data row, in file order."""
        check = self.validator.check
        for line, cells, geometry in self.reader.rows():
            clean, errors = check(line, cells, geometry)
            yield line, clean, errors

    def copy_rows(self) -> Iterator[tuple]:
        """Stream (line, asset id, line of COPY text, rejections, point): the good rows ready for staging.

        Rows take the validator's common path when they can and the full check otherwise; both give
        the same text for the same row. ``point`` is (longitude, latitude) when the row's territory
        is still to be checked (the batch checks them at once), else None.
        """
        fast, check = self.validator.copy_line, self.validator.check
        for line, cells, geometry in self.reader.rows():
            done = None if geometry is not None else fast(line, cells)
            if done is not None:
                yield line, done[0], done[1], (), (done[2], done[3])
                continue
            clean, errors = check(line, cells, geometry)
            if clean is None:
                yield line, None, None, errors, None
            else:
                yield line, clean.asset_id, copy_text(clean), (), None


def sample(reader, count: int = SAMPLE_ROWS) -> list[tuple[int, list, dict | None]]:
    """The first rows of a file (line, cells, geometry), read without going further."""
    rows = reader.rows()
    try:
        return list(islice(rows, count))
    finally:
        close = getattr(rows, "close", None)
        if close:
            close()


def prepare(path: str | os.PathLike, kind: Kind, *, filename: str = "", form_epsg: int | None = None,
            limits: Limits | None = None, settings: Settings | None = None, territory=None,
            profile=None) -> Plan:
    """Open the file, map its columns and choose its coordinate system; FileProblem if it cannot be imported.

    The mapping used is the explicit one, completed by the import profile's and by the suggestion
    (synonyms and content) where unambiguous; ``Plan.mapping`` says which column fed which field.
    ``profile`` is a function of the headers giving the mapping saved for them, or None.
    """
    settings = settings or Settings(epsg=form_epsg)
    table = alias_table(kind)
    opened = open_upload(path, filename, limits=limits, layer=settings.layer,
                         known_header=lambda header: match_header(kind, header, table) is not None)
    try:
        reader = opened.reader
        if hasattr(reader, "require_layer"):
            reader.require_layer()
        rows = sample(reader)
        suggestion = suggest(kind, reader.headers, [cells for _, cells, _ in rows], has_geometry=reader.has_geometry)
        explicit = dict(settings.mapping)
        saved = profile(list(reader.headers)) if profile else None
        for name, column in (saved or {}).items():
            if name not in explicit and column in reader.headers and column not in explicit.values():
                explicit[name] = column
        header_map = map_headers(kind, reader.headers, has_geometry=reader.has_geometry, mapping=explicit,
                                 defaults=settings.defaults, suggestion=suggestion)
        choice = choose_crs(reader, header_map, settings.epsg)
        validator = RowValidator(header_map, choice, has_geometry=reader.has_geometry,
                                 header_count=len(reader.headers) if reader.format == "csv" else None,
                                 territory=territory)
        warnings = []
        if header_map.unknown:
            warnings.append("columns ignored (not part of the kind): " + ", ".join(header_map.unknown))
        mapping = {name: str(reader.headers[i]) for name, i in header_map.index.items()}
        return Plan(kind, reader, header_map, validator, choice.epsg, choice.source, warnings, opened, mapping)
    except BaseException:
        opened.close()
        raise


def copy_text(row: CleanRow) -> str:
    """A checked row as a line of the staging table's COPY text (columns as in ``STAGE_COLUMNS``)."""
    operator = "\\N" if row.operator is None else copy_escape(row.operator)
    geometry = "\\N" if row.geometry is None else copy_escape(json.dumps(row.geometry))
    attributes = copy_escape(json.dumps(row.attributes, ensure_ascii=False, separators=(",", ":")))
    return (f"{row.line}\t{copy_escape(row.asset_id)}\t{copy_escape(row.category)}\t{operator}\t{row.longitude!r}"
            f"\t{row.latitude!r}\t{row.length_m!r}\t{geometry}\t{attributes}\n")


ERROR_REPORT_HEADER = ("line", "field", "code", "reason", "motivo", "value")


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

