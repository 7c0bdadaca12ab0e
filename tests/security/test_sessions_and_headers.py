"""Page sessions live in PostgreSQL behind a random cookie id (new at login, gone at logout and expiry), and
every answer carries the security headers: a CSP without inline scripts, no framing, nosniff, HSTS in
production."""

from __future__ import annotations

import hashlib

import psycopg

from tests.conftest import _conninfo, log_in_through_the_provider

COOKIE = "smartregion_session"


def _cookie(client) -> str | None:
    cookie = client.get_cookie(COOKIE)
    return cookie.value if cookie else None


def _rows(owner_url: str, where: str = "true", params=()) -> list[tuple]:
    with psycopg.connect(_conninfo(owner_url)) as conn:
        return conn.execute(f"SELECT id_hash, username, data FROM web_sessions WHERE {where}", params).fetchall()


def test_the_cookie_holds_a_random_id_that_changes_at_login(app, demo, live_server, owner_url):
    client = app.test_client()
    client.get("/login")
    before = _cookie(client)
    assert before and len(before) >= 40 and "." not in before  # not a signed cookie holding data
    response = log_in_through_the_provider(client, "firenze-comune")
    assert response.status_code == 302
    after = _cookie(client)
    assert after != before  # a session id seen before login is never the logged-in one
    [(id_hash, username, data)] = _rows(owner_url, "username = %s", ("firenze-comune",))
    assert id_hash == hashlib.sha256(after.encode()).hexdigest() and after not in str(data)
    assert data["tokens"]["access_token"] and data["user"]["username"] == "firenze-comune"
    assert _rows(owner_url, "id_hash = %s", (hashlib.sha256(before.encode()).hexdigest(),)) == []
    set_cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie and "Secure" not in set_cookie  # test env


def test_logout_ends_the_session_and_a_copied_cookie_stops_working(app, demo, live_server, owner_url):
    client = app.test_client()
    log_in_through_the_provider(client, "segreteria")
    stolen = _cookie(client)
    assert client.get("/api/v1/tenants").status_code == 200  # the API reads with the page session
    token = client.get("/").get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    logout = client.post("/logout", data={"csrf_token": token})
    assert logout.status_code == 302 and "/protocol/openid-connect/logout?" in logout.headers["Location"]
    assert "id_token_hint=" in logout.headers["Location"]
    assert _rows(owner_url, "username = %s", ("segreteria",)) == []

    thief = app.test_client()
    thief.set_cookie(COOKIE, stolen)
    assert thief.get("/").status_code == 302
    assert thief.get("/api/v1/tenants").status_code == 401


def test_an_expired_session_is_over(app, demo, live_server, owner_url):
    client = app.test_client()
    log_in_through_the_provider(client, "revisore")
    with psycopg.connect(_conninfo(owner_url)) as conn:
        conn.execute("UPDATE web_sessions SET expires_at = now() - interval '1 second' WHERE username = 'revisore'")
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_a_refresh_the_provider_refuses_ends_the_page_session(app, demo, live_server, owner_url):
    client = app.test_client()
    log_in_through_the_provider(client, "firenze-utility")
    with psycopg.connect(_conninfo(owner_url)) as conn:
        conn.execute("""UPDATE web_sessions SET data = jsonb_set(jsonb_set(data, '{tokens,expires_at}', '0'),
                        '{tokens,refresh_token}', '"revoked"') WHERE username = 'firenze-utility'""")
    assert client.get("/").status_code == 302
    assert _rows(owner_url, "username = %s", ("firenze-utility",)) == []


def test_a_page_session_refreshes_its_token_before_expiry(app, demo, live_server, owner_url):
    client = app.test_client()
    log_in_through_the_provider(client, "prato-comune")
    [(_, _, data)] = _rows(owner_url, "username = %s", ("prato-comune",))
    with psycopg.connect(_conninfo(owner_url)) as conn:  # as if the token had 10 seconds left
        conn.execute("UPDATE web_sessions SET data = jsonb_set(data, '{tokens,expires_at}', "
                     "to_jsonb(extract(epoch from now())::bigint + 10)) WHERE username = 'prato-comune'")
    assert client.get("/").status_code == 200
    [(_, _, refreshed)] = _rows(owner_url, "username = %s", ("prato-comune",))
    assert refreshed["tokens"]["access_token"] != data["tokens"]["access_token"]
    assert refreshed["tokens"]["expires_at"] > data["tokens"]["expires_at"] - 5


def test_api_writes_need_a_bearer_token_even_with_a_session(app, demo, live_server):
    client = app.test_client()
    log_in_through_the_provider(client, "segreteria")
    forged = client.post("/api/v1/organizations", json={"kind": "association", "name": "Cross-site"})
    assert forged.status_code == 401


def test_pages_and_api_answers_carry_the_security_headers(page_client, client):
    page = page_client("segreteria").get("/")
    csp = dict(part.strip().split(" ", 1) for part in page.headers["Content-Security-Policy"].split(";"))
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'" and csp["object-src"] == "'none'"
    assert csp["frame-ancestors"] == "'none'" and csp["base-uri"] == "'none'"
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in page.headers  # only in production
    html = page.get_data(as_text=True)
    assert "<script>" not in html and " onclick=" not in html and " style=" not in html

    api = client.get("/api/v1/tenants")
    assert api.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert api.headers["X-Content-Type-Options"] == "nosniff"


def test_production_adds_hsts_and_secure_cookies(test_env, monkeypatch):
    from smartregion.app import create_app

    monkeypatch.setenv("SMARTREGION_ENV", "production")
    app = create_app({"KEYCLOAK_URL": "https://id.regione.toscana.example", "SECRET_KEY": "p" * 40,
                      "PUBLIC_URL": "https://smartregion.regione.toscana.example",
                      "DATABASE_URL": test_env["DATABASE_URL"], "REDIS_URL": test_env["REDIS_URL"]})
    try:
        assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
        response = app.test_client().get("/api/v1/nothing-here")
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert "https://id.regione.toscana.example" in response.headers["Content-Security-Policy"] or \
            response.mimetype != "text/html"
        assert "devidp.token" not in app.view_functions  # no development provider in production
    finally:
        app.extensions["smartregion.db"].engine.dispose()


def test_downloadable_documents_run_no_script(app):
    from smartregion.security import DOCUMENT_CSP, document_response

    with app.test_request_context():
        response = document_response("<html><style>p{}</style></html>")
    assert response.headers["Content-Security-Policy"] == DOCUMENT_CSP
    assert "script-src" not in DOCUMENT_CSP and "default-src 'none'" in DOCUMENT_CSP

