"""Inventory kinds beyond public lighting, templates, coordinate systems and the broadband status table."""

from __future__ import annotations

import csv
import io
import tracemalloc

import pytest

from census.inventories import broadband, crs
from census.inventories.kinds import KINDS, get_kind
from census.inventories.pipeline import prepare, template_csv, write_error_report
from census.inventories.readers import FileProblem
from census.inventories.validation import Rejection
from tests.census.inventories.inv_files import LIGHTING_HEADER, write_csv


def _rows(path, slug, **kwargs):
    plan = prepare(path, KINDS[slug], filename=path.name, **kwargs)
    good, bad = [], []
    for _, clean, errors in plan.rows():
        if clean:
            good.append(clean)
        bad.extend(errors)
    return good, bad


@pytest.mark.parametrize("slug", list(KINDS))
@pytest.mark.parametrize("language", ["en", "it"])
def test_each_template_imports_its_own_example_row(tmp_path, slug, language):
    path = tmp_path / f"{slug}.csv"
    path.write_text(template_csv(KINDS[slug], language=language), encoding="utf-8")
    good, bad = _rows(path, slug, form_epsg=4326 if slug == "network-segments" else None)
    assert bad == []
    assert len(good) == 1
    assert good[0].latitude == pytest.approx(43.5486)


def test_network_segment_csv_with_wkt_is_measured(tmp_path):
    rows = [["asset_id", "rete", "wkt", "diametro"],
            ["W1", "gas", "LINESTRING(10.30 43.50, 10.31 43.50)", "90"],
            ["W2", "gas", "LINESTRING(10.30 43.50)", "90"]]
    path = write_csv(tmp_path / "seg.csv", rows, delimiter=";")
    with pytest.raises(FileProblem, match="coordinate system"):
        prepare(path, KINDS["network-segments"])
    good, bad = _rows(path, "network-segments", form_epsg=4326)
    assert good[0].category == "gas"
    assert good[0].length_m == pytest.approx(808.76, abs=0.1)  # radius of the 43.5° parallel × 0.01°
    assert [(b.line, b.field, b.code) for b in bad] == [(3, "wkt", "invalid_geometry")]


def test_sensors_and_broadband_units_are_checked(tmp_path):
    sensors = write_csv(tmp_path / "s.csv", [
        ["id_sensore", "lat", "lon", "tipo_sensore", "url"],
        ["S1", "43.55", "10.31", "Qualità aria", "https://dati.example.it/s1"],
        ["S2", "43.55", "10.31", "telepathy", "ftp://x"]])
    good, bad = _rows(sensors, "sensors")
    assert good[0].attributes == {"sensor_type": "air-quality", "data_feed_url": "https://dati.example.it/s1"}
    assert {(b.field, b.code) for b in bad} == {("sensor_type", "invalid_choice"), ("data_feed_url", "invalid_url")}
    units = write_csv(tmp_path / "b.csv", [
        ["codice_unita", "latitudine", "longitudine", "codice_istat", "tecnologia", "velocita", "unita_immobiliari"],
        ["U1", "43,55", "10,31", "49008", "fibra", "1000", "12"],
        ["U2", "43,55", "10,31", "49A", "FWA", "", "1,5"]], delimiter=";")
    good, bad = _rows(units, "broadband-coverage")
    assert good[0].attributes == {"istat_code": "049008", "technology": "FTTH", "download_mbps": 1000,
                                  "housing_units": 12}
    assert {(b.field, b.code) for b in bad} == {("istat_code", "invalid_istat"), ("download_mbps", "required"),
                                                ("housing_units", "invalid_integer")}


def test_unknown_kind_is_named():
    with pytest.raises(KeyError, match="public-lighting"):
        get_kind("lampioni")


