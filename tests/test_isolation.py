"""Two locks on every door: the application's checks, and PostgreSQL row-level security."""

import psycopg
import pytest
from smartregion import tenancy
from sqlalchemy import select
from sqlalchemy.engine import make_url

from tenants.models import Tenant, TenantMembership


def test_another_tenants_member_gets_404_and_changes_nothing(as_user):
    prato = as_user("prato-comune")
    assert prato.get("/api/v1/tenants/firenze").status_code == 404
    assert prato.get("/api/v1/tenants/firenze/memberships").status_code == 404
    response = prato.post("/api/v1/tenants/firenze/memberships", json={"organization_id": 1, "role": "utility"})
    assert response.status_code == 404
    members = as_user("segreteria").get("/api/v1/tenants/firenze/memberships").json
    assert {m["role"] for m in members} == {"municipality", "lead-company"}


def test_auditor_cannot_write_anything(as_user):
    auditor = as_user("revisore")
    attempts = [
        auditor.post("/api/v1/organizations", json={"kind": "association", "name": "Audit"}),
        auditor.post("/api/v1/tenants/firenze/suspend", json={"reason": "no"}),
        auditor.patch("/api/v1/tenants/firenze", json={"name": "X"}),
        auditor.delete("/api/v1/tenants/firenze/memberships/1"),
    ]
    assert [r.status_code for r in attempts] == [403, 403, 403, 403]
    assert as_user("segreteria").get("/api/v1/tenants/firenze").json["name"] == "Firenze"


def _app_conninfo(owner_url: str) -> str:
    return make_url(owner_url).set(drivername="postgresql", username="smartregion_app").render_as_string(
        hide_password=False)


def test_raw_sql_in_tenant_a_scope_sees_no_row_of_tenant_b(demo, owner_url, db):
    firenze = db.scalar(select(Tenant.id).where(Tenant.slug == "firenze"))
    prato = db.scalar(select(Tenant.id).where(Tenant.slug == "prato"))
    with psycopg.connect(_app_conninfo(owner_url)) as conn:
        assert conn.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user").fetchone() \
            == (False, False)
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(firenze),))
        tenants_seen = {row[0] for row in conn.execute("SELECT DISTINCT tenant_id FROM tenant_memberships")}
        assert tenants_seen == {firenze}
        assert conn.execute("SELECT count(*) FROM tenant_memberships WHERE tenant_id = %s", (prato,)).fetchone() == (0,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO tenant_memberships (tenant_id, organization_id, role) VALUES (%s, 1, 'utility')",
                         (prato,))
        conn.rollback()
        # No tenant selected: no tenant row at all.
        assert conn.execute("SELECT count(*) FROM tenant_memberships").fetchone() == (0,)


def test_orm_query_without_a_tenant_fails_closed(app, demo):
    from smartregion.db import db as database

    with app.app_context(), database.new_session() as session:
        tenancy.reset()
        with pytest.raises(tenancy.NoTenantContext):
            session.scalars(select(TenantMembership)).all()


def test_orm_queries_are_scoped_to_the_current_tenant(app, demo, db):
    from smartregion.db import db as database

    firenze = db.scalar(select(Tenant.id).where(Tenant.slug == "firenze"))
    with app.app_context(), tenancy.tenant_context(firenze), database.new_session() as session:
        rows = session.scalars(select(TenantMembership)).all()
    assert rows and {row.tenant_id for row in rows} == {firenze}
