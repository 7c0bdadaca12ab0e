"""Load benchmark on the region-sized data set: the platform as in production against its floor.

Needs the data set of ``bench/scale_seed.py`` in DATABASE_URL's database, and ``wrk`` (Debian:
``apt-get install -y wrk``). In one run it:
  - starts an OpenID token issuer of its own (RS256 keys, JWKS and discovery at Keycloak's paths) and
    signs the users' access tokens with it;
  - serves the platform with gunicorn in its own processes, ``SMARTREGION_ENV=production``, a random
    secret key and ``KEYCLOAK_URL`` pointing at that issuer (tokens verified as in production);
  - drives each endpoint with wrk at 50 connections: the tenants list (secretariat), a tenant's
    cadastre summary and asset page and one census submission (20 tenants' own users in turn), the
    protocol timeline over the 273 tenants (secretariat), and an audited write (PATCH of a tenant,
    spread over 20 tenants);
  - serves, with the same gunicorn settings, the floor (``bench/floor_app.py``: bare Flask + psycopg,
    the tenants list's rows) and the platform without its audit log (``bench/wsgi_without_audit.py``)
    for the same writes.
Last line, one JSON object: {"endpoints": {name: {"rps", "p50_ms", "p95_ms"}}, "floor_rps",
"ratio_to_floor", "p95_ms_worst", "audited_write_ratio", "cpu_ms_per_request"}; the last gives, per
endpoint and for the floor and the writes without audit, the server processes' CPU time over the run
divided by the requests served: what a request costs, whatever else loads the machine.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/smartregion_scale .venv/bin/python bench/api_load.py
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
import psycopg
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
REALM = "smartregion"
CONNECTIONS = 50


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class TokenIssuer:
    """An OpenID provider reduced to what the platform reads: discovery, JWKS, RS256 access tokens."""

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(8)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.issuer = f"{self.url}/realms/{REALM}"
        numbers = self.key.public_key().public_numbers()
        jwks = {"keys": [{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid, "n": _b64(numbers.n),
                          "e": _b64(numbers.e)}]}
        discovery = {"issuer": self.issuer, "jwks_uri": f"{self.issuer}/protocol/openid-connect/certs",
                     "token_endpoint": f"{self.issuer}/protocol/openid-connect/token",
                     "authorization_endpoint": f"{self.issuer}/protocol/openid-connect/auth",
                     "id_token_signing_alg_values_supported": ["RS256"]}
        documents = {f"/realms/{REALM}/protocol/openid-connect/certs": jwks,
                     f"/realms/{REALM}/.well-known/openid-configuration": discovery}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                document = documents.get(self.path.split("?")[0])
                body = json.dumps(document).encode() if document else b"{}"
                self.send_response(200 if document else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def token(self, username: str, roles: list[str], groups: list[str]) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": f"bench-{username}", "typ": "Bearer", "azp": "smartregion",
                  "aud": ["smartregion", "account"], "iat": now, "nbf": now, "exp": now + 4 * 3600,
                  "jti": secrets.token_hex(8),
                  "preferred_username": username, "name": username, "realm_access": {"roles": roles},
                  "groups": groups, "scope": "openid profile email"}
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})

    def close(self) -> None:
        self.server.shutdown()


class Server:
    """A gunicorn server of a WSGI app in its own processes."""

    def __init__(self, target: str, env: dict, args):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="smartregion-bench-", suffix=".log", delete=False)
        command = [str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{self.port}",
                   "--workers", str(args.workers), "--worker-class", "gthread", "--threads", str(args.threads),
                   "--backlog", "2048", "--keep-alive", "30", target]
        self.process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=self.log,
                                        stderr=subprocess.STDOUT)

    def wait(self, path: str, headers: dict | None = None) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped:\n{Path(self.log.name).read_text()[-3000:]}")
            try:
                if requests.get(self.url + path, headers=headers, timeout=30).status_code < 500:
                    return
            except (requests.ConnectionError, requests.Timeout):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"the server did not answer:\n{Path(self.log.name).read_text()[-3000:]}")

    def cpu_seconds(self) -> float:
        """CPU time used so far by the server: its master and worker processes (Linux ``/proc``)."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(entry) == self.process.pid or int(fields[1]) == self.process.pid:
                total += int(fields[11]) + int(fields[12])
        return total / ticks

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


