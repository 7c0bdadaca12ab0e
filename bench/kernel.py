"""Single-node figures of the kernel: authenticated API reads, and audited writes through the chain.

Creates its own database on DATABASE_URL's server (dropped at the end), serves the app with waitress
on a free port, then measures:
  - GET /api/v1/tenants with a verified bearer token, from several client threads (req/s, p50, p95);
  - audited writes (PATCH /api/v1/tenants/<slug>): every one takes the audit chain's lock.
Last line: one JSON object.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/kernel.py
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import requests
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _hammer(url: str, headers: dict, seconds: float, threads: int, method: str = "GET", body=None) -> dict:
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(n: int) -> None:
        session = requests.Session()
        mine = []
        i = 0
        while time.monotonic() < deadline:
            start = time.perf_counter()
            if method == "GET":
                response = session.get(url, headers=headers, timeout=30)
            else:
                response = session.patch(url, headers=headers, json={"name": f"{body} {n}-{i}"}, timeout=30)
            response.raise_for_status()
            mine.append(time.perf_counter() - start)
            i += 1
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(worker, range(threads)))
    elapsed = time.monotonic() - started
    latencies.sort()
    return {"requests": len(latencies), "per_s": round(len(latencies) / elapsed, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 1),
            "p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000, 1)}


def main() -> None:
    admin = make_url(os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    name = f"smartregion_bench_{secrets.token_hex(3)}"
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    port = _free_port()
    var = tempfile.mkdtemp(prefix="smartregion-bench-")
    os.environ.update({"DATABASE_URL": admin.set(database=name).render_as_string(hide_password=False),
                       "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
                       "VAR_DIR": var, "STORAGE_DIR": f"{var}/files", "PUBLIC_URL": f"http://127.0.0.1:{port}",
                       "SMARTREGION_ENV": "test"})
    try:
        from smartregion.app import create_app
        from smartregion.cli import seed_demo, upgrade_database
        from waitress.server import create_server

        upgrade_database()
        app = create_app()
        seed_demo(app)
        server = create_server(app, host="127.0.0.1", port=port, threads=8)
        threading.Thread(target=server.run, daemon=True).start()
        base = f"http://127.0.0.1:{port}"
        token = requests.post(f"{base}/realms/smartregion/protocol/openid-connect/token",
                              data={"grant_type": "password", "client_id": "smartregion",
                                    "username": "segreteria", "password": "segreteria"}, timeout=10).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        _hammer(f"{base}/api/v1/tenants", headers, 2, 4)  # warm-up
        reads = _hammer(f"{base}/api/v1/tenants", headers, 10, 8)
        writes = _hammer(f"{base}/api/v1/tenants/siena", headers, 10, 8, method="PATCH", body="Siena")
        server.close()
        app.extensions["smartregion.db"].engine.dispose()
        print(f"reads:  {reads}")
        print(f"writes: {writes}")
        print(json.dumps({"read_per_s": reads["per_s"], "read_p95_ms": reads["p95_ms"],
                          "audited_write_per_s": writes["per_s"], "write_p95_ms": writes["p95_ms"]}))
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
