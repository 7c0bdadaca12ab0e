"""Redis hung, down or restarted: uploads and reports still answer at once, and no job is stranded."""

from __future__ import annotations

import io
import time

import pytest

from tests.census.inventories.inv_files import LIGHTING_HEADER
from tests.operations.servers import wait_until

UPLOADS = "/api/v1/tenants/firenze/inventories"


def _lighting(n: int, seed: int) -> bytes:
    """A lighting inventory as a municipal utility's spreadsheet exports it: semicolons, decimal commas."""
    rows = [";".join(LIGHTING_HEADER)]
    rows += [f"FI-{seed}-{i:04d};43,77{i % 10};11,25{i % 10};LED;42,5;Via de' Calzaiuoli;2019-05-14;sì;no"
             for i in range(n)]
    return ("\r\n".join(rows) + "\r\n").encode("cp1252")


def _upload(client, token: str, data: bytes, name: str = "punti-luce.csv"):
    return client.post(UPLOADS, data={"kind": "public-lighting", "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", headers={"Authorization": f"Bearer {token}"})


def _timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


@pytest.fixture
def utility_token(token_for):
    return token_for("firenze-utility")


def test_hung_redis_upload_answers_202_at_once_and_the_sweeper_dispatches_it(
        redis_app, own_redis, own_worker, utility_token, job_row, wait_for_job):
    from smartregion import jobs

    client = redis_app.test_client()
    own_redis.pause()
    try:
        response, seconds = _timed(lambda: _upload(client, utility_token, _lighting(20, 1)))
        assert response.status_code == 202, response.get_data(as_text=True)
        assert seconds < 3, f"the upload waited {seconds:.1f}s on a hung Redis"
        job_id = response.json["job_id"]
        stranded = job_row(job_id)
        assert (stranded["state"], stranded["dispatched_at"]) == ("queued", None)

        second, seconds = _timed(lambda: _upload(client, utility_token, _lighting(5, 2), "altro.csv"))
        assert second.status_code == 202 and seconds < 2

        health, seconds = _timed(lambda: client.get("/healthz"))
        assert health.status_code == 503 and seconds < 3
        assert health.json["checks"]["database"] == "ok"
        assert health.json["checks"]["redis"].startswith("error")
        assert health.headers["Retry-After"]
    finally:
        own_redis.resume()

    time.sleep(1.1)  # the pause after a Redis failure (REDIS_RETRY_AFTER) ends
    report = jobs.sweep(redis_app)
    assert {job_id, second.json["job_id"]} <= set(report.dispatched)
    assert wait_for_job(job_id)["state"] == "finished"
    assert wait_for_job(second.json["job_id"])["state"] == "finished"
    upload = client.get(f"{UPLOADS}/{response.json['upload_id']}", headers={"Authorization": f"Bearer {utility_token}"})
    assert (upload.json["status"], upload.json["rows_imported"]) == ("imported", 20)
    assert client.get("/healthz").status_code == 200


def test_redis_down_upload_and_report_are_kept_and_a_repeated_upload_dispatches_the_stranded_job(
        redis_app, own_redis, own_env, tmp_path, utility_token, token_for, job_row, wait_for_job):
    from smartregion import jobs

    from tests.operations.servers import start_process, stop

    client = redis_app.test_client()
    data = _lighting(12, 3)
    own_redis.stop()
    response, seconds = _timed(lambda: _upload(client, utility_token, data))
    assert response.status_code == 202 and seconds < 3
    job_id = response.json["job_id"]
    assert job_row(job_id)["dispatched_at"] is None

    secretariat = {"Authorization": f"Bearer {token_for('segreteria')}"}
    protocol_id = client.get("/api/v1/protocols", headers=secretariat).json[0]["id"]
    report, seconds = _timed(lambda: client.post(f"/api/v1/protocols/{protocol_id}/monitoring-reports", json={},
                                                 headers=secretariat))
    assert report.status_code == 202 and seconds < 3
    assert job_row(report.json["job_id"])["state"] == "queued"

    again = _upload(client, utility_token, data, "di-nuovo.csv")
    assert again.status_code == 200
    assert (again.json["duplicate"], again.json["job_id"]) == (True, job_id)

    own_redis.start()
    time.sleep(1.1)
    third = _upload(client, utility_token, data, "ancora.csv")
    assert (third.status_code, third.json["job_id"]) == (200, job_id)
    assert job_row(job_id)["dispatched_at"] is not None, "the stranded import was not dispatched again"
    assert report.json["job_id"] in jobs.sweep(redis_app).dispatched

    worker = start_process("worker", own_env, tmp_path / "worker.log")
    try:
        done = wait_for_job(job_id)
        assert done["state"] == "finished" and done["result"]["rows_imported"] == 12
        assert wait_for_job(report.json["job_id"])["state"] == "finished"
    finally:
        stop(worker)


def test_jobs_lost_by_a_restarted_redis_are_dispatched_again(redis_app, own_redis, own_env, tmp_path, utility_token,
                                                               job_row, wait_for_job):
    from smartregion import jobs

    from tests.operations.servers import start_process, stop

    client = redis_app.test_client()
    response = _upload(client, utility_token, _lighting(8, 4))
    job_id = response.json["job_id"]
    first = job_row(job_id)
    assert first["dispatched_at"] is not None and first["rq_id"]

    own_redis.restart()  # no persistence: the queue and the RQ job are gone
    report = wait_until(lambda: jobs.sweep(redis_app).dispatched, message="a sweep after the restart")
    assert report == [job_id]
    assert job_row(job_id)["rq_id"] != first["rq_id"]
    worker = start_process("worker", own_env, tmp_path / "worker.log")
    try:
        finished = wait_for_job(job_id)
        assert finished["state"] == "finished" and finished["attempts"] == 1
    finally:
        stop(worker)
