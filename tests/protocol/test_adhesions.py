"""Adhesions: a municipality asks to join, the original signatories decide, the tenant is opened."""

from datetime import date

import pytest
from smartregion.errors import Conflict, Unprocessable
from sqlalchemy import select

from monitoring.services import timeline
from protocol.models import AcceptanceRule, AdhesionStatus, Protocol, SignatoryRole
from protocol.services import adhesions
from tenants.models import Organization, OrganizationKind, Tenant

COLLESALVETTI = {"kind": "municipality", "name": "Comune di Collesalvetti", "istat_code": "049008"}
LEAD = {"name": "Collesalvetti Servizi Esempio S.r.l. (società di esempio)", "vat_number": "06789010490"}


def _request_body(**extra):
    body = {"new_organization": COLLESALVETTI, "new_lead_company": LEAD,
            "representative_name": "Sindaca di Collesalvetti", "representative_role": "Sindaca",
            "representative_email": "sindaca@collesalvetti.example",
            "accepts_objectives": True, "accepts_conditions": True, "requested_on": "2018-09-03", **extra}
    return {key: value for key, value in body.items() if value is not None}


def _originals(session, protocol):
    return [s.organization_id for s in protocol.signatories if s.role == SignatoryRole.ORIGINAL]


@pytest.fixture
def tuscan(demo, db):
    return db.scalar(select(Protocol).order_by(Protocol.id))


def test_collesalvetti_joins_end_to_end_and_gets_its_own_census_deadline(as_user, tuscan, db, rq_worker, wait_for_job):
    seg = as_user("segreteria")
    created = seg.post(f"/api/v1/protocols/{tuscan.id}/adhesions", json=_request_body())
    assert created.status_code == 201, created.json
    request_id = created.json["id"]
    assert created.json["status"] == "pending" and created.json["tenant_slug"] == "collesalvetti"

    voters = _originals(db, tuscan)
    job_id = None
    for number, org_id in enumerate(voters):
        answer = seg.post(f"/api/v1/protocols/{tuscan.id}/adhesions/{request_id}/decisions",
                          json={"organization_id": org_id, "decision": "accept", "decided_on": "2018-10-01"})
        assert answer.status_code == 200, answer.json
        last = number == len(voters) - 1
        assert answer.json["request"]["status"] == ("admitted" if last else "pending")
        job_id = answer.json["job_id"]
    assert job_id is not None
    job = wait_for_job(job_id)
    assert job["state"] == "finished", job
    assert job["result"]["path"] == "/tenants/collesalvetti"

    tenant = seg.get("/api/v1/tenants/collesalvetti").json
    assert tenant["status"] == "active" and tenant["joined_on"] == "2018-10-01"
    assert tenant["keycloak_group"] == "/tenants/collesalvetti"
    assert tenant["municipality"]["istat_code"] == "049008"

    line = as_user("revisore").get(f"/api/v1/protocols/{tuscan.id}/timeline", query_string={"today": "2019-01-15"})
    census = next(m for m in line.json["milestones"] if m["key"] == "census")
    own = next(t for t in census["tenants"] if t["slug"] == "collesalvetti")
    assert own["due_on"] == "2019-04-01" and own["state"] == "pending"
    assert census["due_on"] == "2018-06-27"
    early = next(m for m in line.json["milestones"] if m["key"] == "monitoring-3")
    assert all(t["slug"] != "collesalvetti" for t in early["tenants"])  # it joined after that report


def test_bad_adhesion_inputs_are_refused_with_problems(as_user, tuscan, db):
    seg = as_user("segreteria")
    url = f"/api/v1/protocols/{tuscan.id}/adhesions"
    firenze = db.scalar(select(Organization).where(Organization.istat_code == "048017"))
    again = seg.post(url, json=_request_body(new_organization=None, organization_id=firenze.id))
    assert again.status_code == 409
    assert again.headers["Content-Type"].startswith("application/problem+json")
    assert "already a signatory" in again.json["detail"]

    no_terms = seg.post(url, json=_request_body(accepts_conditions=False))
    assert no_terms.status_code == 422 and "accepts_conditions" in no_terms.json["errors"]

    no_lead = seg.post(url, json=_request_body(new_lead_company=None))
    assert no_lead.status_code == 422 and "lead_company" in no_lead.json["errors"]

    created = seg.post(url, json=_request_body()).json
    decisions = f"{url}/{created['id']}/decisions"
    outsider = db.scalar(select(Organization).where(Organization.kind == OrganizationKind.PARTICIPATED_COMPANY))
    stranger = seg.post(decisions, json={"organization_id": outsider.id, "decision": "accept"})
    assert stranger.status_code == 422 and "organization_id" in stranger.json["errors"]

    assert seg.post(decisions, json={"organization_id": tuscan.region_id, "decision": "accept"}).status_code == 200
    twice = seg.post(decisions, json={"organization_id": tuscan.region_id, "decision": "accept"})
    assert twice.status_code == 409 and "already decided" in twice.json["detail"]

    unexplained = seg.post(decisions, json={"organization_id": firenze.id, "decision": "refuse"})
    assert unexplained.status_code == 422 and "reason" in unexplained.json["errors"]

    duplicate = seg.post(url, json=_request_body())
    assert duplicate.status_code == 409


