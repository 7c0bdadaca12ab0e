"""Helpers for migrations: the application role, its grants, and row-level security."""

from __future__ import annotations

import os


def app_role() -> str:
    return os.environ.get("APP_DATABASE_USER", "smartregion_app")


def create_app_role(op) -> None:
    """The role the application connects as: it may log in, but is neither superuser nor BYPASSRLS."""
    role = app_role()
    password = os.environ.get("APP_DATABASE_PASSWORD")
    password_clause = f" PASSWORD '{password}'" if password else ""
    op.execute(f"""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
            CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE{password_clause};
          END IF;
        END $$""")
    op.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}")
    op.execute("DO $$ BEGIN EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO "
               f"{role}', current_database()); END $$")


def grant_app(op, table: str, privileges: str = "SELECT, INSERT, UPDATE, DELETE") -> None:
    role = app_role()
    op.execute(f"REVOKE ALL ON {table} FROM {role}")
    op.execute(f"GRANT {privileges} ON {table} TO {role}")


def enable_tenant_rls(op, table: str) -> None:
    """Row-level security keyed on the transaction's ``app.tenant_id``; the regional scope sees all."""
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"""
        CREATE POLICY tenant_isolation ON {table}
        USING (
            current_setting('app.scope', true) = 'region'
            OR tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint
        )
        WITH CHECK (
            current_setting('app.scope', true) = 'region'
            OR tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint
        )""")


def disable_tenant_rls(op, table: str) -> None:
    op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