def test_crs_codes_are_read_strictly():
    assert crs.parse_epsg("urn:ogc:def:crs:EPSG::6708") == 6708
    assert crs.parse_epsg("EPSG:25832") == 25832
    assert crs.parse_epsg("urn:ogc:def:crs:OGC:1.3:CRS84") == 4326
    assert crs.parse_epsg("") is None
    with pytest.raises(crs.CrsProblem, match="not supported"):
        crs.parse_epsg("EPSG:2154")
    with pytest.raises(crs.CrsProblem, match="unknown coordinate system"):
        crs.parse_epsg("Gauss-Boaga")
    with pytest.raises(crs.CrsProblem, match="choose it in the form"):
        crs.resolve(None, None)


def test_error_report_neutralises_formulas_and_speaks_italian_too():
    stream = io.StringIO()
    write_error_report([Rejection(7, "street", "too_long", "street: longer than 200 characters", "=HYPERLINK(1)")],
                       stream)
    rows = list(csv.reader(io.StringIO(stream.getvalue())))
    assert rows[0] == ["line", "field", "code", "reason", "motivo", "value"]
    assert rows[1] == ["7", "street", "too_long", "street: longer than 200 characters", "testo troppo lungo",
                       "'=HYPERLINK(1)"]


def _stream_peak(path) -> int:
    plan = prepare(path, KINDS["public-lighting"])
    tracemalloc.start()
    count = sum(1 for _ in plan.rows())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count > 0
    return peak


def test_memory_stays_flat_whatever_the_number_of_rows(tmp_path):
    def make(rows: int):
        path = tmp_path / f"{rows}.csv"
        with open(path, "w", encoding="cp1252", newline="") as handle:
            handle.write(";".join(LIGHTING_HEADER) + "\r\n")
            for i in range(rows):
                handle.write(f"P{i};43,{i % 1000:03d};10,3;LED;40;Via Roma;2020-01-01;sì;no\r\n")
        return path

    small = _stream_peak(make(5_000))
    large = _stream_peak(make(100_000))
    assert large < 2 * small + 256 * 1024


def test_broadband_status_table_of_28_february_2018():
    records = broadband.demo_records()
    assert {r.istat_code for r in records} == {"049008", "049017"}
    collesalvetti = [r for r in records if r.istat_code == "049008"]
    assert [(r.tender, r.phase, r.project_type.value, r.status, r.agreement_signed) for r in collesalvetti] == [
        (1, 4, "FWA", "design-under-check", False),
        (1, 4, "FTTH", "in-final-design", False),
        (1, 4, "FWA", "in-final-design", False),
    ]
    assert collesalvetti[0].municipality == "Collesalvetti"
    assert collesalvetti[0].coverage_30 == broadband.Decimal("6.6")


def test_broadband_agency_csv_by_name_with_rejections(tmp_path):
    path = write_csv(tmp_path / "bul.csv", [
        ["Comune", "Provincia", "Gara", "Fase", "Tipo progetto", "Status", "Convenzione firmata"],
        ["Rosignano Marittimo", "LI", "1", "4", "FIBRA", "In esecuzione", "SI"],
        ["Collesalveti", "LI", "1", "4", "FWA", "In progettazione definitiva", "NO"],
        ["Livorno", "LI", "0", "4", "Satellite", "Boh", "forse"]], delimiter="\t", encoding="cp1252")
    records, rejections = broadband.parse_status_table(path)
    assert [(r.istat_code, r.status, r.agreement_signed) for r in records] == [
        ("049017", "works-in-progress", True)]
    assert {(r.line, r.field, r.code) for r in rejections} == {
        (3, "municipality", "unknown_municipality"), (4, "tender", "invalid_integer"),
        (4, "project_type", "invalid_choice"), (4, "agreement_signed", "invalid_bool")}
    missing = write_csv(tmp_path / "m.csv", [["Comune", "Gara"], ["Livorno", "1"]])
    with pytest.raises(FileProblem, match="missing required columns: phase"):
        broadband.parse_status_table(missing)


