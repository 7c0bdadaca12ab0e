"""Every page of every role, walked in a real browser: axe-core finds no serious or critical violation,
in Italian at 1366 px and in English at phone width (390 px), each page's screenshot lands in
`tests/artifacts/walk/`, and no page takes the server more than 300 ms on the demo region.

The walk follows the links of each role's pages from its home (one page per kind of address: the
first protocol, the first submission...), so a page added to a menu is walked without touching this
test. One browser for the session, one login per role.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.conftest import DEMO_USERS, serious_violations

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
# Not pages: downloads, the API, the identity provider, forms' targets, the logout.
SKIPPED = re.compile(r"^/(api|realms|admin|static|metrics|healthz|logout|login|language|tenant$)|"
                     r"\.(csv|json|jsonld|geojson|zip|pdf|xlsx|ttl|xml|rdf|gpkg|gz)$|/(export|download|exports)(/|$)|"
                     r"/(csv|json|pdf|ods)$")
PER_ROLE_LIMIT = 45
BUDGET_MS = 300


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


def _server_ms(page) -> float:
    timing = page.evaluate("""() => { const t = performance.getEntriesByType('navigation')[0];
        return t.responseStart - t.requestStart; }""")
    return float(timing)


@pytest.fixture(scope="module")
def walked(browser, live_server, app, artifacts):
    """Walk every role's pages once; the tests below read what the walk found."""
    from smartregion.cli import seed_demo

    seed_demo(app)
    folder = artifacts / "walk"
    folder.mkdir(parents=True, exist_ok=True)
    origin = live_server.rstrip("/")
    results = {"violations": {}, "slow": {}, "pages": {}, "timings": {}, "errors": {}}
    roles = [role for role in DEMO_USERS if role in os.environ.get("WALK_ROLES", role)]
    log = (folder / "walk.log").open("w")
    for role in roles:
        username = DEMO_USERS[role][0]
        context = browser.new_context(base_url=live_server, viewport=DESKTOP)
        context.set_default_timeout(20_000)
        tab = context.new_page()
        refused = []
        tab.on("console", lambda message, refused=refused, tab=tab: refused.append(
            f"{tab.url}: {message.text}") if "Content Security Policy" in message.text else None)
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
            tab.screenshot(path=str(folder / f"{name}-it-1366.png"), full_page=True)
            if found := serious_violations(tab):
                results["violations"][f"{role} it 1366 {path}"] = found
            queue.extend(link for link in _links(tab, origin) if _pattern(link.split("?")[0]) not in seen)

            tab.set_viewport_size(PHONE)
            tab.goto(path + ("&" if "?" in path else "?") + "lang=en")
            timings.append(_server_ms(tab))
            tab.screenshot(path=str(folder / f"{name}-en-390.png"), full_page=True)
            if found := serious_violations(tab):
                results["violations"][f"{role} en 390 {path}"] = found
            # The server's time for the page: the better of two loads, the first one warms the caches.
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
