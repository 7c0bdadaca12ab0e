"""The protocol's forms with the session cookie: adhesions and their decisions, signatories, waivers,
notice recipients and monitoring reports; inline errors with the values kept, and who may post what."""

from __future__ import annotations

import functools
import html
import re
from datetime import date

import pytest
from sqlalchemy import select

from protocol.models import AdhesionRequest, AdhesionStatus, Protocol, SignatoryRole
from protocol.services import adhesions
from tenants import services as tenant_services
from tenants.models import Organization, OrganizationKind

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
COLLESALVETTI_FORM = {
    "org_kind": "municipality", "org_name": "Comune di Collesalvetti", "org_istat_code": "049008",
    "lead_name": "Collesalvetti Servizi Esempio S.r.l. (società di esempio)", "lead_vat_number": "06789010490",
    "representative_name": "Sindaca di Collesalvetti", "representative_role": "Sindaca",
    "representative_email": "sindaca@collesalvetti.example", "accepts_objectives": "yes",
    "accepts_conditions": "yes", "requested_on": "2018-09-03",
}


@pytest.fixture
def page_client(page_client):
    """These pages are checked in English."""
    return functools.partial(page_client, lang="en")



@pytest.fixture
def tuscan(demo, db):
    return db.scalar(select(Protocol).order_by(Protocol.id))


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _inline_error(page: str, field_id: str) -> str:
    match = re.search(rf'data-testid="error-{field_id}">([^<]*)<', page)
    assert match, f"no inline error for {field_id}"
    return match.group(1)


def _value(page: str, field_id: str) -> str:
    match = re.search(rf'id="{field_id}" name="[^"]+"\s+value="([^"]*)"', page)
    assert match, f"no input {field_id}"
    return match.group(1)


def _org(db, istat_code: str) -> Organization:
    return db.scalar(select(Organization).where(Organization.istat_code == istat_code))


def _pending_request(db, tuscan) -> AdhesionRequest:
    request = adhesions.request_adhesion(
        db, tuscan.id, organization={"kind": "municipality", "name": "Comune di Collesalvetti", "istat_code": "049008"},
        lead_company={"kind": "participated-company", "name": "Collesalvetti Servizi Esempio S.r.l.",
                      "vat_number": "06789010490"},
        representative_name="Sindaca", representative_role="Sindaca", accepts_objectives=True,
        accepts_conditions=True, requested_on=date(2018, 9, 3), actor="segreteria")
    db.commit()
    return request


# --- recording a request -------------------------------------------------------------------------

def test_secretariat_records_a_request_with_inline_errors_and_kept_values(page_client, tuscan, db):
    seg = page_client("segreteria")
    timeline = _text(seg.get(f"/protocols/{tuscan.id}"))
    assert 'data-testid="adhesions-table"' in timeline and "No adhesion request yet." in timeline
    new_url = f"/protocols/{tuscan.id}/adhesions/new"
    assert f'href="{new_url}"' in timeline
    assert seg.get(new_url).status_code == 200

    # The API's schema: a missing representative and a malformed e-mail (400), everything else kept.
    missing = seg.post(new_url, {**COLLESALVETTI_FORM, "representative_name": "", "representative_email": "nope"})
    assert missing.status_code == 400
    page = _text(missing)
    assert 'data-testid="form-error"' in page
    assert _inline_error(page, "representative-name") == "Missing data for required field."
    assert _inline_error(page, "representative-email") == "Not a valid email address."
    assert _value(page, "org-name") == "Comune di Collesalvetti"
    assert _value(page, "lead-vat-number") == "06789010490"
    assert _value(page, "representative-email") == "nope"

    # The services: the terms not accepted, a wrong ISTAT code, a lead company's wrong VAT number (422).
    unaccepted = seg.post(new_url, {**COLLESALVETTI_FORM, "accepts_conditions": ""})
    assert unaccepted.status_code == 422
    page = _text(unaccepted)
    assert _inline_error(page, "accepts-conditions") == "The protocol's conditions must be accepted."
    assert re.search(r'id="accepts-objectives" name="accepts_objectives" value="yes"\s+checked', page)
    bad_istat = seg.post(new_url, {**COLLESALVETTI_FORM, "org_istat_code": "12345"})
    assert bad_istat.status_code == 422
    assert "six digits" in _inline_error(_text(bad_istat), "org-istat-code")
    bad_vat = seg.post(new_url, {**COLLESALVETTI_FORM, "lead_vat_number": "06789010491"})
    assert bad_vat.status_code == 422
    assert _inline_error(_text(bad_vat), "lead-vat-number")
    no_lead = seg.post(new_url, {**COLLESALVETTI_FORM, "lead_name": "", "lead_vat_number": ""})
    assert no_lead.status_code == 422
    assert _inline_error(_text(no_lead), "lead-company-id") == "Missing data for required field."
    nothing = seg.post(new_url, {k: v for k, v in COLLESALVETTI_FORM.items() if not k.startswith(("org_", "lead_"))})
    assert nothing.status_code == 400
    assert _inline_error(_text(nothing), "organization-id") == "Give organization_id or new_organization."
    # After the end of the protocol: refused with the service's message, nothing written.
    late = seg.post(new_url, {**COLLESALVETTI_FORM, "requested_on": "2020-01-10"})
    assert late.status_code == 409
    assert "no longer accepts adhesions" in _text(late)
    assert db.scalar(select(Organization).where(Organization.istat_code == "049008")) is None

    created = seg.post(new_url, COLLESALVETTI_FORM)
    assert created.status_code == 303
    detail_url = created.headers["Location"]
    detail = _text(seg.get(detail_url))
    assert "Comune di Collesalvetti" in detail and 'data-status="pending"' in detail
    assert "collesalvetti" in detail and 'data-step="requested"' in detail
    assert 'data-testid="decision-form"' in detail and 'data-testid="withdraw-form"' in detail
    row = re.search(r'<tr data-request-id="(\d+)" data-status="pending">', _text(seg.get(f"/protocols/{tuscan.id}")))
    assert row and detail_url.endswith(f"/adhesions/{row.group(1)}")

    again = seg.post(new_url, COLLESALVETTI_FORM)
    assert again.status_code == 409
    assert "already has a pending request" in _text(again)


