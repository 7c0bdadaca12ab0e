"""Open an uploaded inventory file in whatever format its holder has and stream its rows.

Every reader exposes ``headers`` (the column names as written), ``epsg`` (the coordinate system the
file declares, or None), ``has_geometry`` and ``rows()``, an iterator of ``(line, cells, geometry)``:
``cells`` is a list aligned with ``headers`` and ``geometry`` a GeoJSON-like dict in the file's
coordinate system (or None). Readers never hold the whole file when the format allows streaming
(CSV and everything GDAL reads); XLSX and GeoJSON are bounded by the upload limit and the zip guard.
A zip may hold any one importable file, in a folder or not.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
import zlib
from dataclasses import dataclass

Row = tuple[int, list, "dict | None"]

FORMATS = ("csv", "xlsx", "geojson", "shapefile", "geopackage", "kml", "gml", "dxf", "flatgeobuf", "mapinfo",
           "filegdb")

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


# Members of a zip that can be imported, by suffix; a Shapefile counts once, by its .shp.
ZIP_MEMBERS = {".shp": "shapefile", ".gpkg": "geopackage", ".geojson": "geojson", ".json": "geojson",
               ".kml": "kml", ".kmz": "kml", ".gml": "gml", ".fgb": "flatgeobuf", ".tab": "mapinfo",
               ".mif": "mapinfo", ".dxf": "dxf", ".csv": "csv", ".txt": "csv", ".xlsx": "xlsx"}
# The suffix GDAL expects for a format it is handed as a bare file.
SUFFIXES = {"geopackage": ".gpkg", "flatgeobuf": ".fgb", "kml": ".kml", "gml": ".gml", "dxf": ".dxf",
            "geojson": ".geojson", "csv": ".csv", "xlsx": ".xlsx"}


def _sniff(head: bytes, name: str) -> str:
    """The format of a bare (not zipped) file from its first bytes, the name breaking ties."""
    if head.startswith(b"SQLite format 3\x00"):
        return "geopackage"
    if head.startswith(b"fgb\x03"):
        return "flatgeobuf"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem("old Excel .xls files are not supported: save the sheet as .xlsx or CSV")
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    lowered = stripped[:2048].lower()
    if stripped.startswith(b"<"):
        if b"<kml" in lowered:
            return "kml"
        if b"gml" in lowered or b"featurecollection" in lowered:
            return "gml"
        raise FileProblem("the file is XML but neither KML nor GML")
    if name.endswith(".dxf") or stripped.startswith((b"0\r\nSECTION", b"0\nSECTION")) or lowered.startswith(b"999"):
        return "dxf"
    if name.endswith((".tab", ".mif", ".shp")):
        raise FileProblem("a MapInfo or Shapefile layer is several files: upload them together in a zip")
    if stripped.startswith(b"{") or name.endswith((".geojson", ".json")):
        return "geojson"
    return "csv"


def zip_candidates(names: list[str]) -> list[str]:
    """The importable members of a zip (a File Geodatabase counts once, by its folder)."""
    found: dict[str, None] = {}
    for raw in names:
        name = raw.replace("\\", "/")
        parts = [p for p in name.split("/") if p]
        if not parts or parts[0] == "__MACOSX" or any(p.startswith(".") for p in parts):
            continue
        gdb = next((i for i, p in enumerate(parts) if p.lower().endswith(".gdb")), None)
        if gdb is not None:
            found["/".join(parts[:gdb + 1])] = None
            continue
        suffix = os.path.splitext(parts[-1])[1].lower()
        if suffix in ZIP_MEMBERS and not name.endswith("/"):
            found[name] = None
    candidates = list(found)
    # A MapInfo layer can come as both .tab and .mif; one of them is enough.
    stems = {os.path.splitext(c)[0].lower() for c in candidates if c.lower().endswith(".tab")}
    return [c for c in candidates if not (c.lower().endswith(".mif") and os.path.splitext(c)[0].lower() in stems)]


def member_format(name: str) -> str:
    if name.lower().rstrip("/").endswith(".gdb"):
        return "filegdb"
    return ZIP_MEMBERS[os.path.splitext(name)[1].lower()]


def detect_format(path: str | os.PathLike, filename: str = "") -> str:
    """Tell the format from the file's first bytes, using the name only to break ties ("zip" for archives)."""
    name = filename.lower()
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if not head:
        raise FileProblem("the file is empty")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = [n.lower() for n in archive.namelist()]
        except zipfile.BadZipFile:
            raise FileProblem("the file looks like a zip archive but cannot be opened") from None
        if "[content_types].xml" in names and any(n.startswith("xl/") for n in names):
            return "xlsx"
        if name.endswith(".kmz") or (names and all(n.endswith((".kml", "/")) or n.startswith(("files/", "images/"))
                                                    for n in names) and "doc.kml" in names):
            return "kmz"
        return "zip"
    return _sniff(head, name)


