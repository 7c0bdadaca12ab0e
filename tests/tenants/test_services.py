"""Tenant services in a world of their own, made with the factories instead of the demo region."""

from tenants import services
from tenants.models import TenantStatus


def test_status_counts_and_the_options_of_the_tenant_forms(factories, db):
    active = factories.TenantFactory(slug="lucca")
    pending = factories.TenantFactory(slug="massa", status=TenantStatus.PENDING)
    free_town = factories.MunicipalityFactory(name="Comune di Zeri")
    spare_company = factories.CompanyFactory(name="Aaa Servizi S.r.l.")
    factories.OrganizationFactory(name="Associazione dei comuni")

    assert services.status_counts(db) == {TenantStatus.ACTIVE: 1, TenantStatus.PENDING: 1}
    # A municipality that already has its tenant is not offered again; companies serve several tenants.
    assert services.municipalities_without_tenant(db) == [free_town]
    companies = services.participated_companies(db)
    assert companies[0] == spare_company
    assert {active.lead_company, pending.lead_company, spare_company} == set(companies)


def test_a_user_made_here_reads_its_own_tenant_only(factories, db, app, live_server):
    lucca, massa = factories.TenantFactory(slug="lucca"), factories.TenantFactory(slug="massa")
    user = factories.UserFactory(username="lucca-comune", tenants=[lucca], roles=["municipality"])
    db.commit()  # the request reads through its own session
    with app.app_context():
        headers = {"Authorization": f"Bearer {factories.token_of(user)}"}
    client = app.test_client()
    assert client.get("/api/v1/tenants/lucca", headers=headers).json["name"] == lucca.name
    assert [t["slug"] for t in client.get("/api/v1/tenants", headers=headers).json] == ["lucca"]
    assert client.get(f"/api/v1/tenants/{massa.slug}", headers=headers).status_code in (403, 404)
