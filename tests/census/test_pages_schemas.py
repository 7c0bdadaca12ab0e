"""The secretariat's survey-schema pages (draft as JSON, preview, save, approve, retire) and campaign pages."""

from __future__ import annotations

import html as html_lib
import json
import re
from datetime import date

import pytest

from tests.pages import csrf_token as _token
from tests.pages import text as _text

UPDATED_AT = re.compile(r'name="updated_at" value="([^"]+)"')
TEXTAREA = re.compile(r'<textarea[^>]*id="sections"[^>]*>(.*?)</textarea>', re.S)


def _sections(*fields: dict) -> list[dict]:
    return [{"key": "general", "title": {"it": "Dati generali", "en": "General data"}, "fields": list(fields)}]


NAME = {"key": "office", "type": "text", "required": True, "label": {"it": "Ufficio", "en": "Office"}}
DOMAIN = {"key": "domain", "type": "choice", "code_list": "anci-domains", "label": {"it": "Dominio", "en": "Domain"}}
SITES = {"key": "sites", "type": "group", "label": {"it": "Sedi", "en": "Sites"},
         "fields": [{"key": "site_name", "type": "text", "label": {"it": "Nome sede", "en": "Site name"}}]}


def _new_form(client, **values) -> dict:
    page = _text(client.get("/census/schemas/new"))
    sections = values.pop("sections", _sections(NAME, DOMAIN, SITES))
    return {"csrf_token": _token(page), "key": "air-quality", "title_it": "Qualità dell'aria",
            "title_en": "Air quality", "description_it": "", "description_en": "", "preview_lang": "it",
            "sections": sections if isinstance(sections, str) else json.dumps(sections, indent=2),
            "action": "save", **values}


def _save_new(client, **values):
    response = client.post("/census/schemas/new", data=_new_form(client, **values))
    assert response.status_code == 302, _text(response)
    return response.headers["Location"]


def _edit_form(client, key: str, version: int) -> tuple[str, dict]:
    response = client.get(f"/census/schemas/{key}/{version}/edit")
    assert response.status_code == 200, _text(response)
    page = _text(response)
    textarea = html_lib.unescape(TEXTAREA.search(page).group(1))
    return page, {"csrf_token": _token(page), "updated_at": UPDATED_AT.search(page).group(1),
                  "title_it": "Qualità dell'aria", "title_en": "Air quality", "sections": textarea,
                  "preview_lang": "it", "action": "save"}


# --- overview and the new-draft page ----------------------------------------------------------------

def test_the_overview_links_every_version_and_offers_new_drafts_to_the_secretariat_only(page_client):
    page = _text(page_client("segreteria").get("/census"))
    for key in ("smart-services", "networks", "projects"):
        assert f'href="/census/schemas/{key}/1"' in page
    assert 'data-testid="new-draft"' in page and '<option value="networks">' in page
    assert 'href="/census/campaigns"' in page
    for username in ("firenze-comune", "firenze-utility", "revisore"):
        page = _text(page_client(username).get("/census"))
        assert 'href="/census/schemas/networks/1"' in page
        assert 'data-testid="new-draft"' not in page, username


def test_a_new_version_is_pre_filled_from_the_latest_one_with_a_preview(page_client):
    response = page_client("segreteria").get("/census/schemas/new?key=networks")
    assert response.status_code == 200
    page = _text(response)
    assert 'data-testid="draft-version">2<' in page
    assert 'name="based_on" value="networks"' in page
    sections = json.loads(html_lib.unescape(TEXTAREA.search(page).group(1)))
    assert sections[0]["fields"][0]["key"] == "respondent_name"
    # the preview is the officers' form: the same controls, names and labels
    preview = page[page.index('data-testid="preview-form"'):]
    assert 'name="/respondent_email"' in preview and 'for="f-respondent_email"' in preview
    assert "data-add-row" in preview and 'data-group="/networks"' in preview
    # the field-type help lists every type and the attributes it allows
    help_block = page[page.index('data-testid="type-help"'):page.index('<section id="preview"')]
    for field_type in ("text", "integer", "decimal", "money", "boolean", "date", "choice", "multi_choice",
                       "geometry", "group"):
        assert f'data-type="{field_type}"' in help_block
    assert "<code>anci-domains</code>" in help_block and "<code>decimal_places</code>" in help_block
    assert page_client("segreteria").get("/census/schemas/new?key=no-such-key").status_code == 404


