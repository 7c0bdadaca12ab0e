"""Organizations and tenants through the API, as the secretariat and as members."""

from smartregion.audit import AuditEvent
from sqlalchemy import select


def _org(client, **fields):
    return client.post("/api/v1/organizations", json=fields)


def test_secretariat_sees_all_tenants_and_members_only_their_own(as_user):
    everyone = as_user("segreteria").get("/api/v1/tenants")
    assert everyone.status_code == 200
    assert sorted(t["slug"] for t in everyone.json) == ["firenze", "grosseto", "pisa", "prato", "siena"]
    assert everyone.headers["X-Pagination"]

    own = as_user("firenze-comune").get("/api/v1/tenants")
    assert [t["slug"] for t in own.json] == ["firenze"]
    assert own.json[0]["municipality"]["istat_code"] == "048017"
    assert own.json[0]["lead_company"]["kind"] == "participated-company"


def test_auditor_reads_every_tenant(as_user):
    response = as_user("revisore").get("/api/v1/tenants/siena")
    assert response.status_code == 200
    assert response.json["name"] == "Siena"


def test_secretariat_creates_accepts_and_suspends_a_tenant(as_user, db):
    seg = as_user("segreteria")
    town = _org(seg, kind="municipality", name="Comune di Collesalvetti", istat_code="049008")
    assert town.status_code == 201, town.json
    company = _org(seg, kind="participated-company", name="Collesalvetti Servizi Esempio S.r.l.",
                   vat_number="06123450485")
    assert company.status_code == 409  # the demo's Firenze company already has this VAT number
    company = _org(seg, kind="participated-company", name="Collesalvetti Servizi Esempio S.r.l.",
                   vat_number="01234560488")
    assert company.status_code == 201, company.json

    created = seg.post("/api/v1/tenants", json={"slug": "collesalvetti", "municipality_id": town.json["id"],
                                                "lead_company_id": company.json["id"]})
    assert created.status_code == 201, created.json
    assert created.json["status"] == "pending"
    assert created.json["name"] == "Collesalvetti"

    accepted = seg.post("/api/v1/tenants/collesalvetti/accept")
    assert accepted.status_code == 202
    assert accepted.json["tenant"]["status"] == "active"
    assert accepted.json["job_id"]

    suspended = seg.post("/api/v1/tenants/collesalvetti/suspend", json={"reason": "Adhesion under review"})
    assert suspended.status_code == 200
    assert suspended.json["status"] == "suspended"
    again = seg.post("/api/v1/tenants/collesalvetti/suspend", json={"reason": "Twice"})
    assert again.status_code == 409

    actions = db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-4:] == ["organization.create", "tenant.create", "tenant.accept", "tenant.suspend"]


def test_lead_company_change_keeps_exactly_one_lead_and_an_audit_trail(as_user, db):
    seg = as_user("segreteria")
    new = _org(seg, kind="participated-company", name="Nuova Utility Esempio S.p.A.", vat_number="01234560488")
    response = seg.put("/api/v1/tenants/firenze/lead-company",
                       json={"organization_id": new.json["id"], "reason": "Decided by the city council"})
    assert response.status_code == 200, response.json
    assert response.json["lead_company"]["name"] == "Nuova Utility Esempio S.p.A."

    members = seg.get("/api/v1/tenants/firenze/memberships").json
    leads = [m for m in members if m["role"] == "lead-company"]
    assert [m["organization_id"] for m in leads] == [new.json["id"]]
    assert any(m["role"] == "utility" for m in members)  # the former lead still serves the tenant

    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "tenant.lead_company.change")).one()
    assert event.actor == "segreteria"
    assert event.before["lead_company_id"] != event.after["lead_company_id"]
    assert event.after["reason"] == "Decided by the city council"


def test_a_utility_may_serve_several_tenants(as_user):
    seg = as_user("segreteria")
    utility = _org(seg, kind="participated-company", name="Rete Gas Esempio S.p.A.", vat_number="01234560488")
    for slug in ("firenze", "prato"):
        added = seg.post(f"/api/v1/tenants/{slug}/memberships",
                         json={"organization_id": utility.json["id"], "role": "utility"})
        assert added.status_code == 201, added.json
    duplicate = seg.post("/api/v1/tenants/prato/memberships",
                         json={"organization_id": utility.json["id"], "role": "utility"})
    assert duplicate.status_code == 409


