"""Running one job in a worker: claim its row, restore its context, keep a heartbeat, record the outcome."""

from __future__ import annotations

import importlib
import logging
import os
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from smartregion import audit, logs, tenancy
from smartregion.errors import DomainError
from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from .dispatch import side_session
from .models import DURATION_BUCKETS, Job, JobOutcome, JobState

log = logging.getLogger(__name__)

UNEXPECTED_ERROR = "The job stopped on an unexpected error. It has been logged; the secretariat can retry it."
_PATH = re.compile(r"(?:[A-Za-z]:)?(?:/[\w.@+-]+){2,}/?")


class JobFailed(Exception):
    """A failure explained for the people following the job: its message is what they are shown."""


class JobCancelled(Exception):
    """The job was cancelled while it ran; it stops at its next progress report."""


def user_error(exc: BaseException) -> str:
    """The message people see for a failed job: written for them, never a traceback or a server path."""
    if isinstance(exc, JobFailed | DomainError):
        message = getattr(exc, "detail", None) or str(exc)
        return _PATH.sub(lambda match: match.group(0).rstrip("/").rsplit("/", 1)[-1], message)[:2000]
    return UNEXPECTED_ERROR


@dataclass
class JobContext:
    """What a job function receives: its session, its id and a way to report progress."""

    job_id: str
    session: Session
    tenant_id: int | None
    app: Flask
    _last: int = field(default=-1)

    def progress(self, pct: float, message: str | None = None) -> None:
        """Record progress at once on a connection of its own; raises JobCancelled if the job was cancelled."""
        pct = max(0, min(100, int(pct)))
        if pct == self._last and message is None:
            return
        self._last = pct
        with side_session(self.app) as side:
            state = side.scalar(update(Job).where(Job.id == self.job_id)
                                .values(progress=pct, message=message, heartbeat_at=func.now())
                                .returning(Job.state))
            side.commit()
        if state == JobState.CANCELLED:
            raise JobCancelled(self.job_id)


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


class Heartbeat(threading.Thread):
    """Writes the job's ``heartbeat_at`` every few seconds while it runs, so a dead worker is noticed."""

    def __init__(self, app: Flask, job_id: str):
        super().__init__(name=f"heartbeat-{job_id}", daemon=True)
        self.app, self.job_id = app, job_id
        self.interval = float(app.config["JOB_HEARTBEAT_SECONDS"])
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                with self.app.app_context(), side_session(self.app) as side:
                    side.execute(update(Job).where(Job.id == self.job_id, Job.state == JobState.STARTED)
                                 .values(heartbeat_at=func.now()))
                    side.commit()
            except Exception:  # noqa: BLE001 - a missed beat is retried; the job itself goes on
                log.warning("job %s: heartbeat not written", self.job_id, exc_info=True)

    def stop(self) -> None:
        self.stopped.set()


def _claim(app: Flask, job_id: str) -> Job | None:
    """Mark a queued job started (once: a second dispatch of the same job finds it taken)."""
    with side_session(app) as side:
        row = side.execute(
            update(Job).where(Job.id == job_id, Job.state == JobState.QUEUED)
            .values(state=JobState.STARTED, started_at=func.now(), heartbeat_at=func.now(),
                    attempts=Job.attempts + 1, error=None, ended_at=None)
            .returning(Job.func, Job.kwargs, Job.tenant_id, Job.actor, Job.request_id, Job.queue, Job.attempts)
        ).one_or_none()
        side.commit()
        if row is None:
            state = side.scalar(select(Job.state).where(Job.id == job_id))
            log.info("job %s is %s, not queued: this dispatch has nothing to do", job_id, state or "unknown")
            return None
        return Job(id=job_id, func=row.func, kwargs=dict(row.kwargs or {}), tenant_id=row.tenant_id,
                   actor=row.actor, request_id=row.request_id, queue=row.queue, attempts=row.attempts)


def _finish(app: Flask, job: Job, started: float, outcome: JobState, **values: Any) -> None:
    seconds = time.monotonic() - started
    with side_session(app) as side:
        side.execute(update(Job).where(Job.id == job.id, Job.state == JobState.STARTED)
                     .values(state=outcome, ended_at=func.now(), **values))
        record_outcome(side, job.queue, job.func, outcome, seconds)
        side.commit()


def record_outcome(session: Session, queue: str, func_name: str, outcome: str, seconds: float) -> None:
    """Add one ended run to the outcome counters (one row per queue, kind and outcome)."""
    buckets = [1 if seconds <= bound else 0 for bound in DURATION_BUCKETS]
    statement = insert(JobOutcome).values(queue=queue, func=func_name, outcome=outcome, count=1,
                                          seconds_sum=seconds, buckets=buckets)
    session.execute(statement.on_conflict_do_update(
        index_elements=["queue", "func", "outcome"],
        set_={"count": JobOutcome.count + 1, "seconds_sum": JobOutcome.seconds_sum + seconds,
              "buckets": text("ARRAY(SELECT a + b FROM unnest(job_outcomes.buckets, excluded.buckets) AS t(a, b))")}))


def execute(job_id: str) -> dict | None:
    """The RQ entry point of every job: claim, restore context, run the function, record the outcome."""
    app = worker_app()
    with app.app_context():
        job = _claim(app, job_id)
        if job is None:
            return None
        with logs.job_context(job_id, job.request_id):
            return _run(app, job)


def _run(app: Flask, job: Job) -> dict | None:
    log.info("job started: %s tenant=%s attempt=%s", job.func, job.tenant_id, job.attempts)
    started = time.monotonic()
    heartbeat = Heartbeat(app, job.id)
    heartbeat.start()
    scope = tenancy.tenant_context(job.tenant_id) if job.tenant_id is not None else tenancy.regional_scope()
    # The job's own session takes its tenant (or regional) scope from the context entered below.
    session = app.extensions["smartregion.db"].sessionmaker()
    try:
        module_name, _, name = job.func.rpartition(".")
        function = getattr(importlib.import_module(module_name), name)
        with scope, audit.acting_as(job.actor):
            result = function(JobContext(job_id=job.id, session=session, tenant_id=job.tenant_id, app=app),
                              **job.kwargs)
            session.commit()
    except JobCancelled:
        session.rollback()
        log.info("job cancelled while running")
        _record_cancel(app, job, started)
        return None
    except Exception as exc:
        session.rollback()
        log.exception("job failed: %s", job.func)
        _finish(app, job, started, JobState.FAILED, error=user_error(exc))
        return None
    finally:
        heartbeat.stop()
        session.close()
    _finish(app, job, started, JobState.FINISHED, progress=100,
            result=audit.normalise(result) if isinstance(result, dict) else None)
    log.info("job finished in %.1fs", time.monotonic() - started)
    return result


def _record_cancel(app: Flask, job: Job, started: float) -> None:
    with side_session(app) as side:
        side.execute(update(Job).where(Job.id == job.id).values(ended_at=datetime.now(UTC)))
        record_outcome(side, job.queue, job.func, JobState.CANCELLED, time.monotonic() - started)
        side.commit()