# --- decisions, admission and its job ------------------------------------------------------------

def test_decisions_admit_the_municipality_and_show_the_identity_job(page_client, tuscan, db, rq_worker,
                                                                     wait_for_job):
    request = _pending_request(db, tuscan)
    seg = page_client("segreteria")
    detail_url = f"/protocols/{tuscan.id}/adhesions/{request.id}"
    decide_url = f"{detail_url}/decisions"
    prato = _org(db, "100005")

    unexplained = seg.post(decide_url, {"organization_id": prato.id, "decision": "refuse", "reason": "",
                                        "decided_on": "2018-09-20"})
    assert unexplained.status_code == 422
    page = _text(unexplained)
    assert _inline_error(page, "decision-reason") == "Missing data for required field."
    assert _value(page, "decision-date") == "2018-09-20"
    assert re.search(r'id="decision-refuse" value="refuse"\s+checked', page)
    undecided = seg.post(decide_url, {"organization_id": prato.id, "decided_on": "2018-09-20"})
    assert undecided.status_code == 400
    assert _inline_error(_text(undecided), "decision") == "Missing data for required field."
    company = db.scalar(select(Organization).where(Organization.kind == OrganizationKind.PARTICIPATED_COMPANY))
    stranger = seg.post(decide_url, {"organization_id": company.id, "decision": "accept", "decided_on": "2018-10-01"})
    assert stranger.status_code == 422
    assert _inline_error(_text(stranger), "decision-organization") == "Not an original signatory of this protocol."
    early = seg.post(decide_url, {"organization_id": prato.id, "decision": "accept", "decided_on": "2018-09-01"})
    assert early.status_code == 422
    assert "cannot precede the request" in _text(early)

    voters = [s.organization_id for s in tuscan.signatories if s.role == SignatoryRole.ORIGINAL]
    for org_id in voters:
        answer = seg.post(decide_url, {"organization_id": org_id, "decision": "accept", "decided_on": "2018-10-01"})
        assert answer.status_code == 303, _text(answer)
    twice = seg.post(decide_url, {"organization_id": voters[0], "decision": "accept", "decided_on": "2018-10-01"})
    assert twice.status_code == 409

    db.expire_all()
    admitted = db.get(AdhesionRequest, request.id)
    assert admitted.status == AdhesionStatus.ADMITTED and admitted.tenant_id is not None
    job = adhesions.admission_job(db, admitted)
    assert wait_for_job(job.id)["state"] == "finished"
    page = _text(seg.get(detail_url))
    assert 'data-status="admitted"' in page
    assert page.count('data-decision="accept"') == len(voters)
    assert 'data-step="admitted"' in page and 'data-step="tenant-opened"' in page
    assert re.search(r'data-testid="job" data-state="finished"', page)
    assert "/tenants/collesalvetti" in page and 'aria-valuenow="100"' in page
    assert 'data-testid="decision-form"' not in page and 'data-testid="withdraw-form"' not in page

    # A stale tab posts one more decision: refused with the reason, in words.
    stale = seg.post(decide_url, {"organization_id": voters[0], "decision": "refuse", "reason": "Troppo tardi",
                                  "decided_on": "2018-10-02"})
    assert stale.status_code == 409
    assert "The request is admitted: no more decisions are taken on it." in _text(stale)
    withdrawn = seg.post(f"{detail_url}/withdraw", {"reason": "Ci ripensiamo"})
    assert withdrawn.status_code == 409
    assert "only a pending request can be withdrawn" in _text(withdrawn)


