"""Geospatial files read through GDAL (pyogrio): GeoPackage, Shapefile, KML/KMZ, DXF, GML, FlatGeobuf,
MapInfo TAB/MIF and ESRI File Geodatabase.

Features are streamed in Arrow batches, so a large GeoPackage is never held whole. Geometries arrive
as WKB and leave as GeoJSON-like dicts in the file's coordinate system, like every other reader's.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator

from .crs import CrsProblem, epsg_from_wkt, parse_epsg
from .readers import FileProblem, Row

BATCH = 5000
# What GDAL calls each format, for messages and the upload's record.
FORMAT_NAMES = {
    "GPKG": "geopackage", "ESRI Shapefile": "shapefile", "LIBKML": "kml", "KML": "kml", "DXF": "dxf",
    "GML": "gml", "FlatGeobuf": "flatgeobuf", "MapInfo File": "mapinfo", "OpenFileGDB": "filegdb",
    "GeoJSON": "geojson",
}


def _layers(path: str) -> list[tuple[str, str | None]]:
    import pyogrio

    try:
        listed = pyogrio.list_layers(path)
    except Exception as exc:  # pyogrio raises DataSourceError and plain errors from GDAL
        raise FileProblem(f"the file cannot be read as a geospatial file: {_gdal_message(exc, path)}") from None
    return [(str(name), None if kind is None else str(kind)) for name, kind in listed]


def _gdal_message(exc: Exception, path: str) -> str:
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    # GDAL names the temporary path; the person uploading knows the file by its own name.
    return text.replace(os.path.dirname(path) + os.sep, "").replace(path, "the file")[:300]


class GdalReader:
    """One layer of a geospatial file; several layers are listed and one is chosen by name."""

    has_geometry = True

    def __init__(self, path: str | os.PathLike, *, layer: str | None = None, encoding: str | None = None) -> None:
        import pyogrio

        self.path = os.fspath(path)
        self._encoding = encoding
        layers = _layers(self.path)
        spatial = [name for name, kind in layers if kind]
        self.layers = spatial or [name for name, _ in layers]
        if not self.layers:
            raise FileProblem("the file holds no layer of features")
        if layer is not None:
            if layer not in self.layers:
                raise FileProblem(f"the file has no layer {layer!r}; its layers are: {', '.join(self.layers)}",
                                  field="layer")
            self.layer = layer
        elif len(self.layers) == 1:
            self.layer = self.layers[0]
        else:
            self.layer = None
        self.layer_problem = None
        if self.layer is None:
            self.layer_problem = (f"the file holds {len(self.layers)} layers ({', '.join(self.layers)}): "
                                  "choose one with 'layer'")
            chosen = self.layers[0]
        else:
            chosen = self.layer
        try:
            info = pyogrio.read_info(self.path, layer=chosen, encoding=encoding)
        except Exception as exc:
            raise FileProblem(f"the layer {chosen!r} cannot be read: {_gdal_message(exc, self.path)}") from None
        self._read_layer = chosen
        self.format = FORMAT_NAMES.get(info.get("driver"), str(info.get("driver", "gdal")).lower())
        self.headers = [str(name) for name in info["fields"]]
        self.features = int(info.get("features") or 0)
        self.geometry_type = info.get("geometry_type")
        self.epsg = self._declared(info.get("crs"))

    def _declared(self, crs: str | None) -> int | None:
        if not crs:
            # KML and KMZ are WGS84 by definition, whatever GDAL reports.
            return 4326 if self.format == "kml" else None
        try:
            if crs.upper().startswith(("EPSG:", "OGC:", "URN:")):
                return parse_epsg(crs)
            return epsg_from_wkt(crs)
        except CrsProblem as exc:
            raise FileProblem(str(exc), field="crs") from None

    def require_layer(self) -> None:
        """Refuse to import a file of several layers without knowing which one."""
        if self.layer_problem:
            raise FileProblem(self.layer_problem, field="layer")

    def rows(self) -> Iterator[Row]:
        import pyogrio
        import shapely

        number = 0
        try:
            with pyogrio.raw.open_arrow(self.path, layer=self._read_layer, batch_size=BATCH,
                                        encoding=self._encoding, use_pyarrow=True) as (meta, stream):
                geometry_name = meta.get("geometry_name") or "wkb_geometry"
                for batch in stream:
                    columns = [batch.column(name).to_pylist() if name in batch.schema.names else [None] * len(batch)
                               for name in self.headers]
                    blobs = (batch.column(geometry_name).to_numpy(zero_copy_only=False)
                             if geometry_name in batch.schema.names else [None] * len(batch))
                    shapes = shapely.from_wkb(blobs, on_invalid="ignore")
                    texts = shapely.to_geojson(shapes)
                    for position in range(len(batch)):
                        number += 1
                        cells = [_cell(column[position]) for column in columns]
                        text = texts[position]
                        geometry = None
                        if text is not None and not shapely.is_empty(shapes[position]):
                            geometry = json.loads(text)
                        elif blobs[position] is not None and shapes[position] is None:
                            geometry = {"invalid": "the geometry cannot be decoded"}
                        yield number, cells, geometry
        except FileProblem:
            raise
        except Exception as exc:  # GDAL errors on a damaged file surface here, mid-stream
            raise FileProblem(f"feature {number + 1} cannot be read: {_gdal_message(exc, self.path)}") from None

    def close(self) -> None:
        pass


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    if isinstance(value, bytes):
        return value.hex()
    return value
