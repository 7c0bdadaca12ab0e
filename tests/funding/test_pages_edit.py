"""The funding pages' forms with the session cookie: funding lines and their import, the operational plan
editor, a project's milestones and funding plan; what each role may (not) do."""

from __future__ import annotations

import io
import re
from pathlib import Path

from smartregion.audit import AuditEvent
from sqlalchemy import func, select, text

from funding.models import FundingLine, OperationalPlan, PlanMunicipality
from tests.pages import text as _html

DATA = Path(__file__).parent / "data"


def _line_id(db, title: str) -> int:
    line_id = db.scalar(select(FundingLine.id).where(FundingLine.title == title))
    db.rollback()
    return line_id


def _project_id(db, slug: str, title_start: str) -> int:
    project_id = db.execute(
        text("SELECT p.id FROM funding_projects p JOIN tenants t ON t.id = p.tenant_id "
             "WHERE t.slug = :slug AND p.title LIKE :title ORDER BY p.id LIMIT 1"),
        {"slug": slug, "title": title_start + "%"}).scalar_one()
    db.rollback()
    return project_id


def _count_lines(db) -> int:
    count = db.scalar(select(func.count()).select_from(FundingLine))
    db.rollback()
    return count


NEW_LINE = {
    "programme": "regional",
    "title": "Illuminazione intelligente nei borghi",
    "call_identifier": "RT-2026-BORGHI",
    "opening_date": "2026-03-01",
    "deadlines": "2026-11-30",
    "total_budget": "1.500.000,00",
    "min_grant": "50.000",
    "max_grant": "250.000,00",
    "cofinancing_rate": "80",
    "domains": ["energy", "living"],
    "beneficiary_kinds": ["municipality"],
    "territories": "Toscana",
    "url": "https://www.regione.toscana.it/borghi",
}


# --- funding lines ---------------------------------------------------------------------------------


def test_the_secretariat_creates_a_funding_line_through_the_form(page_client, db):
    seg = page_client("segreteria")
    form = seg.get("/funding/lines/new")
    assert form.status_code == 200
    html = _html(form)
    for name in ("programme", "title", "opening_date", "deadlines", "total_budget", "cofinancing_rate", "domains",
                 "beneficiary_kinds", "territories", "partnership_required", "trl_min", "external_id"):
        assert f'name="{name}"' in html, name

    created = seg.post("/funding/lines/new", data=NEW_LINE)
    assert created.status_code == 303, _html(created)
    line = db.scalar(select(FundingLine).where(FundingLine.title == NEW_LINE["title"]))
    assert line.total_budget_cents == 1_500_000_00 and line.min_grant_cents == 50_000_00
    assert line.max_grant_cents == 250_000_00 and line.cofinancing_rate_bp == 8000
    assert line.domains == ["energy", "living"] and line.territories == ["IT-R09"] and line.level == "regional"
    assert [d.isoformat() for d in line.deadlines] == ["2026-11-30"]
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "funding.line.create",
                                               AuditEvent.entity_id == str(line.id)))
    assert event is not None and event.actor == "segreteria"
    db.rollback()
    assert created.headers["Location"].endswith(f"/funding/lines/{line.id}")
    page = _html(seg.get(created.headers["Location"]))
    assert NEW_LINE["title"] in page and "1.500.000,00 EUR" in page
    assert "La linea di finanziamento è stata creata." in page
    listing = _html(seg.get("/funding/lines"))
    assert NEW_LINE["title"] in listing and f'data-testid="edit-line-{line.id}"' in listing


