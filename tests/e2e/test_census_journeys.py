"""The census form in the browser: an officer fills in and submits, the secretariat returns it with a comment."""

import pytest

from tests.e2e.conftest import serious_violations

pytestmark = pytest.mark.browser


def _last_row(page):
    return page.locator("[data-group='/projects'] [data-rows] > .sr-row").last


def test_officer_fills_in_and_submits_then_the_secretariat_returns_it_with_a_comment(login, artifacts):
    page = login("firenze-comune")
    page.goto("/tenants/firenze/census")
    # projects was returned by the secretariat: the officer corrects and completes it
    page.locator("[data-testid^=edit-]").first.click()
    form = page.locator("[data-testid=census-form]")
    form.wait_for()
    assert page.locator("[data-comment='/projects/2/cup']").is_visible()
    assert serious_violations(page) == []
    rows_before = page.locator("[data-group='/projects'] [data-rows] > .sr-row").count()

    page.click("[data-group='/projects'] [data-add-row]")
    row = _last_row(page)
    row.locator("input[name$='/title']").fill("Sensori di qualità dell'aria nelle scuole")
    row.locator("select[name$='/domain']").select_option("environment")
    row.locator("select[name$='/promoter_kind']").select_option(index=1)
    row.locator("select[name$='/status']").select_option(index=1)
    row.locator("input[name$='/budget']").fill("dodicimila")
    page.click("[data-testid=submit]")

    budget_path = f"/projects/{rows_before}/budget"
    error = page.locator(f"[data-error='{budget_path}']")
    error.wait_for()
    assert "euro" in error.inner_text()
    assert page.locator("[data-testid=error-summary]").is_visible()
    field = page.locator(f"input[name='{budget_path}']")
    assert field.get_attribute("aria-invalid") == "true"
    assert field.input_value() == "dodicimila"  # what was typed is kept
    page.screenshot(path=str(artifacts / "census-form-inline-error.png"), full_page=True)

    field.fill("12000,50")
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=history]")
    assert "/form" not in page.url
    assert page.locator("[data-testid=flash]").first.is_visible()
    assert page.locator(f"[data-path='{budget_path}']").inner_text().startswith("12000.50")

    # the secretariat returns it with a comment on the new project's budget
    page.click("[data-testid=logout]")
    login("segreteria")
    page.goto("/tenants/firenze/census")
    page.locator("[data-testid=submissions] tbody tr:has([data-schema-key=projects])").locator("a").first.click()
    page.locator("[data-testid=review]").wait_for()
    assert serious_violations(page) == []
    page.fill(f"textarea[name='comment:{budget_path}']", "Indicare anche il cofinanziamento comunale.")
    page.click("[data-testid=return]")
    page.locator(f"[data-comment='{budget_path}']").wait_for()

    # the officer sees the comment beside the field
    page.click("[data-testid=logout]")
    login("firenze-comune")
    page.goto("/tenants/firenze/census")
    page.locator("[data-testid^=edit-]").first.click()
    comment = page.locator(f"[data-field='{budget_path}'] [data-comment='{budget_path}']")
    comment.wait_for()
    assert "cofinanziamento" in comment.inner_text()
    assert page.locator(f"input[name='{budget_path}']").input_value() == "12000.50"
    page.screenshot(path=str(artifacts / "census-form-returned-with-comment.png"), full_page=True)
