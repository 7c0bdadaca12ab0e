"""Background jobs: the ``jobs`` table is the truth, RQ on Redis the dispatch channel.

``enqueue()`` adds the job's row to the caller's transaction and dispatches it to RQ after the
commit; ``execute()`` is what every RQ job runs; the scheduler (``smartregion scheduler``) starts the
periodic jobs and runs the sweeper, which dispatches what Redis lost and requeues what a dead worker left.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app
from smartregion import audit, logs
from sqlalchemy.orm import Session

from .dispatch import after_commit as _after_commit
from .dispatch import (
    dispatch,
    queue_name,
    redis_connection,
    rq_queue,
    worker_connection,
)
from .models import ENDED, Job, JobOutcome, JobState
from .runner import UNEXPECTED_ERROR, JobCancelled, JobContext, JobFailed, execute, user_error, worker_app
from .scheduler import PERIODIC, Scheduler, periodic, schedules
from .sweeper import sweep
from .worker import run_worker

QUEUES = ("default", "imports", "reports", "periodic")

__all__ = [
    "ENDED", "PERIODIC", "QUEUES", "UNEXPECTED_ERROR", "Job", "JobCancelled", "JobContext", "JobFailed",
    "JobOutcome", "JobState", "Scheduler", "dispatch", "dispatch_after_commit", "enqueue", "execute", "periodic",
    "queue_name", "redis_connection", "rq_queue", "run_worker", "schedules", "sweep", "user_error", "worker_app",
    "worker_connection",
]


def enqueue(session: Session, queue: str, func: str, *, tenant_id: int | None = None,
            description: str | None = None, **kwargs: Any) -> Job:
    """Create the job's row in the caller's transaction; it is handed to RQ once that transaction commits."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    job = Job(id=str(uuid.uuid4()), queue=queue, func=func, kwargs=kwargs, tenant_id=tenant_id,
              actor=audit.current_actor(), description=description, state=JobState.QUEUED, progress=0,
              attempts=0, request_id=logs.current_request_id())
    session.add(job)
    session.flush()
    dispatch_after_commit(session, job)
    return job


def dispatch_after_commit(session: Session, job: Job) -> None:
    """Hand a queued job to RQ when the session commits (a stranded job found again, a retried one)."""
    _after_commit(session, current_app._get_current_object(), job.id, job.queue, job.request_id)


def redispatch_if_stranded(session: Session, job_id: str | None) -> bool:
    """Dispatch again, after the commit, a job still queued that Redis does not hold; True if it will be.

    An upload sent again while its first job is stranded (Redis was away) gets its import going.
    """
    from .dispatch import held_by_redis

    if job_id is None:
        return False
    job = session.get(Job, job_id)
    if job is None or job.state != JobState.QUEUED:
        return False
    if job.rq_id:
        try:
            if held_by_redis(current_app._get_current_object(), [job.rq_id]).get(job.rq_id):
                return False
        except Exception:  # noqa: BLE001 - Redis away: the dispatch below is deferred like any other
            pass
    dispatch_after_commit(session, job)
    return True
