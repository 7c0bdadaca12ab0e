"""The sweeper: dispatches what Redis lost or never got, and returns the jobs of dead workers to the queue."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import Flask
from redis.exceptions import RedisError
from sqlalchemy import or_, select, update

from .dispatch import dispatch, held_by_redis, side_session
from .models import Job, JobState

log = logging.getLogger(__name__)

WORKER_DIED = ("The worker running this job stopped (it was killed or its machine restarted); "
               "the job went back to the queue.")
GAVE_UP = ("The worker running this job stopped as many times as allowed: the job was not run again. "
           "The secretariat can retry it from the jobs console.")


@dataclass
class SweepReport:
    dispatched: list[str] = field(default_factory=list)
    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    redis_down: bool = False

    def as_dict(self) -> dict:
        return {"dispatched": len(self.dispatched), "requeued": len(self.requeued), "failed": len(self.failed),
                "redis_down": self.redis_down}


def sweep(app: Flask, *, limit: int = 500) -> SweepReport:
    """One pass: requeue or fail the jobs whose worker died, then dispatch queued jobs Redis does not hold."""
    report = SweepReport()
    now = datetime.now(UTC)
    with app.app_context():
        _collect_dead(app, now, report, limit)
        _dispatch_lost(app, now, report, limit)
    if report.dispatched or report.requeued or report.failed:
        log.info("sweep: %s", report.as_dict())
    return report


def _collect_dead(app: Flask, now: datetime, report: SweepReport, limit: int) -> None:
    stale = now - timedelta(seconds=float(app.config["JOB_HEARTBEAT_TIMEOUT"]))
    max_attempts = int(app.config["JOB_MAX_ATTEMPTS"])
    with side_session(app) as side:
        dead = side.execute(
            select(Job.id, Job.attempts).where(Job.state == JobState.STARTED,
                                               or_(Job.heartbeat_at < stale,
                                                   Job.heartbeat_at.is_(None) & (Job.started_at < stale)))
            .order_by(Job.started_at).limit(limit).with_for_update(skip_locked=True)).all()
        for job_id, attempts in dead:
            if attempts >= max_attempts:
                side.execute(update(Job).where(Job.id == job_id).values(
                    state=JobState.FAILED, ended_at=now, error=GAVE_UP))
                report.failed.append(job_id)
            else:
                side.execute(update(Job).where(Job.id == job_id).values(
                    state=JobState.QUEUED, message=WORKER_DIED, rq_id=None, dispatched_at=None,
                    heartbeat_at=None))
                report.requeued.append(job_id)
        side.commit()
    for job_id in report.failed:
        log.warning("job %s: the worker died during attempt %s of %s; marked failed", job_id, max_attempts,
                    max_attempts)


def _dispatch_lost(app: Flask, now: datetime, report: SweepReport, limit: int) -> None:
    grace = now - timedelta(seconds=float(app.config["JOB_DISPATCH_GRACE"]))
    with side_session(app) as side:
        queued = side.execute(
            select(Job.id, Job.queue, Job.rq_id, Job.request_id)
            .where(Job.state == JobState.QUEUED,
                   or_(Job.id.in_(report.requeued), Job.dispatched_at < grace,
                       Job.dispatched_at.is_(None) & (Job.created_at < grace)))
            .order_by(Job.created_at).limit(limit)).all()
    if not queued:
        return
    try:
        held = held_by_redis(app, [row.rq_id for row in queued if row.rq_id])
    except (RedisError, OSError) as exc:
        report.redis_down = True
        log.warning("sweep: Redis does not answer (%s); %s queued jobs wait in PostgreSQL", exc, len(queued))
        return
    for row in queued:
        if row.rq_id and held.get(row.rq_id):
            continue
        if dispatch(app, row.id, row.queue, request_id=row.request_id):
            report.dispatched.append(row.id)
        else:
            report.redis_down = True
            break