LUA = """
local requests = %s
local counter = 0
request = function()
  counter = counter + 1
  local r = requests[(counter %% #requests) + 1]
  local body = nil
  if r.body then body = string.gsub(r.body, "{n}", tostring(counter)) end
  return wrk.format(r.method, r.path, r.headers, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "errors": %%d, "non2xx": %%d, "p50_us": %%d, "p95_us": %%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95)))
end
"""


def _lua_table(requests_: list[dict]) -> str:
    def lua(value):
        if isinstance(value, dict):
            return "{" + ", ".join(f"[{json.dumps(k)}] = {lua(v)}" for k, v in value.items()) + "}"
        if isinstance(value, list):
            return "{" + ", ".join(lua(v) for v in value) + "}"
        return json.dumps(value)

    return lua(requests_)


def drive(server: Server, requests_: list[dict], seconds: int, threads: int) -> dict:
    """wrk at 50 connections over the given requests in turn; rps, latency percentiles, and the server's
    CPU time per request (its processes' CPU over the run divided by the requests it served)."""
    base_url = server.url
    for item in requests_[:20]:  # warm every server thread's pool and key cache, and check the answers
        response = requests.request(item["method"], base_url + item["path"], headers=item["headers"],
                                    data=(item.get("body") or "").replace("{n}", "0") or None, timeout=60)
        if response.status_code >= 400:
            raise RuntimeError(f"{item['method']} {item['path']}: {response.status_code} {response.text[:300]}")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % _lua_table(requests_))
    cpu_before = server.cpu_seconds()
    output = subprocess.run(["wrk", "-t", str(threads), "-c", str(CONNECTIONS), "-d", f"{seconds}s", "--timeout",
                             "10s", "-s", script.name, base_url], capture_output=True, text=True, check=True).stdout
    cpu = server.cpu_seconds() - cpu_before
    os.unlink(script.name)
    figures = json.loads(next(line[8:] for line in output.splitlines() if line.startswith("WRKJSON ")))
    if figures["errors"] or figures["non2xx"]:
        raise RuntimeError(f"errors under load: {figures}\n{output}")
    return {"rps": round(figures["requests"] / (figures["duration_us"] / 1e6), 1),
            "p50_ms": round(figures["p50_us"] / 1000, 1), "p95_ms": round(figures["p95_us"] / 1000, 1),
            "requests": figures["requests"], "seconds": figures["duration_us"] / 1e6,
            "cpu_s": cpu, "cpu_ms": round(cpu * 1000 / max(1, figures["requests"]), 2)}


