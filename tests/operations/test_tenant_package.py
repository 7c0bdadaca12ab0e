"""A tenant's data package: its entities as CSV and JSON, its files, its audit events, a manifest; audited."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile

from sqlalchemy import select

from tenants.models import Tenant
from tests.census.inventories.inv_files import LIGHTING_HEADER

# A point inside each municipality (the import rejects assets outside the tenant's territory).
CENTRES = {"firenze": ("43,77", "11,25"), "prato": ("43,88", "11,09")}


def _upload(as_user, wait_for_job, slug: str, prefix: str, rows: int) -> None:
    lat, lon = CENTRES[slug]
    lines = [";".join(LIGHTING_HEADER)] + [
        f"{prefix}-{i:03d};{lat}{i};{lon}{i};LED;42,5;Via Roma;2019-05-14;sì;no" for i in range(rows)]
    response = as_user(f"{slug}-utility").post(
        f"/api/v1/tenants/{slug}/inventories", content_type="multipart/form-data",
        data={"kind": "public-lighting", "file": (io.BytesIO(("\r\n".join(lines) + "\r\n").encode("cp1252")),
                                                  f"=HYPERLINK(\"http://x\",\"{slug}\").csv")})
    assert response.status_code == 202
    assert wait_for_job(response.json["job_id"])["state"] == "finished"


def test_the_secretariat_exports_one_tenants_whole_data(as_user, page_client, rq_worker, wait_for_job, db):
    from smartregion.audit import AuditEvent

    _upload(as_user, wait_for_job, "firenze", "FI", 4)
    _upload(as_user, wait_for_job, "prato", "PO", 3)
    seg = as_user("segreteria")
    assert as_user("firenze-comune").post("/api/v1/tenants/firenze/data-packages").status_code == 403
    requested = seg.post("/api/v1/tenants/firenze/data-packages")
    assert requested.status_code == 202, requested.json
    early = seg.get(requested.json["download_url"])
    assert early.status_code in (200, 409)  # 409 problem+json while the job runs
    early.close()
    job = wait_for_job(requested.json["job_id"])
    assert job["state"] == "finished", job
    download = seg.get(requested.json["download_url"])
    assert download.status_code == 200 and download.headers["Content-Type"] == "application/zip"
    assert hashlib.sha256(download.data).hexdigest() == job["result"]["sha256"]
    download.close()

    with db.begin():
        firenze = db.scalar(select(Tenant.id).where(Tenant.slug == "firenze"))
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["tenant"]["slug"] == "firenze" and manifest["entities"]["inventory_assets"] == 4
    for name, member in manifest["members"].items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == member["sha256"], name
    for name in archive.namelist():
        if name.startswith("data/") and name.endswith(".json"):
            rows = json.loads(archive.read(name))
            assert all(row["tenant_id"] == firenze for row in rows), f"{name} holds another tenant's rows"
    assets = list(csv.DictReader(io.StringIO(archive.read("data/inventory_assets.csv").decode())))
    assert sorted(a["asset_id"] for a in assets) == ["FI-000", "FI-001", "FI-002", "FI-003"]
    uploads_csv = list(csv.DictReader(io.StringIO(archive.read("data/inventory_uploads.csv").decode())))
    assert uploads_csv[0]["filename"].startswith("'=HYPERLINK"), "a formula in a cell is kept as text"
    uploads = json.loads(archive.read("data/inventory_uploads.json"))
    assert [f"files/{u['sha256']}" in archive.namelist() for u in uploads] == [True]
    events = json.loads(archive.read("data/audit_events.json"))
    assert "census.inventory.upload" in {e["action"] for e in events}
    assert json.loads(archive.read("tenant.json"))["tenant"]["slug"] == "firenze"

    page = page_client("segreteria").get("/tenant-exports").get_data(as_text=True)
    assert "Pacchetti dati dei comuni" in page and job["result"]["filename"] in page
    assert page_client("firenze-comune").get("/tenant-exports").status_code == 403
    with db.begin():
        actions = db.scalars(select(AuditEvent.action).where(AuditEvent.action.like("tenant.data_package.%"))
                             .order_by(AuditEvent.id)).all()
    assert actions[:2] == ["tenant.data_package.request", "tenant.data_package.create"]
    assert actions.count("tenant.data_package.download") == 1 + (early.status_code == 200)
