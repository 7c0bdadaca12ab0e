"""Build inventory files in every accepted format, the way utilities produce them."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from pyproj import CRS, Transformer
from pyproj.enums import WktVersion

LIGHTING_HEADER = ["asset_id", "latitude", "longitude", "lamp_technology", "power_w", "street", "installed_on",
                   "dimmable", "smart_node"]


def write_csv(path: Path, rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8") -> Path:
    text = "\r\n".join(delimiter.join(row) for row in rows) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list]) -> Path:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Punti luce")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    workbook.close()
    return path


def write_zip_bomb(path: Path, *, inflated: int = 200 * 1024 * 1024) -> Path:
    """An XLSX-shaped zip whose sheet inflates hugely from a few hundred kilobytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            block = b"\x00" * (1024 * 1024)
            for _ in range(inflated // len(block)):
                member.write(block)
    return path


def to_epsg(epsg: int, lon: float, lat: float) -> tuple[float, float]:
    return Transformer.from_crs(4326, epsg, always_xy=True).transform(lon, lat)


def write_layer(path: Path, driver: str, records: list[dict], geometries: list, *, epsg: int | None,
                layer: str | None = None, encoding: str | None = None, append: bool = False, **options) -> Path:
    """Write one layer with GDAL (pyogrio), the way a GIS office's software exports it."""
    import warnings

    import numpy as np
    import pyogrio.raw
    import shapely

    names = list(records[0]) if records else []
    shapes = [shapely.geometry.shape(g) if isinstance(g, dict) else g for g in geometries]
    kinds = {s.geom_type for s in shapes}
    field_data = [np.array([str(r.get(n, "")) for r in records], dtype=object) for n in names]
    with warnings.catch_warnings():
        # Files without a coordinate system are what some offices send: GDAL's warning is the point.
        warnings.filterwarnings("ignore", message="'crs' was not provided")
        pyogrio.raw.write(str(path), geometry=np.array(shapely.to_wkb(shapes), dtype=object),
                          field_data=field_data, fields=names, crs=f"EPSG:{epsg}" if epsg else None, driver=driver,
                          layer=layer, geometry_type=kinds.pop() if len(kinds) == 1 else "Unknown",
                          encoding=encoding, append=append, **options)
    return path


def zip_folder(path: Path, folder: Path, *, inside: str = "") -> Path:
    """Zip every file of a folder, under a folder name of its own when ``inside`` is given (as Windows does)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in sorted(folder.rglob("*")):
            if item.is_file():
                archive.write(item, str(Path(inside) / item.relative_to(folder)) if inside else
                              str(item.relative_to(folder)))
    return path


def write_shapefile_zip(path: Path, points: list[dict], *, epsg: int | None, esri_prj: bool = True,
                        short_names: bool = True) -> Path:
    """A zipped point Shapefile written by GDAL; attribute names cut to 10 characters as DBF does."""
    import shapely

    folder = path.parent / (path.stem + "-shp")
    folder.mkdir(exist_ok=True)
    names = ["asset_id", "lamp_technology", "power_w", "street", "installed_on", "dimmable"]
    records = [{n[:10] if short_names else n: str(p.get(n, "")) for n in names} for p in points]
    shapes = [shapely.Point(*p["xy"]) for p in points]
    write_layer(folder / "punti_luce.shp", "ESRI Shapefile", records, shapes, epsg=None, encoding="UTF-8")
    if epsg is not None:
        version = WktVersion.WKT1_ESRI if esri_prj else WktVersion.WKT1_GDAL
        (folder / "punti_luce.prj").write_text(CRS.from_epsg(epsg).to_wkt(version))
    return zip_folder(path, folder)


def write_geojson(path: Path, features: list[dict], *, crs: str | None = None) -> Path:
    document: dict = {"type": "FeatureCollection", "features": features}
    if crs:
        document["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def write_geopackage(path: Path, features: list[dict], *, epsg: int, geometry: str = "POINT",
                     layer: str = "tratte") -> Path:
    """A GeoPackage with one feature table, written by GDAL as QGIS writes it."""
    import shapely

    records = [{k: v for k, v in f.items() if k != "coords"} for f in features]
    shapes = [shapely.Point(*f["coords"]) if geometry == "POINT" else shapely.LineString(f["coords"])
              for f in features]
    return write_layer(path, "GPKG", records, shapes, epsg=epsg, layer=layer, append=path.exists())
