"""Open data in a real browser: the public page read anonymously, the secretariat opening a dataset."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import serious_violations
from tests.publication.conftest import build_region

pytestmark = pytest.mark.browser


def test_a_visitor_reads_the_open_data_page_and_the_secretariat_opens_a_dataset(page, login, artifacts, db):
    build_region(db)
    page.goto("/open-data")
    assert page.locator("h1").inner_text() == "Dati aperti di Regione Toscana"
    rows = page.locator("[data-testid=open-datasets] tbody tr")
    assert rows.count() == 7
    assert page.locator("[data-testid=licence] a[rel=license]").get_attribute("href") == \
        "https://creativecommons.org/licenses/by/4.0/"
    assert serious_violations(page) == [], "open data page"
    page.screenshot(path=str(artifacts / "publication-landing.png"), full_page=True)

    login("segreteria")
    page.goto("/publication")
    prato = page.locator("[data-testid=tenant-prato]")
    prato.locator("tr[data-dataset='cadastre:public-lighting'] button[type=submit]").click()
    page.wait_for_selector("[data-testid=flash]")
    assert "Prato è aperto" in page.locator("[data-testid=flash]").inner_text()
    assert page.locator("[data-testid=published-table] tr[data-path='prato/cadastre/public-lighting']").count() == 1
    # Pisa's census is not accepted: its buttons to open stay disabled.
    pisa = page.locator("[data-testid=tenant-pisa] tr[data-dataset='cadastre:public-lighting'] button")
    assert pisa.is_disabled()
    assert serious_violations(page) == [], "open datasets page"
    page.click("button[name=lang][value=en]")
    page.wait_for_selector("html[lang=en]")
    assert page.locator("h1").inner_text() == "Open data"
    page.screenshot(path=str(artifacts / "publication-secretariat.png"), full_page=True)
