"""The census form pages with the session cookie: fill in, save, submit, return, accept."""

from __future__ import annotations

import re

import psycopg
from sqlalchemy.engine import make_url

from tests.pages import csrf_token as _token


def _submission_id(client, slug: str, schema_key: str) -> int:
    html = client.get(f"/tenants/{slug}/census").get_data(as_text=True)
    match = re.search(rf'/tenants/{slug}/census/submissions/(\d+)">\d+</a></td>\s*<td data-schema-key="{schema_key}">',
                      html)
    assert match, html
    return int(match.group(1))


def _form(client, slug, sub_id):
    response = client.get(f"/tenants/{slug}/census/submissions/{sub_id}/form")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    revision = re.search(r'name="revision" value="(\d+)"', html).group(1)
    return html, revision


def _delete_submission(owner_url, slug, schema_key):
    info = make_url(owner_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(info, autocommit=True) as conn:
        tenant_id = conn.execute("select id from tenants where slug = %s", (slug,)).fetchone()[0]
        ids = [r[0] for r in conn.execute(
            "select id from census_submissions where tenant_id = %s and schema_key = %s", (tenant_id, schema_key))]
        for sub_id in ids:
            conn.execute("delete from census_submission_versions where tenant_id = %s and submission_id = %s",
                         (tenant_id, sub_id))
            conn.execute("delete from census_submissions where tenant_id = %s and id = %s", (tenant_id, sub_id))


NETWORK_ANSWERS = {
    "/respondent_name": "Ufficio reti",
    "/respondent_email": "reti@comune.prato.it",
    "/networks/0/category": "water_supply",
    "/networks/0/operator_name": "Acque Esempio",
    "/networks/0/length": "12,5",
    "/networks/0/georeferenced": "true",
    "/coverage_100mbps": "61.5",
}


def test_the_form_renders_every_field_type_prefilled_with_labels(page_client):
    client = page_client("firenze-comune")
    sub_id = _submission_id(client, "firenze", "projects")  # returned with comments
    html, _revision = _form(client, "firenze", sub_id)
    for control in ('type="checkbox"', 'type="date"', "<select", "<textarea", 'data-add-row', 'data-remove-row',
                    'data-testid="completeness-bar"', 'name="csrf_token"'):
        assert control in html, control
    # every visible control has a label pointing at it
    ids = set(re.findall(r'<(?:input|select|textarea)[^>]*\sid="([^"]+)"', html))
    labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', html))
    assert ids and ids <= labelled, sorted(ids - labelled)
    assert 'value="Smart lighting e nodi sensoristici sui pali"' in html
    assert 'data-comment="/projects/2/cup"' in html
    assert "Indicare il CUP" in html


def test_save_draft_shows_inline_errors_then_saves_and_refuses_a_stale_page(page_client):
    client = page_client("prato-comune")
    sub_id = _submission_id(client, "prato", "smart-services")  # a draft
    html, revision = _form(client, "prato", sub_id)
    url = f"/tenants/prato/census/submissions/{sub_id}/form"
    token = _token(html)
    bad = {"csrf_token": token, "revision": revision, "action": "save", "/respondent_name": "Ufficio",
           "/respondent_email": "not-an-email", "/public_wifi_hotspots": "tanti"}
    response = client.post(url, data=bad)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'data-error="/respondent_email"' in page and "Not a valid e-mail address." in page
    assert 'data-error="/public_wifi_hotspots"' in page and "Must be a whole number." in page
    assert 'value="tanti"' in page  # what was typed is kept
    good = dict(bad, **{"/respondent_email": "smart@comune.prato.it", "/public_wifi_hotspots": "12"})
    response = client.post(url, data=good)
    assert response.status_code == 302
    html, new_revision = _form(client, "prato", sub_id)
    assert int(new_revision) == int(revision) + 1
    assert 'value="smart@comune.prato.it"' in html
    assert "Bozza salvata (completezza" in html  # Italian is the default language of the pages
    # the old page posts again: refused with a clear message, nothing overwritten
    response = client.post(url, data=dict(good, **{"/respondent_name": "Sovrascritto"}))
    assert response.status_code == 409
    assert 'data-testid="stale"' in response.get_data(as_text=True)
    html, latest = _form(client, "prato", sub_id)
    assert latest == new_revision and "Sovrascritto" not in html


def test_autosave_answers_json_with_the_new_revision(page_client):
    client = page_client("prato-comune").client  # the bare client: the token goes in the header, or nowhere
    sub_id = _submission_id(client, "prato", "smart-services")
    html, revision = _form(client, "prato", sub_id)
    url = f"/tenants/prato/census/submissions/{sub_id}/autosave"
    response = client.post(url, data={"revision": revision, "/respondent_name": "Ufficio"})
    assert response.status_code == 400  # no CSRF token
    response = client.post(url, data={"revision": revision, "/respondent_name": "Ufficio"},
                           headers={"X-CSRF-Token": _token(html)})
    assert response.status_code == 200 and response.json["saved"] is True
    assert response.json["revision"] == int(revision) + 1
    response = client.post(url, data={"revision": revision, "/respondent_name": "Ufficio"},
                           headers={"X-CSRF-Token": _token(html)})
    assert response.status_code == 409 and response.json["stale"] is True


def test_start_fill_submit_return_and_accept(page_client, owner_url):
    _delete_submission(owner_url, "prato", "networks")
    officer = page_client("prato-comune")
    listing = officer.get("/tenants/prato/census").get_data(as_text=True)
    assert 'data-testid="new-submission"' in listing and 'value="networks"' in listing
    response = officer.post("/tenants/prato/census/submissions/new",
                            data={"csrf_token": _token(listing), "schema_key": "networks"})
    assert response.status_code == 302
    form_url = response.headers["Location"]
    sub_id = int(re.search(r"/submissions/(\d+)/form", form_url).group(1))
    html, revision = _form(officer, "prato", sub_id)
    # submitting an empty draft lists the missing answers
    response = officer.post(form_url, data={"csrf_token": _token(html), "revision": revision, "action": "submit"})
    assert response.status_code == 422
    assert 'data-error="/respondent_name"' in response.get_data(as_text=True)
    data = {"csrf_token": _token(html), "revision": revision, "action": "submit", "__rows__": "/networks/0",
            **NETWORK_ANSWERS}
    response = officer.post(form_url, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    detail = officer.get(response.headers["Location"]).get_data(as_text=True)
    assert "12.5" in detail

    secretariat = page_client("segreteria")
    detail_url = f"/tenants/prato/census/submissions/{sub_id}"
    detail = secretariat.get(detail_url).get_data(as_text=True)
    assert 'data-testid="review"' in detail and 'name="comment:/networks/0/length"' in detail
    response = secretariat.post(f"{detail_url}/return", data={
        "csrf_token": _token(detail), "note": "", "comment:/networks/0/length": "Lunghezza da verificare."})
    assert response.status_code == 302
    html, revision = _form(officer, "prato", sub_id)
    assert 'data-comment="/networks/0/length"' in html and "Lunghezza da verificare." in html
    response = officer.post(form_url, data={**data, "csrf_token": _token(html), "revision": revision})
    assert response.status_code == 302
    detail = secretariat.get(detail_url).get_data(as_text=True)
    response = secretariat.post(f"{detail_url}/accept", data={"csrf_token": _token(detail)})
    assert response.status_code == 302
    assert 'badge bg-success' in secretariat.get(detail_url).get_data(as_text=True)
    # an accepted submission is not editable any more
    assert officer.get(form_url).status_code == 302


def test_only_filers_edit_and_only_the_secretariat_reviews(page_client):
    auditor = page_client("revisore")
    officer = page_client("firenze-comune")
    sub_id = _submission_id(officer, "firenze", "projects")
    assert auditor.get(f"/tenants/firenze/census/submissions/{sub_id}/form").status_code == 403
    detail = officer.get(f"/tenants/firenze/census/submissions/{sub_id}").get_data(as_text=True)
    assert 'data-testid="review"' not in detail
    response = officer.post(f"/tenants/firenze/census/submissions/{sub_id}/accept",
                            data={"csrf_token": _token(detail)})
    assert response.status_code == 403
    assert page_client("prato-comune").get(f"/tenants/firenze/census/submissions/{sub_id}/form").status_code == 404
