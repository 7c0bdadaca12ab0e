"""Every page of every role, walked in a real browser: axe-core finds no serious or critical violation,
in Italian and in English, at 1366 px and at phone width (390 px); each page's four screenshots land in
`tests/artifacts/walk/`, and no page takes the server more than 300 ms on the demo region.

The walk follows the links of each role's pages from its home (one page per kind of address: the
first protocol, the first submission...), so a page added to a menu is walked without touching this
test. One browser for the session, one login per role.
"""

from __future__ import annotations

import json
import os
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.conftest import DEMO_USERS, import_inventory, serious_violations

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
# Not pages: downloads, the API, the identity provider, forms' targets, the logout.
SKIPPED = re.compile(r"^/(api|realms|admin|static|metrics|healthz|logout|login|language|tenant$)|"
                     r"\.(csv|json|jsonld|geojson|zip|pdf|xlsx|ttl|xml|rdf|gpkg|gz)$|/(export|download|exports)(/|$)|"
                     r"/(csv|json|pdf|ods)$")
# Each page in both languages at both widths; the first is how the walk reaches it (Italian, the default).
VIEWS = (("it", DESKTOP), ("en", PHONE), ("it", PHONE), ("en", DESKTOP))
PER_ROLE_LIMIT = 45
BUDGET_MS = 300
# Five lamps in a row along some 400 m by the Duomo, and one 3.7 km straight south of them (so that neither
# falls under the map's controls in its corners): fitted to the six, the map gathers the five in a cluster,
# which zooming in opens into its lamps.
CLUSTERED_LAMPS = "asset_id;latitudine;longitudine;tecnologia_lampada;potenza_w;via\n" + "".join(
    f"FI-CL-{n:04d};43,7731;11,{2538 + n * 12};LED;40;Piazza del Duomo\n" for n in range(5)
) + "FI-CL-0099;43,7400;11,2562;LED;40;Viale Europa\n"


def _pattern(path: str) -> str:
    """One page per kind of address: numbers, hex ids and tenant slugs count as the same page."""
    path = re.sub(r"/\d+(?=/|$)", "/<n>", path)
    path = re.sub(r"/[0-9a-f]{16,}(?=/|$)", "/<h>", path)
    return re.sub(r"^/(funding/)?tenants/[a-z0-9-]+", r"/\1tenants/<slug>", path)


def _links(page, origin: str) -> list[str]:
    found = []
    for href in page.eval_on_selector_all("a[href]", "nodes => nodes.map(n => n.href)"):
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != origin or SKIPPED.search(parts.path):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query and "page=" not in parts.query else ""))
    return found


CSP_LISTENER = """window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(
    {source: e.sourceFile, line: e.lineNumber, directive: e.violatedDirective, sample: e.sample}));"""


def _csp_violations(page) -> list[str]:
    """The violations the page caused since it loaded, axe-core's own left out."""
    found = page.evaluate("window.__csp || []")
    return [f"{page.url}: {v['directive']} by {v['source']}:{v['line']} {v['sample']!r}" for v in found
            if "/vendor/axe-core/" not in (v["source"] or "")]


def _server_ms(page) -> float:
    timing = page.evaluate("""() => { const t = performance.getEntriesByType('navigation')[0];
        return t.responseStart - t.requestStart; }""")
    return float(timing)


@pytest.fixture(scope="module")
def seeded(app):
    from smartregion.cli import seed_demo

    seed_demo(app)
    return app


