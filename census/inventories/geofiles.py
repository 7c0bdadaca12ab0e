"""GeoJSON read as map servers and GIS tools write it, and the encoding of Shapefiles that do not declare it."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

from .crs import CrsProblem, parse_epsg
from .readers import FileProblem, Row


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


def shapefile_encoding(shp_path: str) -> str | None:
    """The encoding of a Shapefile's attributes when the file does not say it (no .cpg, no DBF code page).

    GDAL follows a .cpg file or the DBF's language driver byte; without either, most Italian
    exports are UTF-8 (QGIS) or Windows-1252 (older ArcGIS), told apart by trying UTF-8 first.
    """
    stem = shp_path[:-4]
    dbf = next((stem + s for s in (".dbf", ".DBF") if os.path.exists(stem + s)), None)
    if dbf is None:
        raise FileProblem("the Shapefile is incomplete: .dbf is missing")
    if not any(os.path.exists(stem + s) for s in (".shx", ".SHX")):
        raise FileProblem("the Shapefile is incomplete: .shx is missing")
    if any(os.path.exists(stem + suffix) for suffix in (".cpg", ".CPG")):
        return None
    with open(dbf, "rb") as handle:
        header = handle.read(32)
        if len(header) >= 30 and header[29]:
            return None
        return "UTF-8" if _dbf_is_utf8(dbf) else "CP1252"


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


