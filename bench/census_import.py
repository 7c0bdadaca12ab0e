"""Benchmark: import a 1,000,000-row public-lighting CSV through the real import job on PostgreSQL.

The file is semicolon-separated, Windows-1252, with decimal commas and 1% bad rows, as utilities
export it; every good point lies inside Firenze, the tenant's municipality, so the territory check
runs on every row (a third of the bad rows lie outside it). The clock runs from storing the upload to
the job's finished state: the upload is received as the API receives it, and the import job runs in
a real RQ worker started beforehand (as in production, where workers wait for jobs); the peak memory
of the worker and its work horse is sampled while each job runs (VmHWM: ``ru_maxrss`` of a child would
carry over the size of this process, which holds the generated points).

The mapping path imports the same points a second time from a file with the utility's own headers
(``MATRICOLA;EST_GB;NORD_GB;...``) in Gauss-Boaga west (EPSG:3003), through an explicit ``mapping``
and ``crs``, as a GIS office exports it. A row-by-row ORM import of a sample of the first file is the
baseline. The last line printed is one JSON object with the figures.

    .venv/bin/python bench/census_import.py [--rows 1000000] [--orm-rows 20000]

It creates and drops its own database on the server of DATABASE_URL (default: the local one).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = ("Codice;Latitudine;Longitudine;Tecnologia lampada;Potenza (W);Via;Data installazione;Dimmerabile;"
          "Nodo smart\r\n")
# The utility's own headers, coordinates in Gauss-Boaga west: imported through MAPPING and GAUSS_BOAGA_WEST.
MAPPED_HEADER = "MATRICOLA;EST_GB;NORD_GB;SORGENTE;WATT;UBICAZIONE;DATA_POSA;RIDUZIONE;TELECONTROLLO\r\n"
MAPPING = {"asset_id": "MATRICOLA", "x": "EST_GB", "y": "NORD_GB", "lamp_technology": "SORGENTE",
           "power_w": "WATT", "street": "UBICAZIONE", "installed_on": "DATA_POSA", "dimmable": "RIDUZIONE",
           "smart_node": "TELECONTROLLO"}
GAUSS_BOAGA_WEST = 3003
TECHNOLOGIES = ("LED", "SAP", "JM", "CFL", "LED", "altro")
FIRENZE = "048017"
OUTSIDE = (43.95, 11.05)  # in the hills north-west of Prato, well beyond Firenze's border tolerance


def points_inside(istat_code: str, count: int, seed: int):
    """``count`` random points (longitudes, latitudes) inside the municipality's shipped boundary."""
    import numpy as np
    import shapely

    from census.inventories.territory import _feature

    shape = shapely.geometry.shape(_feature(istat_code)["geometry"])
    shapely.prepare(shape)
    west, south, east, north = shape.bounds
    rng = np.random.default_rng(seed)
    lons, lats, found = [], [], 0
    while found < count:
        x = rng.uniform(west, east, count)
        y = rng.uniform(south, north, count)
        keep = shapely.contains_xy(shape, x, y)
        lons.append(x[keep])
        lats.append(y[keep])
        found += int(keep.sum())
    return np.concatenate(lons)[:count], np.concatenate(lats)[:count]


def generate(path: Path, mapped_path: Path, rows: int, *, bad_share: float = 0.01, seed: int = 2017) -> int:
    """Write the benchmark file and its mapped twin (same rows); returns the number of bad rows in each."""
    from pyproj import Transformer

    rng = random.Random(seed)
    lons, lats = points_inside(FIRENZE, rows, seed)
    to_gauss_boaga = Transformer.from_crs(4326, GAUSS_BOAGA_WEST, always_xy=True)
    eastings, northings = to_gauss_boaga.transform(lons, lats)
    bad = 0
    with (open(path, "w", encoding="cp1252", newline="") as handle,
          open(mapped_path, "w", encoding="cp1252", newline="") as mapped):
        handle.write(HEADER)
        mapped.write(MAPPED_HEADER)
        lines, mapped_lines = [], []
        for i in range(rows):
            lat = f"{lats[i]:.6f}".replace(".", ",")
            lon = f"{lons[i]:.6f}".replace(".", ",")
            east = f"{eastings[i]:.2f}".replace(".", ",")
            north = f"{northings[i]:.2f}".replace(".", ",")
            power = f"{20 + i % 230},{i % 10}"
            technology = TECHNOLOGIES[i % len(TECHNOLOGIES)]
            if rng.random() < bad_share:
                bad += 1
                if i % 3 == 0:
                    technology = "plasma"
                elif i % 3 == 1:
                    lat, north = "91,5", "9999999,0"
                else:
                    lat, lon = (f"{v}".replace(".", ",") for v in OUTSIDE)
                    x, y = to_gauss_boaga.transform(OUTSIDE[1], OUTSIDE[0])
                    east, north = f"{x:.2f}".replace(".", ","), f"{y:.2f}".replace(".", ",")
            rest = (f"{technology};{power};Via Niccolò Machiavelli {i % 480};"
                    f"{2000 + i % 24}-{1 + i % 12:02d}-{1 + i % 28:02d};{'sì' if i % 3 else 'no'};"
                    f"{'1' if i % 4 else '0'}\r\n")
            lines.append(f"LI-{i:08d};{lat};{lon};{rest}")
            mapped_lines.append(f"GB-{i:08d};{east};{north};{rest}")
            if len(lines) == 10_000:
                handle.writelines(lines)
                mapped.writelines(mapped_lines)
                lines, mapped_lines = [], []
        handle.writelines(lines)
        mapped.writelines(mapped_lines)
    return bad


