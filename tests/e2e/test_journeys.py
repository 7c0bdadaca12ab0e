"""Two of the roles' journeys in the browser: a utility's import, an auditor's export."""

import csv
import io

import pytest

from tests.e2e.conftest import import_inventory

pytestmark = pytest.mark.browser

LIGHTING_CSV = (
    "asset_id;latitudine;longitudine;tecnologia_lampada;potenza_w;via;installato_il;dimmerabile;nodo_smart\n"
    "FI-PL-0001;43,7696;11,2558;LED;40;Via dei Calzaiuoli;2019-05-10;sì;no\n"
    "FI-PL-0002;43,7712;11,2490;HPS;150;Via Tornabuoni;2012-03-01;no;no\n"
    "FI-PL-0003;51,5000;-0,1200;LED;40;Londra;2019-05-10;sì;sì\n"
)


def test_utility_uploads_a_csv_and_the_progress_bar_reaches_100(login, rq_worker, artifacts, tmp_path):
    page = login("firenze-utility")
    source = tmp_path / "punti-luce.csv"
    source.write_bytes(LIGHTING_CSV.encode("cp1252"))
    import_inventory(page, source)
    progress = page.locator("[data-testid=import-progress]")
    assert progress.get_attribute("aria-valuenow") == "100"
    page.screenshot(path=str(artifacts / "utility-import-finished.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="rapporto degli errori").first.click()  # the pages speak Italian
    report = download.value.path().read_text(encoding="utf-8-sig")
    rejected = list(csv.DictReader(io.StringIO(report)))
    assert [row["line"] for row in rejected] == ["4"]  # the London lamp, outside Italy
    assert rejected[0]["field"] == "location"


def test_auditor_exports_the_audit_log(login, artifacts):
    page = login("revisore")
    page.goto("/audit")
    page.screenshot(path=str(artifacts / "auditor-audit-log.png"), full_page=True)
    with page.expect_download() as download:
        page.click("a[href*='events.csv']")
    exported = download.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert rows, "the export is empty"
    assert any(row.get("action", "").startswith("tenant.") for row in rows)
