"""The secretariat in the browser: a new funding line, a project funded by it added to the draft operational
plan, and the plan approved."""

from datetime import date, timedelta

import pytest

from tests.e2e.conftest import serious_violations

pytestmark = pytest.mark.browser

LINE_TITLE = "Gemelli digitali per le città medie"


def test_the_secretariat_creates_a_line_adds_a_project_to_the_draft_plan_and_approves_it(login, artifacts):
    page = login("segreteria")
    page.goto("/funding/lines")
    page.click("[data-testid=new-line]")
    form = page.locator("[data-testid=line-form]")
    form.wait_for()
    assert serious_violations(page) == []

    page.select_option("#programme", "digital_europe")
    page.fill("#title", LINE_TITLE)
    page.fill("#opening-date", (date.today() - timedelta(days=10)).isoformat())
    page.fill("#deadline-0", (date.today() + timedelta(days=90)).isoformat())
    page.fill("#total-budget", "5.000.000,00")
    page.fill("#max-grant", "-1.000.000")
    page.fill("#cofinancing-rate", "50")
    page.click("label[for=domains-government]")  # Bootstrap Italia draws the box on the label
    page.click("label[for=beneficiary-kinds-municipality]")
    page.fill("#territories", "IT")
    page.click("[data-testid=save-line]")

    # a negative amount comes back beside its field, with everything typed still there
    error = page.locator("[data-testid=error-max-grant]")
    error.wait_for()
    assert "negativo" in error.inner_text()
    assert page.locator("#max-grant").get_attribute("aria-invalid") == "true"
    assert page.locator("#title").input_value() == LINE_TITLE
    assert page.locator("#domains-government").is_checked()
    page.fill("#max-grant", "1.000.000,00")
    page.click("[data-testid=save-line]")
    page.locator("[data-testid=line-title]").wait_for()
    assert page.locator("[data-testid=line-title]").inner_text() == LINE_TITLE
    assert "5.000.000,00 EUR" in page.locator("[data-testid=line-budget]").inner_text()

    # the draft plan: Firenze's digital twin gets the new line in its funding plan, then joins the plan
    page.goto("/funding/lines")
    page.click("[data-testid=plans-link]")
    page.locator("[data-testid=plans-table] a", has_text="Piano operativo del protocollo").first.click()
    firenze = page.locator("[data-testid=municipality-firenze]")
    firenze.wait_for()
    assert serious_violations(page) == []
    plan_url = page.url
    twin = firenze.locator("tr", has_text="Gemello digitale urbano")
    assert not twin.locator("input[type=checkbox]").is_checked()
    twin.locator("a", has_text="piano di finanziamento").click()

    rows = page.locator("[data-testid=funding-row]")
    rows.first.wait_for()
    spare = rows.nth(rows.count() - 2)  # the first blank row under the existing sources
    spare.locator("select[name$='.source_kind']").select_option("funding_line")
    spare.locator("select[name$='.funding_line_id']").select_option(label=f"Europa digitale: {LINE_TITLE}")
    spare.locator("input[name$='.amount']").fill("800.000,00")
    page.click("[data-testid=save-funding-plan]")
    page.locator("[data-testid=flash]").first.wait_for()
    assert "800.000,00" in page.locator("[data-testid=funding-plan-form]").inner_html()

    page.goto(plan_url)
    firenze = page.locator("[data-testid=municipality-firenze]")
    before = page.locator("[data-testid=total-firenze]").inner_text()
    firenze.locator("tr", has_text="Gemello digitale urbano").locator("input[type=checkbox]").check()
    firenze.locator("[data-testid=save-firenze]").click()
    page.locator("[data-testid=flash]").first.wait_for()
    assert page.locator("[data-testid=total-firenze]").inner_text() != before
    assert LINE_TITLE in page.locator("[data-testid=line-use]").inner_text()
    assert page.locator("[data-testid=municipality-firenze] tr", has_text="Gemello digitale urbano") \
        .locator("input[type=checkbox]").is_checked()
    page.screenshot(path=str(artifacts / "funding-plan-editor-draft.png"), full_page=True)

    page.click("[data-testid=approve-plan]")
    page.locator("[data-testid=new-version]").wait_for()
    assert page.locator("[data-testid=plan-status]").inner_text() == "approvato"
    assert page.locator("[data-testid=approve-plan]").count() == 0
    assert page.locator("form[data-testid^=municipality-form-]").count() == 0
    assert "Gemello digitale urbano" in page.locator("[data-testid=municipality-firenze]").inner_text()
    assert page.locator("[data-testid=export-xlsx]").get_attribute("href").endswith("format=xlsx&lang=it")
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / "funding-plan-approved.png"), full_page=True)


def test_the_secretariat_imports_an_opencoesione_file_and_follows_its_bar(login, rq_worker, tmp_path, artifacts):
    from tests.funding import opencoesione_files as oc
    from tests.funding.test_opencoesione import published_rows

    path = tmp_path / "progetti_esteso_TOS.zip"
    path.write_bytes(oc.zipped("progetti_esteso_TOS.csv", oc.table(published_rows())))
    page = login("segreteria")
    page.goto("/funding/lines")
    page.click("[data-testid=cohesion-link]")
    page.locator("[data-testid=cohesion-form]").wait_for()
    assert serious_violations(page) == []
    page.set_input_files("#cohesion-file", str(path))
    page.click("[data-testid=cohesion-submit]")
    page.locator("[data-testid=import-progress]").wait_for()
    # The bar is drawn by the page's script (templates carry no style attributes), then the page reloads.
    page.wait_for_selector("[data-testid=import-report]", timeout=60_000)
    bar = page.locator("[data-testid=import-progress] .progress-bar")
    assert bar.inner_text() == "100%"
    assert page.evaluate("() => document.querySelector('[data-testid=import-progress] .progress-bar').style.width") \
        == "100%"
    skipped = page.locator("[data-testid=skipped] tr[data-reason=outside_region]")
    assert "localizzato in nessun comune della piattaforma" in skipped.inner_text()
    assert "H11B17000350004" not in page.locator("[data-testid=unknown-cups]").inner_text()
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / "opencoesione-import.png"), full_page=True)