def test_preview_renders_the_form_without_saving(page_client):
    client = page_client("segreteria")
    response = client.post("/census/schemas/new", data=_new_form(client, action="preview", preview_lang="en"))
    assert response.status_code == 200, _text(response)
    page = _text(response)
    preview = page[page.index('data-testid="preview-form"'):]
    assert '<label for="f-office" class="form-label">Office' in preview  # English, as asked
    assert '<select class="form-select" id="f-domain" name="/domain"' in preview
    assert ">Energy</option>" in preview  # the code list resolved into choices
    assert 'data-group="/sites"' in preview and 'name="/sites/0/site_name"' in preview
    assert 'value="air-quality"' in page  # what was typed is kept
    assert client.get("/census/schemas/air-quality/1").status_code == 404  # nothing saved


# --- saving drafts and their errors -----------------------------------------------------------------

def test_save_draft_then_edit_it_again(page_client):
    client = page_client("segreteria")
    location = _save_new(client)
    assert location.endswith("/census/schemas/air-quality/1/edit")
    page, form = _edit_form(client, "air-quality", 1)
    assert "Bozza salvata: air-quality versione 1." in page
    assert 'data-testid="approve"' in page and 'id="key" value="air-quality" readonly' in page
    sections = json.loads(form["sections"])
    # a code-list field is edited by its list: the choices it resolved to come back on each save
    assert sections[0]["fields"][1] == DOMAIN
    assert "Energia" in page[page.index('data-testid="preview-form"'):]
    sections[0]["fields"].append({"key": "staff", "type": "integer", "min": 0,
                                  "label": {"it": "Addetti", "en": "Staff"}})
    response = client.post("/census/schemas/air-quality/1/edit", data=form | {"sections": json.dumps(sections)})
    assert response.status_code == 302, _text(response)
    page, _form = _edit_form(client, "air-quality", 1)
    assert '"key": "staff"' in html_lib.unescape(TEXTAREA.search(page).group(1))
    assert 'name="/staff"' in page[page.index('data-testid="preview-form"'):]
    # the first page, posted again after that change, is refused rather than overwriting it
    response = client.post("/census/schemas/air-quality/1/edit", data=form | {"title_it": "Sovrascritto"})
    assert response.status_code == 409
    assert 'data-testid="draft-alert"' in _text(response) and "Sovrascritto" in _text(response)
    assert "Sovrascritto" not in _text(client.get("/census/schemas/air-quality/1"))


def test_invalid_json_is_reported_with_its_line_and_column_and_kept(page_client):
    client = page_client("segreteria")
    broken = '[\n  {"key": "general",\n   "title": {"it": "A", "en": "B"}\n   "fields": []}\n]'
    response = client.post("/census/schemas/new", data=_new_form(client, sections=broken))
    assert response.status_code == 400
    page = _text(response)
    error = re.search(r'data-testid="json-error">(.*?)</p>', page, re.S).group(1)
    assert "riga 4, colonna 4" in error and "Expecting &#39;,&#39; delimiter" in error
    assert 'data-line="4" data-column="4"' in error
    assert html_lib.unescape(TEXTAREA.search(page).group(1)) == broken
    assert 'aria-invalid="true"' in page and 'data-testid="no-preview"' in page
    assert client.get("/census/schemas/air-quality/1").status_code == 404