def alternate(first: tuple[Server, list[dict]], second: tuple[Server, list[dict]], seconds: int, rounds: int,
              threads: int) -> tuple[dict, dict]:
    """Two servers driven in turn, round after round, so that both see the same load from the rest of
    the machine; rps over all rounds, p50 and p95 the median of the rounds'."""
    runs: tuple[list, list] = ([], [])
    for _ in range(rounds):
        for index, (server, requests_) in enumerate((first, second)):
            runs[index].append(drive(server, requests_, max(2, seconds // rounds), threads))
    return tuple({"rps": round(sum(r["requests"] for r in rs) / sum(r["seconds"] for r in rs), 1),
                  "p50_ms": sorted(r["p50_ms"] for r in rs)[len(rs) // 2],
                  "p95_ms": sorted(r["p95_ms"] for r in rs)[len(rs) // 2],
                  "cpu_ms": round(sum(r["cpu_s"] for r in rs) * 1000 / max(1, sum(r["requests"] for r in rs)), 2)}
                 for rs in runs)


def _public(figures: dict) -> dict:
    return {key: figures[key] for key in ("rps", "p50_ms", "p95_ms")}


def _data(url: str) -> dict:
    """What the requests name: 20 tenants with a submission each, the regional protocol."""
    with psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)) as conn:
        tenants = conn.execute(
            "SELECT t.slug, t.name, (SELECT min(s.id) FROM census_submissions s WHERE s.tenant_id = t.id) "
            "FROM tenants t ORDER BY t.id LIMIT 20").fetchall()
        protocol = conn.execute("SELECT max(id) FROM protocols").fetchone()[0]
        count = conn.execute("SELECT count(*) FROM tenants").fetchone()[0]
    if count < 200:
        raise SystemExit(f"{count} tenants in this database: run bench/scale_seed.py first")
    return {"tenants": tenants, "protocol_id": protocol, "tenant_count": count}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="duration of each endpoint's run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3,
                        help="turns of the tenants list against the floor, and of writes with and without audit")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk (Debian) or build it from its sources")
    url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/smartregion_scale")
    data = _data(url)
    issuer = TokenIssuer()
    secretariat = {"Authorization": "Bearer " + issuer.token("segreteria", ["secretariat"], [])}
    members = [(slug, name, submission, {
        "Authorization": "Bearer " + issuer.token(f"comune-{slug}", ["municipality"], [f"/tenants/{slug}"])})
        for slug, name, submission in data["tenants"]]
    env = {"SMARTREGION_ENV": "production", "SECRET_KEY": secrets.token_hex(32), "KEYCLOAK_URL": issuer.url,
           "KEYCLOAK_REALM": REALM, "DATABASE_URL": url, "PUBLIC_URL": "https://smartregion.bench.invalid",
           "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), "LOG_LEVEL": "WARNING",
           "FLOOR_DATABASE_URL": make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)}
    json_headers = {"Content-Type": "application/json"}
    plan = {
        "tenants": [{"method": "GET", "path": "/api/v1/tenants", "headers": secretariat}],
        "cadastre": [{"method": "GET", "path": f"/api/v1/tenants/{slug}/cadastre", "headers": h}
                     for slug, _, _, h in members],
        "assets": [{"method": "GET", "path": f"/api/v1/tenants/{slug}/assets?page_size=50", "headers": h}
                   for slug, _, _, h in members],
        "submission": [{"method": "GET", "path": f"/api/v1/tenants/{slug}/census/submissions/{sub}", "headers": h}
                       for slug, _, sub, h in members],
        "timeline": [{"method": "GET", "path": f"/api/v1/protocols/{data['protocol_id']}/timeline",
                      "headers": secretariat}],
    }
    writes = [{"method": "PATCH", "path": f"/api/v1/tenants/{slug}", "headers": secretariat | json_headers,
               "body": json.dumps({"name": f"{name} ({{n}})"})} for slug, name, _, _ in members]
    endpoints: dict[str, dict] = {}
    floor_request = [{"method": "GET", "path": "/tenants", "headers": {}}]
    try:
        platform = Server("wsgi:app", env, args)
        try:
            platform.wait("/healthz")
            floor = Server("bench.floor_app:app", env, args)
            try:
                floor.wait("/tenants")
                endpoints["tenants"], floor_figures = alternate(
                    (platform, plan.pop("tenants")), (floor, floor_request), args.seconds, args.rounds,
                    args.wrk_threads)
                print("tenants", endpoints["tenants"], "floor", floor_figures, flush=True)
            finally:
                floor.stop()
            for name, requests_ in plan.items():
                endpoints[name] = drive(platform, requests_, args.seconds, args.wrk_threads)
                print(name, endpoints[name], flush=True)
            unaudited = Server("bench.wsgi_without_audit:app", env, args)
            try:
                unaudited.wait("/healthz")
                endpoints["audited_write"], plain_writes = alternate(
                    (platform, writes), (unaudited, writes), args.seconds, args.rounds, args.wrk_threads)
                print("audited_write", endpoints["audited_write"], "without audit", plain_writes, flush=True)
            finally:
                unaudited.stop()
        finally:
            platform.stop()
    finally:
        issuer.close()
    cpu = {name: figures["cpu_ms"] for name, figures in endpoints.items()}
    cpu |= {"floor": floor_figures["cpu_ms"], "write_without_audit": plain_writes["cpu_ms"]}
    endpoints = {name: _public(figures) for name, figures in endpoints.items()}
    result = {
        "endpoints": endpoints,
        "floor_rps": floor_figures["rps"],
        "ratio_to_floor": round(endpoints["tenants"]["rps"] / floor_figures["rps"], 3),
        "p95_ms_worst": max(figures["p95_ms"] for figures in endpoints.values()),
        "audited_write_ratio": round(endpoints["audited_write"]["rps"] / plain_writes["rps"], 3),
        "cpu_ms_per_request": cpu,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
