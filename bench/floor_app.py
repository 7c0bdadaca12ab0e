"""The floor of the tenants list: a bare Flask + psycopg app returning the same rows from the same database.

No platform code: one connection per server thread, the list's own SELECT (tenants with their
municipality and lead company, by name, the first page), JSON out. ``bench/api_load.py`` serves it with
the same gunicorn settings as the platform, to measure what the platform costs on top.
"""

from __future__ import annotations

import os
import threading

import psycopg
from flask import Flask, jsonify

COLUMNS = ("id", "slug", "name", "municipality_id", "lead_company_id", "status", "status_reason", "joined_on",
           "keycloak_group")
ORGANIZATION = ("id", "kind", "name", "istat_code", "vat_number", "fiscal_code", "website")
QUERY = f"""
    SELECT {", ".join(f"t.{c}" for c in COLUMNS)}, {", ".join(f"m.{c}" for c in ORGANIZATION)},
           {", ".join(f"l.{c}" for c in ORGANIZATION)}
    FROM tenants t JOIN organizations m ON m.id = t.municipality_id JOIN organizations l ON l.id = t.lead_company_id
    ORDER BY t.name LIMIT %s OFFSET 0"""

app = Flask(__name__)
_local = threading.local()


def _connection() -> psycopg.Connection:
    if getattr(_local, "connection", None) is None or _local.connection.closed:
        _local.connection = psycopg.connect(os.environ["FLOOR_DATABASE_URL"], autocommit=True)
    return _local.connection


@app.get("/tenants")
def tenants():
    rows = _connection().execute(QUERY, (10,)).fetchall()
    width = len(COLUMNS)
    out = []
    for row in rows:
        item = dict(zip(COLUMNS, row[:width], strict=True))
        item["municipality"] = dict(zip(ORGANIZATION, row[width:width + 7], strict=True))
        item["lead_company"] = dict(zip(ORGANIZATION, row[width + 7:], strict=True))
        out.append(item)
    return jsonify(out)
