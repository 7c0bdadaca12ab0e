"""Benchmark: OpenCoesione's regional project file read as a stream, memory flat whatever its size.

Zipped ``progetti_esteso_TOS`` files are generated the way OpenCoesione publishes them (the tests'
generator: 130 of its columns, ``;``, decimal comma, quoted text, about a kilobyte a row), each with 50
rows of the platform's projects spread through the others. First the file of ``--rows`` rows is imported
end to end: stored, checked and read by the real job in a real RQ worker started beforehand, on its
own database; the peak memory of the worker and its work horse is sampled while the job runs. Then the
streaming reader alone reads that file and one of a third of its rows, each in a fresh process (peak:
the process's VmHWM). The same-run baseline is the way the import read files before: the whole file in
memory and every row kept as a list of cells, measured on a fifteenth and a fifth of the rows (it grows
with the file; the full size would take gigabytes on a shared machine). The last line printed is one
JSON object with the figures.

    .venv/bin/python bench/opencoesione_import.py [--rows 300000]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KNOWN = 50


def known_rows() -> list[dict]:
    from tests.funding import opencoesione_files as oc

    places = list(oc.TUSCANY)
    return [oc.project(f"1FESR-TOS-{i:05d}", f"D11B21{i:09d}", f"PROGETTO SMART N. {i}", public=f"{100000 + i},50",
                       payments=f"{i},25", **oc.place(places[i % len(places)])) for i in range(KNOWN)]


def scope():
    from funding.importers.opencoesione import Scope
    from tests.funding import opencoesione_files as oc

    return Scope(frozenset(oc.TUSCANY), frozenset(row["CUP"] for row in known_rows()))


def read_streaming(path: str) -> dict:
    from funding.importers import opencoesione

    started = time.perf_counter()
    report = opencoesione.read(path, scope())
    return {"rows": report.rows, "kept": report.kept, "seconds": time.perf_counter() - started}


def read_whole(path: str) -> dict:
    """The former way: the whole file decoded in memory, every row kept, then filtered."""
    import csv
    import io
    import zipfile

    started = time.perf_counter()
    with zipfile.ZipFile(path) as archive:
        data = archive.read(archive.infolist()[0])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline=""), delimiter=";"))
    cups = scope().cups
    kept = sum(1 for row in rows[1:] if row[1] in cups)
    return {"rows": len(rows) - 1, "kept": kept, "seconds": time.perf_counter() - started}


def measure(mode: str, path: Path) -> dict:
    """Run one reading in a fresh process; its figures and its peak resident memory in MB."""
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(path)], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def child(mode: str, path: str) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from census_import import high_water_mb

    figures = (read_streaming if mode == "stream" else read_whole)(path)
    figures["peak_mb"] = round(high_water_mb(), 1)
    print(json.dumps(figures))


def through_the_job(path: Path, workdir: Path) -> dict:
    """Create a database, seed the demo with the known projects, import the file with the worker's job."""
    import psycopg
    from sqlalchemy.engine import make_url

    sys.path.insert(0, str(ROOT / "bench"))
    from census_import import _admin_conninfo, children_of, high_water_mb

    admin = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"smartregion_bench_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(_admin_conninfo(admin), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {"DATABASE_URL": make_url(admin).set(database=name).render_as_string(hide_password=False),
           "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
           "SMARTREGION_ENV": os.environ.get("SMARTREGION_ENV", "test"), "STORAGE_DIR": str(workdir / "files"),
           "VAR_DIR": str(workdir), "DEV_IDP_KEY_FILE": str(workdir / "devidp" / "key.pem"),
           "RQ_QUEUE_PREFIX": f"bench-{name}-", "MAX_CONTENT_LENGTH": str(1024 * 1024 * 1024)}
    os.environ.update(env)
    worker = None
    try:
        from smartregion import tenancy
        from smartregion.app import create_app
        from smartregion.cli import seed_demo, upgrade_database
        from smartregion.db import db
        from smartregion.jobs import Job
        from smartregion.storage import storage
        from sqlalchemy import select

        from funding.models import Project
        from funding.services import cohesion
        from tenants.models import Organization, Tenant

        upgrade_database(env["DATABASE_URL"])
        app = create_app()
        seed_demo(app)
        with app.app_context(), tenancy.regional_scope(), db.new_session() as session:
            tenants = dict(session.execute(select(Organization.istat_code, Tenant.id).join(
                Tenant, Tenant.municipality_id == Organization.id)).all())
            for row in known_rows():
                istat = row["COD_COMUNE"][-6:]
                session.add(Project(tenant_id=tenants[istat], title=row["OC_TITOLO_PROGETTO"], domain="energy",
                                    total_cost_cents=200_000_00, requested_cents=0, status="in_progress",
                                    cup=row["CUP"]))
            session.commit()
        log = (workdir / "worker.log").open("wb")
        worker = subprocess.Popen([sys.executable, "-m", "smartregion.cli", "worker", "--no-cron"],
                                  env=os.environ.copy(), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        time.sleep(3)  # the worker connects and waits, as in production
        with app.app_context():
            started = time.perf_counter()
            with path.open("rb") as handle:
                sha256 = storage().put(handle).sha256
            with tenancy.regional_scope(), db.new_session() as session:
                job_id = cohesion.start_import(session, storage().path(sha256), sha256, path.name).id
                session.commit()
            # The job runs in the worker's work horse (a forked child): its peak is sampled while it lives.
            peak = high_water_mb(worker.pid)
            while True:
                for pid in [worker.pid, *children_of(worker.pid)]:
                    peak = max(peak, high_water_mb(pid))
                with db.new_session() as session:
                    job = session.get(Job, job_id)
                    state, result, error = job.state, job.result, job.error
                if state in ("finished", "failed"):
                    break
                time.sleep(0.1)
            elapsed = time.perf_counter() - started
        worker.terminate()
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        worker = None
        log.close()
        assert state == "finished", error
        assert len(result["updated"]) == KNOWN, result["updated"]
        app.extensions["smartregion.db"].engine.dispose()
        return {"seconds": elapsed, "rows": result["rows"], "updated": len(result["updated"]),
                "worker_peak_mb": round(peak, 1)}
    finally:
        if worker is not None:
            worker.kill()
            worker.wait()
        with psycopg.connect(_admin_conninfo(admin), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return

    import shutil

    from tests.funding import opencoesione_files as oc

    workdir = Path(tempfile.mkdtemp(prefix="opencoesione-bench-"))
    try:
        # The former way holds the whole table: it is measured on smaller files, enough to see it grow.
        sizes = {"small": args.rows // 3, "large": args.rows, "whole_small": args.rows // 15,
                 "whole_large": args.rows // 5}
        paths = {}
        for label, rows in sizes.items():
            started = time.perf_counter()
            paths[label] = workdir / f"progetti_esteso_TOS_{label}.zip"
            oc.write_large(paths[label], rows, known=known_rows())
            print(f"generated {rows} rows in {time.perf_counter() - started:.0f}s: "
                  f"{paths[label].stat().st_size / 1e6:.0f} MB zipped", flush=True)
        job = through_the_job(paths["large"], workdir)
        print(f"job: {job['rows']} rows, {job['updated']} projects updated in {job['seconds']:.1f}s "
              f"({job['rows'] / job['seconds']:,.0f} rows/s), worker peak {job['worker_peak_mb']} MB", flush=True)
        figures = {}
        for mode, label in (("stream", "small"), ("stream", "large"), ("whole", "whole_small"),
                            ("whole", "whole_large")):
            figures[(mode, label.removeprefix("whole_"))] = f = measure(mode, paths[label])
            print(f"{mode:>6} {label}: {f['rows']} rows, {f['kept']} kept, {f['seconds']:.1f}s "
                  f"({f['rows'] / f['seconds']:,.0f} rows/s), peak {f['peak_mb']} MB", flush=True)
        stream_small, stream_large = figures[("stream", "small")], figures[("stream", "large")]
        whole_small, whole_large = figures[("whole", "small")], figures[("whole", "large")]
        print(json.dumps({
            "rows": args.rows, "rows_small": sizes["small"], "whole_rows": [sizes["whole_small"], sizes["whole_large"]],
            "stream_peak_mb_small": stream_small["peak_mb"], "stream_peak_mb_large": stream_large["peak_mb"],
            "stream_growth_mb": round(stream_large["peak_mb"] - stream_small["peak_mb"], 1),
            "whole_peak_mb_small": whole_small["peak_mb"], "whole_peak_mb_large": whole_large["peak_mb"],
            "whole_growth_mb": round(whole_large["peak_mb"] - whole_small["peak_mb"], 1),
            "stream_rows_per_s": round(stream_large["rows"] / stream_large["seconds"]),
            "job_rows_per_s": round(job["rows"] / job["seconds"]), "job_worker_peak_mb": job["worker_peak_mb"],
        }))
    finally:
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
