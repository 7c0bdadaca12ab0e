"""Soak benchmark: repeated uploads, page views and API reads against a real `smartregion run` process, with the
web process's resident memory (RSS) printed at intervals.

The server is the real one (`smartregion run`: waitress with 8 threads, an RQ worker and the scheduler as
child processes) on a database of its own, created and dropped on the server of DATABASE_URL (default: the
local one) and the Redis of REDIS_URL with its own queue prefix. A mixed cycle is repeated by 4 client
threads: a municipality officer's and the secretariat's pages through the login form, API reads with a bearer
token, and a new inventory upload (a lighting CSV or XLSX, as utilities export them) every third cycle.

RSS rises while an upload is parsed and falls back after it; what memory keeps is the floor. After the
warm-up (the first fifth of the run) the floor of the earlier half is the baseline, and the figure to
watch is how much the floor of the later half is above it (near zero when nothing grows without bound).
The last line printed is one JSON object.

    .venv/bin/python bench/soak.py [--seconds 300] [--clients 4] [--sample 15] [--rows 400]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import requests
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
ADMIN = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
HEADER = "Codice;Latitudine;Longitudine;Tecnologia lampada;Potenza (W);Via;Data installazione;Dimmerabile;Nodo smart"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def inventory(seed: int, rows: int = 400) -> bytes:
    lines = [HEADER] + [f"SK-{seed:05d}-{i:04d};43,7{i % 90:02d};11,2{i % 80:02d};LED;{20 + i % 200},5;"
                        f"Via Ghibellina {i};2019-05-14;sì;no" for i in range(rows)]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def inventory_xlsx(seed: int, rows: int = 400) -> bytes:
    """The same inventory as a spreadsheet (a utility's XLSX export)."""
    import io

    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Punti luce")
    sheet.write_row(0, 0, HEADER.split(";"))
    for i in range(rows):
        sheet.write_row(i + 1, 0, [f"SX-{seed:05d}-{i:04d}", 43.7 + (i % 90) / 1000, 11.2 + (i % 80) / 1000, "LED",
                                   20 + i % 200, f"Via Ghibellina {i}", "2019-05-14", "sì", "no"])
    book.close()
    return out.getvalue()


class Client:
    """One person's browser session plus an API token."""

    def __init__(self, base: str, username: str):
        self.base, self.http = base, requests.Session()
        token = CSRF.search(self.http.get(f"{base}/login", timeout=30).text).group(1)
        self.http.post(f"{base}/login", data={"username": username, "password": username, "csrf_token": token},
                       timeout=30)
        self.bearer = {"Authorization": "Bearer " + requests.post(
            f"{base}/realms/smartregion/protocol/openid-connect/token", timeout=30,
            data={"grant_type": "password", "client_id": "smartregion", "username": username,
                  "password": username}).json()["access_token"]}

    def page(self, path: str) -> int:
        return self.http.get(f"{self.base}{path}", timeout=60).status_code

    def api(self, path: str) -> int:
        return requests.get(f"{self.base}{path}", headers=self.bearer, timeout=60).status_code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--sample", type=float, default=15)
    parser.add_argument("--rows", type=int, default=400, help="rows of each uploaded inventory")
    args = parser.parse_args()

    name = f"smartregion_soak_{secrets.token_hex(3)}"
    admin = make_url(ADMIN)
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="soak-"))
    env = {k: v for k, v in os.environ.items() if k != "PUBLIC_URL"} | {
        "DATABASE_URL": admin.set(database=name).render_as_string(hide_password=False), "REDIS_URL": REDIS,
        "RQ_QUEUE_PREFIX": f"{name}-", "VAR_DIR": str(work), "STORAGE_DIR": str(work / "files"),
        "LOG_LEVEL": "WARNING"}
    log = work / "server.log"
    server = subprocess.Popen([sys.executable, "-m", "smartregion.cli", "run", "--port", str(port)], env=env,
                              cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    counts = {"requests": 0, "uploads": 0, "errors": 0}
    lock = threading.Lock()
    try:
        deadline = time.monotonic() + 180
        while "smartregion is running" not in log.read_text():
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"the server did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        time.sleep(1)
        stop = threading.Event()

        def cycle(number: int) -> None:
            officer, secretariat, utility = (Client(base, u) for u in ("firenze-comune", "segreteria",
                                                                       "firenze-utility"))
            turn = 0
            while not stop.is_set():
                statuses = [officer.page("/"), officer.page("/tenants/firenze/census"), officer.page("/jobs"),
                            secretariat.page("/census/analysis"), secretariat.page("/jobs"),
                            secretariat.page("/tenants"), utility.page("/tenants/firenze/inventories"),
                            utility.api("/api/v1/tenants/firenze/inventories"), secretariat.api("/api/v1/jobs"),
                            secretariat.api("/api/v1/tenants"), utility.api("/api/v1/tenants/firenze/cadastre"),
                            utility.page("/tenants/firenze/inventories/map.geojson")]
                if turn % 3 == 0:
                    seed = number * 100_000 + turn
                    upload = (("punti-luce.xlsx", inventory_xlsx(seed, args.rows)) if turn % 2
                              else ("punti-luce.csv", inventory(seed, args.rows)))
                    response = requests.post(f"{base}/api/v1/tenants/firenze/inventories", headers=utility.bearer,
                                             data={"kind": "public-lighting"}, timeout=120, files={"file": upload})
                    statuses.append(response.status_code)
                    with lock:
                        counts["uploads"] += 1
                with lock:
                    counts["requests"] += len(statuses)
                    counts["errors"] += sum(1 for s in statuses if s >= 500)
                turn += 1

        threads = [threading.Thread(target=cycle, args=(n,), daemon=True) for n in range(args.clients)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        samples: list[tuple[float, int, float]] = []
        while (elapsed := time.monotonic() - started) < args.seconds:
            time.sleep(min(args.sample, max(0.1, args.seconds - elapsed)))
            with lock:
                done = counts["requests"]
            samples.append((time.monotonic() - started, done, rss_mb(server.pid)))
            print(f"t={samples[-1][0]:6.0f}s requests={done:6d} uploads={counts['uploads']:4d} "
                  f"rss={samples[-1][2]:7.1f} MB", flush=True)
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    # Memory only borrowed for an upload goes back down; what stays is the floor. After the warm-up (the first
    # fifth), the floor of the earlier half is the baseline for the floor of the later half.
    steady = [s for s in samples if s[0] >= args.seconds / 5]
    middle = args.seconds / 5 + (args.seconds - args.seconds / 5) / 2
    earlier = min(s[2] for s in steady if s[0] < middle)
    later = min(s[2] for s in steady if s[0] >= middle)
    print(json.dumps({
        "bench": "soak", "seconds": args.seconds, "clients": args.clients, "rows_per_upload": args.rows,
        "requests": counts["requests"], "uploads": counts["uploads"], "errors_5xx": counts["errors"],
        "rss_warm_mb": round(steady[0][2], 1), "rss_floor_earlier_mb": round(earlier, 1),
        "rss_floor_later_mb": round(later, 1), "rss_end_mb": round(samples[-1][2], 1),
        "rss_peak_mb": round(max(s[2] for s in samples), 1), "floor_growth_mb": round(later - earlier, 1),
        "baseline": "rss_floor_earlier_mb: the same process earlier in the same run, after the warm-up"}))


if __name__ == "__main__":
    main()
