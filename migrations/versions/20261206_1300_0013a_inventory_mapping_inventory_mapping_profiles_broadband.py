"""Inventory uploads remember their column mapping, values for the whole file and layer; import profiles;
broadband records of today's national table (plan year, statuses kept as written).

Revision ID: 0013a_inventory_mapping
Revises: 0008_idempotency
Create Date: 2026-12-06 13:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from smartregion.migrations_helpers import disable_tenant_rls, enable_tenant_rls, grant_app

revision = "0013a_inventory_mapping"
down_revision = "0014a_jobs_operations"
branch_labels = None
depends_on = None

# The digest that services.mapping.Settings.key() gives an upload without mapping, defaults or layer.
LEGACY_KEY = ("encode(sha256(convert_to('{\"crs\": ' || coalesce(form_epsg::text, 'null') || "
              "', \"defaults\": {}, \"layer\": null, \"mapping\": {}}', 'UTF8')), 'hex')")


def upgrade() -> None:
    op.add_column("inventory_uploads", sa.Column("mapping", postgresql.JSONB(astext_type=sa.Text()),
                                                 server_default="{}", nullable=False))
    op.add_column("inventory_uploads", sa.Column("defaults", postgresql.JSONB(astext_type=sa.Text()),
                                                 server_default="{}", nullable=False))
    op.add_column("inventory_uploads", sa.Column("layer", sa.String(length=200), nullable=True))
    op.add_column("inventory_uploads", sa.Column("mapping_used", postgresql.JSONB(astext_type=sa.Text()),
                                                 server_default="{}", nullable=False))
    op.add_column("inventory_uploads", sa.Column("import_key", sa.String(length=64), nullable=True))
    op.execute(f"UPDATE inventory_uploads SET import_key = {LEGACY_KEY}")
    op.alter_column("inventory_uploads", "import_key", nullable=False)
    op.drop_constraint("uq_inventory_uploads_tenant_id_kind_sha256", "inventory_uploads", type_="unique")
    op.create_unique_constraint("uq_inventory_uploads_tenant_id_kind_sha256_import_key", "inventory_uploads",
                                ["tenant_id", "kind", "sha256", "import_key"])

    op.create_table(
        "inventory_import_profiles",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("header_signature", sa.String(length=64), nullable=False),
        sa.Column("headers", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("mapping", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("defaults", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("epsg", sa.Integer(), nullable=True),
        sa.Column("layer", sa.String(length=200), nullable=True),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_inventory_import_profiles_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_inventory_import_profiles")),
        sa.UniqueConstraint("tenant_id", "kind", "header_signature",
                            name=op.f("uq_inventory_import_profiles_tenant_id_kind_header_signature")),
    )
    grant_app(op, "inventory_import_profiles")
    enable_tenant_rls(op, "inventory_import_profiles")

    op.alter_column("broadband_status", "tender", existing_type=sa.Integer(), nullable=True)
    op.alter_column("broadband_status", "phase", existing_type=sa.Integer(), nullable=True)
    op.alter_column("broadband_status", "agreement_signed", existing_type=sa.Boolean(), nullable=True)
    op.alter_column("broadband_status", "status", existing_type=sa.String(length=40), type_=sa.String(length=100))
    op.add_column("broadband_status", sa.Column("plan_year", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("broadband_status", "plan_year")
    # Today's layout has no tender, phase or agreement: its rows cannot go back to the 2018 columns.
    op.execute("DELETE FROM broadband_status WHERE tender IS NULL OR phase IS NULL OR agreement_signed IS NULL "
               "OR length(status) > 40")
    op.alter_column("broadband_status", "status", existing_type=sa.String(length=100), type_=sa.String(length=40))
    op.alter_column("broadband_status", "agreement_signed", existing_type=sa.Boolean(), nullable=False)
    op.alter_column("broadband_status", "phase", existing_type=sa.Integer(), nullable=False)
    op.alter_column("broadband_status", "tender", existing_type=sa.Integer(), nullable=False)

    disable_tenant_rls(op, "inventory_import_profiles")
    op.drop_table("inventory_import_profiles")

    # Re-imports of the same file with other settings cannot share one row per file: keep the first.
    op.execute("DELETE FROM inventory_rejections r USING inventory_uploads u WHERE r.tenant_id = u.tenant_id "
               "AND r.upload_id = u.id AND EXISTS (SELECT 1 FROM inventory_uploads o WHERE o.tenant_id = u.tenant_id "
               "AND o.kind = u.kind AND o.sha256 = u.sha256 AND o.id < u.id)")
    op.execute("DELETE FROM inventory_uploads u WHERE EXISTS (SELECT 1 FROM inventory_uploads o "
               "WHERE o.tenant_id = u.tenant_id AND o.kind = u.kind AND o.sha256 = u.sha256 AND o.id < u.id)")
    op.drop_constraint("uq_inventory_uploads_tenant_id_kind_sha256_import_key", "inventory_uploads", type_="unique")
    op.create_unique_constraint("uq_inventory_uploads_tenant_id_kind_sha256", "inventory_uploads",
                                ["tenant_id", "kind", "sha256"])
    op.drop_column("inventory_uploads", "import_key")
    op.drop_column("inventory_uploads", "mapping_used")
    op.drop_column("inventory_uploads", "layer")
    op.drop_column("inventory_uploads", "defaults")
    op.drop_column("inventory_uploads", "mapping")
