"""The four roles in a real browser: login, header, languages, home pages, the secretariat's tenant forms."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import DEMO_USERS, serious_violations

pytestmark = pytest.mark.browser

ROLE_LABELS_IT = {"secretariat": "Segreteria tecnica regionale", "municipality": "Funzionario comunale",
                  "utility": "Operatore della società di servizi", "auditor": "Revisore"}
ROLE_LABELS_EN = {"secretariat": "Regional technical secretariat", "municipality": "Municipality officer",
                  "utility": "Utility operator", "auditor": "Auditor"}


@pytest.mark.parametrize("role", list(DEMO_USERS))
def test_each_role_logs_in_and_reads_its_home_in_italian_then_english(page, login, artifacts, role):
    username, name, tenant = DEMO_USERS[role]
    page.goto("/")
    assert "/realms/smartregion/protocol/openid-connect/auth?" in page.url  # the provider's login form
    assert page.get_attribute("html", "lang") == "it"
    assert page.locator("h1").inner_text() == "Accedi"

    login(username)
    badge = page.locator("[data-testid=user-badge]")
    assert page.locator("[data-testid=user-name]").inner_text() == name
    assert page.locator("[data-testid=user-role]").inner_text() == ROLE_LABELS_IT[role]
    if tenant:
        assert page.locator("[data-testid=user-tenant]").inner_text() == tenant
    else:
        assert page.locator("[data-testid=user-tenant]").count() == 0
    assert page.get_attribute("html", "lang") == "it"
    assert page.locator("[data-testid=home-title]").inner_text() == f"Ti diamo il benvenuto, {name}"
    assert page.get_by_role("button", name="Esci").is_visible()
    # The census deadline of the demo protocol (signed on 27 December 2017, census within 6 months).
    assert "27 giugno 2018" in page.locator("[data-testid=home-deadline]").inner_text()
    # The demo protocol ended on 27 December 2019: the home says so instead of counting days of delay.
    assert "Il protocollo si è concluso il 27 dicembre 2019" in page.locator("[data-testid=countdown]").inner_text()
    page.screenshot(path=str(artifacts / f"home-{role}-it.png"), full_page=True)

    page.click("button[name=lang][value=en]")
    page.wait_for_selector("html[lang=en]")
    assert page.locator("[data-testid=home-title]").inner_text() == f"Welcome, {name}"
    assert badge.locator("[data-testid=user-role]").inner_text() == ROLE_LABELS_EN[role]
    assert "June 27, 2018" in page.locator("[data-testid=home-deadline]").inner_text()
    assert "The protocol ended on December 27, 2019" in page.locator("[data-testid=countdown]").inner_text()
    page.screenshot(path=str(artifacts / f"home-{role}-en.png"), full_page=True)

    page.click("[data-testid=logout]")
    assert urlsplit(page.url).path == "/logged-out"
    assert "You have logged out." in page.locator("[data-testid=flash]").inner_text()
    assert page.locator("[data-testid=user-badge]").count() == 0


def test_home_pages_show_what_each_role_works_with(page, login):
    login("segreteria")
    tenants = page.locator("[data-testid=home-tenants]").inner_text()
    assert "5 enti" in tenants and "Attivi: 5" in tenants and "In attesa: 0" in tenants
    assert page.locator("[data-testid=home-pages] a", has_text="Enti").count() == 1
    page.click("[data-testid=logout]")

    login("firenze-utility")
    card = page.locator("[data-testid=home-tenant]").inner_text()
    assert "Firenze" in card and "Firenze Servizi Esempio" in card and "attivo" in card
    assert page.locator("[data-testid=home-tenants]").count() == 0


def test_wrong_password_is_refused_in_the_form(page):
    page.goto("/login")
    page.fill("#username", "segreteria")
    page.fill("#password", "not-the-password")
    page.click("[data-testid=login-submit]")
    assert page.locator("[data-testid=login-error]").inner_text() == "Nome utente o password errati."
    assert page.locator("[data-testid=user-badge]").count() == 0


def test_secretariat_creates_and_accepts_a_tenant(page, login, artifacts):
    login("segreteria")
    page.click("nav#main-menu >> text=Enti")
    page.click("[data-testid=new-tenant]")
    page.fill("#slug", "livorno")
    page.fill("#municipality-name", "Comune di Livorno")
    page.fill("#municipality-istat-code", "12345")
    page.fill("#company-name", "Livorno Reti Esempio S.p.A.")
    page.fill("#company-vat-number", "07654321004")
    page.click("[data-testid=create-tenant]")

    assert "non è stato creato" in page.locator("[data-testid=form-error]").inner_text()
    error = page.locator("[data-testid=error-municipality-istat-code]")
    assert error.inner_text() == "Un codice ISTAT di comune ha sei cifre (per esempio 048017 per Firenze)."
    assert page.get_attribute("#municipality-istat-code", "aria-invalid") == "true"
    assert page.input_value("#company-name") == "Livorno Reti Esempio S.p.A."
    page.screenshot(path=str(artifacts / "tenant-new-errors-it.png"), full_page=True)

    page.fill("#municipality-istat-code", "049009")
    page.click("[data-testid=create-tenant]")
    assert "Ente Livorno creato" in page.locator("[data-testid=flash]").inner_text()
    assert page.locator("[data-testid=tenant-status]").inner_text() == "in attesa"
    memberships = page.locator("[data-testid=memberships-table]").inner_text()
    assert "Comune di Livorno" in memberships and "Livorno Reti Esempio S.p.A." in memberships

    page.click("[data-testid=accept]")
    assert "Ente livorno accettato" in page.locator("[data-testid=flash]").inner_text()
    assert page.locator("[data-testid=tenant-status]").inner_text() == "attivo"
    page.screenshot(path=str(artifacts / "tenant-detail-secretariat-it.png"), full_page=True)

    page.goto("/tenants")
    row = page.locator("[data-testid=tenants-table] tr[data-slug=livorno]").inner_text()
    assert "Livorno Reti Esempio S.p.A." in row and "attivo" in row
    page.screenshot(path=str(artifacts / "tenants-list-secretariat-it.png"), full_page=True)


def test_secretariat_suspends_and_changes_the_lead_company_with_inline_errors(page, login):
    login("segreteria")
    page.goto("/tenants/prato")
    page.click("[data-testid=suspend]")
    assert page.locator("#suspend-reason-error").inner_text() == "Tra 3 e 2000 caratteri."
    page.fill("#suspend-reason", "Convenzione scaduta")
    page.click("[data-testid=suspend]")
    assert page.locator("[data-testid=tenant-status]").inner_text() == "sospeso"

    page.select_option("#organization-id", label="Prato Multiservizi Esempio S.p.A. (società di esempio)")
    page.fill("#lead-reason", "Nessun cambio")
    page.click("[data-testid=change-lead]")
    assert page.locator("#organization-id-error").inner_text() == "Invariata."

    page.select_option("#organization-id", label="Pisa Reti Esempio S.p.A. (società di esempio)")
    page.fill("#lead-reason", "Nuovo affidamento")
    page.click("[data-testid=change-lead]")
    assert "Pisa Reti Esempio" in page.locator("[data-testid=lead-company]").inner_text()


def test_people_with_several_tenants_switch_between_them(page, login, app):
    from smartregion import devauth
    from smartregion.db import db as database

    with app.app_context():
        with database.new_session() as session:
            devauth.upsert_user(session, "toscana-utility", name="Operatore multiservizi", roles=["utility"],
                                groups=["/tenants/firenze", "/tenants/prato"])
            session.commit()
    login("toscana-utility")
    assert page.locator("[data-testid=user-tenant]").inner_text() == "firenze"
    page.select_option("#tenant-select", "prato")
    page.click("[data-testid=tenant-switcher] button")
    assert page.locator("[data-testid=user-tenant]").inner_text() == "prato"
    assert "Prato" in page.locator("[data-testid=home-tenant]").inner_text()


def test_other_roles_cannot_open_the_secretariat_forms(page, login):
    login("revisore")
    page.goto("/tenants")
    assert page.locator("[data-testid=new-tenant]").count() == 0
    response = page.goto("/tenants/new")
    assert response.status == 403
    assert "Solo la segreteria tecnica regionale" in page.locator("main").inner_text()
    page.click("[data-testid=logout]")

    login("firenze-comune")
    page.goto("/tenants")
    assert page.locator("[data-testid=tenants-table] tbody tr").count() == 1
    assert page.goto("/tenants/prato").status == 404
    assert page.goto("/tenants/firenze").status == 200
    assert page.locator("[data-testid=accept], [data-testid=suspend], [data-testid=change-lead]").count() == 0


@pytest.mark.parametrize("username", ["segreteria", "firenze-comune", "firenze-utility", "revisore"])
def test_pages_have_no_serious_accessibility_violation(page, login, username):
    page.goto("/login")
    assert serious_violations(page) == [], "login page"
    login(username)
    assert serious_violations(page) == [], "home page"
    page.goto("/tenants")
    assert serious_violations(page) == [], "tenants list"
    page.goto("/tenants/firenze")
    assert serious_violations(page) == [], "tenant detail"
    if username == "segreteria":
        page.goto("/tenants/new")
        page.click("[data-testid=create-tenant]")
        assert serious_violations(page) == [], "new tenant form with errors"
    page.click("button[name=lang][value=en]")
    page.wait_for_selector("html[lang=en]")
    assert serious_violations(page) == [], "tenant detail in English"


def test_pages_stay_usable_without_bootstrap_italia(page, login, artifacts, monkeypatch, tmp_path):
    from smartregion import web

    monkeypatch.setitem(web.VENDOR_DIRS, "bootstrap-italia", tmp_path / "not-installed")
    login("firenze-comune")
    assert page.locator("link[href*=bootstrap-italia]").count() == 0
    assert page.locator("body.plain").count() == 1
    assert page.locator("[data-testid=user-name]").is_visible()
    skip = page.get_by_text("Vai al contenuto")
    assert skip.bounding_box()["width"] <= 1
    page.keyboard.press("Tab")
    assert skip.evaluate("element => element === document.activeElement")
    assert skip.bounding_box()["width"] > 50
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / "home-municipality-plain.png"), full_page=True)
    page.click("button[name=lang][value=en]")
    assert page.locator("[data-testid=home-title]").inner_text() == "Welcome, Ufficio smart city, Comune di Firenze"


def test_keyboard_users_reach_the_content_and_forms_refuse_cross_site_posts(page, login):
    login("segreteria")
    page.keyboard.press("Tab")
    skip = page.get_by_text("Vai al contenuto")
    assert skip.evaluate("element => element === document.activeElement")
    assert skip.bounding_box()["width"] > 50
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")

    forged = page.request.post("/tenants/prato/suspend", form={"reason": "Richiesta falsificata"},
                               headers={"Accept": "text/html"})
    assert forged.status == 400
    page.goto("/tenants/prato")
    assert page.locator("[data-testid=tenant-status]").inner_text() == "attivo"


def test_the_api_docs_start_under_the_content_security_policy(page, login):
    """Swagger UI runs from files (no inline script): it lists the operations and the CSP stays unbroken
    (the page fixture fails on any violation Chromium reports)."""
    login("segreteria")
    response = page.goto("/api/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock-tag", timeout=30_000)
    assert page.locator(".opblock").count() > 50
