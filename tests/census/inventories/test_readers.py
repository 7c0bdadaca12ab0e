"""Reading inventory files as utilities deliver them: CSV dialects, XLSX, GeoJSON, Shapefile, GeoPackage."""

from __future__ import annotations

import pytest

from census.inventories.kinds import KINDS
from census.inventories.pipeline import prepare
from census.inventories.readers import FileProblem, Limits
from tests.census.inventories.inv_files import (
    LIGHTING_HEADER,
    to_epsg,
    write_csv,
    write_geojson,
    write_geopackage,
    write_shapefile_zip,
    write_xlsx,
    write_zip_bomb,
)

LIGHTING = KINDS["public-lighting"]


def _import(path, kind=LIGHTING, **kwargs):
    plan = prepare(path, kind, filename=path.name, **kwargs)
    good, bad = [], []
    for _, clean, errors in plan.rows():
        if clean:
            good.append(clean)
        bad.extend(errors)
    return plan, good, bad


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_in_every_dialect_gives_the_same_rows(tmp_path, delimiter, encoding):
    decimal = "," if delimiter != "," else "."
    rows = [LIGHTING_HEADER,
            ["PL-1", f"43{decimal}5486", f"10{decimal}3106", "LED", f"42{decimal}5", "Via Niccolò Tommaseo",
             "2019-05-14", "sì", "no"],
            ["PL-2", f"43{decimal}55", f"10{decimal}31", "SAP", "70", "Piazza Cavour", "14/05/2019", "1", "0"]]
    plan, good, bad = _import(write_csv(tmp_path / "lights.csv", rows, delimiter=delimiter, encoding=encoding))
    assert plan.reader.delimiter == delimiter
    assert bad == []
    assert [g.asset_id for g in good] == ["PL-1", "PL-2"]
    first, second = good
    assert (first.latitude, first.longitude) == (43.5486, 10.3106)
    assert first.attributes == {"lamp_technology": "LED", "power_w": 42.5, "street": "Via Niccolò Tommaseo",
                                "installed_on": "2019-05-14", "dimmable": True, "smart_node": False}
    assert second.attributes["lamp_technology"] == "HPS"
    assert second.attributes["installed_on"] == "2019-05-14"
    assert second.attributes["power_w"] == 70
    assert first.category == "public-lighting"


def test_italian_headers_are_understood(tmp_path):
    rows = [["Codice", "Latitudine", "Longitudine", "Tecnologia lampada", "Potenza (W)", "Via",
             "Data installazione", "Dimmerabile", "Telecontrollo"],
            ["A1", "43,70", "10,40", "ioduri metallici", "100", "Via Roma", "01/02/2020", "Sì", "Vero"]]
    _, good, bad = _import(write_csv(tmp_path / "it.csv", rows, delimiter=";", encoding="cp1252"))
    assert bad == []
    assert good[0].attributes["lamp_technology"] == "MH"
    assert good[0].attributes["smart_node"] is True


def test_bad_rows_are_rejected_with_line_field_and_reason(tmp_path):
    rows = [LIGHTING_HEADER,
            ["OK-1", "43.5", "10.3", "LED", "40", "", "", "", ""],
            ["", "43.5", "10.3", "LED", "40", "", "", "", ""],
            ["B-2", "51.5", "-0.12", "LED", "40", "", "", "", ""],
            ["B-3", "43.5", "10.3", "plasma", "-5", "", "yesterday", "maybe", ""]]
    _, good, bad = _import(write_csv(tmp_path / "bad.csv", rows))
    assert [g.asset_id for g in good] == ["OK-1"]
    found = {(b.line, b.field, b.code) for b in bad}
    assert (3, "asset_id", "required") in found
    assert (4, "location", "outside_italy") in found
    assert {(5, "lamp_technology", "invalid_choice"), (5, "power_w", "not_positive"),
            (5, "installed_on", "invalid_date"), (5, "dimmable", "invalid_bool")} <= found


def test_unquoted_decimal_comma_in_a_comma_file_is_caught(tmp_path):
    rows = [LIGHTING_HEADER, ["P1", "43,5", "10,3", "LED", "40", "", "", "", ""]]
    _, good, bad = _import(write_csv(tmp_path / "shifted.csv", rows))
    assert good == []
    assert any(b.code == "extra_fields" for b in bad)


