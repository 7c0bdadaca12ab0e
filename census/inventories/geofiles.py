"""GeoJSON, zipped Shapefile and GeoPackage readers."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator

from .crs import CrsProblem, epsg_from_wkt, parse_epsg
from .readers import FileProblem, Limits, Row, check_zip
from .wkb import GeometryProblem, decode_gpkg


def _declared_epsg(read) -> int | None:
    try:
        return read()
    except CrsProblem as exc:
        raise FileProblem(str(exc), field="crs") from None


class GeoJsonReader:
    """A GeoJSON FeatureCollection (or one Feature); RFC 7946 files without ``crs`` are WGS84."""

    format = "geojson"
    has_geometry = True

    def __init__(self, path: str | os.PathLike) -> None:
        try:
            with open(path, "rb") as handle:
                document = json.loads(handle.read().decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise FileProblem("GeoJSON must be UTF-8 encoded", field="encoding") from None
        except json.JSONDecodeError as exc:
            raise FileProblem(f"the file is not valid JSON (line {exc.lineno}: {exc.msg})") from None
        if not isinstance(document, dict):
            raise FileProblem("the GeoJSON document must be an object")
        kind = document.get("type")
        if kind == "FeatureCollection":
            features = document.get("features")
        elif kind == "Feature":
            features = [document]
        else:
            raise FileProblem("the GeoJSON document must be a FeatureCollection or a Feature")
        if not isinstance(features, list):
            raise FileProblem("the GeoJSON 'features' member must be a list")
        self._features = features
        self.declares_crs = "crs" in document
        self.epsg = _declared_epsg(lambda: self._crs_member(document.get("crs")))
        headers: dict[str, None] = {}
        for feature in features:
            properties = feature.get("properties") if isinstance(feature, dict) else None
            if isinstance(properties, dict):
                headers.update(dict.fromkeys(properties))
        if "id" not in headers and any(isinstance(f, dict) and "id" in f for f in features):
            headers = {"id": None, **headers}
            self._feature_id = True
        else:
            self._feature_id = False
        self.headers = list(headers)

    @staticmethod
    def _crs_member(crs) -> int | None:
        if crs is None:
            return None
        if not isinstance(crs, dict) or not isinstance(crs.get("properties"), dict):
            raise CrsProblem("the GeoJSON 'crs' member is malformed")
        properties = crs["properties"]
        name = properties.get("name") or properties.get("code")
        if name is None and crs.get("type") == "EPSG":
            name = properties.get("code")
        return parse_epsg(str(name) if name is not None else None)

    def rows(self) -> Iterator[Row]:
        for number, feature in enumerate(self._features, start=1):
            if not isinstance(feature, dict) or feature.get("type") != "Feature":
                yield number, [""] * len(self.headers), {"invalid": "not a GeoJSON Feature"}
                continue
            properties = feature.get("properties") or {}
            if not isinstance(properties, dict):
                properties = {}
            values = dict(properties)
            if self._feature_id and values.get("id") in (None, ""):
                values["id"] = feature.get("id")
            cells = [values.get(h, "") for h in self.headers]
            geometry = feature.get("geometry")
            if geometry is not None and not isinstance(geometry, dict):
                geometry = {"invalid": "geometry is not an object"}
            yield number, cells, geometry


class ShapefileReader:
    """A zipped ESRI Shapefile: .shp, .shx, .dbf, the .prj for the coordinate system, optional .cpg."""

    format = "shapefile"
    has_geometry = True

    def __init__(self, path: str | os.PathLike, *, limits: Limits | None = None) -> None:
        archive = check_zip(path, limits)
        try:
            shp_names = [n for n in archive.namelist() if n.lower().endswith(".shp")
                         and not n.startswith("__MACOSX")]
            if len(shp_names) != 1:
                raise FileProblem("the zip must hold exactly one Shapefile (.shp)")
            stem = shp_names[0][:-4]
            members = {n[len(stem):].lower(): n for n in archive.namelist() if n[:-4] == stem}
            for needed in (".shx", ".dbf"):
                if needed not in members:
                    raise FileProblem(f"the Shapefile is incomplete: {needed} is missing")
            self._dir = tempfile.mkdtemp(prefix="shp-")
            for suffix, name in members.items():
                with archive.open(name) as src, open(os.path.join(self._dir, "layer" + suffix), "wb") as dst:
                    shutil.copyfileobj(src, dst)
        finally:
            archive.close()
        base = os.path.join(self._dir, "layer")
        self.epsg = None
        if ".prj" in members:
            with open(base + ".prj", encoding="latin-1") as handle:
                wkt = handle.read().strip()
            if wkt:
                self.epsg = _declared_epsg(lambda: epsg_from_wkt(wkt))
        encoding = "utf-8"
        if ".cpg" in members:
            with open(base + ".cpg", encoding="latin-1") as handle:
                encoding = _cpg_encoding(handle.read())
        elif not _dbf_is_utf8(base + ".dbf"):
            encoding = "cp1252"
        self._base = base
        self._encoding = encoding
        import shapefile

        try:
            with shapefile.Reader(base, encoding=encoding) as reader:
                self.headers = [field[0] for field in reader.fields[1:]]
        except shapefile.ShapefileException as exc:
            self.close()
            raise FileProblem(f"the Shapefile cannot be read: {exc}") from None

    def rows(self) -> Iterator[Row]:
        import shapefile

        try:
            with shapefile.Reader(self._base, encoding=self._encoding) as reader:
                for number, item in enumerate(reader.iterShapeRecords(), start=1):
                    shape = item.shape
                    geometry = None
                    if shape.shapeType != shapefile.NULL and shape.points:
                        try:
                            geometry = shape.__geo_interface__
                        except Exception as exc:  # pyshp raises plain Exceptions for broken rings
                            geometry = {"invalid": f"broken shape: {exc}"}
                    yield number, list(item.record), geometry
        except (shapefile.ShapefileException, UnicodeDecodeError) as exc:
            raise FileProblem(f"the Shapefile cannot be read: {exc}") from None
        finally:
            self.close()

    def close(self) -> None:
        shutil.rmtree(self._dir, ignore_errors=True)


def _cpg_encoding(text: str) -> str:
    name = text.strip().lower()
    if name in ("", "utf-8", "utf8", "65001"):
        return "utf-8"
    if name in ("1252", "ansi 1252", "windows-1252", "cp1252"):
        return "cp1252"
    if name in ("iso-8859-1", "iso88591", "latin1", "88591"):
        return "latin-1"
    return "utf-8"


def _dbf_is_utf8(path: str) -> bool:
    with open(path, "rb") as handle:
        header = handle.read(32)
        if len(header) < 32:
            return True
        header_length = int.from_bytes(header[8:10], "little")
        handle.seek(header_length)
        data = handle.read()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class GeoPackageReader:
    """The first feature table of an OGC GeoPackage, its srs read from gpkg_spatial_ref_sys.

    A GeoPackage is an uploaded file whose container format is SQLite; it is opened read-only and
    immutable, only to read its features. The platform's own data live in PostgreSQL.
    """

    format = "geopackage"
    has_geometry = True

    def __init__(self, path: str | os.PathLike, table: str | None = None) -> None:
        uri = "file:" + os.path.abspath(os.fspath(path)) + "?mode=ro&immutable=1"
        try:
            self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
            tables = [r[0] for r in self._db.execute(
                "SELECT table_name FROM gpkg_contents WHERE data_type = 'features' ORDER BY table_name")]
        except sqlite3.DatabaseError:
            raise FileProblem("the file is an SQLite database but not a GeoPackage") from None
        if not tables:
            raise FileProblem("the GeoPackage has no feature table")
        self.table = table if table in tables else tables[0]
        found = self._db.execute(
            "SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?", (self.table,)
        ).fetchone()
        if found is None:
            raise FileProblem(f"the GeoPackage table {self.table!r} has no geometry column")
        self._geometry_column, srs_id = found
        self.epsg = _declared_epsg(lambda: self._srs_epsg(srs_id))
        columns = self._db.execute(f'PRAGMA table_info("{_quote(self.table)}")').fetchall()
        self.headers = [c[1] for c in columns if c[1] != self._geometry_column and not (c[5] and c[1] == "fid")]

    def _srs_epsg(self, srs_id: int) -> int | None:
        if srs_id in (0, -1):
            return None
        row = self._db.execute(
            "SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys "
            "WHERE srs_id = ?", (srs_id,)).fetchone()
        if row is None:
            raise CrsProblem(f"the GeoPackage refers to srs_id {srs_id}, missing from gpkg_spatial_ref_sys")
        organization, code, definition = row
        if str(organization).upper() == "EPSG":
            return parse_epsg(int(code))
        if definition and definition.strip().lower() != "undefined":
            return epsg_from_wkt(definition)
        return None

    def rows(self) -> Iterator[Row]:
        columns = ", ".join(f'"{_quote(c)}"' for c in [*self.headers, self._geometry_column])
        cursor = self._db.execute(f'SELECT {columns} FROM "{_quote(self.table)}" ORDER BY rowid')
        try:
            for number, record in enumerate(cursor, start=1):
                cells = ["" if v is None else v for v in record[:-1]]
                try:
                    geometry, _ = decode_gpkg(record[-1])
                except GeometryProblem as exc:
                    geometry = {"invalid": str(exc)}
                yield number, cells, geometry
        finally:
            self._db.close()


def _quote(name: str) -> str:
    return name.replace('"', '""')
