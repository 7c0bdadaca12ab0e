"""OpenCoesione project files as published, read as a stream and kept for the region's projects.

OpenCoesione publishes its project data (``progetti_esteso``, nationally or per region as
``progetti_esteso_TOS.zip``) as a zipped CSV of hundreds of thousands of rows and some two hundred
columns: ``;``-separated, decimal comma, dates as ``YYYYMMDD``, text in double quotes, and the places
of a project joined by ``:::`` (``COD_COMUNE`` is the region's three digits and the municipality's six,
``009048017`` for Firenze). The same table re-saved by a spreadsheet or a script comes ``,``-separated
with decimal points, in UTF-8 or Windows-1252; either is read.

Rows are read one at a time and only those of the region are looked at (``Scope``): a row whose CUP
belongs to a project of the platform is kept, whatever its place; one placed in a municipality of the
platform with a CUP no project has is reported (the projects the platform does not know yet); the
others are counted as skipped with their reason. Several local projects (``COD_LOCALE_PROGETTO``) may
share a CUP: their amounts are summed. Memory stays flat whatever the size: nothing is kept of a row
that is skipped, and of the kept rows only one record per CUP.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from funding.cup import CupError, normalise_cup
from funding.importers import reasons
from funding.importers.common import FileFormatError
from funding.money import MoneyError, parse_cents
from funding.validation import parse_date

PUBLIC_FUNDING = ("FINANZ_TOTALE_PUBBLICO", "OC_FINANZ_TOT_PUB_NETTO")
REQUIRED = ("CUP", "COD_COMUNE")
AMOUNTS = {
    "FINANZ_TOTALE_PUBBLICO": "public_funding_cents",
    "OC_FINANZ_TOT_PUB_NETTO": "net_public_funding_cents",
    "TOT_PAGAMENTI": "payments_cents",
    "FINANZ_UE": "eu_funding_cents",
    "FINANZ_STATO_FSC": "fsc_funding_cents",
}
DATES = {"OC_DATA_INIZIO_PROGETTO": "start_date", "OC_DATA_FINE_PROGETTO_PREVISTA": "expected_end_date",
         "OC_DATA_FINE_PROGETTO_EFFETTIVA": "end_date"}
SEPARATORS = (";", ",", "\t", "|")
TABLE_SUFFIXES = (".csv", ".txt")
SNIFF_BYTES = 1 << 16
READ_BUFFER = 1 << 20
PROGRESS_ROWS = 20_000
# How much of each list the answer carries; the counts are always exact.
LIST_LIMIT = 200
ERROR_LIMIT = 1000
# Skip reasons, in the order a row is tested, with what they mean (a message id of the catalogue).
REASONS = reasons.SKIPPED


class CohesionError(NamedTuple):
    """A rejected row: its line in the file (1 is the header), the column, and why (in English, a shape of
    ``funding.importers.reasons``)."""

    line: int
    field: str
    message: str

    def as_dict(self) -> dict:
        return self._asdict()


@dataclass(frozen=True)
class Scope:
    """What the region keeps: the ISTAT codes of its municipalities and the CUPs of its projects."""

    municipalities: frozenset[str]
    cups: frozenset[str]


@dataclass
class CohesionRecord:
    """What OpenCoesione says of one CUP."""

    cup: str
    local_codes: list[str] = field(default_factory=list)
    title: str | None = None
    programme: str | None = None
    state: str | None = None
    public_funding_cents: int = 0
    net_public_funding_cents: int = 0
    payments_cents: int = 0
    eu_funding_cents: int = 0
    fsc_funding_cents: int = 0
    start_date: date | None = None
    expected_end_date: date | None = None
    end_date: date | None = None
    municipalities: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        for name in DATES.values():
            data[name] = data[name].isoformat() if data[name] else None
        return data


@dataclass(frozen=True)
class Layout:
    """How a file is written: the table inside an archive, its encoding, separator and columns."""

    member: str | None
    encoding: str
    delimiter: str
    columns: tuple[str, ...]
    size: int

    def describe(self) -> dict:
        return {"archive_member": self.member, "encoding": self.encoding, "delimiter": self.delimiter,
                "columns": len(self.columns)}


@dataclass
class Report:
    """The outcome of reading a file: the records by CUP and what happened to every other row."""

    layout: Layout
    records: dict[str, CohesionRecord] = field(default_factory=dict)
    rows: int = 0
    kept: int = 0
    skipped: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REASONS, 0))
    skipped_lines: dict[str, list[int]] = field(default_factory=lambda: {reason: [] for reason in REASONS})
    unknown_cups: dict[str, int] = field(default_factory=dict)
    unknown_cups_more: bool = False
    errors: list[CohesionError] = field(default_factory=list)
    errors_total: int = 0

    def skip(self, reason: str, line: int) -> None:
        self.skipped[reason] += 1
        lines = self.skipped_lines[reason]
        if len(lines) < LIST_LIMIT:
            lines.append(line)

    def fail(self, line: int, name: str, message: str) -> None:
        self.errors_total += 1
        if len(self.errors) < ERROR_LIMIT:
            self.errors.append(CohesionError(line, name, message))


# --- opening the file ------------------------------------------------------------------------------


def _table_member(archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    names = [info for info in archive.infolist() if not info.is_dir()]
    if any(info.filename == "[Content_Types].xml" for info in names):
        raise FileFormatError("This is a spreadsheet (XLSX), not OpenCoesione's CSV: send the CSV as published, "
                              "or save the sheet as CSV.")
    tables = [info for info in names
              if PurePosixPath(info.filename).suffix.lower() in TABLE_SUFFIXES
              and not info.filename.startswith("__MACOSX/") and not PurePosixPath(info.filename).name.startswith(".")]
    if not tables:
        listed = ", ".join(info.filename for info in names[:10]) or "nothing"
        raise FileFormatError(f"The zip holds no CSV table (it holds: {listed}).")
    if len(tables) > 1:
        raise FileFormatError("The zip holds several CSV tables: " + ", ".join(t.filename for t in tables)
                              + ". Send one file of projects at a time.")
    return tables[0]


class _Counted(io.RawIOBase):
    """A binary stream that counts the bytes read through it, for the progress bar."""

    def __init__(self, raw) -> None:
        self.raw, self.count = raw, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self.count += size
        return size


@contextmanager
def _binary(path: Path) -> Iterator[tuple[io.RawIOBase, str | None, int]]:
    """The table's bytes (counted), the archive member's name (None for a plain file) and their size."""
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                member = _table_member(archive)
                with archive.open(member) as raw:
                    yield _Counted(raw), member.filename, member.file_size
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
            raise FileFormatError(f"The zip cannot be read: {exc}.") from None
        return
    with open(path, "rb") as raw:
        yield _Counted(raw), None, path.stat().st_size


def _encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if b"\x00" in head:
        raise FileFormatError("The file is binary, not a CSV table.")
    try:
        # A character cut at the end of the sample is not an error: decode incrementally.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _header(first_line: str) -> tuple[str, tuple[str, ...]]:
    delimiter = max(SEPARATORS, key=first_line.count)
    if not first_line.strip() or first_line.count(delimiter) == 0:
        raise FileFormatError("The first line has no ; or , between column names: not a CSV table.")
    cells = next(csv.reader([first_line], delimiter=delimiter))
    columns = tuple(cell.strip().strip('"').upper() for cell in cells)
    missing = [name for name in REQUIRED if name not in columns]
    if not any(name in columns for name in PUBLIC_FUNDING):
        missing.append(" or ".join(PUBLIC_FUNDING))
    if missing:
        shown = ", ".join(columns[:8]) + (", ..." if len(columns) > 8 else "")
        raise FileFormatError(f"Missing columns: {', '.join(missing)} (the header has {shown}). "
                              "Expected OpenCoesione's project file (progetti).")
    return delimiter, columns


def inspect(path: str | Path) -> Layout:
    """How the file is written; FileFormatError when it is not a table of OpenCoesione projects."""
    path = Path(path)
    if path.stat().st_size == 0:
        raise FileFormatError("The file is empty.")
    with _binary(path) as (raw, member, size):
        head = raw.read(SNIFF_BYTES)
    if not head.strip():
        raise FileFormatError("The file is empty.")
    encoding = _encoding(head)
    text = head.decode(encoding, errors="replace")
    delimiter, columns = _header(text.splitlines()[0] if text else "")
    return Layout(member, encoding, delimiter, columns, size)


# --- reading the rows ------------------------------------------------------------------------------


def _amount(text: str) -> int:
    """OpenCoesione writes no thousands separators: the last of ``,`` or ``.`` is the decimal one."""
    text = text.strip()
    if "," in text and text.rfind(",") > text.rfind("."):
        text = text.replace(".", "").replace(",", ".")
    else:
        text = text.replace(",", "")
    return parse_cents(text, decimal_comma=False)


def _municipalities(cell: str) -> list[str]:
    """ISTAT municipality codes of a ``:::``-joined cell (``009048017`` or ``048017``)."""
    codes = []
    for part in cell.split(":::"):
        part = part.strip()
        if len(part) >= 6 and part[-6:].isdigit() and not part.endswith("000"):
            codes.append(part[-6:])
    return codes


class _Row:
    """Reads the named cells of one row, whose columns are known from the header."""

    def __init__(self, columns: tuple[str, ...]) -> None:
        self.width = len(columns)
        self.index = {name: i for i, name in enumerate(columns)}
        self.cup = self.index["CUP"]
        self.place = self.index["COD_COMUNE"]

    def get(self, row: list[str], name: str) -> str:
        position = self.index.get(name)
        return row[position].strip() if position is not None and position < len(row) else ""


def _add(report: Report, columns: _Row, line: int, row: list[str], cup: str) -> None:
    """Check a kept row and add it to its CUP's record; a bad cell rejects the row with its line."""
    failed = False
    amounts = {}
    for column, name in AMOUNTS.items():
        text = columns.get(row, column)
        if not text:
            amounts[name] = 0
            continue
        try:
            amounts[name] = _amount(text)
        except MoneyError as exc:
            report.fail(line, column, reasons.BAD_AMOUNT % {"value": repr(text), "reason": exc})
            failed = True
    dates: dict[str, date | None] = {}
    for column, name in DATES.items():
        text = columns.get(row, column)
        try:
            dates[name] = parse_date(text) if text else None
        except (ValueError, TypeError):
            report.fail(line, column, reasons.BAD_DATE % {"value": repr(text)})
            failed = True
    if failed:
        return
    report.kept += 1
    record = report.records.get(cup) or report.records.setdefault(cup, CohesionRecord(cup=cup))
    local = columns.get(row, "COD_LOCALE_PROGETTO")
    if local and local not in record.local_codes:
        record.local_codes.append(local)
    record.title = record.title or columns.get(row, "OC_TITOLO_PROGETTO") or None
    record.programme = record.programme or columns.get(row, "OC_DESCRIZIONE_PROGRAMMA") or None
    state = columns.get(row, "OC_STATO_PROGETTO") or None
    if state and record.state and state.lower() not in record.state.lower():
        record.state = f"{record.state} / {state}"
    else:
        record.state = record.state or state
    for name, cents in amounts.items():
        setattr(record, name, getattr(record, name) + cents)
    if dates["start_date"] and (record.start_date is None or dates["start_date"] < record.start_date):
        record.start_date = dates["start_date"]
    for name in ("expected_end_date", "end_date"):
        if dates[name] and (getattr(record, name) is None or dates[name] > getattr(record, name)):
            setattr(record, name, dates[name])
    for code in _municipalities(columns.get(row, "COD_COMUNE")):
        if code not in record.municipalities:
            record.municipalities.append(code)


