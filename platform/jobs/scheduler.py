"""The scheduler: one process per deployment starts the periodic jobs and runs the sweeper.

Several may run (on several machines); the one holding a lock in Redis schedules, the others stand by
and take over within the lock's TTL when it dies. Each periodic run is a ``jobs`` row keyed by the
job's name and due time, so even two schedulers that both believe they lead create each run once.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from croniter import croniter
from flask import Flask
from redis.exceptions import LockError, RedisError
from sqlalchemy.dialects.postgresql import insert

from .dispatch import dispatch, queue_name, redis_connection, side_session
from .models import Job, JobState
from .sweeper import sweep

log = logging.getLogger(__name__)

# Modules declare their periodic jobs in init_app; the scheduler starts them.
PERIODIC: dict[str, dict] = {}
_EVERY = re.compile(r"^(?:@every\s+|every\s+)?(\d+(?:\.\d+)?)\s*(s|m|h)$")


def periodic(func: str, *, cron: str, queue: str = "periodic", description: str | None = None) -> None:
    """Declare a system job run on a cron schedule (regional scope); PERIODIC_SCHEDULE may override it."""
    PERIODIC[func] = {"cron": cron, "queue": queue, "description": description or func}


@dataclass(frozen=True)
class Schedule:
    """When a periodic job is due: a cron expression, or ``every N s|m|h`` counted from the epoch."""

    spec: str

    def __post_init__(self) -> None:
        if not (_EVERY.match(self.spec.strip()) or croniter.is_valid(self.spec)):
            raise ValueError(f"not a schedule: {self.spec!r} (a cron expression or 'every 30s')")

    @property
    def _seconds(self) -> float | None:
        match = _EVERY.match(self.spec.strip())
        if not match:
            return None
        return float(match.group(1)) * {"s": 1, "m": 60, "h": 3600}[match.group(2)]

    def previous(self, moment: datetime) -> datetime:
        if (every := self._seconds) is not None:
            return datetime.fromtimestamp((moment.timestamp() // every) * every, UTC)
        return croniter(self.spec, moment).get_prev(datetime)

    def following(self, moment: datetime) -> datetime:
        if (every := self._seconds) is not None:
            return datetime.fromtimestamp((moment.timestamp() // every + 1) * every, UTC)
        return croniter(self.spec, moment).get_next(datetime)


def schedules(app: Flask) -> dict[str, Schedule]:
    """Every registered periodic job with its schedule; PERIODIC_SCHEDULE (JSON) overrides by name or '*'.

    A null or "off" override disables a job in this deployment.
    """
    overrides = app.config.get("PERIODIC_SCHEDULE") or {}
    if isinstance(overrides, str):
        overrides = json.loads(overrides) if overrides.strip() else {}
    chosen = {}
    for name, spec in PERIODIC.items():
        value = overrides.get(name, overrides.get("*", spec["cron"]))
        if value is None or str(value).lower() == "off":
            continue
        chosen[name] = Schedule(str(value))
    return chosen


def lock_key(app: Flask) -> str:
    return queue_name("smartregion:scheduler:lock", app)


def heartbeat_key(app: Flask) -> str:
    return queue_name("smartregion:scheduler:heartbeat", app)


def create_run(app: Flask, name: str, due: datetime) -> str | None:
    """The jobs row of one periodic run, unless another scheduler made it already; returns its id."""
    spec = PERIODIC[name]
    job_id = str(uuid.uuid4())
    with side_session(app) as side:
        created = side.scalar(
            insert(Job).values(id=job_id, queue=spec["queue"], func=name, kwargs={}, actor="system:scheduler",
                               description=spec["description"], state=JobState.QUEUED, progress=0, attempts=0,
                               schedule_key=f"{name}@{due.isoformat()}")
            .on_conflict_do_nothing(index_elements=["schedule_key"]).returning(Job.id))
        side.commit()
    if created:
        log.info("periodic %s due %s: job %s", name, due.isoformat(), created)
        dispatch(app, created, spec["queue"])
    return created


class Scheduler:
    """The loop of ``smartregion scheduler``: lead or stand by, start what is due, sweep, beat."""

    def __init__(self, app: Flask, *, tick: float = 0.5):
        self.app = app
        self.tick = tick
        self.identity = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.ttl = float(app.config["SCHEDULER_LOCK_TTL"])
        self.sweep_every = float(app.config["SWEEP_INTERVAL"])
        self.catch_up = timedelta(seconds=float(app.config["SCHEDULER_CATCH_UP"]))
        self.schedules = schedules(app)
        self.stopping = threading.Event()
        self.lock = redis_connection(app).lock(lock_key(app), timeout=self.ttl, blocking=False, thread_local=False)
        self.leading = False
        self.renewed_at = 0.0
        self.next_due: dict[str, datetime] = {}
        self.next_sweep = 0.0

    def install_signal_handlers(self) -> None:
        """Stop on SIGTERM and SIGINT, releasing the lock so that a standby takes over at once."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self.stopping.set())

    def run(self) -> None:
        log.info("scheduler %s: %s periodic jobs: %s", self.identity, len(self.schedules),
                 ", ".join(f"{name} [{s.spec}]" for name, s in sorted(self.schedules.items())) or "none")
        try:
            while not self.stopping.is_set():
                self.step()
                self.stopping.wait(self.tick)
        finally:
            self._release()

    def step(self) -> None:
        """One turn of the loop (the tests drive it directly too)."""
        try:
            self._hold_lock()
        except (RedisError, OSError) as exc:
            if self.leading and time.monotonic() - self.renewed_at > self.ttl:
                log.warning("scheduler %s: Redis unreachable for longer than the lock (%s); standing by",
                            self.identity, exc)
                self.leading = False
            elif not self.leading:
                log.debug("scheduler %s: Redis unreachable (%s)", self.identity, exc)
        if not self.leading:
            return
        now = datetime.now(UTC)
        for name, schedule in self.schedules.items():
            due = self.next_due.get(name)
            if due is None:
                last = schedule.previous(now)
                due = last if now - last <= self.catch_up else schedule.following(now)
            while due <= now:
                try:
                    create_run(self.app, name, due)
                except Exception:  # noqa: BLE001 - the next turn tries again; other jobs go on
                    log.exception("periodic %s due %s not created", name, due.isoformat())
                    break
                # Runs missed while nobody led are not replayed one by one: the latest one stands for them.
                due = schedule.following(max(due, now))
            self.next_due[name] = due
        if time.monotonic() >= self.next_sweep:
            self.next_sweep = time.monotonic() + self.sweep_every
            try:
                sweep(self.app)
            except Exception:  # noqa: BLE001 - a failed sweep is logged and tried again next interval
                log.exception("sweep failed")
        self._beat()

    def _hold_lock(self) -> None:
        if self.leading:
            try:
                self.lock.reacquire()
                self.renewed_at = time.monotonic()
            except LockError:
                log.warning("scheduler %s: lost the lock; standing by", self.identity)
                self.leading = False
                self.next_due.clear()
            return
        if self.lock.acquire(blocking=False, token=self.identity):
            self.leading, self.renewed_at = True, time.monotonic()
            self.next_due.clear()
            log.info("scheduler %s: holding the lock; scheduling", self.identity)

    def _beat(self) -> None:
        beat = {"holder": self.identity, "at": time.time(), "jobs": len(self.schedules)}
        try:
            redis_connection(self.app).set(heartbeat_key(self.app), json.dumps(beat), ex=3600)
        except (RedisError, OSError):
            pass

    def _release(self) -> None:
        if self.leading:
            try:
                self.lock.release()
                log.info("scheduler %s: lock released", self.identity)
            except (LockError, RedisError, OSError):
                pass
            self.leading = False
