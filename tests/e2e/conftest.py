"""Headless Chromium, driven by Playwright, against the real server of ``live_server``."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
AXE = ROOT / "platform" / "web" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--no-first-run"]

DEMO_USERS = {
    "secretariat": ("segreteria", "Segreteria tecnica regionale", None),
    "municipality": ("firenze-comune", "Ufficio smart city, Comune di Firenze", "firenze"),
    "utility": ("firenze-utility", "Operatore, Firenze Servizi Esempio", "firenze"),
    "auditor": ("revisore", "Revisore del protocollo", None),
}


@pytest.fixture(scope="session")
def browser():
    """Chromium from the system package; a missing or broken browser fails the tests, loudly."""
    executable = shutil.which(CHROMIUM) or CHROMIUM
    if not Path(executable).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: install it with "
                    "`apt-get install -y chromium` (or set CHROMIUM to its path) to run the browser tests.",
                    pytrace=False)
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS,
                                                  headless=True)
        except Error as exc:
            pytest.fail(f"Chromium at {executable} could not be started: {exc}", pytrace=False)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server, demo):
    """A fresh browser tab (own cookies) on the live server with the demo region loaded."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    # The Content-Security-Policy runs no inline script, handler or style: a page that still has one
    # shows it here, as Chromium reports every refusal on the console.
    refused = []
    tab.on("console", lambda message: refused.append(f"{tab.url}: {message.text}")
           if "Content Security Policy" in message.text else None)
    yield tab
    context.close()
    assert refused == [], f"the pages broke their Content-Security-Policy: {refused}"


@pytest.fixture
def login(page):
    """Log in through the login form, as a person would; returns the page on the home page."""

    def log_in(username: str, password: str | None = None):
        page.goto("/")
        page.fill("#username", username)
        page.fill("#password", password or username)
        page.click("[data-testid=login-submit]")
        page.wait_for_selector("[data-testid=user-badge]")
        return page

    return log_in


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def serious_violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `npm install --prefix platform/web`.", pytrace=False)
    # Loaded from the platform's own vendor route: the Content-Security-Policy runs no inline script.
    page.add_script_tag(url="/static/vendor/axe-core/axe.min.js")
    result = page.evaluate("""async () => await axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})""")
    assert result["passes"], "axe-core did not check anything on this page"
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "targets": [node["target"] for node in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def confirm_preview(page, crs: str | None = None) -> None:
    """On the preview page, keep the proposed mapping, take the coordinate system and confirm the import."""
    page.locator("[data-testid=preview-confirm]").wait_for()
    # Bootstrap Italia draws the boxes under their labels: a person clicks the label.
    candidates = page.locator("[data-testid=preview-crs-candidates] label")
    if crs is not None:
        page.click(f"label[for=crs-{crs.split(':')[-1]}]")
    elif candidates.count():
        candidates.first.click()
    page.click("label[for=confirm]")
    page.click("[data-testid=preview-confirm] button[type=submit]")


def import_inventory(page, path: Path, *, slug: str = "firenze", kind: str = "public-lighting") -> None:
    """Upload a file from the tenant's inventories page and follow the progress bar to 100%, then wait
    for the page to reload with the upload imported."""
    page.goto(f"/tenants/{slug}/inventories")
    page.select_option("#kind", kind)
    page.set_input_files("#file", str(path))
    page.click("[data-testid=inventory-upload] button[type=submit]")
    confirm_preview(page)
    page.locator("[data-testid=import-progress]").wait_for()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=import-progress]')?.getAttribute('aria-valuenow') === '100'",
        timeout=60_000)
    page.wait_for_selector("[data-testid=import-progress][data-upload-status=imported]", timeout=60_000)
