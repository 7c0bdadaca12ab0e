"""A utility imports its inventories through the API, on the real database and a real worker."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import func, select, text

from census.inventories import seed
from census.inventories.models import InventoryAsset
from tests.census.inventories.inv_files import (
    LIGHTING_HEADER,
    to_epsg,
    write_geojson,
    write_shapefile_zip,
    write_zip_bomb,
)

BASE = "/api/v1/tenants/firenze/inventories"


def _csv(rows: list[list[str]], *, delimiter=";", encoding="cp1252") -> bytes:
    return ("\r\n".join(delimiter.join(r) for r in rows) + "\r\n").encode(encoding)


def _lighting(n: int, *, power: str = "42,5", extra: list[list[str]] | None = None) -> bytes:
    rows = [LIGHTING_HEADER]
    rows += [[f"FI-{i:04d}", f"43,77{i % 10}", f"11,25{i % 10}", "LED", power, "Via de' Calzaiuoli",
              "2019-05-14", "sì", "no"] for i in range(n)]
    return _csv(rows + (extra or []))


def _upload(client, data: bytes, name: str, kind: str = "public-lighting", **form):
    return client.post(BASE, data={"kind": kind, **form, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _import(client, wait_for_job, data: bytes, name: str, **form) -> tuple[dict, dict]:
    response = _upload(client, data, name, **form)
    assert response.status_code == 202, response.json
    job = wait_for_job(response.json["job_id"])
    assert job["state"] == "finished", job
    return response.json, job


def _errors(client, upload_id: int) -> list[dict]:
    response = client.get(f"{BASE}/{upload_id}/errors.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


@pytest.fixture
def utility(as_user, rq_worker):
    return as_user("firenze-utility")


def test_lighting_csv_with_bad_rows_then_an_updated_file(utility, wait_for_job, db):
    bad = [["BAD-1", "45,0", "2,35", "LED", "40", "", "", "", ""],
           ["BAD-2", "43,77", "11,25", "plasma", "-4", "", "ieri", "forse", ""],
           ["FI-0003", "43,771", "11,251", "LED", "30", "", "", "", ""]]
    accepted, job = _import(utility, wait_for_job, _lighting(20, extra=bad), "punti_luce.csv")
    assert {"upload_id", "job_id"} <= accepted.keys()
    assert job["progress"] == 100
    result = job["result"]
    assert (result["rows_total"], result["rows_imported"], result["rows_rejected"]) == (23, 20, 3)

    errors = _errors(utility, accepted["upload_id"])
    assert [(e["line"], e["field"], e["code"]) for e in errors] == [
        ("22", "location", "outside_territory"),
        ("23", "lamp_technology", "invalid_choice"), ("23", "power_w", "not_positive"),
        ("23", "installed_on", "invalid_date"), ("23", "dimmable", "invalid_bool"),
        ("24", "asset_id", "duplicate_asset_id")]
    assert errors[-1]["reason"] == "asset_id FI-0003 already appears on line 5"
    assert errors[0]["motivo"] == "fuori dal territorio del comune (oltre la tolleranza ai confini)"
    assert "outside the territory of Firenze (ISTAT 048017)" in errors[0]["reason"]

    again = _upload(utility, _lighting(20, extra=bad), "copia.csv")
    assert again.status_code == 200
    assert again.json["duplicate"] is True and again.json["upload_id"] == accepted["upload_id"]

    _, updated = _import(utility, wait_for_job, _lighting(21, power="55"), "punti_luce_2019.csv")
    assert {k: updated["result"][k] for k in ("rows_total", "rows_imported", "rows_inserted", "rows_updated")} == {
        "rows_total": 21, "rows_imported": 21, "rows_inserted": 1, "rows_updated": 20}
    with db.begin():
        assert db.scalar(select(func.count()).select_from(InventoryAsset)) == 21
        powers = set(db.scalars(select(InventoryAsset.attributes["power_w"].as_float())))
    assert powers == {55.0}

    cadastre = utility.get("/api/v1/tenants/firenze/cadastre").json
    assert cadastre["categories"] == [{"category": "public-lighting", "kind": "public-lighting",
                                       "label_en": "Public lighting", "label_it": "Illuminazione pubblica",
                                       "assets": 21, "km": 0.0, "operators": []}]


def test_gauss_boaga_shapefile_lands_in_wgs84(utility, wait_for_job):
    points = [{"xy": to_epsg(3003, 11.2558, 43.7696), "asset_id": "GB-1", "lamp_technology": "SAP",
               "power_w": "100", "street": "Piazza della Signoria", "installed_on": "2001-06-01", "dimmable": "no"}]
    buffer = io.BytesIO()
    path = write_shapefile_zip(_tmp(buffer), points, epsg=3003)
    accepted, job = _import(utility, wait_for_job, path.read_bytes(), "punti_luce_gb.zip")
    assert job["result"]["epsg"] == 3003 and job["result"]["crs_source"] == "file"
    collection = json.loads(utility.get("/api/v1/tenants/firenze/cadastre.geojson").data)
    feature = collection["features"][0]
    assert feature["id"] == "GB-1"
    lon, lat = feature["geometry"]["coordinates"]
    assert lat == pytest.approx(43.7696, abs=1e-5) and lon == pytest.approx(11.2558, abs=1e-5)
    assert feature["properties"]["lamp_technology"] == "HPS"
    exported = list(csv.DictReader(io.StringIO(
        utility.get("/api/v1/tenants/firenze/cadastre.csv?category=public-lighting").data.decode("utf-8-sig"))))
    assert exported[0]["asset_id"] == "GB-1" and exported[0]["street"] == "Piazza della Signoria"


def _tmp(_buffer):
    import tempfile
    from pathlib import Path

    return Path(tempfile.mkdtemp()) / "gb.zip"


def test_bad_files_get_clear_answers_and_lose_nothing(utility, wait_for_job, app, tmp_path, db):
    _import(utility, wait_for_job, _lighting(3), "base.csv")

    empty = _upload(utility, b"", "vuoto.csv")
    assert empty.status_code == 422 and "empty" in empty.json["detail"]

    missing = _upload(utility, _csv([["via", "colore"], ["Via Roma", "rosso"]]), "colonne.csv")
    assert missing.status_code == 422
    assert "missing required columns: asset_id" in missing.json["errors"]["columns"][0]

    utf16 = _upload(utility, "asset_id;latitude;longitude\r\nA;43,7;11,2\r\n".encode("utf-16"), "u16.csv")
    assert utf16.status_code == 422 and "UTF-16" in utf16.json["errors"]["encoding"][0]

    bomb = _upload(utility, write_zip_bomb(tmp_path / "bomb.xlsx", inflated=300 * 1024 * 1024).read_bytes(),
                   "bomb.xlsx")
    assert bomb.status_code == 422 and "zip bomb" in bomb.json["detail"]

    no_crs = _upload(utility, _csv([["asset_id", "x", "y"], ["GB", "1681000", "4848000"]]), "gb.csv")
    assert no_crs.status_code == 422 and "coordinate system" in no_crs.json["errors"]["crs"][0]

    kind = _upload(utility, _lighting(1), "x.csv", kind="lampioni")
    assert kind.status_code == 400 and "kind" in kind.json["errors"]

    header_only, job = _import(utility, wait_for_job, _csv([LIGHTING_HEADER]), "solo_intestazione.csv")
    assert job["result"]["rows_total"] == 0
    assert "no data rows" in " ".join(job["result"]["warnings"])

    unknown, job = _import(utility, wait_for_job, _csv([[*LIGHTING_HEADER, "colore"],
                                                       ["U1", "43,77", "11,25", "LED", "", "", "", "", "", "blu"]]),
                           "extra.csv")
    assert job["result"]["warnings"] == ["columns ignored (not part of the kind): colore"]

    x, y = to_epsg(3003, 11.25, 43.77)
    features = [{"type": "Feature", "id": "J1", "geometry": {"type": "Point", "coordinates": [x, y]},
                 "properties": {}},
                {"type": "Feature", "id": "J2", "geometry": {"type": "Polygon", "coordinates": [[[x, y]]]},
                 "properties": {}},
                {"type": "Feature", "id": "J3", "geometry": {"type": "Point", "coordinates": [x + 9e6, y]},
                 "properties": {}}]
    geo = write_geojson(tmp_path / "j.geojson", features, crs="EPSG:3003")
    accepted, job = _import(utility, wait_for_job, geo.read_bytes(), "j.geojson")
    assert (job["result"]["rows_imported"], job["result"]["rows_rejected"]) == (1, 2)
    assert [(e["line"], e["code"]) for e in _errors(utility, accepted["upload_id"])] == [
        ("2", "invalid_geometry"), ("3", "outside_territory")]

    with db.begin():
        ids = set(db.scalars(select(InventoryAsset.asset_id)))
    assert {"FI-0000", "FI-0001", "FI-0002", "U1", "J1"} == ids


def test_file_over_the_limit_is_refused_with_413(as_user, app):
    from werkzeug.test import EnvironBuilder

    utility = as_user("firenze-utility")
    big = io.BytesIO(b"0" * (app.config["MAX_CONTENT_LENGTH"] + 1024 * 1024))
    builder = EnvironBuilder(path=BASE, method="POST", headers={"Authorization": f"Bearer {utility.token}"},
                             data={"kind": "public-lighting", "file": (big, "enorme.csv")})
    environ = builder.get_environ()
    try:
        response = app.test_client().open(environ)
    finally:
        environ["wsgi.input"].close()
        builder.close()
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_other_tenants_see_nothing(as_user, utility, wait_for_job, app, db):
    accepted, _ = _import(utility, wait_for_job, _lighting(2), "fi.csv")
    prato = as_user("prato-utility")
    assert prato.get(f"{BASE}/{accepted['upload_id']}").status_code == 404
    assert prato.get(f"{BASE}/{accepted['upload_id']}/errors.csv").status_code == 404
    assert prato.post(BASE, data={"kind": "public-lighting", "file": (io.BytesIO(_lighting(1)), "a.csv")},
                      content_type="multipart/form-data").status_code == 404
    assert as_user("revisore").post(BASE.replace("firenze", "prato"), data={"kind": "public-lighting"},
                                    content_type="multipart/form-data").status_code == 403
    prato_id = prato.get("/api/v1/tenants/prato").json["id"]
    from smartregion import tenancy
    from smartregion.db import db as database

    with app.app_context(), tenancy.tenant_context(prato_id):
        session = database.new_session()
        try:
            assert session.execute(text("SELECT count(*) FROM inventory_assets")).scalar() == 0
            assert session.execute(text("SELECT count(*) FROM inventory_uploads")).scalar() == 0
        finally:
            session.close()
    with db.begin():
        assert db.scalar(select(func.count()).select_from(InventoryAsset)) == 2


def test_templates_and_kinds(utility):
    template = utility.get("/api/v1/inventories/templates/public-lighting.csv?lang=it")
    assert template.status_code == 200
    assert template.data.decode().splitlines()[0].startswith("codice_asset;latitudine_wgs84;longitudine_wgs84")
    kinds = utility.get("/api/v1/inventories/kinds").json
    lighting = next(k for k in kinds["kinds"] if k["slug"] == "public-lighting")
    assert next(f for f in lighting["fields"] if f["name"] == "lamp_technology")["choices"] == [
        "CFL", "HPS", "LED", "MH", "other"]
    assert {c["epsg"] for c in kinds["coordinate_systems"]} >= {4326, 6706, 6707, 6708, 25832, 3003}
    assert utility.get("/api/v1/inventories/templates/lampioni.csv").status_code == 404


def test_broadband_records_and_the_sharing_rule(as_user, utility, wait_for_job, db, tmp_path):
    seed.demo(db)
    db.commit()
    seed.demo(db)
    db.commit()
    secretariat = as_user("segreteria")
    records = secretariat.get("/api/v1/broadband?istat_code=049008").json
    assert [(r["tender"], r["phase"], r["project_type"], r["status"], r["agreement_signed"]) for r in records] == [
        (1, 4, "FWA", "design-under-check", False), (1, 4, "FTTH", "in-final-design", False),
        (1, 4, "FWA", "in-final-design", False)]
    assert records[0]["status_label_it"] == "Verifica/correzione definitivo"
    exported = secretariat.get("/api/v1/broadband.csv").data.decode("utf-8-sig").splitlines()
    assert len(exported) == 7 and exported[1].startswith("049008,Collesalvetti,2018-02-28,1,4,FWA")

    table = _csv([["Codice ISTAT", "Comune", "Gara", "Fase", "Tipo progetto", "Status", "Convenzione firmata",
                   "Copertura 100 Mbps"],
                  ["048017", "Firenze", "2", "3", "FIBRA", "In esecuzione", "SI", "61,5"],
                  ["999999", "Atlantide", "1", "1", "FWA", "In esecuzione", "NO", ""]])
    imported = secretariat.post("/api/v1/broadband/imports", data={"as_of": "2019-03-31",
                                                                   "file": (io.BytesIO(table), "bul.csv")},
                                content_type="multipart/form-data")
    assert imported.status_code == 200, imported.json
    assert (imported.json["records"], imported.json["rejected"]) == (1, 1)
    assert utility.post("/api/v1/broadband/imports", data={"as_of": "2019-03-31",
                                                           "file": (io.BytesIO(table), "bul.csv")},
                        content_type="multipart/form-data").status_code == 403
    own = utility.get("/api/v1/tenants/firenze/broadband").json
    assert [(r["status"], r["coverage_100"]) for r in own] == [("works-in-progress", 61.5)]
    assert utility.get("/api/v1/tenants/firenze/cadastre").json["broadband"][0]["agreement_signed"] is True

    prato = as_user("prato-utility")
    prato_upload = prato.post("/api/v1/tenants/prato/inventories", content_type="multipart/form-data",
                              data={"kind": "public-lighting", "file": (io.BytesIO(_csv([LIGHTING_HEADER, [
                                  "PO-1", "43,88", "11,10", "LED", "", "", "", "", ""]])), "po.csv")})
    assert wait_for_job(prato_upload.json["job_id"])["state"] == "finished"
    _import(utility, wait_for_job, _lighting(1), "fi.csv")
    closed = utility.get("/api/v1/tenants/firenze/cadastre/shared.geojson")
    assert closed.status_code == 403 and "accepted" in closed.json["detail"]
    assert utility.put("/api/v1/tenants/firenze/cadastre/review", json={"status": "accepted"}).status_code == 403
    review = secretariat.put("/api/v1/tenants/firenze/cadastre/review", json={"status": "accepted", "note": "ok"})
    assert review.status_code == 200 and review.json["status"] == "accepted"
    shared = utility.get("/api/v1/tenants/firenze/cadastre/shared.geojson")
    assert shared.status_code == 200
    assert [f["id"] for f in shared.json["features"]] == ["PO-1"]


def test_progress_page_reaches_the_end(utility, wait_for_job, app):
    accepted, _ = _import(utility, wait_for_job, _lighting(2), "pagina.csv")
    page = utility.get(f"/tenants/firenze/inventories/{accepted['upload_id']}")
    assert page.status_code == 200
    html = page.data.decode()
    assert 'aria-valuenow="100"' in html and "errors.csv" in html
    listing = utility.get("/tenants/firenze/inventories")
    assert listing.status_code == 200 and "pagina.csv" in listing.data.decode()


def test_network_segments_from_a_geopackage_and_lights_from_xlsx_fill_the_cadastre(utility, wait_for_job, tmp_path):
    from tests.census.inventories.inv_files import write_geopackage, write_xlsx

    start = to_epsg(6707, 11.25, 43.77)
    segments = [{"asset_id": f"ACQ-{i}", "rete": "acquedotto", "materiale": "ghisa \\ sferoidale\tnuova",
                 "gestore": "Publiacqua Esempio",
                 "coords": [(start[0], start[1] + 1000 * i), (start[0] + 600, start[1] + 1000 * i + 800)]}
                for i in range(3)]
    gpkg = write_geopackage(tmp_path / "reti.gpkg", segments, epsg=6707, geometry="LINESTRING")
    _, job = _import(utility, wait_for_job, gpkg.read_bytes(), "reti.gpkg", kind="network-segments")
    assert (job["result"]["format"], job["result"]["epsg"], job["result"]["rows_imported"]) == ("geopackage", 6707, 3)
    xlsx = write_xlsx(tmp_path / "luci.xlsx", [LIGHTING_HEADER, ["X-1", 43.77, 11.25, "LED", 30, "", "", "sì", "no"]])
    _, job = _import(utility, wait_for_job, xlsx.read_bytes(), "luci.xlsx")
    assert (job["result"]["format"], job["result"]["rows_imported"]) == ("xlsx", 1)

    categories = {c["category"]: c for c in utility.get("/api/v1/tenants/firenze/cadastre").json["categories"]}
    assert categories["water"]["assets"] == 3
    assert categories["water"]["km"] == pytest.approx(3.0, rel=0.01)  # three 1 km pipes (600 m by 800 m)
    assert categories["water"]["operators"] == ["Publiacqua Esempio"]
    assert categories["public-lighting"]["assets"] == 1
    water = json.loads(utility.get("/api/v1/tenants/firenze/cadastre.geojson?category=water").data)
    assert {f["geometry"]["type"] for f in water["features"]} == {"LineString"}
    assert {f["properties"]["material"] for f in water["features"]} == {"ghisa \\ sferoidale\tnuova"}
    assert utility.get("/api/v1/tenants/firenze/cadastre.geojson?category=lava").status_code == 400


def test_idempotency_key_replays_the_first_answer_and_refuses_reuse(utility, wait_for_job, db):
    from smartregion.jobs import Job

    key = {"Idempotency-Key": "6f1c2a9e-upload-1"}
    data = _lighting(5)
    first = utility.post(BASE, data={"kind": "public-lighting", "file": (io.BytesIO(data), "a.csv")},
                         content_type="multipart/form-data", headers=key)
    assert first.status_code == 202
    again = utility.post(BASE, data={"kind": "public-lighting", "file": (io.BytesIO(data), "a.csv")},
                         content_type="multipart/form-data", headers=key)
    assert again.status_code == 202
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    assert wait_for_job(first.json["job_id"])["state"] == "finished"
    with db.begin():
        assert db.scalar(select(func.count()).select_from(Job).where(Job.func.like("%import_upload"))) == 1

    other = utility.post(BASE, data={"kind": "public-lighting", "file": (io.BytesIO(_lighting(6)), "b.csv")},
                         content_type="multipart/form-data", headers=key)
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json["errors"]

    bad = utility.post(BASE, data={"kind": "public-lighting", "file": (io.BytesIO(data), "a.csv")},
                       content_type="multipart/form-data", headers={"Idempotency-Key": "x" * 201})
    assert bad.status_code == 400 and "Idempotency-Key" in bad.json["errors"]


def test_an_asset_repeated_in_a_later_batch_is_rejected_and_the_first_line_kept(app, demo, db, tmp_path):
    """Batches of three rows: FI-0001 comes back in the third batch and is reported, not imported."""
    from smartregion import tenancy

    from census.inventories import services
    from census.inventories.models import InventoryUpload
    from tenants.models import Tenant

    path = tmp_path / "repeated.csv"
    path.write_bytes(_lighting(7, extra=[["FI-0001", "43,77", "11,26", "LED", "10", "", "", "", ""]]))
    with db.begin():
        tenant_id = db.scalar(select(Tenant.id).where(Tenant.slug == "firenze"))
    with tenancy.tenant_context(tenant_id):
        from smartregion.db import db as database

        session = database.new_session()
        upload = InventoryUpload(tenant_id=tenant_id, kind="public-lighting", filename="repeated.csv",
                                 sha256="e" * 64, size=1, uploaded_by="test", status="received", warnings=[])
        session.add(upload)
        session.commit()
        for _ in services.import_steps(session, tenant_id, upload.id, path, batch_rows=3):
            session.commit()
        session.refresh(upload)
        assert (upload.rows_total, upload.rows_imported, upload.rows_rejected, upload.batches_done) == (8, 7, 1, 3)
        report = list(services.rejections(session, tenant_id, upload.id))
        first = session.scalar(select(InventoryAsset).where(InventoryAsset.asset_id == "FI-0001"))
        session.close()
    assert [(r.line, r.code, r.reason) for r in report] == [
        (9, "duplicate_asset_id", "asset_id FI-0001 already appears on line 3")]
    assert (first.line, first.latitude) == (3, 43.771)