def high_water_mb(pid: int | str = "self") -> float:
    """A process's peak resident memory (VmHWM). Not ``ru_maxrss``: Linux carries that over from the
    parent through fork and exec, so a small child of a big parent would report the parent's size."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0.0


def children_of(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as listing:
            return [int(p) for p in listing.read().split()]
    except FileNotFoundError:
        return []


def _admin_conninfo(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def orm_baseline(app, tenant_id: int, path: Path, rows: int) -> float:
    """Row-by-row ORM import (look up, then insert or update, one flush per row) of a sample."""
    from smartregion import tenancy
    from smartregion.db import db
    from sqlalchemy import select

    from census.inventories.kinds import KINDS
    from census.inventories.models import InventoryAsset, InventoryUpload
    from census.inventories.pipeline import prepare

    sample = path.with_name("sample.csv")
    with open(path, encoding="cp1252", newline="") as src, open(sample, "w", encoding="cp1252", newline="") as dst:
        for number, line in enumerate(src):
            if number > rows:
                break
            dst.write(line.replace("LI-", "ORM-", 1))
    with app.app_context(), tenancy.tenant_context(tenant_id):
        session = db.new_session()
        upload = InventoryUpload(tenant_id=tenant_id, kind="public-lighting", filename="orm.csv", sha256="0" * 64,
                                 size=0, uploaded_by="bench", status="importing", warnings=[], rows_total=0,
                                 rows_imported=0, rows_rejected=0, rows_inserted=0, rows_updated=0, batches_done=0)
        session.add(upload)
        session.commit()
        started = time.perf_counter()
        plan = prepare(sample, KINDS["public-lighting"])
        for _, clean, _errors in plan.rows():
            if clean is None:
                continue
            asset = session.scalar(select(InventoryAsset).where(
                InventoryAsset.tenant_id == tenant_id, InventoryAsset.kind == "public-lighting",
                InventoryAsset.asset_id == clean.asset_id))
            if asset is None:
                asset = InventoryAsset(tenant_id=tenant_id, kind="public-lighting", asset_id=clean.asset_id)
                session.add(asset)
            asset.category, asset.operator = clean.category, clean.operator
            asset.longitude, asset.latitude, asset.length_m = clean.longitude, clean.latitude, clean.length_m
            asset.geometry, asset.attributes = clean.geometry, clean.attributes
            asset.upload_id, asset.line = upload.id, clean.line
            session.flush()
        session.commit()
        elapsed = time.perf_counter() - started
        session.close()
    return rows / elapsed


def import_through_job(app, worker, tenant_id: int, path: Path, *, mapping=None,
                       epsg=None) -> tuple[float, dict, float]:
    """Store the file, receive it as the API does and wait for the worker's job: (seconds, job result, peak MB
    of the worker and its work horse, sampled while the job runs)."""
    from smartregion import tenancy
    from smartregion.db import db
    from smartregion.jobs import Job
    from smartregion.storage import storage

    from census.inventories import services

    with app.app_context():
        started = time.perf_counter()
        with open(path, "rb") as handle:
            stored = storage().put(handle)
        with tenancy.tenant_context(tenant_id), db.new_session() as session:
            received = services.receive_upload(
                session, tenant_id, kind="public-lighting", filename=path.name, sha256=stored.sha256,
                size=stored.size, path=storage().path(stored.sha256), epsg=epsg, actor="bench", mapping=mapping)
            job_id = received.upload.job_id
            session.commit()
        peak = 0.0
        while True:
            for pid in [worker.pid, *children_of(worker.pid)]:
                peak = max(peak, high_water_mb(pid))
            with db.new_session() as session:
                job = session.get(Job, job_id)
                state, result, error = job.state, job.result, job.error
            if state in ("finished", "failed"):
                break
            time.sleep(0.05)
    elapsed = time.perf_counter() - started
    assert state == "finished", error
    return elapsed, result, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--orm-rows", type=int, default=20_000)
    args = parser.parse_args()

    import psycopg
    from sqlalchemy.engine import make_url

    admin = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"smartregion_bench_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(_admin_conninfo(admin), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    workdir = Path(tempfile.mkdtemp(prefix="census-bench-"))
    env = {
        "DATABASE_URL": make_url(admin).set(database=name).render_as_string(hide_password=False),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "SMARTREGION_ENV": os.environ.get("SMARTREGION_ENV", "test"),
        "STORAGE_DIR": str(workdir / "files"), "VAR_DIR": str(workdir),
        "DEV_IDP_KEY_FILE": str(workdir / "devidp" / "key.pem"),
        "RQ_QUEUE_PREFIX": f"bench-{name}-", "MAX_CONTENT_LENGTH": str(1024 * 1024 * 1024),
    }
    os.environ.update(env)
    try:
        from smartregion.cli import seed_demo, upgrade_database

        upgrade_database(env["DATABASE_URL"])
        from smartregion.app import create_app

        app = create_app()
        seed_demo(app)
        path, mapped_path = workdir / "punti_luce.csv", workdir / "illuminazione_gauss_boaga.csv"
        started = time.perf_counter()
        bad = generate(path, mapped_path, args.rows)
        print(f"generated twice {args.rows} rows ({bad} bad) in {time.perf_counter() - started:.1f}s, "
              f"{path.stat().st_size / 1e6:.0f} MB", flush=True)

        from smartregion import tenancy
        from smartregion.db import db
        from sqlalchemy import select

        from tenants.models import Tenant

        worker_log = (workdir / "worker.log").open("wb")
        worker = subprocess.Popen([sys.executable, "-m", "smartregion.cli", "worker", "--no-cron"],
                                  env=os.environ.copy(), cwd=ROOT, stdout=worker_log, stderr=subprocess.STDOUT)
        time.sleep(3)  # the worker connects and waits for jobs, as in production
        with app.app_context(), db.new_session() as session, tenancy.regional_scope():
            tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == "firenze"))
        figures, peak_mb = {}, 0.0
        for label, file, options in (("plain", path, {}),
                                     ("mapping", mapped_path, {"mapping": MAPPING, "epsg": GAUSS_BOAGA_WEST})):
            elapsed, result, peak = import_through_job(app, worker, tenant_id, file, **options)
            peak_mb = max(peak_mb, peak)
            assert result["rows_total"] == args.rows and result["rows_rejected"] == bad, result
            figures[label] = args.rows / elapsed
            print(f"{label} job: {result['rows_imported']} imported, {result['rows_rejected']} rejected in "
                  f"{elapsed:.1f}s ({figures[label]:,.0f} rows/s)", flush=True)
        worker.terminate()
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:  # an RQ warm shutdown can hang; the figures are taken already
            worker.kill()
            worker.wait()
        worker_log.close()
        print(f"peak RSS of the worker and its work horse {peak_mb:.0f} MB", flush=True)

        orm_rows_per_s = orm_baseline(app, tenant_id, path, args.orm_rows)
        print(f"row-by-row ORM baseline on {args.orm_rows} rows: {orm_rows_per_s:,.0f} rows/s", flush=True)
        app.extensions["smartregion.db"].engine.dispose()
        print(json.dumps({"rows": args.rows, "rows_per_s": round(figures["plain"]),
                          "mapping_rows_per_s": round(figures["mapping"]), "orm_rows_per_s": round(orm_rows_per_s),
                          "ratio_vs_orm": round(figures["plain"] / orm_rows_per_s, 1),
                          "mapping_ratio_vs_orm": round(figures["mapping"] / orm_rows_per_s, 1),
                          "peak_rss_mb": round(peak_mb)}))
    finally:
        with psycopg.connect(_admin_conninfo(admin), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