def test_a_name_twice_in_one_object_is_refused(page_client):
    client = page_client("segreteria")
    text = json.dumps(_sections(NAME), indent=2).replace('"required": true', '"required": true, "type": "date"')
    response = client.post("/census/schemas/new", data=_new_form(client, sections=text))
    assert response.status_code == 400
    error = re.search(r'data-testid="json-error">(.*?)</p>', _text(response), re.S).group(1)
    assert "&#34;type&#34; compare due volte" in error or '"type" compare due volte' in html_lib.unescape(error)


def test_schema_errors_are_shown_beside_the_json_with_their_lines(page_client):
    client = page_client("segreteria")
    wrong_type = dict(NAME, key="budget", type="currency")
    twice = dict(DOMAIN, key="office")
    sections = _sections(NAME, wrong_type, twice)
    text = json.dumps(sections, indent=2)
    response = client.post("/census/schemas/new", data=_new_form(client, sections=text, key="Not A Key",
                                                                title_en=""))
    assert response.status_code == 422
    page = _text(response)
    lines = text.split("\n")
    type_line = next(i for i, line in enumerate(lines, 1) if '"currency"' in line)
    second_office = [i for i, line in enumerate(lines, 1) if '"office"' in line][1]
    problems = {m.group(1): m.group(2) for m in re.finditer(r'<li data-problem="([^"]+)">(.*?)</li>', page, re.S)}
    assert "/sections/0/fields/1/type" in problems
    assert f'data-line="{type_line}"' in problems["/sections/0/fields/1/type"]
    assert "Must be one of: text, integer" in problems["/sections/0/fields/1/type"]
    assert "campo «budget»" in problems["/sections/0/fields/1/type"]
    assert f'data-line="{second_office}"' in problems["/sections/0/fields/2/key"]
    assert "Field key &#39;office&#39; is used twice." in problems["/sections/0/fields/2/key"]
    assert 'data-error="key"' in page and 'data-error="title"' in page  # the header fields, inline
    assert 'value="Not A Key"' in page and html_lib.unescape(TEXTAREA.search(page).group(1)) == text
    assert 'data-testid="error-summary"' in page


def test_a_whole_api_document_can_be_pasted(page_client):
    client = page_client("segreteria")
    document = {"key": "pasted", "version": 7, "title": {"it": "Incollato", "en": "Pasted"},
                "sections": _sections(NAME)}
    location = _save_new(client, key="", title_it="", title_en="", sections=json.dumps(document))
    assert location.endswith("/census/schemas/pasted/1/edit")  # the version is always the key's next one


# --- approval, immutability, retirement -------------------------------------------------------------

def test_approval_makes_the_version_read_only(page_client):
    client = page_client("segreteria")
    _save_new(client)
    page, form = _edit_form(client, "air-quality", 1)
    response = client.post("/census/schemas/air-quality/1/approve",
                           data={"csrf_token": form["csrf_token"], "updated_at": form["updated_at"]})
    assert response.status_code == 302 and response.headers["Location"].endswith("/census/schemas/air-quality/1")
    page = _text(client.get("/census/schemas/air-quality/1"))
    assert 'data-testid="read-only"' in page and "Approvato da segreteria" in page
    assert 'data-testid="edit-draft"' not in page and 'data-testid="approve"' not in page
    assert 'data-testid="retire"' in page and 'href="/census/schemas/new?key=air-quality"' in page
    # the edit page now sends to the read-only page with the reason
    response = client.get("/census/schemas/air-quality/1/edit")
    assert response.status_code == 302
    assert "non si può più modificare" in _text(client.get(response.headers["Location"]))
    # an edit posted from a page opened before the approval is refused; the text stays, as the next version
    response = client.post("/census/schemas/air-quality/1/edit", data=form | {"title_it": "Modificato"})
    assert response.status_code == 409
    page = _text(response)
    assert 'data-testid="draft-alert"' in page and "Non è stato salvato nulla" in page
    assert 'value="Modificato"' in page and 'action="/census/schemas/new"' in page
    assert 'data-testid="draft-version">2<' in page
    stored = _text(client.get("/census/schemas/air-quality/1"))
    assert "Modificato" not in stored
    # approving twice is a conflict, said on the page
    response = client.post("/census/schemas/air-quality/1/approve", data={"csrf_token": form["csrf_token"]})
    assert response.status_code == 409 and 'data-testid="schema-alert"' in _text(response)


