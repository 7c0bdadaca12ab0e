"""The ``jobs`` table, the truth about every background job, and the outcome counters of finished runs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from smartregion.db import Base, CreatedAt
from sqlalchemy import BigInteger, Float, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column


class JobState(StrEnum):
    QUEUED = "queued"
    STARTED = "started"
    FINISHED = "finished"
    FAILED = "failed"
    CANCELLED = "cancelled"


ENDED = (JobState.FINISHED, JobState.FAILED, JobState.CANCELLED)


class Job(CreatedAt, Base):
    """A background job as people see it: state, progress 0-100, result summary and error.

    Redis only carries the dispatch (``rq_id`` names the current one); a job that Redis lost, or
    whose worker died, is found here by the sweeper. Jobs of a tenant are visible to that tenant
    under row-level security; jobs without a tenant (regional and system jobs) to the region only.
    The table keeps its single-column key because regional jobs have no tenant.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_state_created_at", "state", "created_at"),
    )

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
    # The RQ job that currently carries this job, and when it was handed to Redis (None: not yet).
    rq_id: Mapped[str | None] = mapped_column(String(80))
    dispatched_at: Mapped[datetime | None]
    # Written every few seconds by the process running the job; a stale one means the worker died.
    heartbeat_at: Mapped[datetime | None]
    request_id: Mapped[str | None] = mapped_column(String(64))
    # A periodic run's name and due time: one row per due time, whichever scheduler got there first.
    schedule_key: Mapped[str | None] = mapped_column(String(240), unique=True)

    @property
    def kind(self) -> str:
        """The job's kind, the dotted name of its function."""
        return self.func


class JobOutcome(Base):
    """Counters of ended runs by queue, kind and outcome, with a duration histogram (for the metrics).

    Kept in PostgreSQL so that every worker process on every machine adds to the same counters.
    """

    __tablename__ = "job_outcomes"

    queue: Mapped[str] = mapped_column(String(40), primary_key=True)
    func: Mapped[str] = mapped_column(String(200), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)
    seconds_sum: Mapped[float] = mapped_column(Float, default=0.0)
    # Cumulative counts for DURATION_BUCKETS (le), in order.
    buckets: Mapped[list[int]] = mapped_column(ARRAY(BigInteger))


DURATION_BUCKETS = (0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)