@pytest.fixture(scope="module")
def walked(browser, live_server, seeded, artifacts, request):
    """Walk every role's pages once; the tests below read what the walk found."""
    folder = artifacts / "walk"
    folder.mkdir(parents=True, exist_ok=True)
    origin = live_server.rstrip("/")
    results = {"violations": {}, "slow": {}, "pages": {}, "timings": {}, "errors": {}}
    roles = [role for role in DEMO_USERS if role in os.environ.get("WALK_ROLES", role)]
    log = (folder / "walk.log").open("w")
    request.addfinalizer(log.close)  # also when the walk stops on a failure
    for role in roles:
        username = DEMO_USERS[role][0]
        context = browser.new_context(base_url=live_server, viewport=DESKTOP)
        context.set_default_timeout(20_000)
        # The page's Content-Security-Policy violations, with the script that caused each: axe-core's own
        # (it adds a <style> element while it checks some pages) are the test's, not the page's.
        context.add_init_script(CSP_LISTENER)
        tab = context.new_page()
        refused = []
        tab.goto("/")
        tab.fill("#username", username)
        tab.fill("#password", username)
        tab.click("[data-testid=login-submit]")
        tab.wait_for_selector("[data-testid=user-badge]")
        queue, seen, walked_paths = ["/"], set(), []
        while queue and len(walked_paths) < PER_ROLE_LIMIT:
            path = queue.pop(0)
            if _pattern(path.split("?")[0]) in seen:
                continue
            seen.add(_pattern(path.split("?")[0]))
            tab.set_viewport_size(DESKTOP)
            try:
                response = tab.goto(path)
            except PlaywrightError:  # a download, not a page
                continue
            if response is None or response.status >= 400 or "text/html" not in response.headers.get(
                    "content-type", ""):
                if response is not None and response.status >= 500:
                    results["errors"][f"{role} {path}"] = response.status
                continue
            walked_paths.append(path)
            timings = [_server_ms(tab)]
            name = f"{role}-{re.sub(r'[^a-z0-9]+', '-', path.lower()).strip('-') or 'home'}"
            queue.extend(link for link in _links(tab, origin) if _pattern(link.split("?")[0]) not in seen)
            for lang, viewport in VIEWS:
                if (lang, viewport) != VIEWS[0]:  # the first view is the page as the walk reached it
                    tab.set_viewport_size(viewport)
                    tab.goto(path + ("&" if "?" in path else "?") + f"lang={lang}")
                    timings.append(_server_ms(tab))
                tab.screenshot(path=str(folder / f"{name}-{lang}-{viewport['width']}.png"), full_page=True)
                if found := serious_violations(tab):
                    results["violations"][f"{role} {lang} {viewport['width']} {path}"] = found
                refused.extend(_csp_violations(tab))
            # The server's time for the page: the best of its loads, the first one warms the caches.
            results["timings"][f"{role} {path}"] = min(timings)
            ids = [v["id"] for key, found in results["violations"].items()
                   if key.startswith(f"{role} ") and key.endswith(f" {path}") for v in found]
            log.write(f"{role} {path} {min(timings):.0f} ms {ids}\n")
            log.flush()
            if min(timings) > BUDGET_MS:
                results["slow"][f"{role} {path}"] = round(min(timings))
        results["pages"][role] = walked_paths
        context.close()
        assert refused == [], f"the pages broke their Content-Security-Policy: {refused}"
    log.close()
    slowest = sorted(results["timings"].items(), key=lambda item: -item[1])[:10]
    (folder / "timings.txt").write_text("".join(f"{ms:7.1f} ms  {page}\n" for page, ms in slowest))
    return results


def test_the_walk_reaches_the_pages_of_every_role(walked):
    pages = walked["pages"]
    assert len(pages["secretariat"]) >= 20, pages["secretariat"]
    assert len(pages["municipality"]) >= 6, pages["municipality"]
    assert len(pages["utility"]) >= 6, pages["utility"]
    assert len(pages["auditor"]) >= 12, pages["auditor"]
    assert walked["errors"] == {}


def test_no_page_has_a_serious_accessibility_violation_in_either_language_or_width(walked):
    assert walked["violations"] == {}


def test_no_page_takes_the_server_more_than_300_ms(walked):
    assert walked["slow"] == {}


def test_the_header_is_one_row_at_1366_and_a_menu_button_on_a_phone(page, login, artifacts):
    page.set_viewport_size(DESKTOP)
    tab = login("segreteria")
    tops = tab.eval_on_selector_all("[data-testid=menu-items] > li", "items => items.map(i => i.offsetTop)")
    assert len(tops) >= 8 and len(set(tops)) == 1, f"the menu wraps: {tops}"
    assert not tab.locator("[data-testid=menu-toggle]").is_visible()
    loaded = tab.evaluate("""async () => { await document.fonts.ready;
        return [...document.fonts].some(f => f.family.includes('Titillium') && f.status === 'loaded'); }""")
    assert loaded, "Titillium Web did not load"
    footer = tab.locator("[data-testid=footer-links]").inner_text()
    assert "Dichiarazione di accessibilità" in footer and "Privacy" in footer and "Note legali" in footer

    tab.set_viewport_size(PHONE)
    toggle = tab.locator("[data-testid=menu-toggle]")
    assert toggle.is_visible() and not tab.locator("[data-testid=menu-items]").is_visible()
    header = tab.locator("[data-testid=header]").bounding_box()
    title = tab.locator("h1").bounding_box()
    assert title["y"] >= header["y"] + header["height"], "the header covers the title"
    toggle.click()
    tab.locator("[data-testid=menu-items]").wait_for(state="visible")
    assert toggle.get_attribute("aria-expanded") == "true"
    tab.screenshot(path=str(artifacts / "menu-open-secretariat-390.png"))
    tab.wait_for_timeout(600)  # the menu slides in; it closes once it is there
    tab.keyboard.press("Escape")
    tab.locator("[data-testid=menu-items]").wait_for(state="hidden")


def test_the_region_map_charts_and_timeline_are_drawn(page, login):
    page.set_viewport_size(DESKTOP)
    tab = login("revisore")
    tab.wait_for_selector("#region-map[data-features]")
    assert int(tab.get_attribute("#region-map", "data-features")) > 250  # Tuscany's municipalities
    assert tab.locator("[data-testid=region-map-list] tbody tr").count() == 5
    tab.goto("/census/analysis")
    tab.wait_for_selector("canvas[data-drawn]")
    assert tab.locator("canvas[data-drawn]").count() >= 3
    tab.goto("/protocols/1")
    assert tab.locator("[data-testid=gantt] .sr-gantt-row").count() >= 6
    assert tab.locator("[data-testid=matrix-legend] li").count() == 5


