"""Interoperability: regional standards and versions, feeds, stored entities, conformance counters.

Revision ID: 0004_interop
Revises: 0001_kernel
Create Date: 2026-11-22 03:30:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from smartregion.migrations_helpers import disable_tenant_rls, enable_tenant_rls

TENANT_TABLES = ("interop_feeds", "interop_feed_entities", "interop_violation_counts", "interop_inventory_checks")

revision = '0004_interop'
down_revision = '0001_kernel'
branch_labels = ('interoperability',)
depends_on = None


def upgrade() -> None:
    op.create_table('interop_standards',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('code', sa.String(length=63), nullable=False),
    sa.Column('entity_type', sa.String(length=100), nullable=False),
    sa.Column('title_it', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interop_standards')),
    sa.UniqueConstraint('code', name=op.f('uq_interop_standards_code'))
    )
    op.create_table('interop_standard_versions',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('standard_id', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('definition', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('json_schema', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('published_by', sa.String(length=200), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deprecated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sunset_on', sa.Date(), nullable=True),
    sa.Column('successor_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status <> 'deprecated' OR sunset_on IS NOT NULL", name=op.f('ck_interop_standard_versions_sunset_recorded')),
    sa.CheckConstraint("status <> 'published' OR published_at IS NOT NULL", name=op.f('ck_interop_standard_versions_publication_recorded')),
    sa.ForeignKeyConstraint(['standard_id'], ['interop_standards.id'], name=op.f('fk_interop_standard_versions_standard_id_interop_standards')),
    sa.ForeignKeyConstraint(['successor_id'], ['interop_standard_versions.id'], name=op.f('fk_interop_standard_versions_successor_id_interop_standard_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interop_standard_versions')),
    sa.UniqueConstraint('standard_id', 'version', name=op.f('uq_interop_standard_versions_standard_id_version'))
    )
    op.create_table('interop_feeds',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('standard_version_id', sa.BigInteger(), nullable=False),
    sa.Column('sample', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('received', sa.BigInteger(), nullable=False),
    sa.Column('accepted', sa.BigInteger(), nullable=False),
    sa.Column('refused', sa.BigInteger(), nullable=False),
    sa.Column('last_received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_observed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['standard_version_id'], ['interop_standard_versions.id'], name=op.f('fk_interop_feeds_standard_version_id_interop_standard_versions')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_interop_feeds_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', 'tenant_id', name=op.f('pk_interop_feeds')),
    sa.UniqueConstraint('tenant_id', 'name', name=op.f('uq_interop_feeds_tenant_id_name'))
    )
    op.create_table('interop_inventory_checks',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('inventory_kind', sa.String(length=63), nullable=False),
    sa.Column('asset_id', sa.String(length=200), nullable=False),
    sa.Column('standard_version_id', sa.BigInteger(), nullable=False),
    sa.Column('valid', sa.Boolean(), nullable=False),
    sa.Column('entity', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('errors', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['standard_version_id'], ['interop_standard_versions.id'], name=op.f('fk_interop_inventory_checks_standard_version_id_interop_standard_versions')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_interop_inventory_checks_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', 'tenant_id', name=op.f('pk_interop_inventory_checks')),
    sa.UniqueConstraint('tenant_id', 'inventory_kind', 'asset_id', name=op.f('uq_interop_inventory_checks_tenant_id_inventory_kind_asset_id'))
    )
    op.create_table('interop_feed_entities',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('feed_id', sa.BigInteger(), nullable=False),
    sa.Column('entity_id', sa.String(length=512), nullable=False),
    sa.Column('entity_type', sa.String(length=100), nullable=False),
    sa.Column('key_values', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('observed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updates', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'feed_id'], ['interop_feeds.tenant_id', 'interop_feeds.id'], name=op.f('fk_interop_feed_entities_tenant_id_feed_id_interop_feeds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_interop_feed_entities_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', 'tenant_id', name=op.f('pk_interop_feed_entities')),
    sa.UniqueConstraint('tenant_id', 'entity_id', name=op.f('uq_interop_feed_entities_tenant_id_entity_id'))
    )
    op.create_index('ix_interop_feed_entities_tenant_type', 'interop_feed_entities', ['tenant_id', 'entity_type'], unique=False)
    op.create_table('interop_violation_counts',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('feed_id', sa.BigInteger(), nullable=False),
    sa.Column('rule', sa.String(length=100), nullable=False),
    sa.Column('attribute', sa.String(length=200), nullable=False),
    sa.Column('count', sa.BigInteger(), nullable=False),
    sa.Column('last_message', sa.Text(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'feed_id'], ['interop_feeds.tenant_id', 'interop_feeds.id'], name=op.f('fk_interop_violation_counts_tenant_id_feed_id_interop_feeds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_interop_violation_counts_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', 'tenant_id', name=op.f('pk_interop_violation_counts')),
    sa.UniqueConstraint('tenant_id', 'feed_id', 'rule', 'attribute', name=op.f('uq_interop_violation_counts_tenant_id_feed_id_rule_attribute'))
    )

    for table in TENANT_TABLES:
        enable_tenant_rls(op, table)


def downgrade() -> None:
    for table in TENANT_TABLES:
        disable_tenant_rls(op, table)
    for table in ("interop_inventory_checks", "interop_violation_counts", "interop_feed_entities", "interop_feeds",
                  "interop_standard_versions", "interop_standards"):
        op.drop_table(table)
