"""Publication: the datasets the secretariat opens per tenant and for the region, IPA codes, harvesters.

Revision ID: 0018a_publication
Revises: 0008_idempotency
Create Date: 2026-12-06 09:00:00
"""

import sqlalchemy as sa
from alembic import op

from smartregion.migrations_helpers import disable_tenant_rls, enable_tenant_rls

TENANT_TABLES = ("publication_tenant_profiles", "publication_tenant_datasets")

revision = "0018a_publication"
down_revision = "0008_idempotency"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "publication_tenant_profiles",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("ipa_code", sa.String(length=20), nullable=True),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_publication_tenant_profiles_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_publication_tenant_profiles")),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_publication_tenant_profiles_tenant_id")),
    )
    op.create_table(
        "publication_tenant_datasets",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("dataset", sa.String(length=80), nullable=False),
        sa.Column("opened_by", sa.String(length=200), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_publication_tenant_datasets_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_publication_tenant_datasets")),
        sa.UniqueConstraint("tenant_id", "dataset", name=op.f("uq_publication_tenant_datasets_tenant_id_dataset")),
    )
    op.create_table(
        "publication_region_datasets",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("dataset", sa.String(length=80), nullable=False),
        sa.Column("opened_by", sa.String(length=200), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publication_region_datasets")),
        sa.UniqueConstraint("dataset", name=op.f("uq_publication_region_datasets_dataset")),
    )
    op.create_table(
        "publication_harvesters",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("user_agent", sa.String(length=300), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("last_path", sa.String(length=400), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publication_harvesters")),
        sa.UniqueConstraint("user_agent", name=op.f("uq_publication_harvesters_user_agent")),
    )
    for table in TENANT_TABLES:
        enable_tenant_rls(op, table)


def downgrade() -> None:
    for table in TENANT_TABLES:
        disable_tenant_rls(op, table)
    op.drop_table("publication_harvesters")
    op.drop_table("publication_region_datasets")
    op.drop_table("publication_tenant_datasets")
    op.drop_table("publication_tenant_profiles")
