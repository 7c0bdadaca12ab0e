"""OGC API - Features read by real clients (GDAL's OAPIF driver through pyogrio, OWSLib) on a live server,
with bbox, paging, datetime and the Italian CRSs; bad requests and unpublished tenants answered 400/404."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import requests
from owslib.ogcapi.features import Features
from pyproj import Transformer

HEADERS = {"User-Agent": "QGIS/34000/Linux"}
# GDAL holds the interpreter lock while it talks HTTP, and the live server answers from a thread of this
# process: each read runs in its own interpreter, as a GIS client on another machine would.
GDAL_READ = """
import json, sys
import pyogrio
from pyogrio import raw
source, layer, options = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
bbox = tuple(options.pop("bbox")) if "bbox" in options else None
if layer == "-":
    print(json.dumps({"layers": [str(name) for name, _ in pyogrio.list_layers(source)]}))
else:
    meta, _fids, geometry, fields = raw.read(source, layer=layer, bbox=bbox, **options)
    names = [str(n) for n in meta["fields"]]
    print(json.dumps({"count": len(geometry), "fields": names, "crs": meta["crs"],
                      "values": {n: [None if v is None else str(v) for v in fields[i]] for i, n in enumerate(names)}}))
"""


def _read(source: str, layer: str = "-", **options) -> dict:
    done = subprocess.run([sys.executable, "-c", GDAL_READ, source, layer, json.dumps(options)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def ogc(region, live_server):
    return f"{live_server}/ogcapi"


def _gdal(url: str) -> str:
    return f"OAPIF:{url}"


def test_gdal_reads_every_open_collection_with_the_right_counts(ogc):
    import pyogrio

    # GDAL registers its OGC API - Features driver only when built with curl, as the pyogrio wheel is.
    assert "OAPIF" in pyogrio.list_drivers(), f"GDAL {pyogrio.__gdal_version_string__} has no OAPIF driver"
    assert set(_read(_gdal(ogc))["layers"]) == {"firenze-public-lighting", "firenze-network-segments"}
    lights = _read(_gdal(ogc), "firenze-public-lighting")
    assert lights["count"] == 7
    assert {"asset_id", "power_w", "lamp_technology", "installed_on"} <= set(lights["fields"])
    assert sorted(lights["values"]["asset_id"]) == [f"FI-PL-000{i}" for i in range(1, 8)]
    assert _read(_gdal(ogc), "firenze-network-segments")["count"] == 2


def _gdal_requests(db) -> int:
    from sqlalchemy import func, select

    from publication.models import Harvester

    db.rollback()
    return db.scalar(select(func.coalesce(func.sum(Harvester.requests), 0))
                     .where(Harvester.user_agent.like("GDAL%")))


def test_gdal_reads_a_bbox_and_pages_through_the_collection(ogc, db):
    # The historic centre only: Via dei Calzaiuoli, Via Porta Rossa, Lungarno della Zecca.
    centre = _read(_gdal(ogc), "firenze-public-lighting", bbox=[11.250, 43.765, 11.270, 43.774])
    assert sorted(centre["values"]["asset_id"]) == ["FI-PL-0001", "FI-PL-0002", "FI-PL-0003"]
    # A line crossing the box with no vertex inside still matches (the gas main along 43.78).
    crossing = _read(_gdal(ogc), "firenze-network-segments", bbox=[11.250, 43.779, 11.255, 43.781])
    assert crossing["values"]["asset_id"] == ["FI-GAS-001"]
    served = requests.get(f"{ogc}/collections/firenze-network-segments/items",
                          params={"bbox": "11.250,43.779,11.255,43.781"}, timeout=10).json()
    assert [f["id"] for f in served["features"]] == ["FI-GAS-001"]  # the server's own filter, not GDAL's
    # Pages of 2 features: GDAL follows the next links to the end.
    before = _gdal_requests(db)
    paged = _read(_gdal(ogc), "firenze-public-lighting", PAGE_SIZE="2")
    assert paged["count"] == 7 and len(set(paged["values"]["asset_id"])) == 7
    assert _gdal_requests(db) - before >= 4  # pages of 2, 2, 2 and 1, besides the metadata


def test_owslib_lists_and_reads_collections(ogc):
    client = Features(ogc, headers=HEADERS)
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in client.conformance()["conformsTo"]
    ids = [c["id"] for c in client.collections()["collections"]]
    assert ids == ["firenze-network-segments", "firenze-public-lighting"]
    # A line kind's extent covers every vertex, not only the first point of each line.
    assert client.collection("firenze-network-segments")["extent"]["spatial"]["bbox"] == [[11.24, 43.77, 11.27, 43.78]]
    page = client.collection_items("firenze-public-lighting", limit=3, offset=3)
    assert (page["numberMatched"], page["numberReturned"]) == (7, 3)
    assert {link["rel"] for link in page["links"]} >= {"self", "next", "prev", "collection"}
    dated = client.collection_items("firenze-public-lighting", datetime="2015-01-01/..")
    assert sorted(f["id"] for f in dated["features"]) == ["FI-PL-0001", "FI-PL-0002", "FI-PL-0004", "FI-PL-0005"]
    water = client.collection_items("firenze-network-segments", category="water")
    assert [f["id"] for f in water["features"]] == ["FI-AQ-001"]


def test_features_in_the_italian_crs(ogc):
    for epsg in (3003, 6707, 25832, 4326):
        crs = f"http://www.opengis.net/def/crs/EPSG/0/{epsg}"
        answer = requests.get(f"{ogc}/collections/firenze-public-lighting/items/FI-PL-0001", params={"crs": crs},
                              timeout=10)
        assert answer.status_code == 200 and answer.headers["Content-Crs"] == f"<{crs}>"
        expected = Transformer.from_crs("OGC:CRS84", f"EPSG:{epsg}").transform(11.2560, 43.7731)
        assert answer.json()["geometry"]["coordinates"] == pytest.approx(list(expected), abs=0.01), epsg
        if epsg == 4326:  # latitude first, as EPSG 4326 orders its axes
            assert answer.json()["geometry"]["coordinates"][0] == pytest.approx(43.7731)
        # A box in the same CRS selects the same point.
        x, y = expected
        half = 0.0001 if epsg == 4326 else 5
        found = requests.get(f"{ogc}/collections/firenze-public-lighting/items",
                             params={"bbox": f"{x - half},{y - half},{x + half},{y + half}", "bbox-crs": crs},
                             timeout=10).json()
        assert [f["id"] for f in found["features"]] == ["FI-PL-0001"], epsg


BAD_REQUESTS = [
    ("bbox", "11.2,43.7,11.3", 400),
    ("bbox", "200,43.7,201,43.8", 400),
    ("bbox", "11.3,43.8,11.2,43.7", 400),
    ("bbox", "11.2,abc,11.3,43.8", 400),
    ("limit", "100000", 400),
    ("limit", "0", 400),
    ("offset", "700", 404),
    ("crs", "http://www.opengis.net/def/crs/EPSG/0/32633", 400),
    ("datetime", "2019-13-45", 400),
    ("datetime", "2021-01-01/2019-01-01", 400),
    ("f", "html", 400),
    ("sortby", "power_w", 400),
]


def test_bad_requests_are_answered_with_problem_details(ogc):
    for name, value, status in BAD_REQUESTS:
        answer = requests.get(f"{ogc}/collections/firenze-public-lighting/items", params={name: value}, timeout=10)
        assert answer.status_code == status, (name, value, answer.text)
        body = answer.json()
        assert answer.headers["Content-Type"] == "application/problem+json"
        assert body["status"] == status and body["code"] and body["description"], body
    no_time = requests.get(f"{ogc}/collections/firenze-network-segments/items", timeout=10)
    assert no_time.status_code == 200


def test_unpublished_collections_need_a_token_and_stay_within_the_tenant(ogc, token_for):
    for collection in ("pisa-public-lighting", "prato-public-lighting", "firenze-broadband-coverage", "nowhere-x"):
        answer = requests.get(f"{ogc}/collections/{collection}/items", timeout=10)
        assert answer.status_code == 404 and answer.headers["Content-Type"] == "application/problem+json"
        assert "PI-PL" not in answer.text
    firenze = {"Authorization": f"Bearer {token_for('firenze-utility')}"}
    own = requests.get(f"{ogc}/collections/firenze-broadband-coverage/items", headers=firenze, timeout=10)
    assert own.status_code == 200 and [f["id"] for f in own.json()["features"]] == ["FI-BB-01"]
    listed = requests.get(f"{ogc}/collections", headers=firenze, timeout=10).json()
    assert {c["id"] for c in listed["collections"]} == {"firenze-public-lighting", "firenze-network-segments",
                                                        "firenze-broadband-coverage"}
    assert requests.get(f"{ogc}/collections/pisa-public-lighting/items", headers=firenze,
                        timeout=10).status_code == 404
    dated = requests.get(f"{ogc}/collections/firenze-broadband-coverage/items", params={"datetime": "2019-01-01"},
                         headers=firenze, timeout=10)
    assert dated.status_code == 400 and "no time" in dated.json()["detail"]
    secretariat = {"Authorization": f"Bearer {token_for('segreteria')}"}
    pisa = requests.get(f"{ogc}/collections/pisa-public-lighting/items", headers=secretariat, timeout=10)
    assert [f["id"] for f in pisa.json()["features"]] == ["PI-PL-0001"]
    forged = requests.get(f"{ogc}/collections", headers={"Authorization": "Bearer not.a.token"}, timeout=10)
    assert forged.status_code == 401


def test_landing_page_conformance_and_api_definition(ogc):
    landing = requests.get(ogc, timeout=10).json()
    rels = {link["rel"]: link["href"] for link in landing["links"]}
    assert {"self", "service-desc", "conformance", "data", "license"} <= set(rels)
    definition = requests.get(rels["service-desc"], timeout=10)
    assert definition.headers["Content-Type"].startswith("application/vnd.oai.openapi+json")
    assert "/collections/{collectionId}/items" in definition.json()["paths"]
    conformance = requests.get(rels["conformance"], timeout=10).json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conformance