def test_members_cannot_administer(as_user):
    officer = as_user("firenze-comune")
    assert officer.post("/api/v1/tenants/firenze/suspend", json={"reason": "not mine"}).status_code == 403
    assert _org(officer, kind="association", name="Nope").status_code == 403


def test_bad_identifiers_are_refused_with_a_field_map(as_user, db):
    seg = as_user("segreteria")
    before = db.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    bad_istat = _org(seg, kind="municipality", name="Comune inesistente", istat_code="999999")
    assert bad_istat.status_code == 400
    assert bad_istat.headers["Content-Type"] == "application/problem+json"
    assert "ISTAT" in bad_istat.json["errors"]["istat_code"][0]

    bad_vat = _org(seg, kind="participated-company", name="Bad VAT S.p.A.", vat_number="01234560489")
    assert bad_vat.status_code == 400
    assert "check digit" in bad_vat.json["errors"]["vat_number"][0]

    missing = _org(seg, kind="municipality", name="Senza codice")
    assert missing.status_code == 400
    assert "istat_code" in missing.json["errors"]

    unknown = _org(seg, kind="association", name="Extra", colour="blue")
    assert unknown.status_code == 400
    assert "colour" in unknown.json["errors"]

    wrong_type = seg.post("/api/v1/tenants", json={"slug": "x", "municipality_id": "one", "lead_company_id": 1})
    assert wrong_type.status_code == 400
    assert "municipality_id" in wrong_type.json["errors"]

    malformed = seg.post("/api/v1/organizations", data="{not json", content_type="application/json")
    assert malformed.status_code == 400
    assert malformed.json["title"] == "Bad request"

    duplicate_slug = seg.post("/api/v1/tenants", json={"slug": "prato", "municipality_id": 1, "lead_company_id": 2})
    assert duplicate_slug.status_code in (409, 422)

    after = db.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    assert after == before  # nothing was written


def test_duplicate_slug_is_a_conflict(as_user, db):
    from tenants.models import Organization, OrganizationKind

    seg = as_user("segreteria")
    town = _org(seg, kind="municipality", name="Comune di Livorno", istat_code="049009").json
    lead = db.scalar(select(Organization.id).where(Organization.kind == OrganizationKind.PARTICIPATED_COMPANY))
    response = seg.post("/api/v1/tenants", json={"slug": "prato", "municipality_id": town["id"],
                                                 "lead_company_id": lead})
    assert response.status_code == 409
    assert response.json["errors"] == {"slug": ["Already in use."]}


def test_members_read_only_the_organizations_of_their_tenants(as_user):
    names = {o["name"] for o in as_user("firenze-utility").get("/api/v1/organizations").json}
    assert names == {"Comune di Firenze", "Firenze Servizi Esempio S.p.A. (società di esempio)"}
    prato = as_user("segreteria").get("/api/v1/organizations", query_string={"q": "Prato"}).json
    hidden = [o for o in prato if o["kind"] == "municipality"][0]
    assert as_user("firenze-utility").get(f"/api/v1/organizations/{hidden['id']}").status_code == 404
    assert as_user("revisore").get(f"/api/v1/organizations/{hidden['id']}").status_code == 200


def test_secretariat_edits_one_field_of_an_organization(as_user):
    seg = as_user("segreteria")
    org = seg.get("/api/v1/organizations", query_string={"q": "ANCI"}).json[0]
    response = seg.patch(f"/api/v1/organizations/{org['id']}", json={"website": "https://www.ancitoscana.it/"})
    assert response.status_code == 200, response.json
    assert response.json["website"] == "https://www.ancitoscana.it/"
    assert response.json["name"] == "ANCI Toscana"
    bad = seg.patch(f"/api/v1/organizations/{org['id']}", json={"istat_code": "12"})
    assert bad.status_code == 400
