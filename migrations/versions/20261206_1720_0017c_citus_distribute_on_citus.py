"""Citus: tenant tables distributed on tenant_id and colocated, regional tables made reference tables.

Applied only where the ``citus`` extension is installed in this database; on plain PostgreSQL (the
embedded one included) it changes nothing. The plan is read from the catalog by
``smartregion.citus.conversion_plan`` (see docs/scaling.md for the cluster's own setup).

Revision ID: 0017c_citus
Revises: 0017b_tenant_keys
Create Date: 2026-12-06 17:20:00
"""

import sqlalchemy as sa
from alembic import op

from smartregion import citus

revision = "0017c_citus"
down_revision = "0017b_tenant_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if not citus.has_citus(conn):
        return
    for statement in citus.conversion_plan(citus.read_schema(conn)):
        conn.execute(sa.text(statement))


def downgrade() -> None:
    conn = op.get_bind()
    if not citus.has_citus(conn):
        return
    # Every Citus table back to a plain table on the coordinator (data included); one call also takes
    # the tables joined to it by foreign keys.
    conn.execute(sa.text("SET LOCAL citus.multi_shard_modify_mode = 'sequential'"))
    while table := conn.execute(sa.text("SELECT logicalrelid::regclass::text FROM pg_dist_partition "
                                        "ORDER BY 1 LIMIT 1")).scalar():
        conn.execute(sa.text("SELECT undistribute_table(:table, cascade_via_foreign_keys => true)"),
                     {"table": table})
