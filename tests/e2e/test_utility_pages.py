"""A utility's pages in the browser: registering a data feed, the map of its imported assets."""

import json

import pytest

from tests.e2e.conftest import import_inventory, serious_violations
from tests.interoperability.test_api import streetlight

pytestmark = pytest.mark.browser

LIGHTING_CSV = (
    "asset_id;latitudine;longitudine;tecnologia_lampada;potenza_w;via;installato_il;dimmerabile;nodo_smart\n"
    "FI-PL-0001;43,7696;11,2558;LED;40;Via dei Calzaiuoli;2019-05-10;sì;no\n"
    "FI-PL-0002;43,7712;11,2490;HPS;150;Via Tornabuoni;2012-03-01;no;no\n"
    "FI-PL-0003;43,7731;11,2560;LED;40;Piazza del Duomo;2019-05-10;sì;sì\n"
    "FI-PL-0004;51,5000;-0,1200;LED;40;Londra;2019-05-10;sì;sì\n"
)


def test_utility_registers_a_feed_and_sees_it_listed(login, artifacts):
    page = login("firenze-utility")
    page.click("#main-menu a[href='/tenants/firenze/feeds']")
    page.locator("[data-testid=feed-form]").wait_for()
    assert page.locator("[data-testid=feed-row]").count() == 0

    page.fill("#name", "Punti luce Oltrarno")
    page.select_option("#kind", "sensor-class")
    page.select_option("#standard-version", "TOS-STREETLIGHT 1.0.0")
    page.fill("#sample", json.dumps(streetlight(1, status="broken"), indent=2))
    page.click("[data-testid=feed-submit]")

    violations = page.locator("[data-testid=sample-violations]")
    violations.wait_for()
    assert "/status" in violations.inner_text() and "defectiveLamp" in violations.inner_text()
    assert page.locator("#sample").get_attribute("aria-invalid") == "true"
    assert page.input_value("#name") == "Punti luce Oltrarno"  # what was typed is kept
    assert '"broken"' in page.input_value("#sample")
    assert serious_violations(page) == [], "feed form with errors"
    page.screenshot(path=str(artifacts / "utility-feed-refused-sample.png"), full_page=True)

    page.fill("#sample", json.dumps(streetlight(1), indent=2))
    page.click("[data-testid=feed-submit]")
    row = page.locator("[data-testid=feed-row]", has_text="Punti luce Oltrarno")
    row.wait_for()
    assert "TOS-STREETLIGHT 1.0.0" in row.inner_text()
    assert page.locator("[data-testid=flash]").first.is_visible()
    assert serious_violations(page) == [], "feeds list"
    page.screenshot(path=str(artifacts / "utility-feed-registered.png"), full_page=True)

    row.locator("a").click()
    page.locator("[data-testid=feed-conformance]").wait_for()
    assert "urn:ngsi-ld:Streetlight:firenze:PL-0001" in page.locator("[data-testid=feed-sample]").inner_text()
    assert serious_violations(page) == [], "feed detail"


def test_utility_opens_the_map_after_an_import_and_sees_its_assets(login, rq_worker, artifacts, tmp_path):
    page = login("firenze-utility")
    source = tmp_path / "punti-luce.csv"
    source.write_bytes(LIGHTING_CSV.encode("cp1252"))
    import_inventory(page, source)

    page.goto("/tenants/firenze/inventories")
    page.click("[data-testid=map-link]")
    page.wait_for_selector("#cadastre-map[data-features]")
    assert page.get_attribute("#cadastre-map", "data-features") == "3"  # the London lamp was rejected
    markers = page.locator("#cadastre-map .leaflet-overlay-pane path.leaflet-interactive")
    assert markers.count() == 3
    assert "3" in page.locator("[data-testid=map-status]").inner_text()
    # the view is fitted on the assets: every marker is inside the map's box
    box = page.locator("#cadastre-map").bounding_box()
    for index in range(3):
        marker = markers.nth(index).bounding_box()
        assert box["x"] <= marker["x"] <= box["x"] + box["width"]
        assert box["y"] <= marker["y"] <= box["y"] + box["height"]

    markers.first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    # Leaflet fades the popup in: measure its contrast once it is fully drawn
    page.wait_for_function("() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")
    assert "FI-PL-000" in popup.inner_text() and "public-lighting" in popup.inner_text()
    assert page.locator("[data-testid=map-count]").inner_text() == "Asset nel catasto di Firenze: 3."
    assert page.locator("[data-testid=map-downloads] a[href$='cadastre.geojson']").count() == 1
    assert serious_violations(page) == [], "map page"
    page.screenshot(path=str(artifacts / "utility-cadastre-map.png"), full_page=True)