def test_a_feeds_conformance_over_time_is_drawn_from_its_table(page, login, as_user, db, artifacts):
    from tests.interoperability.test_api import register_feed, streetlight
    from tests.interoperability.test_history import _push_on, _today

    feed_id = register_feed(as_user("firenze-utility")).json["id"]
    _push_on(db, feed_id, _today() - timedelta(days=3), [streetlight(2), streetlight(3, status="broken")])
    _push_on(db, feed_id, _today(), [streetlight(4)])
    page.set_viewport_size(DESKTOP)
    tab = login("firenze-utility")
    tab.goto(f"/tenants/firenze/feeds/{feed_id}")
    tab.wait_for_selector("canvas[data-chart-for=feed-history][data-drawn]")
    assert tab.get_attribute("canvas[data-chart-for=feed-history]", "data-drawn") == "2"
    assert tab.locator("[data-testid=feed-history] tbody tr").count() == 2
    assert serious_violations(tab) == [], "feed page with its chart"
    tab.locator("[data-testid=feed-history]").scroll_into_view_if_needed()
    tab.screenshot(path=str(artifacts / "feed-conformance-over-time.png"))


def test_an_officer_places_a_point_on_the_map_and_can_still_type_it(page, login):
    page.set_viewport_size(DESKTOP)
    tab = login("firenze-comune")
    tab.goto("/tenants/firenze/census")
    tab.locator("[data-testid=submissions] tbody tr:has([data-schema-key=projects]) a[href$='/form']").first.click()
    box = tab.locator("[data-location-for][data-ready]").first
    box.scroll_into_view_if_needed()
    field = tab.locator("#" + box.get_attribute("data-location-for"))
    box.click(position={"x": 150, "y": 100})
    value = json.loads(field.input_value())
    assert value["type"] == "Point" and len(value["coordinates"]) == 2
    lon, lat = value["coordinates"]
    assert 9 < lon < 13 and 42 < lat < 45  # somewhere over Tuscany, where the map opens
    assert tab.locator(".leaflet-marker-icon").count() >= 1
    field.fill('{"type": "Point", "coordinates": [11.2558, 43.7696]}')
    field.dispatch_event("input")
    marker = tab.locator("[data-location-for][data-ready] .leaflet-marker-icon").first
    assert marker.is_visible()

    # A row added later gets its own map, which writes its own field.
    group = tab.locator("[data-group]:has([data-location-for])").first
    maps_before = group.locator("[data-location-for][data-ready]").count()
    group.locator("[data-add-row]").click()
    new_box = group.locator("[data-rows] > .sr-row").last.locator("[data-location-for]")
    new_box.wait_for()
    tab.wait_for_function("box => box.dataset.ready === 'true'", arg=new_box.element_handle())
    assert group.locator("[data-location-for][data-ready]").count() == maps_before + 1
    new_field = tab.locator("#" + new_box.get_attribute("data-location-for"))
    assert new_field.get_attribute("id") != field.get_attribute("id") and new_field.input_value() == ""
    new_box.scroll_into_view_if_needed()
    new_box.click(position={"x": 150, "y": 100})
    placed = json.loads(new_field.input_value())
    assert placed["type"] == "Point" and 9 < placed["coordinates"][0] < 13
    assert new_box.locator(".leaflet-marker-icon").count() == 1
    assert json.loads(field.input_value())["coordinates"] == [11.2558, 43.7696]  # the first row's point stays


def test_the_assets_map_gathers_nearby_markers_in_a_cluster_that_opens_when_clicked(login, rq_worker, tmp_path):
    page = login("firenze-utility")
    page.set_viewport_size(DESKTOP)
    source = tmp_path / "lampioni-vicini.csv"
    source.write_bytes(CLUSTERED_LAMPS.encode("cp1252"))
    import_inventory(page, source)

    page.goto("/tenants/firenze/inventories/map")
    page.wait_for_selector("#cadastre-map[data-features]")
    assert page.get_attribute("#cadastre-map", "data-features") == "6"
    clusters = page.locator("#cadastre-map .marker-cluster")
    markers = page.locator("#cadastre-map .leaflet-overlay-pane path.leaflet-interactive")
    # The map opens on Tuscany (all six in one cluster), then fits the assets: the five lamps by the Duomo
    # stay one numbered cluster, the one in Viale Europa stands alone.
    page.wait_for_function("""() => [...document.querySelectorAll('#cadastre-map .marker-cluster')]
        .map(cluster => cluster.textContent.trim()).join() === '5'""")
    assert clusters.all_inner_texts() == ["5"] and markers.count() == 1

    clusters.first.click()  # zooms in on the cluster's lamps, where they are drawn one by one
    page.wait_for_function("""() => !document.querySelector('#cadastre-map .marker-cluster')
        && document.querySelectorAll('#cadastre-map .leaflet-overlay-pane path.leaflet-interactive').length >= 5""")
    assert clusters.count() == 0 and markers.count() >= 5
    assert page.locator("#cadastre-map .leaflet-marker-pane .leaflet-marker-icon").count() == 0  # not spread out
    markers.first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "FI-CL-00" in popup.inner_text()
