"""CSV and XLSX readers: delimiter and encoding sniffing, streaming rows."""

from __future__ import annotations

import codecs
import csv
import os
from collections.abc import Iterator

from .readers import FileProblem, Limits, Row, check_zip

DELIMITERS = (";", ",", "\t")
_CHUNK = 1024 * 1024


def sniff_encoding(path: str | os.PathLike) -> str:
    """UTF-8 (with or without BOM) when the whole file decodes as such, else Windows-1252."""
    with open(path, "rb") as handle:
        head = handle.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileProblem("the file is UTF-16 encoded: save it as UTF-8 or Windows-1252 (ANSI) CSV",
                          field="encoding")
    if head.startswith(codecs.BOM_UTF8):
        if not _decodes(path, "utf-8"):
            raise FileProblem("the file starts with a UTF-8 mark but is not valid UTF-8", field="encoding")
        return "utf-8-sig"
    if _decodes(path, "utf-8"):
        return "utf-8"
    if _decodes(path, "cp1252"):
        return "cp1252"
    raise FileProblem("the file is neither UTF-8 nor Windows-1252 text: save it as CSV (UTF-8)",
                      field="encoding")


def _decodes(path: str | os.PathLike, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    with open(path, "rb") as handle:
        try:
            while chunk := handle.read(_CHUNK):
                if b"\x00" in chunk:
                    raise FileProblem("the file is binary, not text: upload CSV, XLSX, GeoJSON, a zipped "
                                      "Shapefile or a GeoPackage", field="encoding")
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def sniff_delimiter(header_line: str, known_header=None) -> str:
    """The delimiter among ; , tab that splits the header into the most recognised columns."""
    best, best_score = ",", (-1, -1)
    for delimiter in DELIMITERS:
        cells = next(csv.reader([header_line], delimiter=delimiter), [])
        recognised = sum(1 for c in cells if known_header and known_header(c))
        score = (recognised, len(cells))
        if score > best_score:
            best, best_score = delimiter, score
    return best


class CsvReader:
    """A CSV file in any of the accepted delimiters and encodings, read row by row."""

    format = "csv"
    has_geometry = False
    epsg = None

    def __init__(self, path: str | os.PathLike, *, known_header=None) -> None:
        self.path = path
        self._raw = None
        self.encoding = sniff_encoding(path)
        with open(path, encoding=self.encoding, newline="") as handle:
            first = ""
            for line in handle:
                if line.strip():
                    first = line
                    break
        if not first.strip():
            raise FileProblem("the file is empty")
        self.delimiter = sniff_delimiter(first.rstrip("\r\n"), known_header)
        self.headers = [h.strip() for h in next(csv.reader([first.rstrip("\r\n")], delimiter=self.delimiter))]

    def fraction(self) -> float | None:
        """How far the reading has gone through the file, 0 to 1."""
        raw = self._raw
        if raw is None or raw.closed:
            return None
        return raw.tell() / self._size

    def rows(self) -> Iterator[Row]:
        self._size = max(os.path.getsize(self.path), 1)
        with open(self.path, encoding=self.encoding, newline="") as handle:
            self._raw = handle.buffer.raw
            reader = csv.reader(handle, delimiter=self.delimiter)
            try:
                for cells in reader:
                    if any(c.strip() for c in cells):
                        break
                for cells in reader:
                    if not cells or (len(cells) == 1 and not cells[0].strip()):
                        continue
                    yield reader.line_num, cells, None
            except csv.Error as exc:
                raise FileProblem(f"line {reader.line_num}: the CSV is malformed ({exc})") from None


class XlsxReader:
    """The first non-empty sheet of an XLSX workbook, read with calamine after the zip guard."""

    format = "xlsx"
    has_geometry = False
    epsg = None

    def __init__(self, path: str | os.PathLike, *, limits: Limits | None = None) -> None:
        from python_calamine import CalamineError, load_workbook

        check_zip(path, limits).close()
        self.path = path
        try:
            self._workbook = load_workbook(os.fspath(path))
        except (CalamineError, Exception) as exc:  # calamine raises several unrelated error types
            raise FileProblem(f"the workbook cannot be read: {exc}") from None
        self._sheet = None
        for name in self._workbook.sheet_names:
            sheet = self._workbook.get_sheet_by_name(name)
            if sheet.height and sheet.width:
                self._sheet = sheet
                break
        if self._sheet is None:
            raise FileProblem("the file is empty")
        self._offset = self._sheet.start[0] if self._sheet.start else 0
        self._header_index = 0
        self.headers: list[str] = []
        for index, cells in enumerate(self._sheet.iter_rows()):
            if any(str(c).strip() for c in cells):
                self.headers = [str(c).strip() for c in cells]
                self._header_index = index
                break
        if not self.headers:
            raise FileProblem("the file is empty")

    def rows(self) -> Iterator[Row]:
        iterator = iter(self._sheet.iter_rows())
        for _ in range(self._header_index + 1):
            next(iterator, None)
        line = self._offset + self._header_index + 1
        for cells in iterator:
            line += 1
            if not any(c is not None and str(c).strip() for c in cells):
                continue
            yield line, [("" if c is None else c) for c in cells], None

