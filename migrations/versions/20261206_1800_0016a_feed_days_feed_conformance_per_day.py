"""What each feed received per day (Europe/Rome): the feed's conformance over time.

A tenant table like the other feed tables: key led by tenant_id, foreign keys through tenant_id,
row-level security. On a database already converted to Citus it is distributed with the others.

Revision ID: 0016a_feed_days
Revises: 0017c_citus
Create Date: 2026-12-06 18:00:00
"""

import sqlalchemy as sa
from alembic import op

from smartregion import citus
from smartregion.migrations_helpers import disable_tenant_rls, enable_tenant_rls

revision = "0016a_feed_days"
down_revision = "0017c_citus"
branch_labels = None
depends_on = None

TABLE = "interop_feed_days"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("feed_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("accepted", sa.BigInteger(), nullable=False),
        sa.Column("refused", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id", "feed_id"], ["interop_feeds.tenant_id", "interop_feeds.id"],
                                name=op.f("fk_interop_feed_days_tenant_id_feed_id_interop_feeds"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_interop_feed_days_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_interop_feed_days")),
        sa.UniqueConstraint("tenant_id", "feed_id", "day", name=op.f("uq_interop_feed_days_tenant_id_feed_id_day")),
    )
    enable_tenant_rls(op, TABLE)
    conn = op.get_bind()
    if citus.has_citus(conn):
        # Colocated with the feeds it belongs to (and so with every tenant table).
        conn.execute(sa.text(f"SELECT create_distributed_table('{TABLE}', 'tenant_id', "
                             "colocate_with => 'interop_feeds')"))


def downgrade() -> None:
    disable_tenant_rls(op, TABLE)
    op.drop_table(TABLE)