def test_a_municipality_records_only_its_own_decision(as_user, tuscan, db):
    seg = as_user("segreteria")
    created = seg.post(f"/api/v1/protocols/{tuscan.id}/adhesions", json=_request_body()).json
    decisions = f"/api/v1/protocols/{tuscan.id}/adhesions/{created['id']}/decisions"
    firenze = db.scalar(select(Organization).where(Organization.istat_code == "048017"))
    prato = db.scalar(select(Organization).where(Organization.istat_code == "100005"))
    officer = as_user("firenze-comune")
    assert officer.post(decisions, json={"organization_id": prato.id, "decision": "accept"}).status_code == 403
    own = officer.post(decisions, json={"organization_id": firenze.id, "decision": "accept"})
    assert own.status_code == 200
    assert own.json["request"]["decisions"][0]["decided_by"] == "firenze-comune"


def test_a_refusal_closes_the_request_with_its_reason_under_the_unanimity_rule(db, tuscan):
    request = adhesions.request_adhesion(
        db, tuscan.id, organization=COLLESALVETTI, lead_company={"kind": "participated-company", **LEAD},
        representative_name="Sindaca", representative_role="Sindaca", accepts_objectives=True,
        accepts_conditions=True, requested_on=date(2018, 9, 3), actor="segreteria")
    prato = db.scalar(select(Organization).where(Organization.istat_code == "100005"))
    request, job = adhesions.decide(db, tuscan.id, request.id, organization_id=prato.id, decision="refuse",
                                    reason="Perimetro non coerente", decided_on=date(2018, 9, 10), actor="prato")
    assert job is None
    assert request.status == AdhesionStatus.REFUSED
    assert "Perimetro non coerente" in request.reason
    assert db.scalar(select(Tenant).where(Tenant.slug == "collesalvetti")) is None
    with pytest.raises(Conflict):
        adhesions.withdraw(db, tuscan.id, request.id, reason="Ci ripensiamo", day=date(2018, 9, 11), actor="s")


def test_withdrawal_keeps_its_reason(db, tuscan):
    request = adhesions.request_adhesion(
        db, tuscan.id, organization=COLLESALVETTI, lead_company={"kind": "participated-company", **LEAD},
        representative_name="Sindaca", representative_role="Sindaca", accepts_objectives=True,
        accepts_conditions=True, requested_on=date(2018, 9, 3), actor="segreteria")
    with pytest.raises(Unprocessable):
        adhesions.withdraw(db, tuscan.id, request.id, reason="", day=date(2018, 9, 5), actor="s")
    adhesions.withdraw(db, tuscan.id, request.id, reason="Nuova giunta comunale", day=date(2018, 9, 5), actor="s")
    assert (request.status, request.reason) == (AdhesionStatus.WITHDRAWN, "Nuova giunta comunale")


def test_region_and_majority_rule(db, tuscan):
    tuscan.acceptance_rule = AcceptanceRule.REGION_AND_MAJORITY
    db.flush()
    university = {"kind": "university", "name": "Università di Pisa (esempio)"}
    request = adhesions.request_adhesion(
        db, tuscan.id, organization=university, representative_name="Rettore", representative_role="Rettore",
        accepts_objectives=True, accepts_conditions=True, requested_on=date(2018, 11, 5), actor="segreteria")
    voters = _originals(db, tuscan)
    others = [org for org in voters if org != tuscan.region_id]
    majority = len(voters) // 2 + 1
    for org in others[:majority]:
        request, _ = adhesions.decide(db, tuscan.id, request.id, organization_id=org, decision="accept", reason=None,
                                      decided_on=date(2018, 11, 20), actor="segreteria")
    assert request.status == AdhesionStatus.PENDING  # the Region has not spoken yet
    request, job = adhesions.decide(db, tuscan.id, request.id, organization_id=tuscan.region_id, decision="accept",
                                    reason=None, decided_on=date(2018, 11, 21), actor="segreteria")
    assert request.status == AdhesionStatus.ADMITTED and job is None  # a university gets no tenant
    assert any(s.role == SignatoryRole.ADHERENT for s in tuscan.signatories)
    line = timeline.compute(db, tuscan.id, today=date(2019, 1, 1))
    assert len(line.tenants) == 5