def test_batches_skip_committed_ones_reject_repeated_ids_and_read_ahead_passes_errors_on(tmp_path):
    from census.inventories.batches import ReadAhead, batches

    def rows(n):
        for line in range(2, n + 2):
            asset = "A12" if line == 16 else f"A{line}"  # line 16 repeats the asset of line 12
            if line % 5:
                yield line, asset, f"{line}\t{asset}\n", (), None
            else:
                yield line, None, None, [Rejection(line, "x", "required", "", "")], None

    got = list(ReadAhead(batches(rows(25), 10, first=1)))
    assert [(b.number, b.rows, len(b.good), b.bad_rows) for b in got] == [(1, 10, 7, 3), (2, 5, 4, 1)]
    assert got[0].good[0] == "12\tA12\n"
    assert Rejection(16, "asset_id", "duplicate_asset_id", "asset_id A12 already appears on line 12", "A12") \
        in got[0].bad

    def broken():
        yield from rows(3)
        raise FileProblem("line 5: the CSV is malformed")

    with pytest.raises(FileProblem, match="malformed"):
        list(ReadAhead(batches(broken(), 2)))


def _staged(text: str) -> list:
    """A line of COPY text as values: numbers and JSON compared by value, not by spelling."""
    import json

    cells = text.rstrip("\n").split("\t")
    return [*cells[:4], *(float(c) for c in cells[4:7]), cells[7], json.loads(cells[8].replace("\\\\", "\\"))]


@pytest.mark.parametrize("epsg", [None, 3003])
def test_common_path_gives_what_the_full_check_gives(tmp_path, epsg):
    """Every row the common path takes comes out exactly as the full check writes it; the rest fall through."""
    from census.inventories.pipeline import copy_text

    header = "asset_id;x;y;lamp_technology;power_w;street;installed_on;dimmable;smart_node;operator" if epsg else \
        "asset_id;latitude;longitude;lamp_technology;power_w;street;installed_on;dimmable;smart_node;operator"
    east, north = ("1609876,5", "4826543,25")
    rows = [
        "PL-1;43,77;11,25;LED;70;Via Roma;2019-05-14;sì;1;ASA S.p.A.",
        "PL-2;43.7712345678;11.2512345678;sap;70,5;  Via \"Tab\"\there;14/05/2019;no;false;",
        "PL-3;43,7;11,2;plasma;70;Via Roma;2019-05-14;sì;1;",
        "PL-4;91;11;LED;-5;Via Roma;not a date;forse;1;",
        " PL-5 ;1.234,5;11,2;LED;1.234,5;Via Roma;2019-05-14;si;0;Gestore\\Uno",
        ";43,7;11,2;LED;70;;;;;",
        "PL-7;4,37e1;11.2;LED;70;Via Roma;2019-05-14;Y;T;",
    ]
    if epsg:
        rows = [r.replace("43,77;11,25", f"{east};{north}")
                .replace("43.7712345678;11.2512345678", "1609876.5;4826543.25") for r in rows]
    path = tmp_path / "mixed.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    full = prepare(path, KINDS["public-lighting"], form_epsg=epsg)
    common = prepare(path, KINDS["public-lighting"], form_epsg=epsg)
    taken = 0
    for line, cells, geometry in full.reader.rows():
        clean, errors = full.validator.check(line, cells, geometry)
        fast = common.validator.copy_line(line, cells)
        if fast is None:
            continue
        taken += 1
        assert clean is not None, (line, errors)
        assert fast[0] == clean.asset_id
        assert _staged(fast[1]) == _staged(copy_text(clean))
    assert taken >= (2 if epsg else 3)
    good = [text for _, _, text, _, _ in common.copy_rows() if text]
    bad = [errors for _, _, text, errors, _ in prepare(path, KINDS["public-lighting"], form_epsg=epsg).copy_rows()
           if text is None]
    assert len(good) == len([c for _, c, _ in full.rows() if c]) and len(bad) == len(rows) - len(good)
