"""The page login against a real, certified OpenID provider (the npm `oidc-provider`, configured like the
production realm: PKCE S256 required, exact redirect URIs, RS256 JWT access tokens with Keycloak's
`realm_access.roles` and `groups`): login, refresh before expiry, RP-initiated logout, in Chromium."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest
import requests

from tests.conftest import _conninfo, _free_port

pytestmark = pytest.mark.browser

PROVIDER_DIR = Path(__file__).resolve().parents[1] / "oidc"
ACCESS_TTL = 12
PASSWORD = "Passw0rd-" + uuid.uuid4().hex[:8]


def _accounts() -> list[dict]:
    from tenants.seed import USERS

    return [{"username": username, "password": PASSWORD, "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, username)),
             "name": name, "email": f"{username}@example.invalid", "roles": roles, "groups": groups}
            for username, name, roles, groups in USERS]


@pytest.fixture(scope="module")
def openid_site(test_env, tmp_path_factory):
    """The OpenID provider and a platform that logs in through it, each on its own port."""
    node = shutil.which("node")
    if node is None or not (PROVIDER_DIR / "node_modules" / "oidc-provider").exists():
        pytest.fail("The test OpenID provider needs Node.js and `npm ci --prefix tests/oidc` (make test runs it).",
                    pytrace=False)
    provider_port, site_port = _free_port(), _free_port()
    site = f"http://127.0.0.1:{site_port}"
    provider = f"http://127.0.0.1:{provider_port}"
    log = tmp_path_factory.mktemp("oidc") / "provider.log"
    env = {**os.environ, "OIDC_PORT": str(provider_port), "OIDC_ACCESS_TTL": str(ACCESS_TTL),
           "OIDC_REDIRECT_URI": f"{site}/login/callback", "OIDC_POST_LOGOUT_URI": f"{site}/logged-out",
           "OIDC_USERS": json.dumps(_accounts())}
    with log.open("wb") as out:
        process = subprocess.Popen([node, "server.js"], cwd=PROVIDER_DIR, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{provider}/realms/smartregion/.well-known/openid-configuration", timeout=2).ok:
                break
        except requests.ConnectionError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail(f"the OpenID provider did not start:\n{log.read_text()}")

    from smartregion.app import create_app
    from werkzeug.serving import make_server

    app = create_app({"KEYCLOAK_URL": provider, "PUBLIC_URL": site, "TOKEN_REFRESH_MARGIN_SECONDS": ACCESS_TTL - 4})
    server = make_server("127.0.0.1", site_port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"site": site, "provider": provider, "app": app, "log": log}
    server.shutdown()
    app.extensions["smartregion.db"].engine.dispose()
    process.terminate()
    process.wait(timeout=10)


def _session_rows(owner_url: str, username: str) -> list[tuple[str, dict]]:
    with psycopg.connect(_conninfo(owner_url)) as conn:
        return conn.execute("SELECT id_hash, data FROM web_sessions WHERE username = %s", (username,)).fetchall()


def test_the_browser_logs_in_refreshes_and_logs_out_against_the_openid_provider(browser, demo, openid_site,
                                                                                  owner_url, artifacts):
    site = openid_site["site"]
    context = browser.new_context(base_url=site)
    context.set_default_timeout(15_000)
    page = context.new_page()
    refused, authorizations = [], []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("request", lambda r: authorizations.append(r.url) if "/openid-connect/auth?" in r.url else None)

    # Login: the platform sends the browser to the provider with PKCE S256, state and nonce.
    page.goto("/")
    assert "/realms/smartregion/login-actions/" in page.url
    query = parse_qs(urlsplit(authorizations[0]).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["redirect_uri"] == [f"{site}/login/callback"]
    assert query["state"][0] and query["nonce"][0] and "openid" in query["scope"][0].split()
    page.fill("#username", "firenze-comune")
    page.fill("#password", "not-the-password")
    page.click("[data-testid=idp-login]")
    assert page.locator("[data-testid=idp-error]").is_visible()
    page.fill("#username", "firenze-comune")
    page.fill("#password", PASSWORD)
    page.click("[data-testid=idp-login]")
    page.wait_for_selector("[data-testid=user-badge]")
    assert page.locator("[data-testid=user-name]").inner_text() == "Ufficio smart city, Comune di Firenze"
    assert page.locator("[data-testid=user-tenant]").inner_text() == "firenze"  # from the groups claim
    page.screenshot(path=str(artifacts / "oidc-login-home.png"), full_page=True)

    # The session lives in PostgreSQL; the cookie holds only its random id (the row is keyed by its hash).
    cookie = next(c for c in context.cookies() if c["name"] == "smartregion_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    [(id_hash, data)] = _session_rows(owner_url, "firenze-comune")
    assert id_hash == hashlib.sha256(cookie["value"].encode()).hexdigest()
    assert cookie["value"] not in json.dumps(data)
    first_token = data["tokens"]["access_token"]
    claims = json.loads(base64.urlsafe_b64decode(first_token.split(".")[1] + "=="))
    assert claims["typ"] == "Bearer" and claims["azp"] == "smartregion" and "smartregion" in claims["aud"]

    # Refresh: with less than the margin left, the next page gets a new access token from the provider.
    time.sleep(4.5)
    page.goto("/tenants/firenze")
    assert page.locator("[data-testid=user-name]").is_visible()
    [(_, data)] = _session_rows(owner_url, "firenze-comune")
    assert data["tokens"]["access_token"] != first_token
    # After the first token's lifetime the refreshed one carries on.
    time.sleep(max(0.0, ACCESS_TTL - 4.5 + 1))
    assert page.goto("/tenants/firenze").status == 200
    assert page.locator("[data-testid=user-name]").is_visible()

    # The API reads with the page session too (the job bars use it).
    assert page.request.get("/api/v1/tenants/firenze").status == 200

    # Logout: the session ends here, then at the provider, and the browser comes back to the platform.
    page.click("[data-testid=logout]")
    page.click("[data-testid=idp-logout]")
    page.wait_for_url(f"{site}/logged-out*")
    assert page.locator("[data-testid=flash]").is_visible()
    assert _session_rows(owner_url, "firenze-comune") == []
    replayed = requests.get(f"{site}/tenants/firenze", cookies={"smartregion_session": cookie["value"]},
                            allow_redirects=False, timeout=10)
    assert replayed.status_code == 302 and urlsplit(replayed.headers["Location"]).path == "/login"
    api = requests.get(f"{site}/api/v1/tenants", cookies={"smartregion_session": cookie["value"]}, timeout=10)
    assert api.status_code == 401
    # The provider's own session is over too: the next visit asks for the password again.
    page.goto("/")
    assert "/realms/smartregion/login-actions/" in page.url
    context.close()
    assert refused == []


def test_provider_tokens_work_on_the_api_and_nothing_else_does(demo, openid_site):
    """An access token from the provider is a bearer for the API; the ID token is not (typ), and a login
    answer with a forged state is refused."""
    site, provider = openid_site["site"], openid_site["provider"]
    browserless = requests.Session()
    start = browserless.get(f"{site}/login", allow_redirects=False, timeout=10)
    authorize = start.headers["Location"]
    interaction = browserless.get(authorize, allow_redirects=False, timeout=10).headers["Location"]
    login = browserless.post(f"{provider}{interaction}/login", data={"username": "segreteria", "password": PASSWORD},
                             allow_redirects=False, timeout=10)
    resume = browserless.get(login.headers["Location"], allow_redirects=False, timeout=10)
    callback = resume.headers["Location"]
    assert callback.startswith(f"{site}/login/callback?")

    forged = urlsplit(callback)._replace(query="code=" + parse_qs(urlsplit(callback).query)["code"][0]
                                         + "&state=forged").geturl()
    refused = browserless.get(forged, allow_redirects=False, timeout=10, headers={"Accept": "application/json"})
    assert refused.status_code == 400 and refused.headers["Content-Type"] == "application/problem+json"

    finished = browserless.get(callback, allow_redirects=False, timeout=10)
    assert finished.status_code == 302 and urlsplit(finished.headers["Location"]).path == "/"
    assert browserless.get(f"{site}/", timeout=10).status_code == 200

    with psycopg.connect(_conninfo(os.environ["DATABASE_URL"])) as conn:
        [tokens] = conn.execute("SELECT data->'tokens' FROM web_sessions WHERE username = 'segreteria'").fetchone()
    as_bearer = requests.get(f"{site}/api/v1/tenants", timeout=10,
                             headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert as_bearer.status_code == 200
    id_token = requests.get(f"{site}/api/v1/tenants", timeout=10,
                            headers={"Authorization": f"Bearer {tokens['id_token']}"})
    assert id_token.status_code == 401 and "invalid_token" in id_token.headers["WWW-Authenticate"]