def _classify(report: Report, columns: _Row, scope: Scope, line: int, row: list[str]) -> None:
    if len(row) != columns.width:
        # A misaligned row's cells cannot be trusted; it matters only if it names a project of ours.
        known = [cell.strip().upper() for cell in row if cell.strip().upper() in scope.cups]
        if known:
            report.fail(line, "row", reasons.BAD_WIDTH % {"fields": len(row), "columns": columns.width,
                                                          "cup": known[0]})
        else:
            report.skip("malformed", line)
        return
    raw_cup = row[columns.cup].strip()
    cup = raw_cup.upper().replace(" ", "")
    if cup in scope.cups:
        _add(report, columns, line, row, cup)
        return
    if not any(code in scope.municipalities for code in _municipalities(row[columns.place])):
        report.skip("outside_region", line)
        return
    if not raw_cup:
        report.skip("no_cup", line)
        return
    try:
        cup = normalise_cup(raw_cup)
    except CupError as exc:
        report.fail(line, "CUP", reasons.BAD_CUP % {"reason": exc.reason_en, "value": repr(raw_cup)})
        return
    report.skip("unknown_cup", line)
    if cup not in report.unknown_cups:
        if len(report.unknown_cups) < LIST_LIMIT:
            report.unknown_cups[cup] = line
        else:
            report.unknown_cups_more = True