def test_approving_a_draft_changed_since_the_page_was_read_is_refused(page_client):
    client = page_client("segreteria")
    _save_new(client)
    _page, form = _edit_form(client, "air-quality", 1)
    assert client.post("/census/schemas/air-quality/1/edit", data=form | {"title_it": "Nuovo"}).status_code == 302
    response = client.post("/census/schemas/air-quality/1/approve",
                           data={"csrf_token": form["csrf_token"], "updated_at": form["updated_at"]})
    assert response.status_code == 409 and 'data-testid="schema-alert"' in _text(response)
    assert 'data-testid="read-only"' not in _text(client.get("/census/schemas/air-quality/1"))


def test_a_new_version_of_an_approved_schema_then_retire_the_old_one(page_client):
    client = page_client("segreteria")
    page = _text(client.get("/census/schemas/new?key=smart-services"))
    sections = html_lib.unescape(TEXTAREA.search(page).group(1))
    location = _save_new(client, key="smart-services", title_it="Servizi smart 2", title_en="Smart services 2",
                         sections=sections, based_on="smart-services")
    assert location.endswith("/census/schemas/smart-services/2/edit")
    token = _token(_text(client.get("/census/schemas/smart-services/1")))
    # a draft cannot be retired
    response = client.post("/census/schemas/smart-services/2/retire", data={"csrf_token": token})
    assert response.status_code == 409
    response = client.post("/census/schemas/smart-services/1/retire", data={"csrf_token": token})
    assert response.status_code == 302
    page = _text(client.get("/census/schemas/smart-services/1"))
    assert "Versione ritirata" in page and 'data-testid="retire"' not in page
    assert 'href="/census/schemas/smart-services/2"' in page  # the versions are linked to each other


# --- who may do it ----------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["firenze-comune", "firenze-utility", "revisore"])
def test_only_the_secretariat_drafts_approves_and_retires(page_client, username):
    secretariat = page_client("segreteria")
    _save_new(secretariat)
    other = page_client(username)
    page = _text(other.get("/census/schemas/air-quality/1"))
    assert 'data-testid="preview-form"' in page  # they may read it
    for button in ("edit-draft", "approve", "retire", "new-version"):
        assert f'data-testid="{button}"' not in page
    assert other.get("/census/schemas/new").status_code == 403
    assert other.get("/census/schemas/air-quality/1/edit").status_code == 403
    token = _token(page)
    form = _new_form(secretariat) | {"csrf_token": token, "key": "sneaky"}
    assert other.post("/census/schemas/new", data=form).status_code == 403
    assert other.post("/census/schemas/new", data=form | {"action": "preview"}).status_code == 403
    assert other.post("/census/schemas/air-quality/1/edit", data=form).status_code == 403
    assert other.post("/census/schemas/air-quality/1/approve", data={"csrf_token": token}).status_code == 403
    assert other.post("/census/schemas/networks/1/retire", data={"csrf_token": token}).status_code == 403
    page = _text(secretariat.get("/census/schemas/air-quality/1"))
    assert 'data-testid="approve"' in page and "badge bg-secondary" in page  # still a draft
    assert secretariat.get("/census/schemas/sneaky/1").status_code == 404


def test_an_auditor_is_refused_any_write_even_with_a_valid_form(page_client):
    auditor = page_client("revisore")
    token = _token(_text(auditor.get("/census")))
    response = auditor.post("/census/schemas/networks/1/retire", data={"csrf_token": token})
    assert response.status_code == 403
    assert auditor.post("/census/campaigns", data={"csrf_token": token}).status_code == 403
    page = _text(page_client("segreteria").get("/census/schemas/networks/1"))
    assert 'data-testid="retire"' in page  # still approved