def test_a_bad_line_comes_back_with_inline_errors_and_what_was_typed(page_client, db):
    seg = page_client("segreteria")
    before = _count_lines(db)
    bad = dict(NEW_LINE, programme="horizon_2099", opening_date="2026-12-01", total_budget="-5.000",
               cofinancing_rate="120", url="ftp://example.org")
    response = seg.post("/funding/lines/new", data=bad)
    assert response.status_code == 422
    html = _html(response)
    assert 'data-testid="error-summary"' in html
    assert "Valore sconosciuto &#39;horizon_2099&#39;" in html
    assert 'data-testid="error-deadlines"' in html and "Una scadenza precede la data di apertura." in html
    assert 'data-testid="error-total-budget"' in html and "Non può essere negativo." in html
    assert "Deve essere maggiore di 0% e al massimo 100%." in html
    assert "Non è un indirizzo http(s) valido." in html
    # what was typed is kept
    assert f'value="{NEW_LINE["title"]}"' in html and 'value="-5.000"' in html and 'value="120"' in html
    assert 'value="2026-12-01"' in html and 'value="2026-11-30"' in html
    assert 'id="domains-energy" name="domains" value="energy" checked' in html
    assert _count_lines(db) == before

    # a code already given to another line: refused by the service (409), values kept
    assert seg.post("/funding/lines/new", data=dict(NEW_LINE, external_id="RT-BORGHI-1")).status_code == 303
    taken = seg.post("/funding/lines/new", data=dict(NEW_LINE, title="Altra linea", external_id="RT-BORGHI-1"))
    assert taken.status_code == 409
    html = _html(taken)
    assert 'data-testid="error-external-id"' in html and "Già in uso." in html and 'value="Altra linea"' in html
    assert _count_lines(db) == before + 1


def test_the_line_form_speaks_english_too(page_client):
    # no `db` fixture here: its application context would keep the first request's language for the test
    seg = page_client("segreteria")
    assert seg.post("/language", data={"lang": "en", "next": "/funding/lines/new"}).status_code == 302
    response = seg.post("/funding/lines/new", data=dict(NEW_LINE, opening_date="2026-12-01", total_budget="-1"))
    assert response.status_code == 422
    html = _html(response)
    assert "The funding line was not saved" in html and "A deadline falls before the opening date." in html
    assert "Must not be negative." in html and "Total budget" in html


def test_the_secretariat_edits_a_line_and_a_bad_change_is_refused(page_client, db):
    seg = page_client("segreteria")
    line_id = _line_id(db, "Efficientamento energetico degli edifici pubblici")
    form = _html(seg.get(f"/funding/lines/{line_id}/edit"))
    assert 'value="30.000.000,00"' in form and 'value="3.500.000,00"' in form and 'value="80"' in form
    assert 'id="domains-energy" name="domains" value="energy" checked' in form
    assert 'name="external_id"' not in form  # the import key is not edited by hand

    values = dict(re.findall(r'<input type="(?:text|url|date)"[^>]*name="([a-z_]+)"\s+value="([^"]*)"', form))
    values.update(programme="erdf_regional", level="eu_shared", domains=["energy", "planning"],
                  beneficiary_kinds=["municipality", "municipal_union"], deadlines=values.get("deadlines", ""))
    deadlines = re.findall(r'name="deadlines" value="([^"]*)"', form)
    values["deadlines"] = [d for d in deadlines if d]

    bad = seg.post(f"/funding/lines/{line_id}/edit", data=dict(values, max_grant="40.000.000,00"))
    assert bad.status_code == 422
    html = _html(bad)
    assert "Il contributo massimo supera la dotazione della linea." in html and 'value="40.000.000,00"' in html
    assert db.get(FundingLine, line_id).max_grant_cents == 3_500_000_00
    db.rollback()

    good = seg.post(f"/funding/lines/{line_id}/edit",
                    data=dict(values, max_grant="4.000.000,00", title="Efficienza energetica degli edifici pubblici"))
    assert good.status_code == 303, _html(good)
    line = db.get(FundingLine, line_id)
    assert line.max_grant_cents == 4_000_000_00 and line.revision == 2
    assert line.title == "Efficienza energetica degli edifici pubblici" and line.external_id == "FESR-TOS-2.1.1"
    assert line.domains == ["energy", "planning"]
    db.rollback()
    assert "4.000.000,00 EUR" in _html(seg.get(f"/funding/lines/{line_id}"))


