"""RQ queues, ``enqueue()``, and the ``Job`` table that mirrors each job's state and progress."""

from __future__ import annotations

import importlib
import logging
import os
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from flask import Flask, current_app
from redis import Redis
from rq import Queue
from smartregion import audit, tenancy
from smartregion.db import Base, CreatedAt, db
from sqlalchemy import BigInteger, Integer, String, Text, event, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, Session, mapped_column

log = logging.getLogger(__name__)

QUEUES = ("default", "imports", "reports", "periodic")
JOB_TIMEOUT = 3 * 3600


class JobState(StrEnum):
    QUEUED = "queued"
    STARTED = "started"
    FINISHED = "finished"
    FAILED = "failed"


class Job(CreatedAt, Base):
    """A background job as people see it: state, progress 0-100, result summary and error."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    queue: Mapped[str] = mapped_column(String(40))
    func: Mapped[str] = mapped_column(String(200))
    kwargs: Mapped[dict] = mapped_column(JSONB, default=dict)
    tenant_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(300))
    state: Mapped[JobState] = mapped_column(String(16), default=JobState.QUEUED)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict | None] = mapped_column(JSONB)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]


def redis_connection(app: Flask | None = None) -> Redis:
    app = app or current_app
    conn = app.extensions.get("smartregion.redis")
    if conn is None:
        conn = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=3, health_check_interval=30)
        app.extensions["smartregion.redis"] = conn
    return conn


def queue_name(name: str, app: Flask | None = None) -> str:
    app = app or current_app
    return f"{app.config.get('RQ_QUEUE_PREFIX', '')}{name}"


def rq_queue(name: str, app: Flask | None = None) -> Queue:
    app = app or current_app
    return Queue(queue_name(name, app), connection=redis_connection(app))


def enqueue(session: Session, queue: str, func: str, *, tenant_id: int | None = None,
            description: str | None = None, **kwargs: Any) -> Job:
    """Create the job's row now and hand it to RQ once the caller's transaction commits."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    job = Job(id=str(uuid.uuid4()), queue=queue, func=func, kwargs=kwargs, tenant_id=tenant_id,
              actor=audit.current_actor(), description=description, state=JobState.QUEUED, progress=0)
    session.add(job)
    session.flush()
    app = current_app._get_current_object()
    job_id = job.id

    @event.listens_for(session, "after_commit", once=True)
    def _push(_session):
        rq_queue(queue, app).enqueue("smartregion.jobs.execute", job_id, job_id=job_id, job_timeout=JOB_TIMEOUT,
                                     result_ttl=86400, failure_ttl=7 * 86400)

    return job


def retry(session: Session, job_id: str) -> Job:
    """Hand a failed or abandoned job to RQ again, under the same id."""
    job = session.get(Job, job_id)
    if job is None:
        raise LookupError(job_id)
    job.state, job.error, job.progress, job.message = JobState.QUEUED, None, 0, None
    session.flush()
    app = current_app._get_current_object()

    @event.listens_for(session, "after_commit", once=True)
    def _push(_session):
        queue = rq_queue(job.queue, app)
        queue.enqueue("smartregion.jobs.execute", job_id, job_id=f"{job_id}-retry-{uuid.uuid4().hex[:8]}",
                      job_timeout=JOB_TIMEOUT)

    return job


@dataclass
class JobContext:
    """What a job function receives: its session, its id and a way to report progress."""

    job_id: str
    session: Session
    tenant_id: int | None
    app: Flask
    _last: int = field(default=-1)

    def progress(self, pct: float, message: str | None = None) -> None:
        pct = max(0, min(100, int(pct)))
        if pct == self._last and message is None:
            return
        self._last = pct
        with db.new_session() as side:
            side.execute(update(Job).where(Job.id == self.job_id).values(progress=pct, message=message))
            side.commit()


_process_app: tuple[int, Flask] | None = None


def worker_app() -> Flask:
    """The application of this worker process (recreated engines after a fork)."""
    global _process_app
    if _process_app is None:
        from smartregion.app import create_app

        _process_app = (os.getpid(), create_app())
    elif _process_app[0] != os.getpid():
        # A forked work horse must not share the parent's database connections.
        _process_app[1].extensions["smartregion.db"].engine.dispose(close=False)
        _process_app = (os.getpid(), _process_app[1])
    return _process_app[1]


def _set_state(job_id: str, **values: Any) -> None:
    with db.new_session() as side:
        side.execute(update(Job).where(Job.id == job_id).values(**values))
        side.commit()


def execute(job_id: str) -> dict | None:
    """The RQ entry point of every job: restore context, run the function, record the outcome."""
    app = worker_app()
    with app.app_context():
        with db.new_session() as side:
            job = side.get(Job, job_id)
            if job is None:
                raise LookupError(f"job {job_id} is not in this database")
            func_path, kwargs, tenant_id, actor = job.func, dict(job.kwargs), job.tenant_id, job.actor
            job.state, job.started_at, job.attempts = JobState.STARTED, datetime.now(UTC), job.attempts + 1
            job.error = None
            side.commit()
        log.info("job %s started: %s tenant=%s", job_id, func_path, tenant_id)
        module_name, _, name = func_path.rpartition(".")
        func = getattr(importlib.import_module(module_name), name)
        scope = tenancy.tenant_context(tenant_id) if tenant_id is not None else tenancy.regional_scope()
        session = db.new_session()
        try:
            with scope, audit.acting_as(actor):
                ctx = JobContext(job_id=job_id, session=session, tenant_id=tenant_id, app=app)
                result = func(ctx, **kwargs)
                session.commit()
        except Exception as exc:
            session.rollback()
            log.exception("job %s failed", job_id)
            _set_state(job_id, state=JobState.FAILED, ended_at=datetime.now(UTC),
                       error=f"{type(exc).__name__}: {exc}"[:2000],
                       message=traceback.format_exc(limit=3)[-2000:])
            raise
        finally:
            session.close()
        _set_state(job_id, state=JobState.FINISHED, progress=100, ended_at=datetime.now(UTC),
                   result=audit.normalise(result) if isinstance(result, dict) else None)
        log.info("job %s finished", job_id)
        return result


# Periodic jobs: modules register them in init_app; `smartregion worker` schedules them.
PERIODIC: dict[str, dict] = {}


def periodic(func: str, *, cron: str, queue: str = "periodic", description: str | None = None) -> None:
    """Declare a system job run on a cron schedule (regional scope)."""
    PERIODIC[func] = {"cron": cron, "queue": queue, "description": description or func}


def run_periodic(func: str) -> None:
    """Cron entry point: record a Job row for a periodic run and execute it."""
    app = worker_app()
    with app.app_context():
        spec = PERIODIC.get(func, {"queue": "periodic", "description": func})
        job_id = str(uuid.uuid4())
        with db.new_session() as side:
            side.add(Job(id=job_id, queue=spec["queue"], func=func, kwargs={}, actor="system:periodic",
                         description=spec["description"], state=JobState.QUEUED, progress=0))
            side.commit()
    execute(job_id)


def start_cron(app: Flask) -> Any:
    """Start RQ's cron scheduler for the registered periodic jobs; returns it (run in a thread)."""
    from rq.cron import CronScheduler

    scheduler = CronScheduler(connection=redis_connection(app), name=f"smartregion-cron-{os.getpid()}")
    for func, spec in PERIODIC.items():
        scheduler.register(run_periodic, queue_name(spec["queue"], app), args=(func,), cron=spec["cron"])
    return scheduler
