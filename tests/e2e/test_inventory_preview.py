"""A municipality previews a tree register exported in Gauss-Boaga, chooses the coordinate system and confirms."""

from __future__ import annotations

import pytest

from tests.census.inventories.inv_files import to_epsg
from tests.e2e.conftest import confirm_preview, serious_violations

pytestmark = pytest.mark.browser


def _register() -> bytes:
    lines = ["N.;Specie;CoordX;CoordY;Altezza (m);Stato vegetativo"]
    for number, (lon, lat, species) in enumerate([(11.2558, 43.7696, "Tilia cordata"),
                                                  (11.2485, 43.7765, "Platanus x acerifolia"),
                                                  (11.2620, 43.7690, "Quercus ilex")], start=1):
        x, y = (f"{v:.2f}".replace(".", ",") for v in to_epsg(3003, lon, lat))
        lines.append(f"{number};{species};{x};{y};12,5;buono")
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def test_preview_choose_crs_confirm_and_import(login, rq_worker, tmp_path, artifacts):
    page = login("firenze-comune")
    source = tmp_path / "Catasto alberi 2024.csv"
    source.write_bytes(_register())
    page.goto("/tenants/firenze/inventories")
    page.select_option("#kind", "urban-trees")
    page.set_input_files("#file", str(source))
    page.click("[data-testid=inventory-upload] button[type=submit]")
    page.locator("[data-testid=preview-rows]").wait_for()
    rows = page.locator("[data-testid=preview-rows] tbody tr")
    assert rows.count() == 3 and "Tilia cordata" in rows.first.inner_text()
    assert page.locator("#map-species").input_value() == "Specie"
    assert page.locator("#map-x").input_value() == "CoordX" and page.locator("#map-y").input_value() == "CoordY"
    assert page.locator("#map-asset_id").input_value() == "N."
    candidates = page.locator("[data-testid=preview-crs-candidates] label")
    assert "EPSG:3003" in candidates.first.inner_text() and "100%" in candidates.first.inner_text()
    page.screenshot(path=str(artifacts / "inventory-preview.png"), full_page=True)
    assert serious_violations(page) == []

    # Without the confirmation the browser does not send the form: nothing starts.
    page.click("[data-testid=preview-confirm] button[type=submit]")
    assert page.locator("[data-testid=preview-confirm]").count() == 1
    page.select_option("select[name='default.condition']", "good")
    page.fill("input[name='default.operator']", "Direzione Ambiente")
    confirm_preview(page, crs="EPSG:3003")
    page.wait_for_selector("[data-testid=import-progress][data-upload-status=imported]", timeout=60_000)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=import-progress]')?.getAttribute('aria-valuenow') === '100'",
        timeout=60_000)
    assert page.locator("dd").nth(1).inner_text().strip() == "3"  # imported
    assert page.locator("dd").nth(2).inner_text().strip() == "0"  # rejected
