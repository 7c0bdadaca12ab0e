"""Protocol: adhesion requests and decisions, waivers, frozen monitoring reports, deadline notices.

The protocols and protocol_signatories tables come with the kernel's first revision.
Monitoring reports are write-once: the application role may only insert and read them, and a
trigger refuses any update or delete, whoever the caller.

Revision ID: 0005_protocol
Revises: 0001_kernel
Create Date: 2026-11-22 04:20:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from smartregion.migrations_helpers import grant_app

revision = '0005_protocol'
down_revision = '0001_kernel'
branch_labels = ('protocol',)
depends_on = None


def upgrade() -> None:
    op.create_table('protocol_adhesion_requests',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('protocol_id', sa.BigInteger(), nullable=False),
    sa.Column('organization_id', sa.BigInteger(), nullable=False),
    sa.Column('lead_company_id', sa.BigInteger(), nullable=True),
    sa.Column('tenant_slug', sa.String(length=63), nullable=True),
    sa.Column('representative_name', sa.String(length=200), nullable=False),
    sa.Column('representative_role', sa.String(length=200), nullable=False),
    sa.Column('representative_email', sa.String(length=320), nullable=True),
    sa.Column('accepts_objectives', sa.Boolean(), nullable=False),
    sa.Column('accepts_conditions', sa.Boolean(), nullable=False),
    sa.Column('requested_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('tenant_id', sa.BigInteger(), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'admitted') OR reason IS NOT NULL", name=op.f('ck_protocol_adhesion_requests_closed_has_reason')),
    sa.CheckConstraint('accepts_objectives AND accepts_conditions', name=op.f('ck_protocol_adhesion_requests_terms_accepted')),
    sa.ForeignKeyConstraint(['lead_company_id'], ['organizations.id'], name=op.f('fk_protocol_adhesion_requests_lead_company_id_organizations')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_protocol_adhesion_requests_organization_id_organizations')),
    sa.ForeignKeyConstraint(['protocol_id'], ['protocols.id'], name=op.f('fk_protocol_adhesion_requests_protocol_id_protocols')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_protocol_adhesion_requests_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_protocol_adhesion_requests'))
    )
    op.create_index(op.f('ix_protocol_adhesion_requests_protocol_id'), 'protocol_adhesion_requests', ['protocol_id'], unique=False)
    op.create_index('uq_protocol_adhesion_requests_open', 'protocol_adhesion_requests', ['protocol_id', 'organization_id'], unique=True, postgresql_where="status IN ('pending', 'admitted')")
    op.create_table('protocol_monitoring_reports',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('protocol_id', sa.BigInteger(), nullable=False),
    sa.Column('milestone_key', sa.String(length=63), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=True),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('content', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('job_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['protocol_id'], ['protocols.id'], name=op.f('fk_protocol_monitoring_reports_protocol_id_protocols')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_protocol_monitoring_reports_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_protocol_monitoring_reports')),
    sa.UniqueConstraint('protocol_id', 'milestone_key', 'tenant_id', name=op.f('uq_protocol_monitoring_reports_protocol_id_milestone_key_tenant_id'), postgresql_nulls_not_distinct=True)
    )
    op.create_index(op.f('ix_protocol_monitoring_reports_protocol_id'), 'protocol_monitoring_reports', ['protocol_id'], unique=False)
    op.create_table('protocol_notice_recipients',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('protocol_id', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['protocol_id'], ['protocols.id'], name=op.f('fk_protocol_notice_recipients_protocol_id_protocols')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_protocol_notice_recipients_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_protocol_notice_recipients')),
    sa.UniqueConstraint('protocol_id', 'tenant_id', 'email', name=op.f('uq_protocol_notice_recipients_protocol_id_tenant_id_email'), postgresql_nulls_not_distinct=True)
    )
    op.create_table('protocol_notices',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('protocol_id', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=True),
    sa.Column('milestone_key', sa.String(length=63), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('noticed_on', sa.Date(), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('email_error', sa.Text(), nullable=True),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['protocol_id'], ['protocols.id'], name=op.f('fk_protocol_notices_protocol_id_protocols')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_protocol_notices_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_protocol_notices')),
    sa.UniqueConstraint('protocol_id', 'tenant_id', 'milestone_key', 'kind', name=op.f('uq_protocol_notices_protocol_id_tenant_id_milestone_key_kind'), postgresql_nulls_not_distinct=True)
    )
    op.create_index('ix_protocol_notices_tenant', 'protocol_notices', ['tenant_id', 'created_at'], unique=False)
    op.create_table('protocol_waivers',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('protocol_id', sa.BigInteger(), nullable=False),
    sa.Column('milestone_key', sa.String(length=63), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('granted_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('length(btrim(reason)) >= 3', name=op.f('ck_protocol_waivers_has_reason')),
    sa.ForeignKeyConstraint(['protocol_id'], ['protocols.id'], name=op.f('fk_protocol_waivers_protocol_id_protocols')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_protocol_waivers_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_protocol_waivers')),
    sa.UniqueConstraint('protocol_id', 'milestone_key', 'tenant_id', name=op.f('uq_protocol_waivers_protocol_id_milestone_key_tenant_id'), postgresql_nulls_not_distinct=True)
    )
    op.create_index(op.f('ix_protocol_waivers_protocol_id'), 'protocol_waivers', ['protocol_id'], unique=False)
    op.create_table('protocol_adhesion_decisions',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('request_id', sa.BigInteger(), nullable=False),
    sa.Column('signatory_id', sa.BigInteger(), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('decided_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("decision = 'accept' OR reason IS NOT NULL", name=op.f('ck_protocol_adhesion_decisions_refusal_has_reason')),
    sa.ForeignKeyConstraint(['request_id'], ['protocol_adhesion_requests.id'], name=op.f('fk_protocol_adhesion_decisions_request_id_protocol_adhesion_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signatory_id'], ['protocol_signatories.id'], name=op.f('fk_protocol_adhesion_decisions_signatory_id_protocol_signatories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_protocol_adhesion_decisions')),
    sa.UniqueConstraint('request_id', 'signatory_id', name=op.f('uq_protocol_adhesion_decisions_request_id_signatory_id'))
    )
    grant_app(op, "protocol_monitoring_reports", "SELECT, INSERT")
    op.execute("""
        CREATE FUNCTION protocol_monitoring_reports_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'monitoring report % is frozen once issued', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
        END $$""")
    op.execute("""
        CREATE TRIGGER protocol_monitoring_reports_frozen BEFORE UPDATE OR DELETE ON protocol_monitoring_reports
        FOR EACH ROW EXECUTE FUNCTION protocol_monitoring_reports_frozen()""")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS protocol_monitoring_reports_frozen ON protocol_monitoring_reports")
    op.execute("DROP FUNCTION IF EXISTS protocol_monitoring_reports_frozen()")
    op.drop_table('protocol_adhesion_decisions')
    op.drop_index(op.f('ix_protocol_waivers_protocol_id'), table_name='protocol_waivers')
    op.drop_table('protocol_waivers')
    op.drop_index('ix_protocol_notices_tenant', table_name='protocol_notices')
    op.drop_table('protocol_notices')
    op.drop_table('protocol_notice_recipients')
    op.drop_index(op.f('ix_protocol_monitoring_reports_protocol_id'), table_name='protocol_monitoring_reports')
    op.drop_table('protocol_monitoring_reports')
    op.drop_index('uq_protocol_adhesion_requests_open', table_name='protocol_adhesion_requests', postgresql_where="status IN ('pending', 'admitted')")
    op.drop_index(op.f('ix_protocol_adhesion_requests_protocol_id'), table_name='protocol_adhesion_requests')
    op.drop_table('protocol_adhesion_requests')
