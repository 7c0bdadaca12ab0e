"""Kernel: organizations, tenants, memberships, protocols, jobs, audit chain, development identities.

Revision ID: 0001_kernel
Revises: 
Create Date: 2026-11-22 03:45:00
"""
from alembic import op
import sqlalchemy as sa

from smartregion.migrations_helpers import create_app_role, disable_tenant_rls, enable_tenant_rls, grant_app
from sqlalchemy.dialects import postgresql

revision = '0001_kernel'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_app_role(op)
    op.create_table('audit_events',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=True),
    sa.Column('action', sa.String(length=120), nullable=False),
    sa.Column('entity_type', sa.String(length=80), nullable=False),
    sa.Column('entity_id', sa.String(length=120), nullable=True),
    sa.Column('before', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('after', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_events_hash'))
    )
    op.create_index(op.f('ix_audit_events_action'), 'audit_events', ['action'], unique=False)
    op.create_index('ix_audit_events_entity', 'audit_events', ['entity_type', 'entity_id'], unique=False)
    op.create_index('ix_audit_events_tenant_at', 'audit_events', ['tenant_id', 'at'], unique=False)
    op.create_table('audit_head',
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('last_event_id', sa.BigInteger(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    op.create_table('dev_groups',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('path', sa.String(length=400), nullable=False),
    sa.Column('parent_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['parent_id'], ['dev_groups.id'], name=op.f('fk_dev_groups_parent_id_dev_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dev_groups')),
    sa.UniqueConstraint('path', name=op.f('uq_dev_groups_path'))
    )
    op.create_table('dev_users',
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('password_hash', sa.String(length=300), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('roles', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('groups', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('username', name=op.f('pk_dev_users'))
    )
    op.create_table('jobs',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('queue', sa.String(length=40), nullable=False),
    sa.Column('func', sa.String(length=200), nullable=False),
    sa.Column('kwargs', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=True),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('result', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    op.create_index(op.f('ix_jobs_tenant_id'), 'jobs', ['tenant_id'], unique=False)
    op.create_table('organizations',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('istat_code', sa.String(length=6), nullable=True),
    sa.Column('vat_number', sa.String(length=11), nullable=True),
    sa.Column('fiscal_code', sa.String(length=16), nullable=True),
    sa.Column('website', sa.String(length=300), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind <> 'municipality' OR istat_code IS NOT NULL", name=op.f('ck_organizations_municipality_has_istat')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organizations')),
    sa.UniqueConstraint('istat_code', name=op.f('uq_organizations_istat_code')),
    sa.UniqueConstraint('vat_number', name=op.f('uq_organizations_vat_number'))
    )
    op.create_table('protocols',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('title', sa.String(length=400), nullable=False),
    sa.Column('region_id', sa.BigInteger(), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('duration_months', sa.BigInteger(), nullable=False),
    sa.Column('census_months', sa.BigInteger(), nullable=False),
    sa.Column('plan_months', sa.BigInteger(), nullable=False),
    sa.Column('monitoring_every_months', sa.BigInteger(), nullable=False),
    sa.Column('acceptance_rule', sa.String(length=30), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('census_months < duration_months', name=op.f('ck_protocols_census_inside_term')),
    sa.CheckConstraint('duration_months > 0 AND census_months > 0 AND plan_months > 0', name=op.f('ck_protocols_positive_terms')),
    sa.ForeignKeyConstraint(['region_id'], ['organizations.id'], name=op.f('fk_protocols_region_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_protocols'))
    )
    op.create_table('tenants',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('slug', sa.String(length=63), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('municipality_id', sa.BigInteger(), nullable=False),
    sa.Column('lead_company_id', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('joined_on', sa.Date(), nullable=True),
    sa.Column('keycloak_group', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['lead_company_id'], ['organizations.id'], name=op.f('fk_tenants_lead_company_id_organizations')),
    sa.ForeignKeyConstraint(['municipality_id'], ['organizations.id'], name=op.f('fk_tenants_municipality_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenants')),
    sa.UniqueConstraint('municipality_id', name=op.f('uq_tenants_municipality_id')),
    sa.UniqueConstraint('slug', name=op.f('uq_tenants_slug'))
    )
    op.create_table('protocol_signatories',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('protocol_id', sa.BigInteger(), nullable=False),
    sa.Column('organization_id', sa.BigInteger(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('joined_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_protocol_signatories_organization_id_organizations')),
    sa.ForeignKeyConstraint(['protocol_id'], ['protocols.id'], name=op.f('fk_protocol_signatories_protocol_id_protocols'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_protocol_signatories')),
    sa.UniqueConstraint('protocol_id', 'organization_id', name=op.f('uq_protocol_signatories_protocol_id_organization_id'))
    )
    op.create_table('tenant_memberships',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('organization_id', sa.BigInteger(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_tenant_memberships_organization_id_organizations')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tenant_memberships_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', 'tenant_id', name=op.f('pk_tenant_memberships')),
    sa.UniqueConstraint('tenant_id', 'organization_id', 'role', name=op.f('uq_tenant_memberships_tenant_id_organization_id_role'))
    )
    enable_tenant_rls(op, "tenant_memberships")
    # The audit log is append-only for the application: it may add and read events, never change them.
    grant_app(op, "audit_events", "SELECT, INSERT")


def downgrade() -> None:
    disable_tenant_rls(op, "tenant_memberships")
    op.drop_table('tenant_memberships')
    op.drop_table('protocol_signatories')
    op.drop_table('tenants')
    op.drop_table('protocols')
    op.drop_table('organizations')
    op.drop_index(op.f('ix_jobs_tenant_id'), table_name='jobs')
    op.drop_table('jobs')
    op.drop_table('dev_users')
    op.drop_table('dev_groups')
    op.drop_table('audit_head')
    op.drop_index('ix_audit_events_tenant_at', table_name='audit_events')
    op.drop_index('ix_audit_events_entity', table_name='audit_events')
    op.drop_index(op.f('ix_audit_events_action'), table_name='audit_events')
    op.drop_table('audit_events')
