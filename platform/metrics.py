"""Prometheus metrics for a monitoring server: requests, jobs, queues and the scheduler's heartbeat.

``GET /metrics`` answers only with ``Authorization: Bearer <METRICS_TOKEN>``; without a configured
token the endpoint does not exist (404). Request metrics are counted in this process (set
``PROMETHEUS_MULTIPROC_DIR`` when a server runs several worker processes); job metrics are read at
scrape time from PostgreSQL, which every worker on every machine writes to, and from Redis.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import time

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

log = logging.getLogger(__name__)

bp = Blueprint("metrics", __name__)
_MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
_REGISTRY = None if _MULTIPROCESS else CollectorRegistry()

REQUEST_SECONDS = Histogram("smartregion_http_request_duration_seconds", "Time to answer a request, by endpoint",
                            ["method", "endpoint"], registry=_REGISTRY,
                            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
RESPONSES = Counter("smartregion_http_responses_total", "Responses by endpoint and status code",
                    ["method", "endpoint", "status"], registry=_REGISTRY)
DISPATCHES = Counter("smartregion_job_dispatches_total",
                     "Jobs handed to Redis after commit: dispatched, failed (Redis away) or deferred",
                     ["outcome"], registry=_REGISTRY)


def dispatch_outcome(outcome: str) -> None:
    DISPATCHES.labels(outcome).inc()


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_observe)
    app.register_blueprint(bp)


def _start() -> None:
    g.metrics_started = time.perf_counter()


def _observe(response):
    started = g.pop("metrics_started", None)
    if started is None or request.path.startswith("/static/"):
        return response
    # The route's pattern, never the raw path: one series per endpoint, whatever the ids in the URL.
    rule = request.url_rule
    endpoint = rule.rule if rule is not None else "unmatched"
    method = request.method
    _series(REQUEST_SECONDS, method, endpoint).observe(time.perf_counter() - started)
    _series(RESPONSES, method, endpoint, str(response.status_code)).inc()
    return response


_SERIES: dict[tuple, object] = {}


def _series(metric, *labels: str):
    """The metric's child of these labels, kept: ``labels()`` checks and locks on every call."""
    key = (metric, *labels)
    child = _SERIES.get(key)
    if child is None:
        child = _SERIES.setdefault(key, metric.labels(*labels))
    return child


@bp.get("/metrics")
def metrics_endpoint():
    """The metrics, for the monitoring server holding METRICS_TOKEN (404 when no token is configured)."""
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        abort(404)
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(sent.strip().encode(), token.encode()):
        from smartregion.errors import Unauthorized

        raise Unauthorized("The metrics need the monitoring token.", error=None)
    registry = CollectorRegistry()
    if _MULTIPROCESS:
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (REQUEST_SECONDS, RESPONSES, DISPATCHES):
            registry.register(collector)
    registry.register(OperationsCollector(current_app._get_current_object()))
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


class OperationsCollector:
    """Jobs by state, run outcomes and durations (PostgreSQL), queue lengths and scheduler beat (Redis)."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        yield from self._from_database()
        yield from self._from_redis()

    def _from_database(self):
        from smartregion.jobs import JobOutcome
        from smartregion.jobs.console import queue_counts, stuck_condition
        from smartregion.jobs.dispatch import side_session
        from smartregion.jobs.models import DURATION_BUCKETS, Job
        from sqlalchemy import func, select, text

        up = GaugeMetricFamily("smartregion_database_up", "1 when PostgreSQL answered this scrape")
        try:
            with side_session(self.app) as session:
                session.execute(text("SET LOCAL statement_timeout = 2000"))
                counts = queue_counts(session)
                stuck = session.scalar(select(func.count()).select_from(Job).where(stuck_condition(self.app.config)))
                outcomes = session.scalars(select(JobOutcome)).all()
        except Exception as exc:  # noqa: BLE001 - a scrape reports the database as down, it does not fail
            log.warning("metrics: database unavailable (%s)", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        jobs = GaugeMetricFamily("smartregion_jobs", "Jobs in the jobs table by queue and state",
                                 labels=["queue", "state"])
        for queue, states in sorted(counts.items()):
            for state, count in sorted(states.items()):
                jobs.add_metric([queue, state], count)
        yield jobs
        yield GaugeMetricFamily("smartregion_jobs_stuck", "Jobs stuck: a dead worker, or waiting too long",
                                value=stuck)
        runs = CounterMetricFamily("smartregion_job_runs", "Ended job runs by queue, kind and outcome",
                                   labels=["queue", "kind", "outcome"])
        seconds = HistogramMetricFamily("smartregion_job_duration_seconds", "Duration of ended job runs",
                                        labels=["queue", "kind", "outcome"])
        for row in outcomes:
            labels = [row.queue, row.func, row.outcome]
            runs.add_metric(labels, row.count)
            buckets = [(str(float(bound)), count) for bound, count in zip(DURATION_BUCKETS, row.buckets, strict=True)]
            seconds.add_metric(labels, buckets + [("+Inf", row.count)], row.seconds_sum)
        yield runs
        yield seconds

    def _from_redis(self):
        from smartregion.jobs import QUEUES, queue_name, redis_connection
        from smartregion.jobs.scheduler import heartbeat_key

        up = GaugeMetricFamily("smartregion_redis_up", "1 when Redis answered this scrape")
        try:
            connection = redis_connection(self.app)
            with connection.pipeline(transaction=False) as pipe:
                for name in QUEUES:
                    pipe.llen(f"rq:queue:{queue_name(name, self.app)}")
                pipe.get(heartbeat_key(self.app))
                *lengths, beat = pipe.execute()
        except Exception as exc:  # noqa: BLE001 - reported as a metric
            log.warning("metrics: Redis unavailable (%s)", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        depth = GaugeMetricFamily("smartregion_rq_queue_length", "Jobs waiting in each RQ queue", labels=["queue"])
        for name, length in zip(QUEUES, lengths, strict=True):
            depth.add_metric([name], length)
        yield depth
        if beat:
            beat = json.loads(beat)
            yield GaugeMetricFamily("smartregion_scheduler_heartbeat_timestamp_seconds",
                                    "When the leading scheduler last completed a turn (Unix time)",
                                    value=beat["at"])