def _refused(path, content: bytes, match: str) -> None:
    """A file of ``content`` is refused with a problem that says ``match``."""
    path.write_bytes(content)
    with pytest.raises(FileProblem, match=match):
        prepare(path, LIGHTING)


def test_empty_header_only_and_missing_columns(tmp_path):
    _refused(tmp_path / "empty.csv", b"", "empty")
    _refused(tmp_path / "blank.csv", b"\r\n\r\n", "empty")
    header_only = write_csv(tmp_path / "header.csv", [LIGHTING_HEADER])
    _, good, bad = _import(header_only)
    assert good == [] and bad == []
    missing = write_csv(tmp_path / "missing.csv", [["street", "colour"], ["Via Roma", "red"]])
    with pytest.raises(FileProblem, match="missing required columns: asset_id, latitude, longitude") as caught:
        prepare(missing, LIGHTING)
    assert caught.value.field == "columns"


def test_unknown_columns_are_ignored_and_reported(tmp_path):
    rows = [[*LIGHTING_HEADER, "colour", "note interne"], ["P1", "43.5", "10.3", "LED", "", "", "", "", "", "x", "y"]]
    plan, good, bad = _import(write_csv(tmp_path / "extra.csv", rows))
    assert len(good) == 1 and bad == []
    assert plan.warnings == ["columns ignored (not part of the kind): colour, note interne"]


def test_wrong_encoding_gets_a_clear_answer(tmp_path):
    _refused(tmp_path / "utf16.csv", "asset_id,latitude,longitude\r\nP1,43.5,10.3\r\n".encode("utf-16"), "UTF-16")
    _refused(tmp_path / "binary.csv", b"asset_id,latitude\x00\x01\x02", "binary")


def test_projected_csv_needs_the_coordinate_system_from_the_form(tmp_path):
    x, y = to_epsg(3003, 10.3106, 43.5486)
    rows = [["asset_id", "x", "y", "lamp_technology"], ["GB-1", f"{x:.2f}", f"{y:.2f}", "LED"]]
    path = write_csv(tmp_path / "gb.csv", rows, delimiter=";")
    with pytest.raises(FileProblem, match="does not declare its coordinate system"):
        prepare(path, LIGHTING)
    _, good, bad = _import(path, form_epsg=3003)
    assert bad == []
    assert good[0].latitude == pytest.approx(43.5486, abs=1e-4)
    assert good[0].longitude == pytest.approx(10.3106, abs=1e-4)


def test_xlsx_is_read_with_native_numbers_and_dates(tmp_path):
    import datetime as dt

    rows = [LIGHTING_HEADER, ["X1", 43.5486, 10.3106, "LED", 35, "Via Grande", "2021-03-01", "no", "sì"],
            [1002, 43.55, 10.31, "CFL", 18.5, "", "", "true", "false"]]
    path = write_xlsx(tmp_path / "lights.xlsx", rows)
    plan, good, bad = _import(path)
    assert plan.format == "xlsx"
    assert bad == []
    assert [g.asset_id for g in good] == ["X1", "1002"]
    assert good[1].attributes["power_w"] == 18.5
    assert dt.date.fromisoformat(good[0].attributes["installed_on"]) == dt.date(2021, 3, 1)


def test_xlsx_zip_bomb_is_refused_before_parsing(tmp_path):
    bomb = write_zip_bomb(tmp_path / "bomb.xlsx", inflated=64 * 1024 * 1024)
    with pytest.raises(FileProblem, match="zip bomb"):
        prepare(bomb, LIGHTING)
    with pytest.raises(FileProblem, match="zip bomb"):
        prepare(bomb, LIGHTING, limits=Limits(max_uncompressed=32 * 1024 * 1024, max_ratio=10**9))