def test_other_roles_see_the_lines_read_only_and_their_posts_are_refused(page_client, db):
    line_id = _line_id(db, "Efficientamento energetico degli edifici pubblici")
    before = _count_lines(db)
    csv = {"format": "csv", "file": (io.BytesIO((DATA / "funding_lines.csv").read_bytes()), "lines.csv")}
    for username in ("firenze-comune", "revisore", "firenze-utility"):
        user = page_client(username)
        listing = _html(user.get("/funding/lines"))
        assert "Efficientamento energetico" in listing
        for mark in ('data-testid="new-line"', "data-testid=\"edit-line-", 'data-testid="import-form"'):
            assert mark not in listing, (username, mark)
        assert user.get("/funding/lines/new").status_code == 403
        assert user.get(f"/funding/lines/{line_id}/edit").status_code == 403
        assert user.post("/funding/lines/new", data=NEW_LINE).status_code == 403
        assert user.post(f"/funding/lines/{line_id}/edit", data=NEW_LINE).status_code == 403
        upload = dict(csv, file=(io.BytesIO((DATA / "funding_lines.csv").read_bytes()), "lines.csv"))
        assert user.post("/funding/lines/import", data=upload, content_type="multipart/form-data").status_code == 403
    auditor = page_client("revisore")
    detail = _html(auditor.get(f"/funding/lines/{line_id}"))
    assert "Efficientamento energetico" in detail and 'data-testid="edit-line"' not in detail
    assert _count_lines(db) == before


def test_a_lines_file_is_imported_through_the_upload_form(page_client, db, rq_worker, wait_for_job):
    seg = page_client("segreteria")
    listing = _html(seg.get("/funding/lines"))
    assert 'data-testid="import-form"' in listing and 'enctype="multipart/form-data"' in listing

    missing = seg.post("/funding/lines/import", data={"format": "csv"}, content_type="multipart/form-data")
    assert missing.status_code == 400 and "Scegliere un file da caricare." in _html(missing)

    malformed = seg.post("/funding/lines/import", content_type="multipart/form-data", data={
        "format": "json", "file": (io.BytesIO(b"programme,title\n"), "lines.json")})
    assert malformed.status_code == 422
    html = _html(malformed)
    assert "JSON non valido" in html and 'data-testid="error-import-file"' in html
    assert '<option value="json" selected>' in html  # the format chosen is kept

    accepted = seg.post("/funding/lines/import", content_type="multipart/form-data", data={
        "format": "csv", "file": (io.BytesIO((DATA / "funding_lines.csv").read_bytes()), "lines.csv")})
    assert accepted.status_code == 303
    job_id = accepted.headers["Location"].rsplit("/", 1)[1]
    assert wait_for_job(job_id)["state"] == "finished"
    report = _html(seg.get(accepted.headers["Location"]))
    assert 'data-testid="created">3<' in report
    rows = re.findall(r"<tr><td>(\d+)</td><td>([a-z_]+)</td>", report)
    assert {("5", "total_budget"), ("6", "min_grant")} <= set(rows)
    assert "Adozione piattaforma PDND" in _html(seg.get("/funding/lines"))
    assert page_client("firenze-comune").get(accepted.headers["Location"]).status_code == 403
    assert seg.get("/funding/lines/imports/no-such-job").status_code == 404


# --- the operational plan --------------------------------------------------------------------------


def _plan_id(db, series: str, version: int = 1) -> int:
    plan_id = db.scalar(select(OperationalPlan.id).where(OperationalPlan.series == series,
                                                         OperationalPlan.version == version))
    db.rollback()
    return plan_id


