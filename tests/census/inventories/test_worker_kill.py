"""A worker killed with SIGKILL in the middle of an import: whole batches only, exact counts on retry."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
from sqlalchemy import func, select

from census.inventories.models import InventoryAsset, InventoryRejection, InventoryUpload
from census.inventories.services import BATCH_ROWS
from tests.census.inventories.inv_files import LIGHTING_HEADER

ROOT = Path(__file__).resolve().parents[3]
ROWS = 8 * BATCH_ROWS


def _inventory() -> tuple[bytes, int, int]:
    """A large lighting file with invalid rows and repeated asset ids; returns (bytes, good, rejected)."""
    out = io.StringIO()
    out.write(";".join(LIGHTING_HEADER) + "\r\n")
    valid: set[str] = set()
    rejected = 0
    for i in range(ROWS):
        asset = f"PL-{i:07d}"
        technology = "LED"
        if i % 97 == 0:
            technology = "plasma"
        elif i % 1000 == 500:
            asset = f"PL-{i - 10:07d}"
        elif i == 3 * BATCH_ROWS + 7:
            asset = "PL-0000001"
        if technology == "plasma" or asset in valid:
            rejected += 1
        else:
            valid.add(asset)
        out.write(f"{asset};43,77{i % 999:03d};11,22{i % 777:03d};{technology};40;Via Roma;;sì;no\r\n")
    return out.getvalue().encode("cp1252"), ROWS - rejected, rejected


def _start_worker(env: dict, log: Path) -> subprocess.Popen:
    with log.open("ab") as handle:
        return subprocess.Popen([sys.executable, "-m", "smartregion.cli", "worker"], env=env, cwd=ROOT,
                                stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)


def _children(pid: int) -> list[int]:
    """The worker's forked work horses (RQ puts each in its own session, so killpg would miss them)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _wait_gone(pids: list[int]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() and
                                              "Z" not in Path(f"/proc/{p}/stat").read_text().split()[2]
                                              for p in pids):
        time.sleep(0.05)


def _upload_state(app, upload_id: int) -> InventoryUpload:
    from smartregion import tenancy
    from smartregion.db import db as database

    with app.app_context(), tenancy.regional_scope(), database.new_session() as session:
        return session.get(InventoryUpload, {"id": upload_id, "tenant_id": _tenant_of(session, upload_id)})


def _tenant_of(session, upload_id: int) -> int:
    return session.scalar(select(InventoryUpload.tenant_id).where(InventoryUpload.id == upload_id))


def _counts(db, upload_id: int) -> tuple[int, int]:
    with db.begin():
        assets = db.scalar(select(func.count()).select_from(InventoryAsset))
        rejected_rows = db.scalar(select(func.count(func.distinct(InventoryRejection.line)))
                                  .where(InventoryRejection.upload_id == upload_id))
    return assets, rejected_rows


def test_sigkilled_worker_leaves_whole_batches_and_the_retry_ends_exact(live_server, token_for, app, test_env,
                                                                        wait_for_job, db, tmp_path):
    from smartregion import jobs

    data, good, rejected = _inventory()
    prefix = f"{test_env['RQ_QUEUE_PREFIX']}kill-"
    env = os.environ.copy() | {"RQ_QUEUE_PREFIX": prefix}
    log = tmp_path / "worker.log"
    saved_prefix = app.config["RQ_QUEUE_PREFIX"]
    app.config["RQ_QUEUE_PREFIX"] = prefix
    worker = _start_worker(env, log)
    try:
        response = requests.post(f"{live_server}/api/v1/tenants/firenze/inventories", timeout=120,
                                 headers={"Authorization": f"Bearer {token_for('firenze-utility')}"},
                                 data={"kind": "public-lighting"}, files={"file": ("grande.csv", data)})
        assert response.status_code == 202, response.text
        upload_id, job_id = response.json()["upload_id"], response.json()["job_id"]

        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            state = _upload_state(app, upload_id)
            if state.batches_done >= 2:
                break
            time.sleep(0.05)
        else:
            raise AssertionError(f"the import did not progress:\n{log.read_text()}")
        horses = _children(worker.pid)
        assert horses, "the work horse importing the file was not found"
        for pid in [worker.pid, *horses]:
            os.kill(pid, signal.SIGKILL)
        worker.wait(timeout=30)
        _wait_gone(horses)

        time.sleep(0.5)
        killed = _upload_state(app, upload_id)
        assert killed.status == "importing"
        assert 2 <= killed.batches_done < 8
        assets, rejected_rows = _counts(db, upload_id)
        assert killed.rows_total == killed.batches_done * BATCH_ROWS
        assert assets == killed.rows_imported
        assert rejected_rows == killed.rows_rejected
        assert assets + rejected_rows == killed.batches_done * BATCH_ROWS
        assert _job_state(app, job_id) == jobs.JobState.STARTED

        # The sweeper sees the dead worker's heartbeat go stale and returns the job to the queue.
        worker = _start_worker(env, log)
        deadline = time.monotonic() + 30
        while job_id not in jobs.sweep(app).requeued:
            assert time.monotonic() < deadline, "the sweeper did not requeue the dead worker's job"
            time.sleep(0.5)
        job = wait_for_job(job_id, timeout=300)
        assert job["state"] == "finished", (job, log.read_text()[-3000:])
        result = job["result"]
        assert (result["rows_total"], result["rows_imported"], result["rows_rejected"]) == (ROWS, good, rejected)
        assert _counts(db, upload_id) == (good, rejected)
        assert job["attempts"] == 2
    finally:
        app.config["RQ_QUEUE_PREFIX"] = saved_prefix
        if worker.poll() is None:
            for pid in [worker.pid, *_children(worker.pid)]:
                os.kill(pid, signal.SIGKILL)
            worker.wait(timeout=30)


def _job_state(app, job_id: str) -> str:
    from smartregion import tenancy
    from smartregion.db import db as database
    from smartregion.jobs import Job

    with app.app_context(), tenancy.regional_scope(), database.new_session() as session:
        return session.get(Job, job_id).state
