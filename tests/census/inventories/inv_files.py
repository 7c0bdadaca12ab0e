"""Build inventory files in every accepted format, the way utilities produce them."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from pathlib import Path

import shapefile
from pyproj import CRS, Transformer
from pyproj.enums import WktVersion

from census.inventories.wkb import encode_linestring_gpkg, encode_point_gpkg

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


def write_shapefile_zip(path: Path, points: list[dict], *, epsg: int | None, esri_prj: bool = True,
                        short_names: bool = True) -> Path:
    """A zipped point Shapefile; attribute names cut to 10 characters as DBF does."""
    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    writer = shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POINT, encoding="utf-8")
    names = ["asset_id", "lamp_technology", "power_w", "street", "installed_on", "dimmable"]
    for name in names:
        writer.field(name[:10] if short_names else name, "C", size=60)
    for point in points:
        writer.point(*point["xy"])
        writer.record(*[str(point.get(n, "")) for n in names])
    writer.close()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("punti_luce.shp", shp.getvalue())
        archive.writestr("punti_luce.shx", shx.getvalue())
        archive.writestr("punti_luce.dbf", dbf.getvalue())
        archive.writestr("punti_luce.cpg", "UTF-8")
        if epsg is not None:
            version = WktVersion.WKT1_ESRI if esri_prj else WktVersion.WKT1_GDAL
            archive.writestr("punti_luce.prj", CRS.from_epsg(epsg).to_wkt(version))
    return path


def write_geojson(path: Path, features: list[dict], *, crs: str | None = None) -> Path:
    document: dict = {"type": "FeatureCollection", "features": features}
    if crs:
        document["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def write_geopackage(path: Path, features: list[dict], *, epsg: int, geometry: str = "POINT") -> Path:
    """A minimal OGC GeoPackage with one feature table and its spatial reference."""
    db = sqlite3.connect(path)
    db.executescript("""
        PRAGMA application_id = 1196444487;
        CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
            organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL,
            description TEXT);
        CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT,
            description TEXT DEFAULT '', last_change DATETIME, min_x DOUBLE, min_y DOUBLE, max_x DOUBLE,
            max_y DOUBLE, srs_id INTEGER);
        CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
            geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL);
    """)
    srs_id = 100000 + epsg
    db.execute("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, 'EPSG', ?, ?, '')",
               (CRS.from_epsg(epsg).name, srs_id, epsg, CRS.from_epsg(epsg).to_wkt(WktVersion.WKT1_GDAL)))
    db.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
               "VALUES ('tratte', 'features', 'tratte', ?)", (srs_id,))
    db.execute("INSERT INTO gpkg_geometry_columns VALUES ('tratte', 'geom', ?, ?, 0, 0)", (geometry, srs_id))
    columns = [k for k in features[0] if k != "coords"]
    db.execute(f"CREATE TABLE tratte (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom BLOB, "
               f"{', '.join(c + ' TEXT' for c in columns)})")
    for feature in features:
        coords = feature["coords"]
        blob = encode_point_gpkg(*coords, srs_id) if geometry == "POINT" else encode_linestring_gpkg(coords, srs_id)
        db.execute(f"INSERT INTO tratte (geom, {', '.join(columns)}) VALUES (?, {', '.join('?' * len(columns))})",
                   (blob, *[feature[c] for c in columns]))
    db.commit()
    db.close()
    return path
