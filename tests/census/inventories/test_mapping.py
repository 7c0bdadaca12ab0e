"""A municipality previews files as published, confirms the mapping and imports them with exact counts."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import select

from census.inventories.models import InventoryAsset
from tests.census.inventories.inv_files import to_epsg

BASE = "/api/v1/tenants/firenze/inventories"
# A tree register as a GIS office exports it: its own headers, ';', Windows-1252, decimal commas,
# Gauss-Boaga west (Monte Mario / Italy zone 1) coordinates, a progressive number as the tree's id.
TREES = [(11.2558, 43.7696, "Tilia cordata", "Tiglio", "12,5", "100-150", "03/10/2023", "buono"),
         (11.2485, 43.7765, "Platanus x acerifolia", "Platano", "22", "> 200", "03/10/2023", "discreto"),
         (11.2620, 43.7690, "Quercus ilex", "Leccio", "9,8", "50-100", "04/10/2023", "sofferente"),
         (11.2301, 43.7830, "Pinus pinea", "Pino domestico", "18", "150-200", "", "morto")]


def _tree_register() -> bytes:
    lines = ["N.;Specie;Nome comune;CoordX;CoordY;Altezza (m);Classe circonferenza (cm);Data rilievo;"
             "Stato vegetativo;Note"]
    for number, (lon, lat, species, common, height, trunk, surveyed, condition) in enumerate(TREES, start=1):
        x, y = (f"{v:.2f}".replace(".", ",") for v in to_epsg(3003, lon, lat))
        note = "pianta monumentale" if number == 2 else ""
        lines.append(f"{number};{species};{common};{x};{y};{height};{trunk};{surveyed};{condition};{note}")
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def _post(client, path, data: bytes, name: str, **form):
    return client.post(path, data={**form, "file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


@pytest.fixture
def municipality(as_user, rq_worker):
    return as_user("firenze-comune")


def test_tree_register_previewed_mapped_and_imported(municipality, wait_for_job, db):
    data = _tree_register()
    preview = _post(municipality, f"{BASE}/preview", data, "alberi.csv", kind="urban-trees")
    assert preview.status_code == 200, preview.json
    body = preview.json
    assert body["format"] == "csv" and body["rows_estimate"] == 4
    assert body["columns"][:5] == ["N.", "Specie", "Nome comune", "CoordX", "CoordY"]
    assert body["sample_rows"][0][1] == "Tilia cordata" and body["sample_rows"][0][3].count(",") == 1
    assert body["suggested_mapping"] | {"asset_id": "N."} == body["suggested_mapping"]
    assert {"species": "Specie", "common_name": "Nome comune", "x": "CoordX", "y": "CoordY",
            "height_m": "Altezza (m)", "surveyed_on": "Data rilievo",
            "condition": "Stato vegetativo"}.items() <= body["suggested_mapping"].items()
    crs = body["crs"]
    assert crs["epsg"] is None and crs["source"] is None
    best = crs["candidates"][0]
    assert best["epsg"] == 3003 and best["inside_territory"] == 1.0
    assert {c["epsg"] for c in crs["candidates"]} >= {3003, 3004, 6707, 6708, 25832}
    assert next(c for c in crs["candidates"] if c["epsg"] == 3004)["inside_territory"] == 0.0
    assert any("does not declare its coordinate system" in p for p in body["problems"])
    assert body["territory"] == {"istat_code": "048017", "name": "Firenze", "buffer_m": 300}

    without_crs = _post(municipality, BASE, data, "alberi.csv", kind="urban-trees")
    assert without_crs.status_code == 422 and "crs" in without_crs.json["errors"]

    mapping = json.dumps({**body["suggested_mapping"], "trunk_class": "Classe circonferenza (cm)"})
    defaults = json.dumps({"operator": "Direzione Ambiente, Comune di Firenze"})
    accepted = _post(municipality, BASE, data, "alberi.csv", kind="urban-trees", crs="EPSG:3003",
                     mapping=mapping, defaults=defaults)
    assert accepted.status_code == 202, accepted.json
    job = wait_for_job(accepted.json["job_id"])
    assert (job["result"]["rows_total"], job["result"]["rows_imported"], job["result"]["rows_rejected"]) == (4, 4, 0)
    with db.begin():
        trees = {a.asset_id: a for a in db.scalars(select(InventoryAsset).where(InventoryAsset.kind == "urban-trees"))}
    assert set(trees) == {"1", "2", "3", "4"}
    first = trees["1"]
    assert abs(first.longitude - 11.2558) < 1e-5 and abs(first.latitude - 43.7696) < 1e-5
    assert first.operator == "Direzione Ambiente, Comune di Firenze" and first.category == "urban-trees"
    assert first.attributes == {"species": "Tilia cordata", "common_name": "Tiglio", "height_m": 12.5,
                                "trunk_class": "100-150", "surveyed_on": "2023-10-03", "condition": "good"}
    assert trees["3"].attributes["condition"] == "poor" and trees["4"].attributes["condition"] == "dead"

    # The same headers come back next year: the mapping, the values and the CRS are offered again.
    again = _post(municipality, f"{BASE}/preview", data.replace(b"Tilia", b"Acer "), "alberi_2025.csv",
                  kind="urban-trees")
    assert again.json["profile"]["mapping"]["trunk_class"] == "Classe circonferenza (cm)"
    assert again.json["profile"]["epsg"] == 3003
    assert again.json["suggested_mapping"]["trunk_class"] == "Classe circonferenza (cm)"
    assert again.json["defaults"] == {"operator": "Direzione Ambiente, Comune di Firenze"}


def test_duplicates_are_what_would_be_imported(municipality, wait_for_job, db):
    data = _tree_register()
    form = {"kind": "urban-trees", "mapping": json.dumps({"asset_id": "N.", "species": "Specie"})}
    # Declared in the eastern zone by mistake: every tree lands 600 km away and is rejected.
    wrong = _post(municipality, BASE, data, "alberi.csv", crs="EPSG:3004", **form)
    assert wrong.status_code == 202
    first = wait_for_job(wrong.json["job_id"])["result"]
    assert (first["rows_imported"], first["rows_rejected"]) == (0, 4)
    replay = _post(municipality, BASE, data, "alberi.csv", crs="EPSG:3004", **form)
    assert replay.status_code == 200 and replay.json["duplicate"] is True
    assert replay.json["upload_id"] == wrong.json["upload_id"]
    corrected = _post(municipality, BASE, data, "alberi.csv", crs="EPSG:3003", **form)
    assert corrected.status_code == 202 and corrected.json["duplicate"] is False
    second = wait_for_job(corrected.json["job_id"])["result"]
    assert (second["rows_imported"], second["rows_rejected"]) == (4, 0)
    remapped = _post(municipality, BASE, data, "alberi.csv", crs="EPSG:3003", kind="urban-trees",
                     mapping=json.dumps({"asset_id": "N.", "species": "Nome comune"}))
    assert remapped.status_code == 202
    third = wait_for_job(remapped.json["job_id"])["result"]
    assert (third["rows_inserted"], third["rows_updated"]) == (0, 4)
    with db.begin():
        species = set(db.scalars(select(InventoryAsset.attributes["species"].astext)
                                 .where(InventoryAsset.kind == "urban-trees")))
    assert species == {"Tiglio", "Platano", "Leccio", "Pino domestico"}


def test_bad_mappings_and_values_get_a_clear_answer(municipality):
    data = _tree_register()
    cases = [
        ({"mapping": json.dumps({"asset_id": "Codice albero"})}, "mapping", "'Codice albero'"),
        ({"mapping": '{"asset_id": "N.", "asset_id": "Specie"}'}, "mapping", "mapped twice"),
        ({"mapping": json.dumps({"asset_id": "N.", "species": "N."})}, "mapping", "both"),
        ({"mapping": json.dumps({"colour": "Note"})}, "mapping", "no field 'colour'"),
        ({"mapping": "[1, 2]"}, "mapping", "JSON object"),
        ({"defaults": json.dumps({"height_m": "alto"})}, "defaults", "'alto'"),
        ({"defaults": json.dumps({"condition": "splendido"})}, "defaults", "splendido"),
        ({"defaults": json.dumps({"asset_id": "T-1"})}, "defaults", "asset_id"),
    ]
    for form, field, words in cases:
        answer = _post(municipality, BASE, data, "alberi.csv", kind="urban-trees", crs="EPSG:3003", **form)
        assert answer.status_code == 422, (form, answer.json)
        assert answer.mimetype == "application/problem+json"
        assert words in answer.json["errors"][field][0], (form, answer.json)
    listing = municipality.get(BASE)
    assert listing.status_code == 200 and listing.json == []


def test_zip_with_two_candidates_and_a_crs_outside_the_territory(municipality, wait_for_job, tmp_path):
    data = _tree_register()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("Catasto alberi/alberi.csv", data)
        zipped.writestr("Catasto alberi/alberi_2019.csv", data)
    answer = _post(municipality, f"{BASE}/preview", archive.getvalue(), "catasto.zip", kind="urban-trees")
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    assert "Catasto alberi/alberi.csv, Catasto alberi/alberi_2019.csv" in answer.json["detail"]

    outside = _post(municipality, f"{BASE}/preview", data, "alberi.csv", kind="urban-trees", crs="EPSG:6708")
    assert outside.status_code == 200
    assert any("none of the first 4 points falls inside Firenze (ISTAT 048017)" in p
               for p in outside.json["problems"])
    accepted = _post(municipality, BASE, data, "alberi.csv", kind="urban-trees", crs="EPSG:6708",
                     mapping=json.dumps({"asset_id": "N.", "species": "Specie"}))
    result = wait_for_job(accepted.json["job_id"])["result"]
    assert (result["rows_total"], result["rows_imported"], result["rows_rejected"]) == (4, 0, 4)
    report = municipality.get(f"{BASE}/{accepted.json['upload_id']}/errors.csv").data.decode("utf-8-sig")
    assert report.count("outside_territory") == 4 and report.count("Firenze (ISTAT 048017)") == 4


def test_map_server_geojson_with_a_temporary_feature_id(municipality, wait_for_job, db):
    features = [{"type": "Feature", "id": f"colonnine.{n}", "geometry_name": "the_geom",
                 "geometry": {"type": "Point", "coordinates": list(to_epsg(3003, lon, lat))},
                 "properties": {"CODICE": code, "POTENZA_KW": power, "PRESE": "2", "GESTORE": "Be Charge",
                                "STATO": "attiva"}}
                for n, (code, lon, lat, power) in enumerate([("EV-101", 11.2501, 43.7731, "22"),
                                                             ("EV-102", 11.2620, 43.7690, "50")], start=1)]
    document = {"type": "FeatureCollection", "totalFeatures": 2, "numberMatched": 2, "features": features,
                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3003"}}}
    data = json.dumps(document).encode("utf-8")
    preview = _post(municipality, f"{BASE}/preview", data, "wfs.json", kind="ev-charging")
    assert preview.json["crs"] == {**preview.json["crs"], "epsg": 3003, "source": "file"}
    assert preview.json["suggested_mapping"]["power_kw"] == "POTENZA_KW"
    assert set(preview.json["columns"]) >= {"id", "CODICE"}
    accepted = _post(municipality, BASE, data, "wfs.json", kind="ev-charging",
                     mapping=json.dumps({"asset_id": "CODICE", "sockets": "PRESE"}))
    result = wait_for_job(accepted.json["job_id"])["result"]
    assert (result["rows_imported"], result["rows_rejected"]) == (2, 0)
    with db.begin():
        rows = db.scalars(select(InventoryAsset).where(InventoryAsset.kind == "ev-charging"))
        chargers = {a.asset_id: a for a in rows}
    assert set(chargers) == {"EV-101", "EV-102"}
    assert chargers["EV-102"].attributes == {"power_kw": 50, "sockets": 2, "status": "available"}
    assert chargers["EV-102"].operator == "Be Charge"
