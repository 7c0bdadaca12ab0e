"""The context brokers the secretariat registers per tenant: the NGSI-LD push goes to these only.

Revision ID: 0015c_brokers
Revises: 0015b_protocol_rls
Create Date: 2026-12-06 15:20:00
"""

import sqlalchemy as sa
from alembic import op

from smartregion.migrations_helpers import disable_tenant_rls, enable_tenant_rls

revision = "0015c_brokers"
down_revision = "0015b_protocol_rls"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "interop_context_brokers",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("registered_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_interop_context_brokers_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_interop_context_brokers")),
        sa.UniqueConstraint("tenant_id", "url", name=op.f("uq_interop_context_brokers_tenant_id_url")),
    )
    enable_tenant_rls(op, "interop_context_brokers")


def downgrade() -> None:
    disable_tenant_rls(op, "interop_context_brokers")
    op.drop_table("interop_context_brokers")
