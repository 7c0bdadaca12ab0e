"""A tenant's asset page: a page at a time in the key's order, Link headers, its tenant's only."""

import json
import re

import psycopg
from sqlalchemy import select
from sqlalchemy.engine import make_url

from tenants.models import Tenant


def test_assets_come_a_page_at_a_time_to_their_tenant_only(as_user, db, owner_url):
    siena = db.scalar(select(Tenant.id).where(Tenant.slug == "siena"))
    owner = make_url(owner_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(owner, autocommit=True) as conn:
        before = conn.execute("SELECT count(*) FROM inventory_assets WHERE tenant_id = %s", (siena,)).fetchone()[0]
        conn.execute("INSERT INTO inventory_assets (tenant_id, kind, asset_id, category, longitude, latitude, "
                     "length_m, attributes, upload_id, line) SELECT %s, 'public-lighting', 'SI-' || n, "
                     "'public-lighting', 11.33, 43.32, 0, '{\"power_w\": 40}', 0, n "
                     "FROM generate_series(1, 25) n", (siena,))
    officer = as_user("segreteria")
    first = officer.get("/api/v1/tenants/siena/assets", query_string={"page_size": 10,
                                                                      "category": "public-lighting"})
    assert first.status_code == 200 and len(first.json) == 10
    assert all(a["category"] == "public-lighting" for a in first.json)
    assert json.loads(first.headers["X-Pagination"])["next_page"] == 2
    ids = [a["id"] for a in first.json]
    assert ids == sorted(ids)
    links = dict((rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', first.headers["Link"]))
    second = officer.get(links["next"])
    assert [a["id"] for a in second.json][0] > ids[-1]
    counted = officer.get("/api/v1/tenants/siena/assets", query_string={"count": "true", "page_size": 10})
    assert json.loads(counted.headers["X-Pagination"])["total"] == before + 25

    assert as_user("prato-comune").get("/api/v1/tenants/siena/assets").status_code == 404
    own = as_user("prato-comune").get("/api/v1/tenants/prato/assets")
    assert own.status_code == 200 and all(a["asset_id"][:3] != "SI-" for a in own.json)
    wrong = officer.get("/api/v1/tenants/siena/assets", query_string={"category": "plasma"})
    assert wrong.status_code in (400, 422)
    assert wrong.headers["Content-Type"].startswith("application/problem+json")
