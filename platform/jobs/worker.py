"""The worker process: RQ's worker on the platform's queues, started again when Redis goes away.

RQ rides out a Redis that is down while it waits for a job, but a connection lost while it watches a job
running ends its ``work()`` loop. The jobs table keeps what matters (the sweeper requeues a job whose
worker went away), so the process waits for Redis to answer and starts a new RQ worker rather than exit.
"""

from __future__ import annotations

import logging
import signal
import time

from flask import Flask
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .dispatch import queue_name, redis_connection, worker_connection

log = logging.getLogger("smartregion.jobs.worker")

REDIS_LOST = (RedisConnectionError, RedisTimeoutError)


def run_worker(app: Flask, queues: list[str], *, burst: bool = False) -> None:
    from rq import Worker

    names = [queue_name(q, app) for q in queues]
    while True:
        try:
            Worker(names, connection=worker_connection(app)).work(burst=burst, with_scheduler=False)
            return
        except REDIS_LOST as error:
            log.warning("worker lost Redis (%s); a new worker starts once Redis answers", error)
        _stop_on_signals()
        _wait_for_redis(app)


def _stop_on_signals() -> None:
    """RQ's handlers outlive its worker: while no worker runs, a stop request ends the process."""
    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def _wait_for_redis(app: Flask, *, longest: float = 5.0) -> None:
    delay = 0.5
    while True:
        try:
            redis_connection(app).ping()
            return
        except REDIS_LOST:
            time.sleep(delay)
            delay = min(delay * 2, longest)
