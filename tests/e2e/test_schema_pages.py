"""The secretariat in the browser: drafts a new version of a survey schema, previews it, approves it."""

import json

import pytest

from tests.e2e.conftest import serious_violations

pytestmark = pytest.mark.browser

NEW_FIELD = {"key": "smart_meters", "type": "integer", "min": 0,
             "label": {"it": "Contatori intelligenti installati", "en": "Smart meters installed"},
             "help": {"it": "Numero complessivo sul territorio comunale.", "en": "Total in the municipal area."}}


def test_secretariat_drafts_previews_and_approves_a_new_schema_version(login, artifacts):
    page = login("segreteria")
    page.goto("/census")
    page.select_option("#new-draft-key", "networks")
    page.click("[data-testid=new-draft-submit]")
    editor = page.locator("[data-testid=schema-editor]")
    editor.wait_for()
    assert page.locator("[data-testid=draft-version]").inner_text() == "2"
    assert serious_violations(page) == []

    area = page.locator("[data-testid=sections-json]")
    sections = json.loads(area.input_value())
    assert sections[0]["fields"][0]["key"] == "respondent_name"  # pre-filled from version 1

    # a slip in the JSON: the error names its line, and its link puts the cursor there
    broken = json.dumps(sections, indent=2, ensure_ascii=False).replace('"respondent_name",', '"respondent_name"', 1)
    area.fill(broken)
    page.click("[data-testid=save-draft]")
    error = page.locator("[data-testid=json-error]")
    error.wait_for()
    line = next(i for i, text in enumerate(broken.split("\n"), 1) if '"respondent_name"' in text) + 1
    assert f"riga {line}" in error.inner_text()
    assert page.locator("[data-testid=sections-json]").input_value() == broken  # kept as typed
    error.locator("a").click()
    caret_line = page.evaluate("() => { const a = document.getElementById('sections');"
                               " return a.value.slice(0, a.selectionStart).split('\\n').length; }")
    assert caret_line == line
    assert page.evaluate("document.activeElement.id") == "sections"

    # fixed, with a new question: the preview shows the officers' form with it
    sections[0]["fields"].append(NEW_FIELD)
    page.locator("[data-testid=sections-json]").fill(json.dumps(sections, indent=2, ensure_ascii=False))
    page.fill("#title_it", "Censimento delle reti (2ª edizione)")
    page.click("[data-testid=preview]")
    preview = page.locator("[data-testid=preview-form]")
    preview.wait_for()
    assert "2ª edizione" in page.locator("[data-testid=preview-title]").inner_text()
    field = preview.locator("input[name='/smart_meters']")
    assert field.is_visible()
    assert page.locator("label[for='f-smart_meters']").inner_text().startswith("Contatori intelligenti installati")
    rows = preview.locator("[data-group='/networks'] [data-rows] > .sr-row")
    preview.locator("[data-group='/networks'] [data-add-row]").click()  # the preview works like the form
    assert rows.count() == 2
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / "census-schema-draft-preview.png"), full_page=True)

    page.click("[data-testid=save-draft]")
    page.wait_for_url("**/census/schemas/networks/2/edit")
    assert "networks versione 2" in page.locator("[data-testid=flash]").first.inner_text()
    page.click("[data-testid=approve]")
    page.wait_for_url("**/census/schemas/networks/2")
    read_only = page.locator("[data-testid=read-only]")
    assert "sola lettura" in read_only.inner_text()
    assert page.locator("[data-testid=edit-draft]").count() == 0
    assert page.locator("[data-testid=preview-form] input[name='/smart_meters']").is_visible()
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / "census-schema-approved.png"), full_page=True)

    # the overview lists both versions; version 2 is approved
    page.goto("/census")
    assert "approvato" in page.locator("[data-schema='networks/2']").inner_text()
    page.goto("/census/campaigns")
    page.locator("[data-testid=campaigns]").wait_for()
    assert serious_violations(page) == []
