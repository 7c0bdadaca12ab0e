"""Census: campaigns, survey schemas, submissions with their version history, reports.

Revision ID: 0002_census
Revises: 0001_kernel
Create Date: 2026-11-22 04:00:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from smartregion.migrations_helpers import disable_tenant_rls, enable_tenant_rls

TENANT_TABLES = ("census_submissions", "census_submission_versions")

revision = '0002_census'
down_revision = '0001_kernel'
branch_labels = ('census',)
depends_on = None


def upgrade() -> None:
    op.create_table('census_survey_schemas',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('key', sa.String(length=63), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('title_it', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=False),
    sa.Column('definition', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('approved_by', sa.String(length=200), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('retired_by', sa.String(length=200), nullable=True),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status <> 'approved' OR approved_at IS NOT NULL", name=op.f('ck_census_survey_schemas_approval_recorded')),
    sa.CheckConstraint('version > 0', name=op.f('ck_census_survey_schemas_positive_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_census_survey_schemas')),
    sa.UniqueConstraint('key', 'version', name=op.f('uq_census_survey_schemas_key_version'))
    )
    op.create_index(op.f('ix_census_survey_schemas_key'), 'census_survey_schemas', ['key'], unique=False)
    op.create_table('census_campaigns',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('protocol_id', sa.BigInteger(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('schema_keys', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('closed_by', sa.String(length=200), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("(status = 'closed') = (closed_on IS NOT NULL)", name=op.f('ck_census_campaigns_closed_has_date')),
    sa.CheckConstraint('due_on > opens_on', name=op.f('ck_census_campaigns_due_after_opening')),
    sa.ForeignKeyConstraint(['protocol_id'], ['protocols.id'], name=op.f('fk_census_campaigns_protocol_id_protocols')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_census_campaigns')),
    sa.UniqueConstraint('protocol_id', name=op.f('uq_census_campaigns_protocol_id'))
    )
    op.create_table('census_reports',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('campaign_id', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('job_id', sa.String(length=36), nullable=True),
    sa.Column('requested_by', sa.String(length=200), nullable=False),
    sa.Column('html_sha256', sa.String(length=64), nullable=True),
    sa.Column('xlsx_sha256', sa.String(length=64), nullable=True),
    sa.Column('figures', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('generated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['census_campaigns.id'], name=op.f('fk_census_reports_campaign_id_census_campaigns')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_census_reports'))
    )
    op.create_index(op.f('ix_census_reports_campaign_id'), 'census_reports', ['campaign_id'], unique=False)
    op.create_table('census_submissions',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('campaign_id', sa.BigInteger(), nullable=False),
    sa.Column('schema_id', sa.BigInteger(), nullable=False),
    sa.Column('schema_key', sa.String(length=63), nullable=False),
    sa.Column('schema_version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('answers', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('completeness', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('comments', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('updated_by', sa.String(length=200), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_by', sa.String(length=200), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by', sa.String(length=200), nullable=True),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('completeness BETWEEN 0 AND 100', name=op.f('ck_census_submissions_completeness_percentage')),
    sa.ForeignKeyConstraint(['campaign_id'], ['census_campaigns.id'], name=op.f('fk_census_submissions_campaign_id_census_campaigns')),
    sa.ForeignKeyConstraint(['schema_id'], ['census_survey_schemas.id'], name=op.f('fk_census_submissions_schema_id_census_survey_schemas')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_census_submissions_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', 'tenant_id', name=op.f('pk_census_submissions'))
    )
    op.create_index('ix_census_submissions_campaign_schema', 'census_submissions', ['tenant_id', 'campaign_id', 'schema_key'], unique=False)
    op.create_table('census_submission_versions',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('submission_id', sa.BigInteger(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('answers', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('completeness', sa.Integer(), nullable=False),
    sa.Column('comments', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'submission_id'], ['census_submissions.tenant_id', 'census_submissions.id'], name=op.f('fk_census_submission_versions_tenant_id_submission_id_census_submissions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_census_submission_versions_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', 'tenant_id', name=op.f('pk_census_submission_versions')),
    sa.UniqueConstraint('tenant_id', 'submission_id', 'revision', name=op.f('uq_census_submission_versions_tenant_id_submission_id_revision'))
    )
    for table in TENANT_TABLES:
        enable_tenant_rls(op, table)


def downgrade() -> None:
    for table in TENANT_TABLES:
        disable_tenant_rls(op, table)
    op.drop_table('census_submission_versions')
    op.drop_index('ix_census_submissions_campaign_schema', table_name='census_submissions')
    op.drop_table('census_submissions')
    op.drop_index(op.f('ix_census_reports_campaign_id'), table_name='census_reports')
    op.drop_table('census_reports')
    op.drop_table('census_campaigns')
    op.drop_index(op.f('ix_census_survey_schemas_key'), table_name='census_survey_schemas')
    op.drop_table('census_survey_schemas')