def test_geojson_with_crs_member_is_reprojected(tmp_path):
    x, y = to_epsg(25832, 10.3106, 43.5486)
    features = [
        {"type": "Feature", "id": "G1", "geometry": {"type": "Point", "coordinates": [x, y]},
         "properties": {"lamp_technology": "LED", "power_w": 30}},
        {"type": "Feature", "id": "G2", "geometry": {"type": "Point", "coordinates": ["a", y]},
         "properties": {}},
        {"type": "Feature", "id": "G3", "geometry": {"type": "LineString", "coordinates": [[x, y], [x + 10, y]]},
         "properties": {}},
        {"type": "Feature", "id": "G4", "geometry": None, "properties": {}},
    ]
    path = write_geojson(tmp_path / "l.geojson", features, crs="urn:ogc:def:crs:EPSG::25832")
    plan, good, bad = _import(path)
    assert (plan.epsg, plan.crs_source) == (25832, "file")
    assert [g.asset_id for g in good] == ["G1"]
    assert good[0].latitude == pytest.approx(43.5486, abs=1e-6)
    assert {(b.line, b.field, b.code) for b in bad} == {
        (2, "geometry", "invalid_geometry"), (3, "geometry", "wrong_geometry_type"),
        (4, "geometry", "missing_location")}


def test_geojson_crs_contradicting_the_form_is_refused(tmp_path):
    one = [{"type": "Feature", "id": "A", "geometry": {"type": "Point", "coordinates": [1600000, 4800000]},
            "properties": {}}]
    path = write_geojson(tmp_path / "c.geojson", one, crs="EPSG:3003")
    with pytest.raises(FileProblem, match="declares EPSG:3003 but the form says EPSG:6707"):
        prepare(path, LIGHTING, form_epsg=6707)
    unsupported = write_geojson(tmp_path / "u.geojson", one, crs="EPSG:2154")
    with pytest.raises(FileProblem, match="not supported"):
        prepare(unsupported, LIGHTING)


@pytest.mark.parametrize("esri", [True, False])
def test_gauss_boaga_shapefile_reads_its_prj(tmp_path, esri):
    points = [{"xy": to_epsg(3003, 10.3106, 43.5486), "asset_id": "SHP-1", "lamp_technology": "LED",
               "power_w": "55", "street": "Via dell'Indipendenza", "installed_on": "2018-01-30", "dimmable": "sì"},
              {"xy": to_epsg(3003, 10.32, 43.56), "asset_id": "SHP-2", "lamp_technology": "SAP",
               "power_w": "100", "street": "Corso Italia", "installed_on": "", "dimmable": "no"}]
    path = write_shapefile_zip(tmp_path / "gb.zip", points, epsg=3003, esri_prj=esri)
    plan, good, bad = _import(path)
    assert (plan.format, plan.epsg, plan.crs_source) == ("shapefile", 3003, "file")
    assert bad == []
    assert good[0].latitude == pytest.approx(43.5486, abs=1e-5)
    assert good[0].longitude == pytest.approx(10.3106, abs=1e-5)
    assert good[0].attributes["lamp_technology"] == "LED"
    assert good[0].attributes["installed_on"] == "2018-01-30"
    assert good[1].attributes["lamp_technology"] == "HPS"


def test_shapefile_without_prj_needs_the_form(tmp_path):
    points = [{"xy": to_epsg(6707, 10.3106, 43.5486), "asset_id": "S1"}]
    path = write_shapefile_zip(tmp_path / "noprj.zip", points, epsg=None)
    with pytest.raises(FileProblem, match="does not declare its coordinate system") as caught:
        prepare(path, LIGHTING)
    assert caught.value.field == "crs"
    plan, good, _ = _import(path, form_epsg=6707)
    assert good[0].latitude == pytest.approx(43.5486, abs=1e-5)


def test_geopackage_network_segments_get_length_in_metres(tmp_path):
    start = to_epsg(6707, 10.30, 43.50)
    end = (start[0] + 300.0, start[1] + 400.0)
    features = [{"asset_id": "T1", "rete": "acquedotto", "materiale": "PEAD", "diametro": "110",
                 "coords": [start, end]},
                {"asset_id": "T2", "rete": "vapore", "materiale": "", "diametro": "", "coords": [start, end]}]
    path = write_geopackage(tmp_path / "reti.gpkg", features, epsg=6707, geometry="LINESTRING")
    plan, good, bad = _import(path, kind=KINDS["network-segments"])
    assert (plan.format, plan.epsg) == ("geopackage", 6707)
    assert [g.asset_id for g in good] == ["T1"]
    assert good[0].category == "water"
    assert good[0].geometry["type"] == "LineString"
    assert good[0].length_m == pytest.approx(500.0, rel=0.002)
    assert [(b.line, b.field, b.code) for b in bad] == [(2, "network", "invalid_choice")]
