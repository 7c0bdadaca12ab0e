"""Fixtures: a fresh PostgreSQL database per test session, the real Redis, real workers, real tokens."""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests import services

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL, ADMIN_SOURCE = services.database_url()
REDIS_URL, REDIS_SOURCE = services.redis_url()


def pytest_report_header(config):
    return f"services: PostgreSQL from {ADMIN_SOURCE}, Redis from {REDIS_SOURCE}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _conninfo(url) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def test_env(tmp_path_factory):
    """Environment shared by the test process and the worker processes it starts."""
    name = f"smartregion_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = make_url(ADMIN_URL)
    with psycopg.connect(_conninfo(admin), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    var = tmp_path_factory.mktemp("var")
    port = _free_port()
    env = {
        "DATABASE_URL": admin.set(database=name).render_as_string(hide_password=False),
        "REDIS_URL": REDIS_URL,
        "SMARTREGION_ENV": "test",
        "VAR_DIR": str(var),
        "STORAGE_DIR": str(var / "files"),
        "DEV_IDP_KEY_FILE": str(var / "devidp" / "signing-key.pem"),
        "RQ_QUEUE_PREFIX": f"test-{name}-",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "SMTP_URL": "",
        # Every test logs in through the provider from 127.0.0.1: the limits are tested on their own.
        "RATELIMIT_LOGIN": "100000 per minute",
        "RATELIMIT_TOKEN": "100000 per minute",
        "RATELIMIT_UPLOAD": "100000 per minute",
        # The stand-in servers (context broker, mail) listen on 127.0.0.1: the allowance is on here, and
        # the refusal is tested with a strict policy.
        "OUTBOUND_ALLOW_LOOPBACK": "true",
        # Short enough that a test sees a dead worker's job requeued within seconds.
        "JOB_HEARTBEAT_SECONDS": "1",
        "JOB_HEARTBEAT_TIMEOUT": "5",
    }
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    from smartregion.cli import upgrade_database

    upgrade_database(env["DATABASE_URL"])
    yield env | {"port": str(port), "name": name}
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    with psycopg.connect(_conninfo(admin), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def app(test_env):
    from smartregion.app import create_app

    application = create_app()
    application.config["TESTING"] = True
    yield application
    application.extensions["smartregion.db"].engine.dispose()


@pytest.fixture(scope="session")
def live_server(app, test_env):
    """The application on a real HTTP port (the development identity provider is served there)."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", int(test_env["port"]), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield test_env["PUBLIC_URL"]
    server.shutdown()


@pytest.fixture(scope="session")
def owner_url(test_env):
    return test_env["DATABASE_URL"]


def _truncate(owner: str) -> None:
    with psycopg.connect(_conninfo(owner), autocommit=True) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")]
        if tables:
            conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")


@pytest.fixture(autouse=True)
def _clean_database(request):
    yield
    if "test_env" in request.fixturenames:
        _truncate(request.getfixturevalue("test_env")["DATABASE_URL"])


@pytest.fixture
def db(app):
    """A session of the application role, regional scope, for service tests; the test commits."""
    from smartregion import tenancy
    from smartregion.db import db as database

    with app.app_context(), tenancy.regional_scope():
        session = database.new_session()
        yield session
        session.rollback()
        session.close()


@pytest.fixture
def factories(db):
    """The test factories (`tests/factories.py`) writing to this test's `db` session."""
    from tests import factories as module

    token = module.bind(db)
    yield module
    module.unbind(token)


@pytest.fixture
def client(app):
    return app.test_client()


CSRF_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class PageClient:
    """A test client logged in through the login form, as a person is; `post` sends the session's CSRF
    token unless the form data carries its own, `post_form` takes it from the page the form is on."""

    def __init__(self, client, token: str):
        self.client, self.token = client, token

    def __getattr__(self, name):
        return getattr(self.client, name)

    def post(self, url: str, data: dict | None = None, **kwargs):
        if data is None and ("json" in kwargs or "content_type" in kwargs):
            return self.client.post(url, **kwargs)
        return self.client.post(url, data={"csrf_token": self.token, **(data or {})}, **kwargs)

    def post_form(self, page_url: str, action: str, data: dict, *, csrf: bool = True):
        html = self.client.get(page_url).get_data(as_text=True)
        body = {**data, "csrf_token": CSRF_TOKEN.search(html).group(1)} if csrf else data
        return self.client.post(action, data=body)


HIDDEN_INPUT = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def log_in_through_the_provider(client, username: str, password: str | None = None, *, next_url: str = "/"):
    """The page login as a browser goes through it: /login, the provider's form, the callback.

    The development provider is served by the same application, so its pages are reached with the same
    test client; the callback exchanges the code over real HTTP (``live_server``)."""
    import html

    start = client.get(f"/login?next={next_url}")
    assert start.status_code == 302, start.get_data(as_text=True)
    authorize = urlsplit(start.headers["Location"])
    form = client.get(f"{authorize.path}?{authorize.query}")
    assert form.status_code == 200, form.get_data(as_text=True)
    fields = {name: html.unescape(value) for name, value in HIDDEN_INPUT.findall(form.get_data(as_text=True))}
    answer = client.post(authorize.path, data={**fields, "username": username, "password": password or username})
    if answer.status_code != 302:
        return answer
    callback = urlsplit(answer.headers["Location"])
    return client.get(f"{callback.path}?{callback.query}")


@pytest.fixture
def page_client(app, demo, live_server):
    """``page_client("segreteria")``: logged in through the provider's login form; the pages speak Italian
    unless ``lang="en"`` picks English with the language switcher."""

    def make(username: str, *, lang: str | None = None) -> PageClient:
        client = app.test_client()
        response = log_in_through_the_provider(client, username)
        assert response.status_code == 302, response.get_data(as_text=True)
        token = CSRF_TOKEN.search(client.get("/").get_data(as_text=True)).group(1)
        if lang:
            assert client.post("/language", data={"lang": lang, "csrf_token": token}).status_code == 302
        return PageClient(client, token)

    return make


@pytest.fixture
def demo(app):
    """The demo region, seeded through the modules' seed functions."""
    from smartregion.cli import seed_demo

    seed_demo(app)
    return app


class UserClient:
    """A test client that sends a real bearer token with every request."""

    def __init__(self, client, token: str, username: str):
        self.client, self.token, self.username = client, token, username

    def _headers(self, kwargs):
        headers = dict(kwargs.pop("headers", None) or {})
        headers.setdefault("Authorization", f"Bearer {self.token}")
        return headers

    def open(self, *args, **kwargs):
        return self.client.open(*args, headers=self._headers(kwargs), **kwargs)

    def get(self, *args, **kwargs):
        return self.client.get(*args, headers=self._headers(kwargs), **kwargs)

    def post(self, *args, **kwargs):
        return self.client.post(*args, headers=self._headers(kwargs), **kwargs)

    def put(self, *args, **kwargs):
        return self.client.put(*args, headers=self._headers(kwargs), **kwargs)

    def patch(self, *args, **kwargs):
        return self.client.patch(*args, headers=self._headers(kwargs), **kwargs)

    def delete(self, *args, **kwargs):
        return self.client.delete(*args, headers=self._headers(kwargs), **kwargs)


@pytest.fixture
def token_for(live_server, demo):
    """A real access token from the development identity provider, over HTTP."""
    import requests

    cache: dict[str, str] = {}

    def issue(username: str, password: str | None = None) -> str:
        if username not in cache:
            response = requests.post(
                f"{live_server}/realms/smartregion/protocol/openid-connect/token",
                data={"grant_type": "password", "client_id": "smartregion", "username": username,
                      "password": password or username}, timeout=10)
            assert response.status_code == 200, response.text
            cache[username] = response.json()["access_token"]
        return cache[username]

    return issue


@pytest.fixture
def as_user(app, token_for):
    """``as_user("firenze-comune")``: a client authenticated as a demo user."""

    def make(username: str) -> UserClient:
        return UserClient(app.test_client(), token_for(username), username)

    return make


@pytest.fixture(scope="session")
def rq_worker(app, test_env, live_server):
    """A real RQ worker process on the real Redis, with this session's database."""
    log = Path(test_env["VAR_DIR"]) / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "smartregion.cli", "worker"],
                                   env=os.environ.copy(), stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    time.sleep(0.5)
    if process.poll() is not None:
        raise RuntimeError(f"the worker did not start:\n{log.read_text()}")
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()  # reaped, or Popen warns that it is still running


@pytest.fixture
def wait_for_job(app):
    """Poll the Job table until the job ends; returns the final row as a dict."""
    from smartregion.db import db as database
    from smartregion.jobs import Job
    from smartregion.tenancy import regional_scope

    def wait(job_id: str, timeout: float = 60.0) -> dict:
        deadline = time.monotonic() + timeout
        with app.app_context(), regional_scope():
            while time.monotonic() < deadline:
                with database.new_session() as session:
                    job = session.get(Job, job_id)
                    if job is not None and job.state in ("finished", "failed", "cancelled"):
                        return {c.key: getattr(job, c.key) for c in Job.__table__.c}
                time.sleep(0.2)
        raise TimeoutError(f"job {job_id} did not finish in {timeout}s")

    return wait
