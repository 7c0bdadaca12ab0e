"""Request ids from the request into its jobs' log lines, JSON logs, and metrics for the monitoring server only."""

from __future__ import annotations

import io
import json
import re

from tests.census.inventories.inv_files import LIGHTING_HEADER
from tests.operations.servers import start_process, stop, wait_until


def _csv(rows: int) -> bytes:
    lines = [";".join(LIGHTING_HEADER)] + [f"FI-R{i:03d};43,77{i};11,25{i};LED;42,5;Via Roma;2019-05-14;sì;no"
                                           for i in range(rows)]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def test_the_request_id_is_taken_or_made_returned_and_carried_into_the_jobs_json_logs(
        redis_app, own_env, tmp_path, token_for, job_row, wait_for_job):
    client = redis_app.test_client()
    made = client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-ID"])
    assert client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"}).headers["X-Request-ID"] != \
        "bad id with spaces"
    problem = client.get("/api/v1/jobs/nessuno", headers={"X-Request-ID": "lb-7f3a-0001"})
    assert problem.status_code == 401 and problem.headers["X-Request-ID"] == "lb-7f3a-0001"

    response = client.post("/api/v1/tenants/firenze/inventories", content_type="multipart/form-data",
                           headers={"Authorization": f"Bearer {token_for('firenze-utility')}",
                                    "X-Request-ID": "gw-2026-12-06-42"},
                           data={"kind": "public-lighting", "file": (io.BytesIO(_csv(3)), "luci.csv")})
    assert response.status_code == 202 and response.headers["X-Request-ID"] == "gw-2026-12-06-42"
    job_id = response.json["job_id"]
    assert job_row(job_id)["request_id"] == "gw-2026-12-06-42"

    log = tmp_path / "worker.log"
    worker = start_process("worker", own_env | {"LOG_FORMAT": "json"}, log)
    try:
        assert wait_for_job(job_id)["state"] == "finished"
    finally:
        stop(worker)
    records = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    mine = [r for r in records if r.get("job_id") == job_id]
    assert mine, log.read_text()[-2000:]
    assert {r["request_id"] for r in mine} == {"gw-2026-12-06-42"}
    assert {"time", "level", "logger", "message", "tenant_id"} <= set(mine[0])
    assert any(r["message"].startswith("job finished") for r in mine)


def test_metrics_answer_only_the_monitoring_token_and_describe_requests_jobs_queues_and_scheduler(
        redis_app, own_redis, demo, token_for):
    from smartregion.jobs import Scheduler

    client = redis_app.test_client()
    assert client.get("/metrics").status_code == 404, "no token configured: no endpoint"
    redis_app.config["METRICS_TOKEN"] = "monitoraggio-segreto"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer indovina"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": f"Bearer {token_for('segreteria')}"}).status_code == 401

    def not_found_count() -> float:
        body = client.get("/metrics", headers={"Authorization": "Bearer monitoraggio-segreto"}).get_data(as_text=True)
        found = re.search(r'smartregion_http_responses_total\{endpoint="/api/v1/jobs/<job_id>",method="GET",'
                          r'status="404"\} ([0-9.]+)', body)
        return float(found.group(1)) if found else 0.0

    before = not_found_count()  # the counters belong to the process: other tests add to them too
    client.get("/healthz")
    client.get("/api/v1/jobs/abc", headers={"Authorization": f"Bearer {token_for('segreteria')}"})
    assert not_found_count() == before + 1
    from smartregion.jobs.dispatch import side_session
    from smartregion.jobs.runner import record_outcome

    with redis_app.app_context(), side_session(redis_app) as session:
        for seconds in (0.7, 42.0):
            record_outcome(session, "imports", "census.inventories.jobs.import_upload", "finished", seconds)
        session.commit()
    redis_app.config["PERIODIC_SCHEDULE"] = json.dumps({"*": "off"})
    Scheduler(redis_app).step()  # one turn: takes the lock, sweeps, beats
    response = client.get("/metrics", headers={"Authorization": "Bearer monitoraggio-segreto"})
    assert response.status_code == 200 and response.mimetype == "text/plain"
    body = response.get_data(as_text=True)
    assert 'smartregion_http_request_duration_seconds_bucket{endpoint="/healthz",le="0.5",method="GET"}' in body
    assert "smartregion_database_up 1.0" in body and "smartregion_redis_up 1.0" in body
    assert 'smartregion_rq_queue_length{queue="imports"}' in body
    assert "smartregion_scheduler_heartbeat_timestamp_seconds" in body
    assert "smartregion_jobs_stuck" in body
    labels = 'kind="census.inventories.jobs.import_upload",outcome="finished",queue="imports"'
    assert f"smartregion_job_runs_total{{{labels}}} 2.0" in body
    kind, rest = 'kind="census.inventories.jobs.import_upload"', 'outcome="finished",queue="imports"'
    assert f'smartregion_job_duration_seconds_bucket{{{kind},le="1.0",{rest}}} 1.0' in body
    assert f'smartregion_job_duration_seconds_bucket{{{kind},le="60.0",{rest}}} 2.0' in body

    own_redis.stop()
    wait_until(lambda: "smartregion_redis_up 0.0" in client.get(
        "/metrics", headers={"Authorization": "Bearer monitoraggio-segreto"}).get_data(as_text=True), timeout=10,
        message="the metrics to report Redis down")
