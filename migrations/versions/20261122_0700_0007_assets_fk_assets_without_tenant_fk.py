"""Inventory assets without the per-row foreign key to tenants (the bulk import's largest cost).

Each asset is written by an upload of the same tenant: row-level security ties the row to the
transaction's tenant, and the upload's own foreign key keeps the tenant from being deleted.

Revision ID: 0007_assets_fk
Revises: 0006_merge
Create Date: 2026-11-22 07:00:00
"""

from alembic import op

revision = "0007_assets_fk"
down_revision = "0006_merge"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint("fk_inventory_assets_tenant_id_tenants", "inventory_assets", type_="foreignkey")


def downgrade() -> None:
    op.create_foreign_key("fk_inventory_assets_tenant_id_tenants", "inventory_assets", "tenants",
                          ["tenant_id"], ["id"])
