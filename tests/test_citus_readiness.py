"""The schema is ready for Citus: read from the migrated database's catalog and from the services' code.

A Citus cluster cannot be started here (Citus is not in the package registries); these checks hold the
rules that a real 3-node cluster showed, so that a new table or statement cannot quietly break them.
"""

import ast
import re
from pathlib import Path

import pytest
from smartregion import citus
from smartregion.db import TenantScoped
from smartregion.models import load_all
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("platform", "tenants", "census", "interoperability", "funding", "protocol", "monitoring")


@pytest.fixture(scope="module")
def schema(owner_url):
    engine = create_engine(make_url(owner_url).set(drivername="postgresql+psycopg"))
    with engine.connect() as conn:
        yield citus.read_schema(conn)
    engine.dispose()


def test_tenant_tables_are_the_tenant_scoped_models_and_the_audit_chains(schema):
    base = load_all()
    scoped = {m.local_table.name for m in base.registry.mappers if issubclass(m.class_, TenantScoped)}
    assert schema.tenant_tables == scoped | {"audit_events", "audit_heads"}
    assert {"tenants", "organizations", "funding_lines", "census_survey_schemas", "interop_standards",
            "jobs"} <= schema.reference_tables


def test_every_tenant_key_and_foreign_key_includes_tenant_id_and_no_regional_table_points_at_a_tenant_one(schema):
    assert citus.readiness_problems(schema) == []
    assert all(schema.primary_keys[t][0] == "tenant_id" for t in schema.tenant_tables)
    # The check itself notices a key that does not lead with tenant_id.
    broken = citus.Schema(tables={"t"}, tenant_tables={"t"}, primary_keys={"t": ("id", "tenant_id")},
                          unique_keys={"t": [("uq_t_code", ("code",))]})
    assert citus.readiness_problems(broken) == ["t: primary key ('id', 'tenant_id') is not led by tenant_id",
                                                "t: unique key uq_t_code ('code',) lacks tenant_id"]


def test_models_declare_primary_keys_led_by_tenant_id():
    base = load_all()
    for mapper in base.registry.mappers:
        if issubclass(mapper.class_, TenantScoped):
            assert mapper.local_table.primary_key.columns.keys()[0] == "tenant_id", mapper.local_table.name


def test_the_conversion_plan_converts_referenced_tables_first_and_colocates_every_tenant_table(schema):
    plan = citus.conversion_plan(schema)
    assert plan[:3] == list(citus.CONVERSION_SETTINGS)
    converted = [re.search(r"'(\w+)'", s).group(1) for s in plan if s.startswith("SELECT create_")]
    assert set(converted) == schema.tables - citus.LOCAL_TABLES
    position = {table: n for n, table in enumerate(converted)}
    re_added = [s for s in plan if " ADD CONSTRAINT " in s]
    assert len(re_added) == len([fk for fk in schema.foreign_keys if fk.table not in citus.LOCAL_TABLES])
    assert plan.index(re_added[0]) > max(plan.index(s) for s in plan if s.startswith("SELECT create_"))
    for fk in schema.foreign_keys:
        if fk.referred_table != fk.table:
            assert position[fk.referred_table] < position[fk.table], fk.name
    distributed = [s for s in plan if "create_distributed_table" in s]
    assert len(distributed) == len(schema.tenant_tables)
    first = re.search(r"'(\w+)'", distributed[0]).group(1)
    assert "colocate_with => 'none'" in distributed[0]
    assert all(f"colocate_with => '{first}'" in s for s in distributed[1:])
    assert all("create_reference_table('audit_" not in s for s in plan)


def test_plain_postgresql_is_left_unchanged_by_the_citus_migration(owner_url):
    engine = create_engine(make_url(owner_url).set(drivername="postgresql+psycopg"))
    with engine.connect() as conn:
        assert citus.has_citus(conn) is False
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0016a_feed_days"
    engine.dispose()


def _sql_literals():
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    yield path.relative_to(ROOT), node.lineno, node.value
                elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "from_select":
                    yield path.relative_to(ROOT), node.lineno, "INSERT ... SELECT (from_select)"


def test_no_statement_shape_known_to_fail_on_citus():
    found = list(_sql_literals())
    insert_select = [(p, n) for p, n, sql in found
                     if re.search(r"\bINSERT\s+INTO\b", sql, re.I) and re.search(r"\bSELECT\b", sql, re.I)
                     and not re.search(r"\bRETURNING\b", sql, re.I)]
    assert insert_select == [], "INSERT ... SELECT without RETURNING becomes a COPY that RLS refuses on Citus"
    set_config = [(p, n) for p, n, sql in found if "set_config(" in sql.replace(" ", "")]
    assert set_config == [], "set_config() does not reach the worker nodes; use SET LOCAL"
    assert any("RETURNING id" in sql for p, _, sql in found if p.name == "services.py" and "inventory_rej" in sql)


def test_transactions_that_write_a_reference_table_after_reading_every_tenant_ask_for_sequential_mode():
    import inspect

    from smartregion import audit

    from funding.services import plans

    for function in (plans.approve_plan, audit.anchor):
        source = inspect.getsource(function)
        body = source.split('"""', 2)[-1]
        first_statement = next(line.strip() for line in body.splitlines() if line.strip() and
                               not line.strip().startswith("#"))
        assert first_statement == "sequential_on_citus(session)", function.__qualname__