def _read(path: Path, layout: Layout, encoding: str, scope: Scope,
          progress: Callable[[float], None] | None) -> Report:
    report = Report(layout=Layout(layout.member, encoding, layout.delimiter, layout.columns, layout.size))
    columns = _Row(layout.columns)
    with _binary(path) as (raw, _member, size):
        text = io.TextIOWrapper(io.BufferedReader(raw, READ_BUFFER), encoding=encoding, newline="")
        reader = csv.reader(text, delimiter=layout.delimiter)
        next(reader)
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                report.rows += 1
                report.fail(reader.line_num, "row", reasons.BAD_CSV % {"reason": exc})
                continue
            if not row or not any(row):
                continue
            report.rows += 1
            _classify(report, columns, scope, reader.line_num, row)
            if progress is not None and report.rows % PROGRESS_ROWS == 0:
                progress(min(raw.count / size, 1.0) if size else 0.0)
    return report


def read(path: str | Path, scope: Scope, *, layout: Layout | None = None,
         progress: Callable[[float], None] | None = None) -> Report:
    """Every row of the file against the region's scope; ``progress`` gets the share read, now and then."""
    path = Path(path)
    layout = layout or inspect(path)
    try:
        return _read(path, layout, layout.encoding, scope, progress)
    except UnicodeDecodeError:
        if layout.encoding == "cp1252":
            raise FileFormatError("The file is not readable text in UTF-8 or Windows-1252.") from None
        # A file that looked like UTF-8 in its first rows but is not: read it again as Windows-1252.
        return _read(path, layout, "cp1252", scope, progress)
