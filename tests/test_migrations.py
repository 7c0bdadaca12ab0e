"""The schema is made by migrations only, and they agree with the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from smartregion.models import load_all
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def test_models_and_migrations_agree(owner_url):
    engine = create_engine(make_url(owner_url).set(drivername="postgresql+psycopg"))
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, load_all().metadata)
    engine.dispose()
    assert diff == [], f"models and migrations disagree: {diff}"


def test_app_role_is_neither_superuser_nor_bypassrls(owner_url):
    engine = create_engine(make_url(owner_url).set(drivername="postgresql+psycopg"))
    with engine.connect() as conn:
        row = conn.execute(text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'smartregion_app'")).one()
    engine.dispose()
    assert row == (False, False)


def test_every_tenant_table_has_forced_row_level_security(owner_url):
    base = load_all()
    from smartregion.db import TenantScoped

    tenant_tables = {mapper.local_table.name for mapper in base.registry.mappers
                     if issubclass(mapper.class_, TenantScoped)}
    assert "tenant_memberships" in tenant_tables
    engine = create_engine(make_url(owner_url).set(drivername="postgresql+psycopg"))
    with engine.connect() as conn:
        rows = dict(conn.execute(text(
            "SELECT relname, relrowsecurity AND relforcerowsecurity FROM pg_class WHERE relname = ANY(:names)"),
            {"names": list(tenant_tables)}).all())
    engine.dispose()
    assert rows == {name: True for name in tenant_tables}
