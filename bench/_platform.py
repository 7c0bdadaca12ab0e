"""What the benchmarks that serve the platform share: a database of their own with the demo region, the app
served by waitress on a free port, a bearer token from the development provider, and a load from client threads.
"""

from __future__ import annotations

import os
import secrets
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
import requests
from sqlalchemy.engine import make_url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Served:
    app: object
    base: str
    database_url: str

    def bearer(self, username: str) -> dict:
        """The Authorization header of ``username``'s token (the demo's password is the user name)."""
        token = requests.post(f"{self.base}/realms/smartregion/protocol/openid-connect/token",
                              data={"grant_type": "password", "client_id": "smartregion",
                                    "username": username, "password": username}, timeout=10).json()
        return {"Authorization": f"Bearer {token['access_token']}"}


@contextmanager
def demo_database(**environment: str) -> Iterator[str]:
    """A new database on DATABASE_URL's server with the platform's settings pointing at it; dropped at the end.
    Yields its URL; the environment also gets a fresh VAR_DIR and STORAGE_DIR, and ``environment``."""
    admin = make_url(os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    name = f"smartregion_bench_{secrets.token_hex(3)}"
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    var = tempfile.mkdtemp(prefix="smartregion-bench-")
    database_url = admin.set(database=name).render_as_string(hide_password=False)
    os.environ.update({"DATABASE_URL": database_url,
                       "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
                       "VAR_DIR": var, "STORAGE_DIR": f"{var}/files", "SMARTREGION_ENV": "test", **environment})
    try:
        yield database_url
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def demo_app(**environment: str) -> Iterator[Served]:
    """The migrated app with the demo region in its own database, not yet served."""
    port = free_port()
    with demo_database(PUBLIC_URL=f"http://127.0.0.1:{port}", **environment) as database_url:
        from smartregion.app import create_app
        from smartregion.cli import seed_demo, upgrade_database

        upgrade_database()
        app = create_app()
        seed_demo(app)
        try:
            yield Served(app, f"http://127.0.0.1:{port}", database_url)
        finally:
            app.extensions["smartregion.db"].engine.dispose()


@contextmanager
def serving(served: Served, threads: int = 8) -> Iterator[Served]:
    """``served.app`` answering on its port from waitress with ``threads`` threads, for the block."""
    from waitress.server import create_server

    port = int(served.base.rsplit(":", 1)[1])
    server = create_server(served.app, host="127.0.0.1", port=port, threads=threads)
    threading.Thread(target=server.run, daemon=True).start()
    try:
        yield served
    finally:
        server.close()


def hammer(url: str, headers: dict, seconds: float, threads: int, method: str = "GET", body=None) -> dict:
    """Requests from ``threads`` client threads for ``seconds``: how many, per second, p50 and p95."""
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