def test_the_secretariat_creates_a_plan_fills_it_and_approves_it(page_client, db):
    seg = page_client("segreteria")
    listing = _html(seg.get("/funding/plans"))
    assert "Piano operativo del protocollo smart city toscano" in listing and 'data-testid="new-plan-form"' in listing

    bad = seg.post("/funding/plans", data={"series": "Toscana 2027", "title": "", "notes": "Secondo gruppo"})
    assert bad.status_code == 400
    html = _html(bad)
    assert 'data-testid="error-series"' in html and "Lettere minuscole, cifre e trattini" in html
    assert 'value="Toscana 2027"' in html and "Secondo gruppo</textarea>" in html
    taken = seg.post("/funding/plans", data={"series": "toscana-2026", "title": "Doppione"})
    assert taken.status_code == 409 and "Già in uso." in _html(taken)

    created = seg.post("/funding/plans", data={"series": "toscana-2027", "title": "Piano 2027", "notes": ""})
    assert created.status_code == 303
    plan_id = _plan_id(db, "toscana-2027")
    assert created.headers["Location"].endswith(f"/funding/plans/{plan_id}")
    editor = _html(seg.get(f"/funding/plans/{plan_id}"))
    for slug in ("firenze", "prato"):
        assert f'data-testid="municipality-form-{slug}"' in editor
    assert 'data-testid="approve-plan"' in editor
    assert f"/api/v1/operational-plans/{plan_id}/export?format=xlsx" in editor

    # approving an empty plan is refused with the service's reason
    empty = seg.post(f"/funding/plans/{plan_id}/approve")
    assert empty.status_code == 422 and "Nessun comune nel piano." in _html(empty)

    lighting = _project_id(db, "firenze", "Illuminazione pubblica")
    maas = _project_id(db, "firenze", "Banca dati unica")
    prato_project = _project_id(db, "prato", "")
    wrong = seg.post(f"/funding/plans/{plan_id}/municipalities/firenze",
                     data={"project_ids": [str(lighting), str(prato_project)], "lead_company_id": ""})
    assert wrong.status_code == 422
    html = _html(wrong)
    assert f"Progetto {prato_project} sconosciuto." in html
    assert f'id="plan-firenze-{lighting}" checked' in html  # the choice is kept

    saved = seg.post(f"/funding/plans/{plan_id}/municipalities/firenze",
                     data={"project_ids": [str(lighting), str(maas)], "lead_company_id": ""})
    assert saved.status_code == 303
    entry = db.scalar(select(PlanMunicipality).where(PlanMunicipality.plan_id == plan_id))
    assert entry.project_ids == [lighting, maas]
    db.rollback()
    page = _html(seg.get(f"/funding/plans/{plan_id}"))
    assert f'id="plan-firenze-{lighting}" checked' in page and 'data-testid="total-firenze"' in page
    assert 'data-testid="totals-by-source"' in page

    details = seg.post(f"/funding/plans/{plan_id}", data={
        "title": "Piano operativo 2027", "notes": "Secondo gruppo di progetti",
        "standards": "TOS-STREETLIGHT: Illuminazione pubblica 1.0.0\nTOS-AIRQUALITY"})
    assert details.status_code == 303
    plan = db.get(OperationalPlan, plan_id)
    assert plan.title == "Piano operativo 2027"
    assert plan.standards == [{"code": "TOS-STREETLIGHT", "title": "Illuminazione pubblica 1.0.0"},
                              {"code": "TOS-AIRQUALITY"}]
    db.rollback()

    approved = seg.post(f"/funding/plans/{plan_id}/approve")
    assert approved.status_code == 303
    page = _html(seg.get(f"/funding/plans/{plan_id}"))
    assert 'data-testid="plan-status">approvato<' in page
    assert "municipality-form-" not in page and 'data-testid="approve-plan"' not in page
    assert 'data-testid="new-version"' in page and "Illuminazione pubblica" in page
    frozen = seg.post(f"/funding/plans/{plan_id}/municipalities/firenze", data={"project_ids": [str(lighting)]})
    assert frozen.status_code == 409 and "La versione 1 del piano è approvata" in _html(frozen)

    version = seg.post(f"/funding/plans/{plan_id}/versions")
    assert version.status_code == 303
    second = _plan_id(db, "toscana-2027", 2)
    assert version.headers["Location"].endswith(f"/funding/plans/{second}")
    draft = _html(seg.get(f"/funding/plans/{second}"))
    assert f'id="plan-firenze-{maas}" checked' in draft  # copied from version 1
    again = seg.post(f"/funding/plans/{plan_id}/versions")
    assert again.status_code == 409 and "La versione 2 è ancora in bozza" in _html(again)


