"""Funding: funding lines, projects with milestones and funding plans, matches, notices, operational plan.

Revision ID: 0002_funding
Revises: 0001_kernel
Create Date: 2026-11-22 03:01:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from smartregion.migrations_helpers import disable_tenant_rls, enable_tenant_rls

revision = '0002_funding'
down_revision = '0001_kernel'
branch_labels = ('funding',)
depends_on = None

TENANT_TABLES = (
    'funding_projects', 'funding_project_milestones', 'funding_plan_items', 'funding_matches',
    'funding_notices', 'funding_plan_municipalities',
)


def upgrade() -> None:
    op.create_table('funding_lines',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('programme', sa.String(length=40), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('call_identifier', sa.String(length=200), nullable=True),
    sa.Column('topic_identifier', sa.String(length=200), nullable=True),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('opening_date', sa.Date(), nullable=True),
    sa.Column('deadlines', postgresql.ARRAY(sa.Date()), nullable=False),
    sa.Column('deadline_model', sa.String(length=20), nullable=False),
    sa.Column('total_budget_cents', sa.BigInteger(), nullable=True),
    sa.Column('min_grant_cents', sa.BigInteger(), nullable=True),
    sa.Column('max_grant_cents', sa.BigInteger(), nullable=True),
    sa.Column('cofinancing_rate_bp', sa.Integer(), nullable=False),
    sa.Column('beneficiary_kinds', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('domains', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('territories', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('partnership_required', sa.Boolean(), nullable=False),
    sa.Column('min_partners', sa.SmallInteger(), nullable=False),
    sa.Column('trl_min', sa.SmallInteger(), nullable=True),
    sa.Column('trl_max', sa.SmallInteger(), nullable=True),
    sa.Column('url', sa.String(length=1000), nullable=True),
    sa.Column('portal_status', sa.String(length=40), nullable=True),
    sa.Column('external_source', sa.String(length=40), nullable=True),
    sa.Column('external_id', sa.String(length=200), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('cofinancing_rate_bp > 0 AND cofinancing_rate_bp <= 10000', name=op.f('ck_funding_lines_rate_in_range')),
    sa.CheckConstraint('max_grant_cents IS NULL OR max_grant_cents > 0', name=op.f('ck_funding_lines_max_grant_positive')),
    sa.CheckConstraint('min_grant_cents IS NULL OR max_grant_cents IS NULL OR min_grant_cents <= max_grant_cents', name=op.f('ck_funding_lines_grant_range_ordered')),
    sa.CheckConstraint('min_grant_cents IS NULL OR min_grant_cents >= 0', name=op.f('ck_funding_lines_min_grant_not_negative')),
    sa.CheckConstraint('total_budget_cents IS NULL OR total_budget_cents > 0', name=op.f('ck_funding_lines_budget_positive')),
    sa.CheckConstraint('trl_min IS NULL OR trl_max IS NULL OR trl_min <= trl_max', name=op.f('ck_funding_lines_trl_range_ordered')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funding_lines')),
    sa.UniqueConstraint('external_source', 'external_id', name=op.f('uq_funding_lines_external_source_external_id'))
    )
    op.create_index(op.f('ix_funding_lines_programme'), 'funding_lines', ['programme'], unique=False)
    op.create_table('funding_operational_plans',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('series', sa.String(length=63), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('previous_id', sa.BigInteger(), nullable=True),
    sa.Column('standards', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('best_practices', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by', sa.String(length=200), nullable=True),
    sa.Column('snapshot', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("(status = 'draft') = (approved_at IS NULL)", name=op.f('ck_funding_operational_plans_approved_has_date')),
    sa.ForeignKeyConstraint(['previous_id'], ['funding_operational_plans.id'], name=op.f('fk_funding_operational_plans_previous_id_funding_operational_plans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funding_operational_plans')),
    sa.UniqueConstraint('series', 'version', name=op.f('uq_funding_operational_plans_series_version'))
    )
    op.create_table('funding_plan_municipalities',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('plan_id', sa.BigInteger(), nullable=False),
    sa.Column('lead_company_id', sa.BigInteger(), nullable=False),
    sa.Column('project_ids', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['lead_company_id'], ['organizations.id'], name=op.f('fk_funding_plan_municipalities_lead_company_id_organizations')),
    sa.ForeignKeyConstraint(['plan_id'], ['funding_operational_plans.id'], name=op.f('fk_funding_plan_municipalities_plan_id_funding_operational_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_funding_plan_municipalities_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', 'tenant_id', name=op.f('pk_funding_plan_municipalities')),
    sa.UniqueConstraint('tenant_id', 'plan_id', name=op.f('uq_funding_plan_municipalities_tenant_id_plan_id'))
    )
    op.create_index(op.f('ix_funding_plan_municipalities_plan_id'), 'funding_plan_municipalities', ['plan_id'], unique=False)
    op.create_table('funding_projects',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('domain', sa.String(length=20), nullable=False),
    sa.Column('secondary_domains', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('applicant_kinds', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('lead_company_id', sa.BigInteger(), nullable=True),
    sa.Column('partners', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('total_cost_cents', sa.BigInteger(), nullable=False),
    sa.Column('requested_cents', sa.BigInteger(), nullable=False),
    sa.Column('time_horizon', sa.String(length=10), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('cup', sa.String(length=15), nullable=True),
    sa.Column('trl', sa.SmallInteger(), nullable=True),
    sa.Column('progress_pct', sa.SmallInteger(), nullable=False),
    sa.Column('reusable', sa.Boolean(), nullable=False),
    sa.Column('census_submission_id', sa.BigInteger(), nullable=True),
    sa.Column('census_item', sa.Integer(), nullable=True),
    sa.Column('cohesion', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('end_date IS NULL OR start_date IS NULL OR end_date >= start_date', name=op.f('ck_funding_projects_dates_ordered')),
    sa.CheckConstraint('progress_pct BETWEEN 0 AND 100', name=op.f('ck_funding_projects_progress_percentage')),
    sa.CheckConstraint('requested_cents >= 0 AND requested_cents <= total_cost_cents', name=op.f('ck_funding_projects_request_within_cost')),
    sa.CheckConstraint('total_cost_cents > 0', name=op.f('ck_funding_projects_cost_positive')),
    sa.ForeignKeyConstraint(['lead_company_id'], ['organizations.id'], name=op.f('fk_funding_projects_lead_company_id_organizations')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_funding_projects_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', 'tenant_id', name=op.f('pk_funding_projects')),
    sa.UniqueConstraint('tenant_id', 'census_submission_id', 'census_item', name=op.f('uq_funding_projects_tenant_id_census_submission_id_census_item')),
    sa.UniqueConstraint('tenant_id', 'cup', name=op.f('uq_funding_projects_tenant_id_cup'))
    )
    op.create_table('funding_matches',
    sa.Column('project_id', sa.BigInteger(), nullable=False),
    sa.Column('funding_line_id', sa.BigInteger(), nullable=False),
    sa.Column('eligible', sa.Boolean(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('codes', sa.Integer(), nullable=False),
    sa.Column('computed_on', sa.Date(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['funding_line_id'], ['funding_lines.id'], name=op.f('fk_funding_matches_funding_line_id_funding_lines'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'project_id'], ['funding_projects.tenant_id', 'funding_projects.id'], name=op.f('fk_funding_matches_tenant_id_project_id_funding_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_funding_matches_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('project_id', 'funding_line_id', 'tenant_id', name=op.f('pk_funding_matches'))
    )
    op.create_index('ix_funding_matches_line_rank', 'funding_matches', ['funding_line_id', 'eligible', 'score'], unique=False)
    op.create_table('funding_notices',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('project_id', sa.BigInteger(), nullable=False),
    sa.Column('funding_line_id', sa.BigInteger(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('threshold_days', sa.SmallInteger(), nullable=False),
    sa.Column('days_left', sa.Integer(), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['funding_line_id'], ['funding_lines.id'], name=op.f('fk_funding_notices_funding_line_id_funding_lines'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'project_id'], ['funding_projects.tenant_id', 'funding_projects.id'], name=op.f('fk_funding_notices_tenant_id_project_id_funding_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_funding_notices_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', 'tenant_id', name=op.f('pk_funding_notices')),
    sa.UniqueConstraint('tenant_id', 'project_id', 'funding_line_id', 'deadline', 'threshold_days', name=op.f('uq_funding_notices_tenant_id_project_id_funding_line_id_deadline_threshold_days'))
    )
    op.create_table('funding_plan_items',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('project_id', sa.BigInteger(), nullable=False),
    sa.Column('source_kind', sa.String(length=20), nullable=False),
    sa.Column('funding_line_id', sa.BigInteger(), nullable=True),
    sa.Column('label', sa.String(length=500), nullable=True),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("(source_kind = 'funding_line') = (funding_line_id IS NOT NULL)", name=op.f('ck_funding_plan_items_line_source')),
    sa.CheckConstraint('amount_cents > 0', name=op.f('ck_funding_plan_items_amount_positive')),
    sa.ForeignKeyConstraint(['funding_line_id'], ['funding_lines.id'], name=op.f('fk_funding_plan_items_funding_line_id_funding_lines')),
    sa.ForeignKeyConstraint(['tenant_id', 'project_id'], ['funding_projects.tenant_id', 'funding_projects.id'], name=op.f('fk_funding_plan_items_tenant_id_project_id_funding_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_funding_plan_items_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', 'tenant_id', name=op.f('pk_funding_plan_items'))
    )
    op.create_index(op.f('ix_funding_plan_items_project_id'), 'funding_plan_items', ['project_id'], unique=False)
    op.create_table('funding_project_milestones',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('project_id', sa.BigInteger(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'project_id'], ['funding_projects.tenant_id', 'funding_projects.id'], name=op.f('fk_funding_project_milestones_tenant_id_project_id_funding_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_funding_project_milestones_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', 'tenant_id', name=op.f('pk_funding_project_milestones'))
    )
    op.create_index(op.f('ix_funding_project_milestones_project_id'), 'funding_project_milestones', ['project_id'], unique=False)
    for table in TENANT_TABLES:
        enable_tenant_rls(op, table)


def downgrade() -> None:
    for table in reversed(TENANT_TABLES):
        disable_tenant_rls(op, table)
    op.drop_index(op.f('ix_funding_project_milestones_project_id'), table_name='funding_project_milestones')
    op.drop_table('funding_project_milestones')
    op.drop_index(op.f('ix_funding_plan_items_project_id'), table_name='funding_plan_items')
    op.drop_table('funding_plan_items')
    op.drop_table('funding_notices')
    op.drop_index('ix_funding_matches_line_rank', table_name='funding_matches')
    op.drop_table('funding_matches')
    op.drop_table('funding_projects')
    op.drop_index(op.f('ix_funding_plan_municipalities_plan_id'), table_name='funding_plan_municipalities')
    op.drop_table('funding_plan_municipalities')
    op.drop_table('funding_operational_plans')
    op.drop_index(op.f('ix_funding_lines_programme'), table_name='funding_lines')
    op.drop_table('funding_lines')
