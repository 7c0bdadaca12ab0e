"""Inventories: uploads, assets of the network cadastre, rejected rows, census reviews, broadband plan.

Revision ID: 0003_inventories
Revises: 0001_kernel
Create Date: 2026-11-22 03:02:34
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from smartregion.migrations_helpers import disable_tenant_rls, enable_tenant_rls

TENANT_TABLES = ("inventory_uploads", "inventory_assets", "inventory_rejections", "network_census_reviews")

revision = '0003_inventories'
down_revision = '0001_kernel'
branch_labels = ('inventories',)
depends_on = None


def upgrade() -> None:
    op.create_table('broadband_coverage',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('istat_code', sa.String(length=6), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('coverage_30', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('coverage_100', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('coverage_1000', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broadband_coverage')),
    sa.UniqueConstraint('istat_code', 'as_of', name=op.f('uq_broadband_coverage_istat_code_as_of'))
    )
    op.create_table('broadband_status',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('istat_code', sa.String(length=6), nullable=False),
    sa.Column('municipality', sa.String(length=200), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('tender', sa.Integer(), nullable=False),
    sa.Column('phase', sa.Integer(), nullable=False),
    sa.Column('project_type', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=40), nullable=False),
    sa.Column('agreement_signed', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('imported_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broadband_status')),
    sa.UniqueConstraint('istat_code', 'as_of', 'position', name=op.f('uq_broadband_status_istat_code_as_of_position'))
    )
    op.create_index(op.f('ix_broadband_status_istat_code'), 'broadband_status', ['istat_code'], unique=False)
    op.create_table('inventory_uploads',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('filename', sa.String(length=300), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('format', sa.String(length=20), nullable=True),
    sa.Column('form_epsg', sa.Integer(), nullable=True),
    sa.Column('epsg', sa.Integer(), nullable=True),
    sa.Column('crs_source', sa.String(length=10), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('job_id', sa.String(length=36), nullable=True),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_imported', sa.Integer(), nullable=False),
    sa.Column('rows_rejected', sa.Integer(), nullable=False),
    sa.Column('rows_inserted', sa.Integer(), nullable=False),
    sa.Column('rows_updated', sa.Integer(), nullable=False),
    sa.Column('batches_done', sa.Integer(), nullable=False),
    sa.Column('warnings', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('uploaded_by', sa.String(length=200), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("rows_total = rows_imported + rows_rejected OR status <> 'imported'", name=op.f('ck_inventory_uploads_counts_add_up')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_inventory_uploads_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', 'tenant_id', name=op.f('pk_inventory_uploads')),
    sa.UniqueConstraint('tenant_id', 'kind', 'sha256', name=op.f('uq_inventory_uploads_tenant_id_kind_sha256'))
    )
    op.create_table('network_census_reviews',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.String(length=200), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_network_census_reviews_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', 'tenant_id', name=op.f('pk_network_census_reviews')),
    sa.UniqueConstraint('tenant_id', name=op.f('uq_network_census_reviews_tenant_id'))
    )
    op.create_table('inventory_assets',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('asset_id', sa.String(length=100), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('operator', sa.String(length=200), nullable=True),
    sa.Column('longitude', sa.Double(), nullable=False),
    sa.Column('latitude', sa.Double(), nullable=False),
    sa.Column('length_m', sa.Double(), nullable=False),
    sa.Column('geometry', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('attributes', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('upload_id', sa.BigInteger(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_inventory_assets_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', 'tenant_id', name=op.f('pk_inventory_assets')),
    sa.UniqueConstraint('tenant_id', 'kind', 'asset_id', name=op.f('uq_inventory_assets_tenant_id_kind_asset_id'))
    )
    op.create_table('inventory_rejections',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('upload_id', sa.BigInteger(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=60), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'upload_id'], ['inventory_uploads.tenant_id', 'inventory_uploads.id'], name=op.f('fk_inventory_rejections_tenant_id_upload_id_inventory_uploads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_inventory_rejections_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', 'tenant_id', name=op.f('pk_inventory_rejections'))
    )
    op.create_index('ix_inventory_rejections_upload_line', 'inventory_rejections', ['tenant_id', 'upload_id', 'line'], unique=False)
    for table in TENANT_TABLES:
        enable_tenant_rls(op, table)


def downgrade() -> None:
    for table in TENANT_TABLES:
        disable_tenant_rls(op, table)
    op.drop_index('ix_inventory_rejections_upload_line', table_name='inventory_rejections')
    op.drop_table('inventory_rejections')
    op.drop_table('inventory_assets')
    op.drop_table('network_census_reviews')
    op.drop_table('inventory_uploads')
    op.drop_index(op.f('ix_broadband_status_istat_code'), table_name='broadband_status')
    op.drop_table('broadband_status')
    op.drop_table('broadband_coverage')