class Opened:
    """An upload opened for reading: the reader and the temporary files it needs, removed on close."""

    def __init__(self, reader, workdir: str | None = None, inner: str | None = None) -> None:
        self.reader = reader
        self.workdir = workdir
        self.inner = inner

    def close(self) -> None:
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None


def _extract(path, limits: Limits | None) -> tuple[str, list[str]]:
    archive = check_zip(path, limits)
    workdir = tempfile.mkdtemp(prefix="inventory-")
    try:
        root = os.path.realpath(workdir)
        for info in archive.infolist():
            target = os.path.realpath(os.path.join(workdir, info.filename))
            if not target.startswith(root + os.sep):
                raise FileProblem(f"the archive member {info.filename!r} points outside the archive")
            if info.is_dir():
                os.makedirs(target, exist_ok=True)
                continue
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with archive.open(info) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
        return workdir, archive.namelist()
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    finally:
        archive.close()


def open_upload(path: str | os.PathLike, filename: str = "", *, limits: Limits | None = None, known_header=None,
                layer: str | None = None) -> Opened:
    """Open an uploaded file (zipped or not) for reading; raises FileProblem for an unreadable file."""
    fmt = detect_format(path, filename)
    if fmt != "zip":
        if fmt in ("csv", "xlsx", "geojson"):
            return Opened(_reader(fmt, os.fspath(path), limits, known_header, layer))
        # GDAL tells several formats by their suffix: hand it the file under the right name.
        workdir = tempfile.mkdtemp(prefix="inventory-")
        suffix = ".kmz" if fmt == "kmz" else SUFFIXES[fmt]
        if fmt == "kmz":
            check_zip(path, limits).close()
        link = os.path.join(workdir, "upload" + suffix)
        os.symlink(os.path.abspath(os.fspath(path)), link)
        try:
            return Opened(_reader("kml" if fmt == "kmz" else fmt, link, limits, known_header, layer), workdir)
        except BaseException:
            shutil.rmtree(workdir, ignore_errors=True)
            raise
    workdir, names = _extract(path, limits)
    try:
        candidates = zip_candidates(names)
        if not candidates:
            raise FileProblem("the zip archive holds no file that can be imported (CSV, XLSX, GeoJSON, Shapefile, "
                              "GeoPackage, KML/KMZ, GML, DXF, FlatGeobuf, MapInfo TAB/MIF, File Geodatabase)")
        if len(candidates) > 1:
            raise FileProblem("the zip archive holds several files that could be imported: "
                              f"{', '.join(candidates)}; upload one per archive", field="file")
        inner = candidates[0]
        fmt = member_format(inner)
        reader = _reader(fmt, os.path.join(workdir, inner), limits, known_header, layer)
        return Opened(reader, workdir, inner)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise


def _reader(fmt: str, path: str, limits, known_header, layer):
    from . import gdal, geofiles, tabular

    if fmt == "csv":
        return tabular.CsvReader(path, known_header=known_header)
    if fmt == "xlsx":
        return tabular.XlsxReader(path, limits=limits)
    if fmt == "geojson":
        return geofiles.GeoJsonReader(path)
    encoding = geofiles.shapefile_encoding(path) if fmt == "shapefile" else None
    return gdal.GdalReader(path, layer=layer, encoding=encoding)


def open_reader(path: str | os.PathLike, filename: str = "", *, limits: Limits | None = None,
                known_header=None):
    """The reader of a file that needs no temporary copy (CSV, XLSX, GeoJSON): used by table imports."""
    fmt = detect_format(path, filename)
    if fmt not in ("csv", "xlsx", "geojson"):
        raise FileProblem("upload the table as CSV or XLSX")
    return _reader(fmt, os.fspath(path), limits, known_header, None)
