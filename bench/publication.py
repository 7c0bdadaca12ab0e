"""Open data figures: the DCAT-AP_IT catalogue, the OGC API - Features over a large cadastre, open files.

Creates its own database on DATABASE_URL's server (dropped at the end), seeds the demo region, writes
``--points`` public-lighting points and ``--lines`` network segments for Firenze, accepts its network census
and opens its cadastre, serves the app with waitress on a free port, then measures:
  - the catalogue (``/catalog.ttl``, ``/catalog.rdf``): latency of a whole page;
  - a harvest of the whole points collection as GDAL does it, following ``next`` links (features/s);
  - bbox requests on points and on lines (latency of a 100-feature page);
  - the baseline, in the same run: the platform's bulk GeoJSON export of the same assets
    (``/api/v1/tenants/firenze/cadastre.geojson``), and the open GeoJSON file.
Last line: one JSON object.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/publication.py \
        [--points 100000] [--lines 10000] [--page 1000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import psycopg
import requests
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._platform import demo_app, serving  # noqa: E402

POINTS = """
INSERT INTO inventory_assets (tenant_id, kind, asset_id, category, operator, longitude, latitude, length_m,
                              geometry, attributes, upload_id, line)
SELECT %(tenant)s, 'public-lighting', 'FI-PL-' || lpad(n::text, 7, '0'), 'public-lighting', 'Servizi Esempio',
       11.15 + (n %% 1000) * 0.0002, 43.72 + (n / 1000) * 0.001, 0,
       NULL, jsonb_build_object('lamp_technology', 'LED', 'power_w', 20 + n %% 80,
                                'installed_on', (date '2005-01-01' + (n %% 6000))::text), 1, n + 1
FROM generate_series(1, %(count)s) AS n"""
LINES = """
INSERT INTO inventory_assets (tenant_id, kind, asset_id, category, operator, longitude, latitude, length_m,
                              geometry, attributes, upload_id, line)
SELECT %(tenant)s, 'network-segments', 'FI-RT-' || lpad(n::text, 7, '0'),
       (ARRAY['water','gas','sewer','telecom'])[1 + n %% 4], 'Reti Esempio',
       11.15 + (n %% 100) * 0.002, 43.72 + (n / 100) * 0.001, 200,
       jsonb_build_object('type', 'LineString', 'coordinates', jsonb_build_array(
           jsonb_build_array(11.15 + (n %% 100) * 0.002, 43.72 + (n / 100) * 0.001),
           jsonb_build_array(11.151 + (n %% 100) * 0.002, 43.7205 + (n / 100) * 0.001),
           jsonb_build_array(11.152 + (n %% 100) * 0.002, 43.7203 + (n / 100) * 0.001))),
       jsonb_build_object('network', 'water', 'diameter_mm', 110), 2, n + 1
FROM generate_series(1, %(count)s) AS n"""


def _timed(session: requests.Session, url: str, times: int, **kwargs) -> dict:
    latencies = []
    for _ in range(times):
        start = time.perf_counter()
        response = session.get(url, timeout=120, **kwargs)
        response.raise_for_status()
        latencies.append(time.perf_counter() - start)
    body = response.json() if "json" in response.headers.get("Content-Type", "") else {}
    return {"p50_ms": round(statistics.median(latencies) * 1000, 1), "max_ms": round(max(latencies) * 1000, 1),
            "bytes": len(response.content), "features": len(body.get("features", []))}


def _harvest(session: requests.Session, url: str) -> dict:
    """Follow next links to the end, as GDAL's OAPIF driver does."""
    start, features, pages = time.perf_counter(), 0, 0
    while url:
        body = session.get(url, timeout=120).json()
        features += len(body["features"])
        pages += 1
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
    elapsed = time.perf_counter() - start
    return {"features": features, "pages": pages, "seconds": round(elapsed, 2),
            "features_per_s": round(features / elapsed)}


