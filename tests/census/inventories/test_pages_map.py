"""The map of the imported assets: a Leaflet page over the cadastre's GeoJSON, with its text alternative."""

from __future__ import annotations

import functools
import io
import re

import pytest

from census.inventories import views

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
MAP = "/tenants/firenze/inventories/map"
LIGHTS = (
    "asset_id;latitudine;longitudine;tecnologia_lampada;potenza_w;via\r\n"
    "FI-PL-0001;43,7696;11,2558;LED;40;Via dei Calzaiuoli\r\n"
    "FI-PL-0002;43,7712;11,2490;HPS;150;Via Tornabuoni\r\n"
    "FI-PL-0003;43,7731;11,2560;LED;40;Piazza del Duomo\r\n"
)
SENSORS = (
    "asset_id;latitude;longitude;sensor_type\r\n"
    "FI-S-01;43,7800;11,2400;air-quality\r\n"
)


def _token(html: str) -> str:
    return CSRF.search(html).group(1)


@pytest.fixture
def page_client(page_client):
    """These pages are checked in English."""
    return functools.partial(page_client, lang="en")



@pytest.fixture
def imported(as_user, rq_worker, wait_for_job):
    """Three lamps and a sensor of Firenze, imported by the utility through the API and the real worker."""
    utility = as_user("firenze-utility")
    for kind, body, name in (("public-lighting", LIGHTS, "luci.csv"), ("sensors", SENSORS, "sensori.csv")):
        response = utility.post("/api/v1/tenants/firenze/inventories",
                                data={"kind": kind, "file": (io.BytesIO(body.encode("cp1252")), name)},
                                content_type="multipart/form-data")
        assert response.status_code == 202, response.json
        assert wait_for_job(response.json["job_id"])["state"] == "finished"
    return utility


def test_the_map_page_draws_the_cadastre_geojson_with_a_text_alternative(page_client, imported):
    client = page_client("firenze-utility")
    inventories = client.get("/tenants/firenze/inventories").get_data(as_text=True)
    assert f'href="{MAP}"' in inventories

    page = client.get(MAP)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    leaflet_js = re.search(r'<script src="(/static/vendor/leaflet/leaflet\.js)"', html).group(1)
    leaflet_css = re.search(r'href="(/static/vendor/leaflet/leaflet\.css)"', html).group(1)
    layer_url = re.search(r'data-layer-url="([^"]+)"', html).group(1)
    assert layer_url == "/api/v1/tenants/firenze/cadastre.geojson"  # the API's own export
    assert 'data-testid="map-sampled"' not in html
    # the text alternative: the count, per category, and the downloads
    assert re.search(r'data-testid="map-count">\s*4 assets in the cadastre of', html)
    categories = re.search(r'data-testid="map-categories">(.*?)</table>', html, re.S).group(1)
    assert "Public lighting</td><td>3</td>" in categories and "Sensors</td><td>1</td>" in categories
    assert "/api/v1/tenants/firenze/cadastre.csv?category=public-lighting" in categories
    downloads = re.search(r'data-testid="map-downloads">(.*?)</p>', html, re.S).group(1)
    assert 'href="/api/v1/tenants/firenze/cadastre.geojson"' in downloads
    assert 'href="/api/v1/tenants/firenze/cadastre.csv"' in downloads
    assert "tileLayer" not in html  # no base tiles unless a tile server is configured

    # Leaflet is served locally, and the page's session cookie reads the layer from the API
    for asset in (leaflet_js, leaflet_css, "/static/vendor/leaflet/images/layers.png"):
        with client.get(asset) as response:
            assert response.status_code == 200, asset
    layer = client.get(layer_url)
    assert layer.status_code == 200 and layer.mimetype == "application/geo+json"
    features = layer.get_json()["features"]
    assert sorted(f["id"] for f in features) == ["FI-PL-0001", "FI-PL-0002", "FI-PL-0003", "FI-S-01"]
    lamp = next(f for f in features if f["id"] == "FI-PL-0001")
    assert lamp["geometry"] == {"type": "Point", "coordinates": [11.2558, 43.7696]}
    assert lamp["properties"]["kind"] == "public-lighting" and lamp["properties"]["category"] == "public-lighting"


def test_a_large_cadastre_is_drawn_as_an_even_sample_and_says_so(page_client, imported, monkeypatch):
    monkeypatch.setattr(views, "MAP_LIMIT", 2)
    client = page_client("firenze-utility")
    html = client.get(MAP).get_data(as_text=True)
    sampled = re.search(r'data-testid="map-sampled">(.*?)</div>', html, re.S).group(1)
    assert "holds 4 assets" in sampled and "even sample of 2" in sampled and "downloads below hold every" in sampled
    layer_url = re.search(r'data-layer-url="([^"]+)"', html).group(1)
    assert layer_url == "/tenants/firenze/inventories/map.geojson"
    layer = client.get(layer_url)
    assert layer.status_code == 200 and layer.headers["X-Sample-Limit"] == "2"
    first = [f["id"] for f in layer.get_json()["features"]]
    assert len(first) == 2 and first == [f["id"] for f in client.get(layer_url).get_json()["features"]]  # stable
    # the downloads are not capped
    assert len(client.get("/api/v1/tenants/firenze/cadastre.geojson").get_json()["features"]) == 4


def test_who_sees_the_map(page_client, imported, app):
    assert page_client("revisore").get(MAP).status_code == 200
    assert page_client("segreteria").get(MAP).status_code == 200
    assert page_client("firenze-comune").get(MAP).status_code == 200
    other = page_client("prato-utility")
    assert other.get(MAP).status_code == 404
    assert other.get("/tenants/firenze/inventories/map.geojson").status_code == 404
    assert other.get("/api/v1/tenants/firenze/cadastre.geojson").status_code == 404
    anonymous = app.test_client()
    assert anonymous.get(MAP).status_code == 302
    assert anonymous.get("/api/v1/tenants/firenze/cadastre.geojson").status_code == 401
    # Prato has nothing imported: no map, the count says so and points to the upload form
    html = other.get("/tenants/prato/inventories/map").get_data(as_text=True)
    assert 'id="cadastre-map"' not in html and "Nothing imported yet." in html
    assert 'href="/tenants/prato/inventories"' in html
