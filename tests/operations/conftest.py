"""Fixtures for the operations tests: a Redis of the test's own and an application bound to it."""

from __future__ import annotations

import os

import pytest

from tests.operations.servers import RedisServer, start_process, stop


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def redis_app(test_env, own_redis):
    """The platform on the session's database and the test's own Redis; quick to retry dispatch."""
    from smartregion.app import create_app

    application = create_app({"REDIS_URL": own_redis.url, "REDIS_RETRY_AFTER": 1, "JOB_DISPATCH_GRACE": 0})
    application.config["TESTING"] = True
    yield application
    application.extensions["smartregion.db"].engine.dispose()


@pytest.fixture
def own_env(test_env, own_redis):
    """The environment of worker and scheduler processes on the test's own Redis."""
    return os.environ.copy() | {"REDIS_URL": own_redis.url, "JOB_DISPATCH_GRACE": "0", "SWEEP_INTERVAL": "1"}


@pytest.fixture
def own_worker(own_env, tmp_path):
    process = start_process("worker", own_env, tmp_path / "worker.log")
    yield process
    stop(process)


@pytest.fixture
def job_row(app):
    """``job_row(job_id)``: the job's row as the region sees it, as a dict."""
    from smartregion import tenancy
    from smartregion.db import db as database
    from smartregion.jobs import Job

    def read(job_id: str) -> dict:
        with app.app_context(), tenancy.regional_scope(), database.new_session() as session:
            job = session.get(Job, job_id)
            return {c.key: getattr(job, c.key) for c in Job.__table__.c}

    return read
