"""The secretariat's adhesion journey in the browser: Collesalvetti asks to join, every original
signatory accepts, the tenant is opened and the page follows its identity-group job to the end."""

import pytest

from tests.e2e.conftest import serious_violations

pytestmark = pytest.mark.browser


def test_secretariat_records_and_approves_the_collesalvetti_adhesion(login, rq_worker, artifacts):
    page = login("segreteria")
    page.click("button[name=lang][value=en]")
    page.wait_for_selector("html[lang=en]")
    page.goto("/protocols")
    page.click("[data-testid=protocols-table] a")
    page.click("[data-testid=new-adhesion]")

    page.select_option("#org-kind", "municipality")
    page.fill("#org-name", "Comune di Collesalvetti")
    page.fill("#org-istat-code", "049008")
    page.fill("#lead-name", "Collesalvetti Servizi Esempio S.r.l. (società di esempio)")
    page.fill("#lead-vat-number", "06789010490")
    page.fill("#representative-name", "Sindaca di Collesalvetti")
    page.fill("#representative-role", "Sindaca")
    page.fill("#representative-email", "sindaca@collesalvetti.example")
    page.click("label[for=accepts-objectives]")
    page.fill("#requested-on", "2018-09-03")
    page.click("[data-testid=record-adhesion]")

    # The conditions were not accepted: the error sits by the box, everything typed is still there.
    error = page.locator("[data-testid=error-accepts-conditions]")
    assert error.inner_text() == "The protocol's conditions must be accepted."
    assert page.get_attribute("#accepts-conditions", "aria-invalid") == "true"
    assert page.input_value("#lead-vat-number") == "06789010490"
    assert page.is_checked("#accepts-objectives")
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / "adhesion-new-errors-secretariat.png"), full_page=True)
    page.click("label[for=accepts-conditions]")
    page.click("[data-testid=record-adhesion]")

    status = page.locator("h1 [data-testid=adhesion-status]")
    assert status.get_attribute("data-status") == "pending"
    assert "collesalvetti" in page.locator("[data-testid=adhesion-tenant]").inner_text()
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / "adhesion-pending-secretariat.png"), full_page=True)

    decided = 0
    while page.locator("[data-testid=decision-form]").count() and decided < 20:
        signatory = page.locator("#decision-organization option:not([value=''])").first.get_attribute("value")
        page.select_option("#decision-organization", signatory)
        page.click("label[for=decision-accept]")
        page.fill("#decision-date", "2018-10-01")
        with page.expect_navigation():
            page.click("[data-testid=record-decision]")
        assert "Decision recorded" in page.locator("[data-testid=flash]").inner_text()
        decided += 1
    assert decided == 8  # the Region, the two associations and the five municipalities

    assert status.get_attribute("data-status") == "admitted"
    assert page.locator("[data-testid=decisions-table] tr[data-decision=accept]").count() == 8
    # The page follows the identity-group job and reloads itself when the worker is done.
    page.wait_for_selector("[data-testid=job][data-state=finished]", timeout=60_000)
    assert page.locator("[data-testid=job-state]").inner_text() == "done"
    assert page.locator("[data-testid=job-progress]").get_attribute("aria-valuenow") == "100"
    assert "/tenants/collesalvetti" in page.locator("[data-testid=job-result]").inner_text()
    steps = page.locator("[data-testid=adhesion-steps] li")
    assert [steps.nth(i).get_attribute("data-step") for i in range(steps.count())] == \
        ["requested"] + ["accept"] * 8 + ["admitted", "tenant-opened"]
    assert page.locator("[data-testid=decision-form]").count() == 0
    page.screenshot(path=str(artifacts / "adhesion-admitted-secretariat.png"), full_page=True)

    page.click("[data-testid=adhesion-tenant] a")
    assert page.locator("[data-testid=tenant-status]").inner_text() == "active"
    page.go_back()
    page.click("nav.breadcrumb-container a >> nth=1")
    row = page.locator("[data-testid=adhesions-table] tr[data-status=admitted]")
    assert "Comune di Collesalvetti" in row.inner_text()
    assert page.locator("[data-testid=signatories-table] tr", has_text="Comune di Collesalvetti").count() == 1
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / "protocol-adhesions-secretariat.png"), full_page=True)
