"""Benchmark: import a 1,000,000-row public-lighting CSV through the real import job on PostgreSQL.

The file is semicolon-separated, Windows-1252, with decimal commas and 1% bad rows, as utilities
export it. The clock runs from storing the upload to the job's finished state: the upload is
received as the API receives it, and the import job runs in a real RQ worker started beforehand
(as in production, where workers wait for jobs), so the peak memory measured is the worker's and
its work horse's. A row-by-row ORM import of a sample of the same file is the baseline. The last
line printed is one JSON object with the figures.

    .venv/bin/python bench/census_import.py [--rows 1000000] [--orm-rows 20000]

It creates and drops its own database on the server of DATABASE_URL (default: the local one).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = ("Codice;Latitudine;Longitudine;Tecnologia lampada;Potenza (W);Via;Data installazione;Dimmerabile;"
          "Nodo smart\r\n")
TECHNOLOGIES = ("LED", "SAP", "JM", "CFL", "LED", "altro")


def generate(path: Path, rows: int, *, bad_share: float = 0.01, seed: int = 2017) -> int:
    """Write the benchmark file; returns the number of bad rows in it."""
    rng = random.Random(seed)
    bad = 0
    with open(path, "w", encoding="cp1252", newline="") as handle:
        handle.write(HEADER)
        lines = []
        for i in range(rows):
            lat = f"{43.30 + rng.random() * 0.5:.6f}".replace(".", ",")
            lon = f"{10.20 + rng.random() * 0.9:.6f}".replace(".", ",")
            power = f"{20 + i % 230},{i % 10}"
            technology = TECHNOLOGIES[i % len(TECHNOLOGIES)]
            if rng.random() < bad_share:
                bad += 1
                if i % 2:
                    technology = "plasma"
                else:
                    lat = "91,5"
            lines.append(f"LI-{i:08d};{lat};{lon};{technology};{power};Via Niccolò Machiavelli {i % 480};"
                         f"{2000 + i % 24}-{1 + i % 12:02d}-{1 + i % 28:02d};{'sì' if i % 3 else 'no'};"
                         f"{'1' if i % 4 else '0'}\r\n")
            if len(lines) == 10_000:
                handle.writelines(lines)
                lines = []
        handle.writelines(lines)
    return bad


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
        path = workdir / "punti_luce.csv"
        started = time.perf_counter()
        bad = generate(path, args.rows)
        print(f"generated {args.rows} rows ({bad} bad) in {time.perf_counter() - started:.1f}s, "
              f"{path.stat().st_size / 1e6:.0f} MB", flush=True)

        from smartregion import tenancy
        from smartregion.db import db
        from smartregion.storage import storage
        from sqlalchemy import select

        from census.inventories import services
        from tenants.models import Tenant

        worker_log = (workdir / "worker.log").open("wb")
        worker = subprocess.Popen([sys.executable, "-m", "smartregion.cli", "worker", "--no-cron"],
                                  env=os.environ.copy(), cwd=ROOT, stdout=worker_log, stderr=subprocess.STDOUT)
        time.sleep(3)  # the worker connects and waits for jobs, as in production
        with app.app_context():
            with db.new_session() as session, tenancy.regional_scope():
                tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == "firenze"))
            started = time.perf_counter()
            with open(path, "rb") as handle:
                stored = storage().put(handle)
            with tenancy.tenant_context(tenant_id), db.new_session() as session:
                received = services.receive_upload(
                    session, tenant_id, kind="public-lighting", filename=path.name, sha256=stored.sha256,
                    size=stored.size, path=storage().path(stored.sha256), epsg=None, actor="bench")
                job_id = received.upload.job_id
                session.commit()
        from smartregion.jobs import Job

        with app.app_context():
            while True:
                with db.new_session() as session:
                    job = session.get(Job, job_id)
                    state, result, error = job.state, job.result, job.error
                if state in ("finished", "failed"):
                    break
                time.sleep(0.05)
        elapsed = time.perf_counter() - started
        worker.terminate()
        worker.wait(timeout=60)
        worker_log.close()
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        assert state == "finished", error
        assert result["rows_total"] == args.rows and result["rows_rejected"] == bad, result
        rows_per_s = args.rows / elapsed
        print(f"job: {result['rows_imported']} imported, {result['rows_rejected']} rejected in {elapsed:.1f}s "
              f"({rows_per_s:,.0f} rows/s), peak RSS of the worker {peak_mb:.0f} MB", flush=True)

        orm_rows_per_s = orm_baseline(app, tenant_id, path, args.orm_rows)
        print(f"row-by-row ORM baseline on {args.orm_rows} rows: {orm_rows_per_s:,.0f} rows/s", flush=True)
        app.extensions["smartregion.db"].engine.dispose()
        print(json.dumps({"rows": args.rows, "rows_per_s": round(rows_per_s), "orm_rows_per_s": round(orm_rows_per_s),
                          "ratio_vs_orm": round(rows_per_s / orm_rows_per_s, 1), "peak_rss_mb": round(peak_mb)}))
    finally:
        with psycopg.connect(_admin_conninfo(admin), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