def test_auditors_and_municipalities_read_plans_and_change_nothing(page_client, db):
    plan_id = _plan_id(db, "toscana-2026")
    auditor = page_client("revisore")
    page = _html(auditor.get(f"/funding/plans/{plan_id}"))
    assert "Firenze" in page and 'data-testid="totals"' in page
    for mark in ("municipality-form-", 'data-testid="approve-plan"', 'data-testid="plan-form"', "new-plan-form"):
        assert mark not in page
    assert 'data-testid="new-plan-form"' not in _html(auditor.get("/funding/plans"))
    officer = page_client("firenze-comune")
    assert officer.get(f"/funding/plans/{plan_id}").status_code == 403  # a draft
    assert "toscana-2026" not in _html(officer.get("/funding/plans"))
    for user in (auditor, officer):
        assert user.post("/funding/plans", data={"series": "x-2030", "title": "X"}).status_code == 403
        assert user.post(f"/funding/plans/{plan_id}", data={"title": "X"}).status_code == 403
        assert user.post(f"/funding/plans/{plan_id}/municipalities/firenze", data={}).status_code == 403
        assert user.post(f"/funding/plans/{plan_id}/approve").status_code == 403
        assert user.post(f"/funding/plans/{plan_id}/versions").status_code == 403
    assert db.get(OperationalPlan, plan_id).status == "draft"
    db.rollback()

    assert page_client("segreteria").post(f"/funding/plans/{plan_id}/approve").status_code == 303
    shared = officer.get(f"/funding/plans/{plan_id}")
    assert shared.status_code == 200
    html = _html(shared)
    assert "Firenze" in html and "Prato" in html and 'data-testid="new-version"' not in html


# --- a project's milestones and funding plan -----------------------------------------------------


def test_the_officer_edits_the_milestones_with_inline_errors(page_client, db):
    officer = page_client("firenze-comune")
    project_id = _project_id(db, "firenze", "Banca dati unica")
    url = f"/funding/tenants/firenze/projects/{project_id}"
    page = _html(officer.get(url))
    assert 'data-testid="milestones-form"' in page and 'data-testid="funding-plan-form"' in page
    assert "Mobilità sostenibile e sistemi di trasporto intelligenti" in page  # the ranking is still there

    bad = officer.post(url + "/milestones", data={
        "milestones.0.title": "Gara d'appalto", "milestones.0.due_on": "2026-31-02",
        "milestones.1.title": "", "milestones.1.due_on": "2026-09-30",
        "milestones.2.title": "", "milestones.2.due_on": "", "milestones.2.done_on": ""})
    assert bad.status_code == 400
    html = _html(bad)
    assert 'data-testid="error-ms-0-due-on"' in html and "Data non valida" in html
    assert 'data-testid="error-ms-1-title"' in html and "Campo obbligatorio." in html
    assert 'value="2026-31-02"' in html and "value=\"Gara d&#39;appalto\"" in html

    good = officer.post(url + "/milestones", data={
        "milestones.0.title": "Gara d'appalto", "milestones.0.due_on": "2026-03-31",
        "milestones.0.done_on": "2026-03-20",
        "milestones.1.title": "", "milestones.1.due_on": "",
        "milestones.2.title": "Collaudo", "milestones.2.due_on": "2026-12-15"})
    assert good.status_code == 303
    page = _html(officer.get(url))
    assert 'data-testid="progress">50%<' in page
    assert "value=\"Gara d&#39;appalto\"" in page and 'value="Collaudo"' in page and 'value="2026-03-20"' in page
    assert db.scalar(select(AuditEvent.actor).where(AuditEvent.action == "funding.project.milestones")) \
        == "firenze-comune"
    db.rollback()


