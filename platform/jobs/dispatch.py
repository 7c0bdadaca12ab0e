"""Handing committed jobs to Redis: short timeouts, a pause after a failure, and never an error to the caller.

The job's row is committed first; Redis is only the channel that wakes a worker. When Redis is down or
hung, the row stays ``queued`` with no ``dispatched_at`` and the sweeper dispatches it later, so the
request that created it answers normally.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from flask import Flask, current_app
from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.retry import Retry
from rq import Queue
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from .models import Job

log = logging.getLogger(__name__)

JOB_TIMEOUT = 3 * 3600
EXECUTE = "smartregion.jobs.execute"
_PENDING = "smartregion.jobs.pending"
# RQ states in which Redis still holds a job and a worker will run (or is running) it.
HELD = {"queued", "started", "scheduled", "deferred"}


def redis_connection(app: Flask | None = None) -> Redis:
    """The process's Redis client for short commands (dispatch, health, locks, metrics).

    Short connect and read timeouts, and one retry on a dropped connection only (a restarted Redis
    leaves stale pooled connections), never on a timeout: a hung Redis costs one timeout, not four.
    """
    app = app or current_app
    conn = app.extensions.get("smartregion.redis")
    if conn is None:
        timeout = float(app.config["REDIS_SOCKET_TIMEOUT"])
        conn = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=timeout, socket_timeout=timeout,
                              retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
                              health_check_interval=30)
        app.extensions["smartregion.redis"] = conn
    return conn


def worker_connection(app: Flask) -> Redis:
    """The RQ worker's own client: it blocks on the queues for minutes, so no read timeout.

    No health-check interval either: with it, redis-py's pub/sub waits without a timeout for the answers
    to its health checks, and a worker told to stop could hang there when unsubscribing.
    """
    timeout = float(app.config["REDIS_SOCKET_TIMEOUT"])
    return Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=max(timeout, 3.0))


def queue_name(name: str, app: Flask | None = None) -> str:
    app = app or current_app
    return f"{app.config.get('RQ_QUEUE_PREFIX', '')}{name}"


def rq_queue(name: str, app: Flask | None = None) -> Queue:
    app = app or current_app
    return Queue(queue_name(name, app), connection=redis_connection(app))


class Breaker:
    """After Redis fails, skip dispatch attempts for a few seconds: requests stay fast while it is away."""

    def __init__(self) -> None:
        self._until = 0.0
        self._lock = threading.Lock()

    def is_open(self) -> bool:
        return time.monotonic() < self._until

    def trip(self, seconds: float) -> None:
        with self._lock:
            self._until = time.monotonic() + seconds

    def reset(self) -> None:
        with self._lock:
            self._until = 0.0


def breaker(app: Flask) -> Breaker:
    found = app.extensions.get("smartregion.redis_breaker")
    if found is None:
        found = app.extensions["smartregion.redis_breaker"] = Breaker()
    return found


def dispatch(app: Flask, job_id: str, queue: str, *, request_id: str | None = None) -> bool:
    """Push one committed job to RQ; False (and a log line) when Redis cannot take it now."""
    from smartregion import metrics

    gate = breaker(app)
    if gate.is_open():
        metrics.dispatch_outcome("deferred")
        log.info("job %s stays queued in PostgreSQL: Redis failed moments ago", job_id)
        return False
    rq_id = f"{job_id}-{secrets.token_hex(4)}"
    try:
        rq_queue(queue, app).enqueue(EXECUTE, job_id, job_id=rq_id, job_timeout=JOB_TIMEOUT, result_ttl=3600,
                                     failure_ttl=7 * 86400, meta={"request_id": request_id})
    except (RedisError, OSError) as exc:
        gate.trip(float(app.config["REDIS_RETRY_AFTER"]))
        metrics.dispatch_outcome("failed")
        log.warning("job %s stays queued in PostgreSQL: Redis did not take it (%s: %s); the sweeper will "
                    "dispatch it", job_id, type(exc).__name__, exc)
        return False
    metrics.dispatch_outcome("dispatched")
    with side_session(app) as side:
        side.execute(update(Job).where(Job.id == job_id).values(rq_id=rq_id, dispatched_at=datetime.now(UTC)))
        side.commit()
    return True


@contextmanager
def side_session(app: Flask) -> Iterator[Session]:
    """A session of its own in the regional scope, for job bookkeeping beside the caller's transaction.

    The scope is set on this session's transaction only: entering ``regional_scope()`` here would also
    re-scope the caller's session, which may be in the middle of committing.
    """
    with app.extensions["smartregion.db"].sessionmaker() as session:
        session.execute(select(func.set_config("app.scope", "region", True)))
        yield session


def after_commit(session: Session, app: Flask, job_id: str, queue: str, request_id: str | None) -> None:
    """Dispatch the job once the session's transaction commits; forget it if the transaction rolls back."""
    session.info.setdefault(_PENDING, []).append((app, job_id, queue, request_id))


@event.listens_for(Session, "after_commit")
def _dispatch_committed(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    for app, job_id, queue, request_id in pending or ():
        try:
            dispatch(app, job_id, queue, request_id=request_id)
        except Exception:  # noqa: BLE001 - the job is committed; the sweeper dispatches what failed here
            log.exception("job %s could not be dispatched; the sweeper will retry", job_id)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


def held_by_redis(app: Flask, rq_ids: list[str]) -> dict[str, bool]:
    """Whether Redis still holds each RQ job (raises RedisError when Redis does not answer)."""
    from rq.job import Job as RQJob

    if not rq_ids:
        return {}
    found = RQJob.fetch_many(rq_ids, connection=redis_connection(app))
    held = {}
    for rq_id, rq_job in zip(rq_ids, found, strict=True):
        status = rq_job.get_status(refresh=False) if rq_job is not None else None
        held[rq_id] = status is not None and str(getattr(status, "value", status)) in HELD
    return held