# --- campaigns --------------------------------------------------------------------------------------

@pytest.fixture
def spare_protocol(app, demo, db):
    """A second protocol, without its census campaign yet."""
    from sqlalchemy import select

    from protocol.services.protocols import create_protocol
    from tenants.models import Organization, OrganizationKind

    region = db.scalar(select(Organization).where(Organization.kind == OrganizationKind.REGION).limit(1))
    protocol = create_protocol(db, title="Protocollo smart city - rinnovo", region_id=region.id,
                               signed_on=date(2020, 1, 31), actor="segreteria")
    db.commit()
    return protocol.id


def test_campaigns_page_opens_and_closes_a_campaign(page_client, spare_protocol):
    client = page_client("segreteria")
    page = _text(client.get("/census/campaigns"))
    assert 'data-testid="campaigns"' in page and "2018-06-27" in page  # the demo campaign and its deadline
    assert f'<option value="{spare_protocol}" selected>' in page and "2020-07-31" in page  # due in 6 months
    token = _token(page)
    # nothing chosen: refused inline
    response = client.post("/census/campaigns", data={"csrf_token": token, "protocol_id": str(spare_protocol)})
    assert response.status_code == 422 and 'data-error="schema_keys"' in _text(response)
    response = client.post("/census/campaigns", data={
        "csrf_token": token, "protocol_id": str(spare_protocol), "title": "Censimento 2020",
        "schema_keys": ["networks", "projects"]})
    assert response.status_code == 302, _text(response)
    page = _text(client.get(response.headers["Location"]))
    row = re.search(r'<tr id="campaign-(\d+)" data-campaign="\d+">(.*?)</tr>', page, re.S)
    campaign_id, row = row.group(1), row.group(2)  # the newest first
    assert "Censimento 2020" in row and "2020-07-31" in row
    assert 'href="/census/schemas/networks/1"' in row and "smart-services" not in row
    assert 'data-testid="no-openable"' in page
    # closing: a date before the opening is refused inline, then it closes
    close = f"/census/campaigns/{campaign_id}/close"
    response = client.post(close, data={"csrf_token": token, "closed_on": "2019-01-01"})
    assert response.status_code == 422 and 'data-error="closed_on"' in _text(response)
    response = client.post(close, data={"csrf_token": token, "closed_on": "not a date"})
    assert response.status_code == 422
    response = client.post(close, data={"csrf_token": token, "closed_on": "2020-08-15"})
    assert response.status_code == 302
    page = _text(client.get("/census/campaigns"))
    closed = 'chiusa il <time datetime="2020-08-15">15 agosto 2020</time>'  # dates are written one way
    assert closed in page and "2020-10-15" in page  # the plan is due 2 months later
    assert client.post(close, data={"csrf_token": token}).status_code == 409


def test_campaign_pages_for_the_other_roles(page_client, spare_protocol):
    auditor = page_client("revisore")
    page = _text(auditor.get("/census/campaigns"))
    assert 'data-testid="campaigns"' in page
    assert 'data-testid="open-campaign"' not in page and 'data-testid="close-campaign-' not in page
    token = _token(page)
    for username in ("firenze-comune", "firenze-utility"):
        client = page_client(username)
        assert client.get("/census/campaigns").status_code == 403
        token = _token(_text(client.get("/census")))
        response = client.post("/census/campaigns", data={"csrf_token": token, "protocol_id": str(spare_protocol),
                                                          "schema_keys": ["networks"]})
        assert response.status_code == 403
        assert client.post("/census/campaigns/1/close", data={"csrf_token": token}).status_code == 403
    assert 'data-testid="open-campaign"' in _text(page_client("segreteria").get("/census/campaigns"))