def test_the_officer_edits_the_funding_plan_with_inline_errors(page_client, db):
    officer = page_client("firenze-comune")
    project_id = _project_id(db, "firenze", "Banca dati unica")
    line_id = _line_id(db, "Mobilità sostenibile e sistemi di trasporto intelligenti")
    url = f"/funding/tenants/firenze/projects/{project_id}"
    cost = re.search(r'data-testid="project-cost">([^<]+)<', _html(officer.get(url))).group(1)

    too_much = officer.post(url + "/funding-plan", data={
        "funding_plan.0.source_kind": "own", "funding_plan.0.amount": "100.000,00",
        "funding_plan.1.source_kind": "funding_line", "funding_plan.1.funding_line_id": str(line_id),
        "funding_plan.1.amount": "999.999.999,00"})
    assert too_much.status_code == 422
    html = _html(too_much)
    assert f"Il piano di finanziamento ammonta a 1.000.099.999,00 EUR, oltre il costo del progetto di {cost}" in html
    assert 'value="999.999.999,00"' in html

    mistakes = officer.post(url + "/funding-plan", data={
        "funding_plan.0.source_kind": "own", "funding_plan.0.amount": "dodicimila",
        "funding_plan.1.source_kind": "funding_line", "funding_plan.1.amount": "10.000",
        "funding_plan.2.source_kind": "private", "funding_plan.2.funding_line_id": str(line_id),
        "funding_plan.2.amount": "5.000"})
    assert mistakes.status_code == 422
    html = _html(mistakes)
    assert 'data-testid="error-fp-0-amount"' in html and "Non è un importo in euro valido." in html
    assert 'data-testid="error-fp-2-line"' in html and "Solo una fonte di tipo linea" in html
    assert 'value="dodicimila"' in html

    missing_line = officer.post(url + "/funding-plan", data={
        "funding_plan.0.source_kind": "funding_line", "funding_plan.0.amount": "10.000",
        "funding_plan.1.source_kind": "own", "funding_plan.1.amount": "-5"})
    assert missing_line.status_code == 422
    html = _html(missing_line)
    assert 'data-testid="error-fp-0-line"' in html
    assert "Una fonte di tipo linea di finanziamento indica la linea." in html
    assert 'data-testid="error-fp-1-amount"' in html and "Non può essere negativo." in html

    good = officer.post(url + "/funding-plan", data={
        "funding_plan.0.source_kind": "own", "funding_plan.0.label": "Bilancio comunale",
        "funding_plan.0.amount": "100.000,00",
        "funding_plan.1.source_kind": "", "funding_plan.1.amount": "",
        "funding_plan.2.source_kind": "funding_line", "funding_plan.2.funding_line_id": str(line_id),
        "funding_plan.2.amount": "200.000,50"})
    assert good.status_code == 303
    page = _html(officer.get(url))
    assert 'value="Bilancio comunale"' in page and 'value="200.000,50"' in page
    assert "Coperto 300.000,50 EUR" in page
    items = db.execute(text("SELECT source_kind, funding_line_id, amount_cents FROM funding_plan_items "
                            "WHERE project_id = :id ORDER BY id"), {"id": project_id}).all()
    assert [tuple(i) for i in items] == [("own", None, 100_000_00), ("funding_line", line_id, 200_000_50)]
    db.rollback()


def test_who_may_edit_a_project(page_client, db):
    project_id = _project_id(db, "firenze", "Banca dati unica")
    url = f"/funding/tenants/firenze/projects/{project_id}"
    milestone = {"milestones.0.title": "Avvio", "milestones.0.due_on": "2026-05-01"}
    auditor = page_client("revisore")
    page = _html(auditor.get(url))
    assert "milestones-form" not in page and "funding-plan-form" not in page and 'data-testid="milestones"' in page
    assert auditor.post(url + "/milestones", data=milestone).status_code == 403
    assert auditor.post(url + "/funding-plan", data={}).status_code == 403
    utility = page_client("firenze-utility")
    assert "milestones-form" not in _html(utility.get(url))
    assert utility.post(url + "/milestones", data=milestone).status_code == 403
    assert page_client("prato-comune").post(url + "/milestones", data=milestone).status_code == 404
    assert db.scalar(text("SELECT count(*) FROM funding_project_milestones WHERE project_id = :id"),
                     {"id": project_id}) == 0
    db.rollback()
    # the secretariat may correct a project from the plan editor's link
    assert page_client("segreteria").post(url + "/milestones", data=milestone).status_code == 303


def test_a_refused_line_form_says_the_catalogue_s_words_in_italian_and_in_english(page_client):
    # no `db` fixture: its application context would keep the first request's language for the test
    seg = page_client("segreteria")
    refused = dict(NEW_LINE, opening_date="2026-12-01", total_budget="-1", title="x" * 501)
    italian = _html(seg.post("/funding/lines/new", data=refused))
    assert "La linea non è stata salvata: correggere i campi segnalati." in italian
    assert "Non può essere negativo." in italian and "Una scadenza precede la data di apertura." in italian
    assert "Più lungo di 500 caratteri." in italian and "PR FESR Toscana 2021-2027" in italian
    assert "Must not be negative." not in italian and "Tuscany ERDF programme" not in italian

    assert seg.post("/language", data={"lang": "en", "next": "/funding/lines/new"}).status_code == 302
    english = _html(seg.post("/funding/lines/new", data=refused))
    assert "The funding line was not saved: correct the fields marked below." in english
    assert "Must not be negative." in english and "Longer than 500 characters." in english
    assert "Tuscany ERDF programme 2021-2027" in english and "Non può essere negativo." not in english
