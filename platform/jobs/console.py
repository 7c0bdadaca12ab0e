"""The jobs console's behaviour: which jobs, in which order, and the audited retry and cancel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import Flask
from smartregion import audit
from smartregion.errors import Conflict, get_or_404
from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from .models import Job, JobState

RETRYABLE = (JobState.FAILED, JobState.CANCELLED)
CANCELLABLE = (JobState.QUEUED, JobState.STARTED)


@dataclass(frozen=True)
class JobFilters:
    """What the console lists: any combination of states, queue, tenant, kind and creation dates."""

    states: tuple[str, ...] = ()
    queue: str | None = None
    tenant_id: int | None = None
    kind: str | None = None
    created_from: date | None = None
    created_to: date | None = None
    stuck: bool | None = None


def stuck_condition(config, now: datetime | None = None):
    """A started job whose worker stopped beating, or a queued job no worker took in time."""
    now = now or datetime.now(UTC)
    stale = now - timedelta(seconds=float(config["JOB_HEARTBEAT_TIMEOUT"]))
    waiting = now - timedelta(seconds=float(config["JOB_STUCK_AFTER"]))
    return or_(
        and_(Job.state == JobState.STARTED, func.coalesce(Job.heartbeat_at, Job.started_at) < stale),
        and_(Job.state == JobState.QUEUED, func.coalesce(Job.dispatched_at, Job.created_at) < waiting),
    )


def is_stuck(job: Job, config, now: datetime | None = None) -> bool:
    now = now or datetime.now(UTC)
    if job.state == JobState.STARTED:
        beat = job.heartbeat_at or job.started_at
        return beat is not None and beat < now - timedelta(seconds=float(config["JOB_HEARTBEAT_TIMEOUT"]))
    if job.state == JobState.QUEUED:
        since = job.dispatched_at or job.created_at
        return since is not None and since < now - timedelta(seconds=float(config["JOB_STUCK_AFTER"]))
    return False


def jobs_query(filters: JobFilters, config) -> Select:
    """The jobs matching the filters: failed first, then stuck, running, waiting, and the ended ones."""
    stuck = stuck_condition(config)
    statement = select(Job)
    if filters.states:
        statement = statement.where(Job.state.in_(filters.states))
    if filters.queue:
        statement = statement.where(Job.queue == filters.queue)
    if filters.tenant_id is not None:
        statement = statement.where(Job.tenant_id == filters.tenant_id)
    if filters.kind:
        statement = statement.where(or_(Job.func == filters.kind, Job.func.startswith(f"{filters.kind}.")))
    if filters.created_from:
        statement = statement.where(Job.created_at >= datetime.combine(filters.created_from, time.min, UTC))
    if filters.created_to:
        statement = statement.where(Job.created_at < datetime.combine(filters.created_to + timedelta(days=1),
                                                                      time.min, UTC))
    if filters.stuck is not None:
        statement = statement.where(stuck if filters.stuck else ~stuck)
    rank = case((Job.state == JobState.FAILED, 0), (stuck, 1), (Job.state == JobState.STARTED, 2),
                (Job.state == JobState.QUEUED, 3), else_=4)
    return statement.order_by(rank, Job.created_at.desc(), Job.id)


def get_job(session: Session, job_id: str) -> Job:
    """A job the current scope may see (row-level security hides other tenants' jobs)."""
    return get_or_404(session, Job, job_id, f"Job {job_id!r} not found.")


def _snapshot(job: Job) -> dict:
    return {"state": job.state, "attempts": job.attempts, "error": job.error, "queue": job.queue, "func": job.func}


def retry(session: Session, app: Flask, job_id: str) -> Job:
    """Queue a failed, cancelled or stuck job again from the start of its attempts (audited)."""
    from . import dispatch_after_commit

    job = get_job(session, job_id)
    session.refresh(job, with_for_update=True)
    if job.state not in RETRYABLE and not is_stuck(job, app.config):
        raise Conflict(f"Only failed, cancelled or stuck jobs can be retried; this job is {job.state}.")
    before = _snapshot(job)
    job.state, job.attempts, job.error, job.progress, job.message = JobState.QUEUED, 0, None, 0, None
    job.ended_at = job.heartbeat_at = job.dispatched_at = job.rq_id = None
    session.flush()
    audit.record(session, action="job.retry", entity_type="job", entity_id=job.id, tenant_id=job.tenant_id,
                 before=before, after=_snapshot(job))
    dispatch_after_commit(session, job)
    return job


def cancel(session: Session, job_id: str) -> Job:
    """Cancel a queued job, or stop a running one at its next progress report (audited)."""
    job = get_job(session, job_id)
    session.refresh(job, with_for_update=True)
    if job.state not in CANCELLABLE:
        raise Conflict(f"Only queued or running jobs can be cancelled; this job is {job.state}.")
    before = _snapshot(job)
    job.state, job.ended_at = JobState.CANCELLED, datetime.now(UTC)
    job.message = f"Cancelled by {audit.current_actor()}."
    session.flush()
    audit.record(session, action="job.cancel", entity_type="job", entity_id=job.id, tenant_id=job.tenant_id,
                 before=before, after=_snapshot(job))
    return job


def queue_counts(session: Session) -> dict[str, dict[str, int]]:
    """Jobs by queue and state, for the console's summary and the metrics."""
    counts: dict[str, dict[str, int]] = {}
    for queue, state, count in session.execute(select(Job.queue, Job.state, func.count()).group_by(Job.queue,
                                                                                                    Job.state)):
        counts.setdefault(queue, {})[state] = count
    return counts
