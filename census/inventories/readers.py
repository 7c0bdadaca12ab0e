"""Open an uploaded inventory file in whatever format its holder has and stream its rows.

Every reader exposes ``headers`` (the column names as written), ``epsg`` (the coordinate system the
file declares, or None), ``has_geometry`` and ``rows()``, an iterator of ``(line, cells, geometry)``:
``cells`` is a list aligned with ``headers`` and ``geometry`` a GeoJSON-like dict in the file's
coordinate system (or None). Readers never hold the whole file when the format allows streaming
(CSV, Shapefile, GeoPackage); XLSX and GeoJSON are bounded by the upload limit and the zip guard.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from dataclasses import dataclass

Row = tuple[int, list, "dict | None"]

FORMATS = ("csv", "xlsx", "geojson", "shapefile", "geopackage")

# Limits of the zip guard: total uncompressed bytes, expansion ratio of any large member, entries.
MAX_UNCOMPRESSED = 1024 * 1024 * 1024
MAX_RATIO = 150
MAX_ENTRIES = 10_000


class FileProblem(ValueError):
    """The whole file cannot be read (format, encoding, size, header): nothing is imported from it."""

    def __init__(self, message: str, *, field: str = "file") -> None:
        super().__init__(message)
        self.field = field


@dataclass
class Limits:
    max_uncompressed: int = MAX_UNCOMPRESSED
    max_ratio: int = MAX_RATIO
    max_entries: int = MAX_ENTRIES


def check_zip(path: str | os.PathLike, limits: Limits | None = None) -> zipfile.ZipFile:
    """Open a zip after checking the sizes its directory declares, then the sizes it really inflates to.

    A zip bomb is refused before any member is handed to a parser.
    """
    limits = limits or Limits()
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise FileProblem("the file is not a valid zip archive") from None
    infos = archive.infolist()
    if len(infos) > limits.max_entries:
        archive.close()
        raise FileProblem(f"the archive has {len(infos)} entries, more than {limits.max_entries}")
    total = sum(info.file_size for info in infos)
    if total > limits.max_uncompressed:
        archive.close()
        raise FileProblem(f"the archive would expand to {total} bytes, over the limit of "
                          f"{limits.max_uncompressed} bytes (zip bomb protection)")
    for info in infos:
        if info.file_size > 1024 * 1024 and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            archive.close()
            ratio = info.file_size // max(info.compress_size, 1)
            raise FileProblem(f"the archive member {info.filename!r} expands {ratio} times (zip bomb protection)")
    for info in infos:
        _inflate_within(archive, info)
    return archive


def _inflate_within(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Inflate one member without keeping it, refusing it as soon as it outgrows its declared size."""
    seen = 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(1024 * 1024):
                seen += len(chunk)
                if seen > info.file_size:
                    raise FileProblem(f"the archive member {info.filename!r} is larger than it declares "
                                      "(zip bomb protection)")
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
        raise FileProblem(f"the archive member {info.filename!r} is damaged or encrypted") from None


def detect_format(path: str | os.PathLike, filename: str = "") -> str:
    """Tell the format from the file's first bytes, using the name only to break ties."""
    name = filename.lower()
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if not head:
        raise FileProblem("the file is empty")
    if head.startswith(b"SQLite format 3\x00"):
        return "geopackage"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = [n.lower() for n in archive.namelist()]
        except zipfile.BadZipFile:
            raise FileProblem("the file looks like a zip archive but cannot be opened") from None
        if "[content_types].xml" in names and any(n.startswith("xl/") for n in names):
            return "xlsx"
        if any(n.endswith(".shp") for n in names):
            return "shapefile"
        raise FileProblem("the zip archive holds neither an XLSX workbook nor a Shapefile (.shp)")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem("old Excel .xls files are not supported: save the sheet as .xlsx or CSV")
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{") or name.endswith((".geojson", ".json")):
        return "geojson"
    return "csv"


def open_reader(path: str | os.PathLike, filename: str = "", *, limits: Limits | None = None,
                known_header=None):
    """The reader for an uploaded file; raises FileProblem for an unreadable file."""
    from . import geofiles, tabular

    fmt = detect_format(path, filename)
    if fmt == "csv":
        return tabular.CsvReader(path, known_header=known_header)
    if fmt == "xlsx":
        return tabular.XlsxReader(path, limits=limits)
    if fmt == "geojson":
        return geofiles.GeoJsonReader(path)
    if fmt == "shapefile":
        return geofiles.ShapefileReader(path, limits=limits)
    return geofiles.GeoPackageReader(path)

