"""Primary keys led by tenant_id on every tenant table: (tenant_id, id) instead of (id, tenant_id).

The key index then serves tenant-first lookups, and it is the shape Citus needs to distribute the
tables on tenant_id. Foreign keys that use a key are dropped and made again around the change.

Revision ID: 0017b_tenant_keys
Revises: 0017a_audit_chains
Create Date: 2026-12-06 17:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017b_tenant_keys"
down_revision = "0017a_audit_chains"
branch_labels = None
depends_on = None

_PRIMARY_KEYS = sa.text("""
    SELECT c.conrelid::regclass::text AS table_name, c.conname AS name,
           array_agg(a.attname::text ORDER BY k.ord) AS columns
    FROM pg_constraint c
    CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
    WHERE c.contype = 'p' AND c.connamespace = 'public'::regnamespace
    GROUP BY c.conrelid, c.conname
    ORDER BY 1""")
_REFERENCING = sa.text("""
    SELECT conrelid::regclass::text AS table_name, conname AS name, pg_get_constraintdef(oid) AS definition
    FROM pg_constraint WHERE contype = 'f' AND confrelid = CAST(:table_name AS regclass)""")


def _rekey(order) -> None:
    conn = op.get_bind()
    for key in conn.execute(_PRIMARY_KEYS).all():
        columns = list(key.columns)
        if "tenant_id" not in columns or len(columns) < 2:
            continue
        wanted = order(columns)
        if wanted == columns:
            continue
        referencing = conn.execute(_REFERENCING, {"table_name": key.table_name}).all()
        for fk in referencing:
            op.execute(f'ALTER TABLE "{fk.table_name}" DROP CONSTRAINT "{fk.name}"')
        op.execute(f'ALTER TABLE "{key.table_name}" DROP CONSTRAINT "{key.name}"')
        op.execute(f'ALTER TABLE "{key.table_name}" ADD CONSTRAINT "{key.name}" PRIMARY KEY '
                   f'({", ".join(wanted)})')
        for fk in referencing:
            op.execute(f'ALTER TABLE "{fk.table_name}" ADD CONSTRAINT "{fk.name}" {fk.definition}')


def upgrade() -> None:
    _rekey(lambda columns: ["tenant_id"] + [c for c in columns if c != "tenant_id"])


def downgrade() -> None:
    # The previous shape: tenant_id last (0017a's downgrade then gives audit_events its key on id alone).
    _rekey(lambda columns: [c for c in columns if c != "tenant_id"] + ["tenant_id"])
