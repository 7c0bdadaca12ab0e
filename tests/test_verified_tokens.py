"""A verified token is not verified again on every request, and is never kept past its expiry."""

import time

from smartregion import devauth
from smartregion.auth import VerifiedTokens
from smartregion.db import db as database


def _token(app, username: str, lifetime: int) -> str:
    with app.app_context(), database.new_session() as session:
        return devauth.issue_token(session.get(devauth.DevUser, username), app=app, lifetime=lifetime)["access_token"]


def test_a_verified_token_is_kept_until_it_expires(app, demo, client):
    token = _token(app, "segreteria", lifetime=2)
    verified = app.extensions["smartregion.verified_tokens"]
    assert verified.get(token) is None
    assert client.get("/api/v1/tenants", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert verified.get(token)["preferred_username"] == "segreteria"
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert client.get("/api/v1/tenants", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    assert verified.get(forged) is None
    time.sleep(2.2)
    assert verified.get(token) is None  # past its exp: verified again (with the usual leeway) if sent


def test_the_store_stays_bounded():
    store = VerifiedTokens(ttl=60)
    store.MAX_ENTRIES = 3
    for n in range(5):
        store.put(f"t{n}", {"exp": time.time() + 30})
    assert store.get("t4") is not None
    assert sum(store.get(f"t{n}") is not None for n in range(5)) <= 3
