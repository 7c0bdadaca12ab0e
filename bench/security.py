"""What the security layer costs: page sessions read from PostgreSQL, and the JSON body guard.

Creates its own database on DATABASE_URL's server (dropped at the end), serves the app with waitress
on a free port, logs in through the development provider's form (authorization code with PKCE) and
measures, from 8 client threads, GET /api/v1/tenants:
  - baseline: with a bearer token (no page session);
  - with the page session cookie: the session row is read from PostgreSQL and its token verified.
Then, in process, the JSON guard (depth, lone surrogates, NUL) on a 1,000-entity NGSI-LD batch against
a plain json.loads of the same bytes (the baseline). Last line: one JSON object.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/security.py
"""

from __future__ import annotations

import html
import json
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._platform import demo_app, hammer, serving  # noqa: E402

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def _page_login(base: str, username: str) -> requests.Session:
    browser = requests.Session()
    authorize = browser.get(f"{base}/login", allow_redirects=False, timeout=10).headers["Location"]
    form = browser.get(authorize, timeout=10).text
    fields = {name: html.unescape(value) for name, value in HIDDEN.findall(form)}
    answer = browser.post(urlsplit(authorize)._replace(query="").geturl(),
                          data={**fields, "username": username, "password": username}, allow_redirects=False,
                          timeout=10)
    browser.get(answer.headers["Location"], allow_redirects=False, timeout=10)
    return browser


def _batch(count: int) -> bytes:
    entities = [{"id": f"urn:ngsi-ld:Streetlight:FI-{n:06d}", "type": "Streetlight",
                 "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [11.25, 43.77]}},
                 "status": {"type": "Property", "value": "ok"},
                 "powerConsumption": {"type": "Property", "value": 42.5, "unitCode": "WTT"},
                 "address": {"type": "Property", "value": {"streetAddress": f"Via della Vigna Nuova {n}",
                                                            "addressLocality": "Firenze"}},
                 "refStreetlightGroup": {"type": "Relationship", "object": "urn:ngsi-ld:StreetlightGroup:G1"}}
                for n in range(count)]
    return json.dumps(entities).encode()


def _timed(function, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    from smartregion.inputs import parse_json

    with demo_app(RATELIMIT_LOGIN="10000 per minute", RATELIMIT_TOKEN="10000 per minute") as served, \
            serving(served, threads=8):
        bearer = served.bearer("segreteria")
        cookie = _page_login(served.base, "segreteria").cookies.get("smartregion_session")
        session = {"Cookie": f"smartregion_session={cookie}"}
        tenants = f"{served.base}/api/v1/tenants"
        hammer(tenants, bearer, 2, 4)  # warm-up
        hammer(tenants, session, 2, 4)
        with_bearer = hammer(tenants, bearer, 10, 8)
        with_session = hammer(tenants, session, 10, 8)
        raw = _batch(1000)
        loads = _timed(lambda: json.loads(raw), 15)
        guarded = _timed(lambda: parse_json(raw, max_bytes=50 * 1024 * 1024, max_depth=64), 15)
        print(f"bearer token:  {with_bearer}")
        print(f"page session:  {with_session}")
        print(f"json batch of {len(raw) / 1e6:.2f} MB: json.loads {loads * 1000:.1f} ms, "
              f"guarded {guarded * 1000:.1f} ms")
        print(json.dumps({
            "bearer_per_s": with_bearer["per_s"], "session_per_s": with_session["per_s"],
            "bearer_p50_ms": with_bearer["p50_ms"], "session_p50_ms": with_session["p50_ms"],
            "session_p95_ms": with_session["p95_ms"],
            "json_mb": round(len(raw) / 1e6, 2), "json_loads_ms": round(loads * 1000, 1),
            "json_guard_ms": round(guarded * 1000, 1), "json_guard_ratio": round(guarded / loads, 2)}))


if __name__ == "__main__":
    main()