def _download(session: requests.Session, url: str, headers: dict | None = None) -> dict:
    start = time.perf_counter()
    response = session.get(url, headers=headers or {}, timeout=600)
    response.raise_for_status()
    count = len(response.json()["features"])
    elapsed = time.perf_counter() - start
    return {"features": count, "seconds": round(elapsed, 2), "features_per_s": round(count / elapsed)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--page", type=int, default=1000)
    args = parser.parse_args()
    with demo_app() as served:
        from smartregion import audit, tenancy
        from smartregion.db import db
        from sqlalchemy import select

        from census.inventories import cadastre
        from census.inventories.models import CensusReviewStatus
        from publication import services
        from tenants.models import Tenant

        app, base, database_url = served.app, served.base, served.database_url
        owner = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        with app.app_context(), tenancy.regional_scope(), audit.acting_as("bench"):
            session = db.new_session()
            firenze = session.scalar(select(Tenant).where(Tenant.slug == "firenze"))
            with psycopg.connect(owner) as conn:
                conn.execute("SELECT set_config('app.scope', 'region', true)")
                conn.execute(POINTS, {"tenant": firenze.id, "count": args.points})
                conn.execute(LINES, {"tenant": firenze.id, "count": args.lines})
                conn.execute("ANALYZE inventory_assets")
            with tenancy.tenant_context(firenze.id):
                cadastre.review_network_census(session, firenze.id, status=CensusReviewStatus.ACCEPTED, note=None,
                                               actor="bench")
                for key in ("cadastre:public-lighting", "cadastre:network-segments", "broadband"):
                    services.open_tenant_dataset(session, firenze.id, key, actor="bench")
            services.open_region_dataset(session, "standards", actor="bench")
            session.commit()
            session.close()
        with serving(served, threads=4):
            http = requests.Session()
            http.headers["User-Agent"] = "smartregion-bench"
            catalog = _timed(http, f"{base}/catalog.ttl", 5)
            catalog_rdf = _timed(http, f"{base}/catalog.rdf", 3)
            items = f"{base}/ogcapi/collections/firenze-public-lighting/items"
            first_page = _timed(http, items, 5, params={"limit": args.page})
            harvest = _harvest(http, f"{items}?limit={args.page}")
            bbox_points = _timed(http, items, 5, params={"bbox": "11.20,43.72,11.22,43.74", "limit": 100})
            lines = f"{base}/ogcapi/collections/firenze-network-segments/items"
            bbox_lines = _timed(http, lines, 5, params={"bbox": "11.20,43.72,11.22,43.74", "limit": 100})
            crs = _timed(http, items, 3, params={"limit": args.page, "crs": "http://www.opengis.net/def/crs/EPSG/0/3003"})
            bulk = _download(http, f"{base}/api/v1/tenants/firenze/cadastre.geojson?category=public-lighting",
                             served.bearer("firenze-utility"))
            open_file = _download(http, f"{base}/open-data/firenze/cadastre/public-lighting.geojson")
        for label, value in (("catalog.ttl", catalog), ("catalog.rdf", catalog_rdf), ("first page", first_page),
                             ("harvest", harvest), ("bbox points", bbox_points), ("bbox lines", bbox_lines),
                             ("page in EPSG 3003", crs), ("bulk export (baseline)", bulk),
                             ("open GeoJSON file", open_file)):
            print(f"{label}: {value}")
        print(json.dumps({
            "points": args.points, "lines": args.lines, "page": args.page,
            "catalog_ttl_p50_ms": catalog["p50_ms"], "ogc_first_page_p50_ms": first_page["p50_ms"],
            "ogc_harvest_features_per_s": harvest["features_per_s"],
            "bulk_export_features_per_s": bulk["features_per_s"],
            "harvest_vs_bulk": round(harvest["features_per_s"] / bulk["features_per_s"], 2),
            "bbox_points_p50_ms": bbox_points["p50_ms"], "bbox_lines_p50_ms": bbox_lines["p50_ms"],
            "epsg3003_page_p50_ms": crs["p50_ms"], "open_file_features_per_s": open_file["features_per_s"],
        }))


if __name__ == "__main__":
    main()
