"""Workers killed with SIGKILL during a job: the job goes back to the queue with its attempts, up to a limit;
users read a written message, never a traceback or a server path."""

from __future__ import annotations

from sqlalchemy import select

from tests.operations.servers import kill_hard, start_process, stop, wait_until


def _enqueue(app, func: str, **kwargs) -> str:
    from smartregion.db import get_session
    from smartregion.jobs import enqueue
    from smartregion.tenancy import regional_scope

    with app.test_request_context(), regional_scope():
        session = get_session()
        job = enqueue(session, "default", func, description="operations test", **kwargs)
        session.commit()
        return job.id


def test_a_job_whose_worker_keeps_dying_is_requeued_then_failed_with_a_reason(redis_app, own_env, tmp_path,
                                                                              job_row):
    from smartregion import jobs
    from smartregion.jobs.sweeper import GAVE_UP, WORKER_DIED

    redis_app.config["JOB_MAX_ATTEMPTS"] = 2
    redis_app.config["JOB_HEARTBEAT_TIMEOUT"] = 3  # the workers beat every second (JOB_HEARTBEAT_SECONDS)
    job_id = _enqueue(redis_app, "tests.operations.sample_jobs.linger", seconds=120)
    for attempt in (1, 2):
        worker = start_process("worker", own_env, tmp_path / "worker.log")
        try:
            wait_until(lambda n=attempt: job_row(job_id)["state"] == "started" and job_row(job_id)["attempts"] == n,
                       message=f"attempt {attempt} to start")
            wait_until(lambda: job_row(job_id)["progress"] > 0, message="progress")
        finally:
            kill_hard(worker)
        assert job_row(job_id)["state"] == "started"  # nobody knows yet: the heartbeat has not gone stale
        swept = wait_until(lambda: (r := jobs.sweep(redis_app)).requeued + r.failed, timeout=20,
                           message="the sweeper to notice the dead worker")
        assert swept == [job_id]
        row = job_row(job_id)
        if attempt == 1:
            assert (row["state"], row["attempts"], row["message"]) == ("queued", 1, WORKER_DIED)
    row = job_row(job_id)
    assert (row["state"], row["attempts"]) == ("failed", 2)
    assert row["error"] == GAVE_UP
    assert row["ended_at"] is not None


def test_failed_jobs_show_people_a_written_message_and_log_the_traceback(redis_app, own_env, tmp_path, demo,
                                                                        token_for, wait_for_job):
    from smartregion.jobs import UNEXPECTED_ERROR

    worker_log = tmp_path / "worker.log"
    worker = start_process("worker", own_env, worker_log)
    try:
        crashed = _enqueue(redis_app, "tests.operations.sample_jobs.explode")
        refused = _enqueue(redis_app, "tests.operations.sample_jobs.refuse",
                           reason="Il file /srv/smartregion/var/files/ab/cd/abcdef non ha la colonna asset_id.")
        assert wait_for_job(crashed)["state"] == "failed"
        assert wait_for_job(refused)["state"] == "failed"
    finally:
        stop(worker)
    client = redis_app.test_client()
    headers = {"Authorization": f"Bearer {token_for('segreteria')}"}
    shown = client.get(f"/api/v1/jobs/{crashed}", headers=headers).json
    assert shown["error"] == UNEXPECTED_ERROR
    body = str(shown)
    for leak in ("Traceback", "/srv/", ".py", "FileNotFoundError"):
        assert leak not in body
    explained = client.get(f"/api/v1/jobs/{refused}", headers=headers).json
    assert explained["error"] == "Il file abcdef non ha la colonna asset_id."
    log = worker_log.read_text()
    assert "Traceback" in log and "missing-file.csv" in log and crashed in log


def test_cancelling_a_running_job_stops_it_at_its_next_progress_report(redis_app, own_env, tmp_path, demo, token_for,
                                                                      job_row, db):
    from smartregion.audit import AuditEvent

    job_id = _enqueue(redis_app, "tests.operations.sample_jobs.linger", seconds=120)
    worker = start_process("worker", own_env, tmp_path / "worker.log")
    try:
        wait_until(lambda: job_row(job_id)["progress"] > 0, message="the job to run")
        client = redis_app.test_client()
        response = client.post(f"/api/v1/jobs/{job_id}/cancel",
                               headers={"Authorization": f"Bearer {token_for('segreteria')}"})
        assert response.status_code == 200, response.json
        assert response.json["state"] == "cancelled"
        # The work horse stops at its next progress report and the worker takes the next job.
        wait_until(lambda: not any(p for p in _horses(worker.pid)), timeout=10, message="the horse to stop")
        assert job_row(job_id)["state"] == "cancelled"
    finally:
        stop(worker)
    with db.begin():
        event = db.scalar(select(AuditEvent).where(AuditEvent.action == "job.cancel"))
    assert (event.entity_id, event.actor, event.before["state"], event.after["state"]) == (
        job_id, "segreteria", "started", "cancelled")


def _horses(pid: int) -> list[int]:
    from tests.operations.servers import children

    return children(pid)