def test_a_refusal_and_a_withdrawal_keep_their_reasons(page_client, tuscan, db):
    seg = page_client("segreteria")
    request = _pending_request(db, tuscan)
    detail_url = f"/protocols/{tuscan.id}/adhesions/{request.id}"

    short = seg.post(f"{detail_url}/withdraw", {"reason": "no"})
    assert short.status_code == 400
    page = _text(short)
    assert _inline_error(page, "withdraw-reason") == "Length must be between 3 and 4000."
    assert ">no</textarea>" in page
    assert seg.post(f"{detail_url}/withdraw", {"reason": "Nuova giunta comunale"}).status_code == 303
    page = _text(seg.get(detail_url))
    assert 'data-status="withdrawn"' in page and "Nuova giunta comunale" in page
    assert 'data-step="withdrawn"' in page and "by segreteria" in page

    second = _pending_request(db, tuscan)
    refused = seg.post(f"/protocols/{tuscan.id}/adhesions/{second.id}/decisions",
                       {"organization_id": _org(db, "100005").id, "decision": "refuse",
                        "reason": "Perimetro non coerente", "decided_on": "2018-09-10"})
    assert refused.status_code == 303
    page = _text(seg.get(refused.headers["Location"]))
    assert 'data-status="refused"' in page and 'data-decision="refuse"' in page
    assert "Perimetro non coerente" in page and 'data-step="refused"' in page


# --- who may do what -----------------------------------------------------------------------------

def test_roles_on_the_adhesion_pages(page_client, tuscan, db):
    request = _pending_request(db, tuscan)
    base = f"/protocols/{tuscan.id}"
    detail_url = f"{base}/adhesions/{request.id}"
    firenze, prato = _org(db, "048017"), _org(db, "100005")
    posts = [(f"{base}/adhesions/new", COLLESALVETTI_FORM),
             (f"{detail_url}/decisions", {"organization_id": firenze.id, "decision": "accept"}),
             (f"{detail_url}/withdraw", {"reason": "Ritirata"}),
             (f"{base}/waivers", {"milestone_key": "census", "reason": "Proroga"}),
             (f"{base}/signatories", {"organization_id": firenze.id}),
             (f"{base}/recipients", {"email": "x@example.org"}),
             (f"{base}/monitoring-reports", {})]

    auditor = page_client("revisore")
    for url, data in posts:
        assert auditor.post(url, data).status_code == 403, url
    assert auditor.get(f"{base}/adhesions/new").status_code == 403
    page = _text(auditor.get(detail_url))
    assert "Comune di Collesalvetti" in page and "<form method=\"post\" action=\"/protocols" not in page
    timeline = _text(auditor.get(base))
    assert 'data-testid="adhesions-table"' in timeline and 'data-testid="waivers-table"' in timeline
    assert 'data-testid="new-adhesion"' not in timeline and 'data-testid="waiver-form"' not in timeline
    assert 'data-testid="recipients-table"' not in timeline  # recipients are the secretariat's, as in the API
    assert 'data-testid="issue-reports-form"' not in _text(auditor.get(f"{base}/reports"))

    officer = page_client("firenze-comune")
    for url, data in posts:
        if "/decisions" not in url:
            assert officer.post(url, data).status_code == 403, url
    assert officer.get(f"{base}/adhesions/new").status_code == 403
    page = _text(officer.get(detail_url))
    options = re.search(r'<select[^>]+id="decision-organization".*?</select>', page, re.S).group(0)
    assert "Comune di Firenze" in options and "Prato" not in options
    assert 'data-testid="withdraw-form"' not in page
    others = officer.post(f"{detail_url}/decisions", {"organization_id": prato.id, "decision": "accept"})
    assert others.status_code == 403
    own = officer.post(f"{detail_url}/decisions", {"organization_id": firenze.id, "decision": "accept",
                                                   "decided_on": "2018-09-20"})
    assert own.status_code == 303
    assert "firenze-comune" in _text(officer.get(detail_url))
    timeline = _text(officer.get(base))
    assert 'data-testid="adhesions-table"' in timeline and 'data-testid="waivers-table"' not in timeline

    utility = page_client("firenze-utility")
    assert utility.post(f"{detail_url}/decisions", {"organization_id": firenze.id, "decision": "accept"}
                        ).status_code == 403
    assert 'data-testid="decision-form"' not in _text(utility.get(detail_url))


