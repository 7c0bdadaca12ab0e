"""Geospatial files as GIS offices export them, written by GDAL in each format and read back for import."""

from __future__ import annotations

import zipfile

import pytest
import shapely

from census.inventories.kinds import KINDS
from census.inventories.pipeline import prepare
from census.inventories.readers import FileProblem
from census.inventories.territory import territory
from tests.census.inventories.inv_files import to_epsg, write_layer, zip_folder

FIRENZE = territory("048017")
# Water mains in via de' Bardi and lungarno, Firenze; lon/lat.
MAINS = [[(11.2551, 43.7672), (11.2570, 43.7665), (11.2590, 43.7660)],
         [(11.2480, 43.7720), (11.2500, 43.7731)]]
RECORDS = [{"COD_TRATTA": "AQ-0001", "MATERIALE": "Ghisa sferoidale", "DN": "150", "STATO": "in esercizio"},
           {"COD_TRATTA": "AQ-0002", "MATERIALE": "PEAD", "DN": "110", "STATO": "dismesso"}]


def _lines(epsg: int) -> list:
    return [shapely.LineString([to_epsg(epsg, lon, lat) if epsg != 4326 else (lon, lat) for lon, lat in line])
            for line in MAINS]


def _read(path, kind="network-segments", **settings):
    from census.inventories.mapping import Settings

    with prepare(path, KINDS[kind], filename=path.name, settings=Settings(**settings), territory=FIRENZE) as plan:
        rows = list(plan.rows())
        return plan, [c for _, c, _ in rows if c], [e for _, _, errors in rows for e in errors]


WATER = {"network": "water", "operator": "Publiacqua S.p.A."}


@pytest.mark.parametrize(("driver", "name", "epsg", "zipped"), [
    ("GPKG", "rete_idrica.gpkg", 3003, True),
    ("FlatGeobuf", "rete_idrica.fgb", 6707, False),
    ("GML", "rete_idrica.gml", 25832, False),
    ("MapInfo File", "rete_idrica.tab", 3003, True),
    ("ESRI Shapefile", "rete_idrica.shp", 3003, True),
    ("OpenFileGDB", "rete_idrica.gdb", 6707, True),
])
def test_water_network_in_each_gis_format(tmp_path, driver, name, epsg, zipped):
    folder = tmp_path / "export"
    folder.mkdir()
    write_layer(folder / name, driver, RECORDS, _lines(epsg), epsg=epsg, layer="tratte_acquedotto")
    path = folder / name
    if zipped:
        # Windows' "send to compressed folder": the files sit in a folder named after the export.
        path = zip_folder(tmp_path / "rete_idrica.zip", folder, inside="Rete idrica 2024")
    plan, good, bad = _read(path, mapping={"asset_id": "COD_TRATTA", "diameter_mm": "DN", "status": "STATO",
                                           "material": "MATERIALE"}, defaults=WATER)
    assert bad == []
    assert plan.epsg == epsg and plan.crs_source == "file"
    assert [g.asset_id for g in good] == ["AQ-0001", "AQ-0002"]
    first = good[0]
    assert first.category == "water" and first.operator == "Publiacqua S.p.A."
    assert first.attributes["diameter_mm"] == 150 and first.attributes["status"] == "in-service"
    assert good[1].attributes["status"] == "out-of-service"
    assert 300 < first.length_m < 400
    start = shapely.get_coordinates(shapely.geometry.shape(first.geometry))[0]
    assert abs(start[0] - 11.2551) < 1e-5 and abs(start[1] - 43.7672) < 1e-5


def test_kml_and_kmz_from_a_web_map(tmp_path):
    records = [{"Name": "Tiglio 1", "description": "Tilia cordata"}, {"Name": "Platano 2", "description": "Platanus"}]
    points = [shapely.Point(11.2558, 43.7696), shapely.Point(11.2485, 43.7765)]
    kml = write_layer(tmp_path / "alberi.kml", "KML", records, points, epsg=4326, layer="Alberi")
    plan, good, bad = _read(kml, "urban-trees", mapping={"asset_id": "Name", "species": "description"})
    assert bad == [] and plan.epsg == 4326 and [g.attributes["species"] for g in good] == ["Tilia cordata", "Platanus"]
    kmz = tmp_path / "alberi.kmz"
    with zipfile.ZipFile(kmz, "w") as archive:
        archive.write(kml, "doc.kml")
    _, good, _ = _read(kmz, "urban-trees", mapping={"asset_id": "Name", "species": "description"})
    assert len(good) == 2


