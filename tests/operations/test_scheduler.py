"""Scheduled jobs run by themselves: `smartregion run` starts a scheduler beside the worker, every module's
periodic job runs on its own, and a standby scheduler takes over when the leader is killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime

import psycopg
import pytest
import redis
from sqlalchemy.engine import make_url

from tests.operations.servers import ROOT, free_port, kill_hard, start_process, stop, wait_until

KNOWN_PERIODIC = {
    "monitoring.jobs.issue_monitoring_reports", "monitoring.jobs.send_deadline_notices", "funding.jobs.daily_refresh",
    "interoperability.jobs.check_inventories", "interoperability.jobs.report_silent_feeds",
}


def _conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _periodic_runs(url: str) -> dict[str, set[str]]:
    with psycopg.connect(_conninfo(url)) as conn:
        rows = conn.execute("SELECT func, state FROM jobs WHERE schedule_key IS NOT NULL").fetchall()
    runs: dict[str, set[str]] = {}
    for func, state in rows:
        runs.setdefault(func, set()).add(state)
    return runs


def test_make_run_starts_a_scheduler_and_every_modules_periodic_job_runs_by_itself(app, test_env, own_redis,
                                                                                   tmp_path):
    from smartregion import jobs

    assert KNOWN_PERIODIC <= set(jobs.PERIODIC)
    admin = make_url(test_env["DATABASE_URL"])
    name = f"{test_env['name']}_run"
    with psycopg.connect(_conninfo(admin.set(database="postgres")), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    database_url = admin.set(database=name).render_as_string(hide_password=False)
    env = {k: v for k, v in os.environ.items() if k != "PUBLIC_URL"} | {
        "DATABASE_URL": database_url, "REDIS_URL": own_redis.url, "VAR_DIR": str(tmp_path / "var"),
        "STORAGE_DIR": str(tmp_path / "var" / "files"), "DEV_IDP_KEY_FILE": str(tmp_path / "key.pem"),
        "PERIODIC_SCHEDULE": json.dumps({"*": "every 3s"}), "SWEEP_INTERVAL": "1"}
    output = tmp_path / "run.log"
    with output.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "smartregion.cli", "run", "--port", str(free_port())],
                                   env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until(lambda: "smartregion is running" in output.read_text(), timeout=120, interval=0.5,
                   message="smartregion run to start")
        wait_until(lambda: all("finished" in _periodic_runs(database_url).get(f, ()) for f in jobs.PERIODIC),
                   timeout=90, interval=0.5, message=f"every periodic job to finish once: {jobs.PERIODIC}")
        runs = _periodic_runs(database_url)
        assert not any("failed" in states for states in runs.values()), runs
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            kill_hard(process)
        with psycopg.connect(_conninfo(admin.set(database="postgres")), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    text = output.read_text()
    assert "Traceback" not in text, text[-4000:]
    assert "holding the lock; scheduling" in text


def _holder(client: redis.Redis, key: str) -> str | None:
    value = client.get(key)
    return value.decode() if value else None


def test_a_standby_scheduler_takes_over_when_the_leader_is_killed(app, own_redis, own_env, tmp_path, demo):
    from smartregion.jobs.scheduler import lock_key

    env = own_env | {"SCHEDULER_LOCK_TTL": "2", "PERIODIC_SCHEDULE": json.dumps(
        {"*": "off", "interoperability.jobs.report_silent_feeds": "every 1s"})}
    client = redis.Redis.from_url(own_redis.url)
    key = lock_key(app)
    worker = start_process("worker", env, tmp_path / "worker.log")
    schedulers = [start_process("scheduler", env, tmp_path / f"scheduler-{n}.log") for n in (1, 2)]
    try:
        leader_token = wait_until(lambda: _holder(client, key), message="a scheduler to lead")
        leader = next(p for p in schedulers if f":{p.pid}:" in leader_token)
        standby = next(p for p in schedulers if p is not leader)
        wait_until(lambda: "finished" in _periodic_runs(os.environ["DATABASE_URL"]).get(
            "interoperability.jobs.report_silent_feeds", ()), timeout=60, message="a periodic run")

        kill_hard(leader)
        killed_at = datetime.now(UTC)
        new_token = wait_until(lambda: (t := _holder(client, key)) and f":{standby.pid}:" in t and t,
                               timeout=15, message="the standby to take the lock")
        assert new_token != leader_token
        wait_until(lambda: _runs_since(killed_at) > 0, timeout=15, message="a run scheduled by the new leader")

        standby.send_signal(signal.SIGTERM)
        assert standby.wait(timeout=20) == 0
        assert _holder(client, key) is None, "a scheduler that stops releases the lock"
    finally:
        for process in schedulers:
            stop(process)
        stop(worker)
    assert "Traceback" not in (tmp_path / "scheduler-1.log").read_text() + (tmp_path / "scheduler-2.log").read_text()


def _runs_since(moment: datetime) -> int:
    with psycopg.connect(_conninfo(os.environ["DATABASE_URL"])) as conn:
        return conn.execute("SELECT count(*) FROM jobs WHERE schedule_key IS NOT NULL AND created_at > %s",
                            (moment,)).fetchone()[0]


def test_a_periodic_run_is_created_once_per_due_time_whoever_schedules_it(app, demo):
    from smartregion.jobs.scheduler import Schedule, create_run

    due = Schedule("every 2s").previous(datetime.now(UTC))
    first = create_run(app, "interoperability.jobs.report_silent_feeds", due)
    assert first is not None
    assert create_run(app, "interoperability.jobs.report_silent_feeds", due) is None
    assert Schedule("10 2 * * *").following(datetime(2026, 12, 6, 3, 0, tzinfo=UTC)) == datetime(
        2026, 12, 7, 2, 10, tzinfo=UTC)
    assert Schedule("every 30s").previous(datetime(2026, 12, 6, 3, 0, 45, tzinfo=UTC)) == datetime(
        2026, 12, 6, 3, 0, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="not a schedule"):
        Schedule("ogni giorno")