# --- the protocol page's other forms -------------------------------------------------------------

def test_waivers_signatories_and_recipients_from_the_protocol_page(page_client, tuscan, db):
    seg = page_client("segreteria")
    base = f"/protocols/{tuscan.id}"

    unexplained = seg.post(f"{base}/waivers", {"milestone_key": "census", "tenant": "siena", "reason": ""})
    assert unexplained.status_code == 400
    page = _text(unexplained)
    assert _inline_error(page, "waiver-reason") == "Missing data for required field."
    assert re.search(r'<option value="siena" selected>', page)
    unknown = seg.post(f"{base}/waivers", {"milestone_key": "monitoring-99", "reason": "Proroga concessa"})
    assert unknown.status_code == 422
    assert "No milestone 'monitoring-99'" in _inline_error(_text(unknown), "waiver-milestone")
    granted = seg.post(f"{base}/waivers", {"milestone_key": "census", "tenant": "siena",
                                           "reason": "Proroga per il commissariamento"})
    assert granted.status_code == 303 and granted.headers["Location"].endswith("#waivers")
    page = _text(seg.get(base, query_string={"today": "2018-07-10"}))
    assert "Proroga per il commissariamento" in page and '<tr data-milestone="census">' in page
    duplicate = seg.post(f"{base}/waivers", {"milestone_key": "census", "tenant": "siena", "reason": "Ancora"})
    assert duplicate.status_code == 409 and "already waived" in _text(duplicate)

    nobody = seg.post(f"{base}/signatories", {"organization_id": ""})
    assert nobody.status_code == 400
    assert _inline_error(_text(nobody), "signatory-organization") == "Missing data for required field."
    firenze = _org(db, "048017")
    again = seg.post(f"{base}/signatories", {"organization_id": firenze.id})
    assert again.status_code == 409 and "already signed" in _text(again)
    university = tenant_services.create_organization(db, kind=OrganizationKind.UNIVERSITY,
                                                     name="Università di Siena (esempio)")
    db.commit()
    added = seg.post(f"{base}/signatories", {"organization_id": university.id})
    assert added.status_code == 303
    page = _text(seg.get(base))
    assert re.search(rf'<tr data-organization-id="{university.id}"><td>Università di Siena \(esempio\)</td>', page)

    wrong = seg.post(f"{base}/recipients", {"email": "not-an-address", "tenant": "prato"})
    assert wrong.status_code == 400
    page = _text(wrong)
    assert _inline_error(page, "recipient-email") == "Not a valid email address."
    assert _value(page, "recipient-email") == "not-an-address"
    assert seg.post(f"{base}/recipients", {"email": "Ufficio@Prato.example", "tenant": "prato"}).status_code == 303
    assert "ufficio@prato.example" in _text(seg.get(base))
    twice = seg.post(f"{base}/recipients", {"email": "ufficio@prato.example", "tenant": "prato"})
    assert twice.status_code == 409 and "already receives these notices" in _text(twice)


def test_secretariat_issues_the_due_reports_by_a_job(page_client, tuscan, db, rq_worker, wait_for_job):
    from smartregion.jobs import Job

    seg = page_client("segreteria")
    url = f"/protocols/{tuscan.id}/monitoring-reports"
    bad = seg.post(url, {"today": "31/12/2019"})
    assert bad.status_code == 400
    page = _text(bad)
    assert _inline_error(page, "issue-today") == "Not a valid date."
    assert _value(page, "issue-today") == "31/12/2019"

    issued = seg.post(url, {"today": "2019-12-31"})
    assert issued.status_code == 303
    job_id = re.search(r"job=([0-9a-f-]{36})", issued.headers["Location"]).group(1)
    job = db.get(Job, job_id)
    assert job.func == "monitoring.jobs.issue_monitoring_reports"
    assert job.kwargs == {"protocol_id": tuscan.id, "today": "2019-12-31"}
    assert wait_for_job(job_id)["state"] == "finished"
    page = _text(seg.get(issued.headers["Location"]))
    assert 'data-testid="job" data-state="finished"' in page and 'data-testid="reports-table"' in page
    assert "0 reports issued" in page  # the demo issued every report on its own date already