def test_dxf_from_cad_needs_its_crs_and_takes_the_layer_as_network(tmp_path):
    lines = _lines(3003)
    dxf = write_layer(tmp_path / "rete.dxf", "DXF", [{}, {}], lines, epsg=None)
    with pytest.raises(FileProblem, match="does not declare its coordinate system"):
        _read(dxf, mapping={"asset_id": "EntityHandle"}, defaults={"network": "gas"})
    plan, good, bad = _read(dxf, mapping={"asset_id": "EntityHandle"}, defaults={"network": "gas"}, epsg=3003)
    assert bad == [] and len(good) == 2 and {g.category for g in good} == {"gas"}
    assert plan.crs_source == "form"


def test_geopackage_with_several_layers_asks_which(tmp_path):
    path = tmp_path / "reti.gpkg"
    write_layer(path, "GPKG", RECORDS, _lines(3003), epsg=3003, layer="acquedotto")
    write_layer(path, "GPKG", RECORDS[:1], _lines(3003)[:1], epsg=3003, layer="fognatura", append=True)
    with pytest.raises(FileProblem, match="2 layers") as caught:
        _read(path, mapping={"asset_id": "COD_TRATTA"}, defaults=WATER)
    assert caught.value.field == "layer"
    _, good, _ = _read(path, mapping={"asset_id": "COD_TRATTA"}, defaults={"network": "sewer"}, layer="fognatura")
    assert [g.category for g in good] == ["sewer"]
    with pytest.raises(FileProblem, match="no layer 'strade'"):
        _read(path, mapping={"asset_id": "COD_TRATTA"}, defaults=WATER, layer="strade")


def test_zip_with_two_candidate_files_is_refused_listing_them(tmp_path):
    folder = tmp_path / "two"
    folder.mkdir()
    write_layer(folder / "a.gpkg", "GPKG", RECORDS, _lines(3003), epsg=3003)
    (folder / "leggimi.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    path = zip_folder(tmp_path / "two.zip", folder)
    with pytest.raises(FileProblem, match="several files.*a.gpkg, leggimi.csv"):
        _read(path)


def test_shapefile_in_windows_1252_without_cpg_keeps_its_accents(tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    records = [{"MATRICOLA": "PL-1", "VIA": "Via dell'Agnolo, Santa Croce è"}]
    write_layer(folder / "punti.shp", "ESRI Shapefile", records, [shapely.Point(to_epsg(3003, 11.262, 43.769))],
                epsg=3003, encoding="CP1252")
    (folder / "punti.cpg").unlink(missing_ok=True)
    path = zip_folder(tmp_path / "punti.zip", folder)
    _, good, bad = _read(path, "public-lighting", mapping={"asset_id": "MATRICOLA", "street": "VIA"})
    assert bad == [] and good[0].attributes["street"] == "Via dell'Agnolo, Santa Croce è"


def test_points_outside_the_municipality_are_rejected_naming_it(tmp_path):
    records = [{"id": "IN"}, {"id": "BORDER"}, {"id": "PRATO"}]
    # Inside Firenze; 150 m past its border with Sesto Fiorentino; in Prato, 15 km away.
    points = [shapely.Point(11.2558, 43.7696), shapely.Point(11.2155, 43.8095), shapely.Point(11.0966, 43.8777)]
    path = write_layer(tmp_path / "sensori.fgb", "FlatGeobuf", records, points, epsg=4326)
    _, good, bad = _read(path, "sensors", defaults={"sensor_type": "air-quality"})
    assert [g.asset_id for g in good][:1] == ["IN"]
    assert [b.code for b in bad] == ["outside_territory"]
    assert "Firenze (ISTAT 048017)" in bad[0].reason and bad[0].line == 3
