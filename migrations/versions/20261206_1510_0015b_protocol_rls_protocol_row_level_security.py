"""Row-level security on the protocol tables that hold a tenant's rows.

Adhesion requests, monitoring reports, notices, notice recipients and waivers carry a ``tenant_id``;
a NULL there is a regional row (a request from an organization that is not a tenant yet, the
regional report, the secretariat's notices and recipients, a waiver for every tenant). In a tenant's
scope only that tenant's rows are visible; the regional scope (secretariat, auditors, the protocol's
own pages and jobs, which filter per reader) sees every row, as before.

Revision ID: 0015b_protocol_rls
Revises: 0015a_web_sessions
Create Date: 2026-12-06 15:10:00
"""

from alembic import op

from smartregion.migrations_helpers import disable_tenant_rls, enable_tenant_rls

revision = "0015b_protocol_rls"
down_revision = "0015a_web_sessions"
branch_labels = None
depends_on = None

TABLES = ("protocol_adhesion_requests", "protocol_monitoring_reports", "protocol_notice_recipients",
          "protocol_notices", "protocol_waivers")


def upgrade() -> None:
    for table in TABLES:
        enable_tenant_rls(op, table)


def downgrade() -> None:
    for table in TABLES:
        disable_tenant_rls(op, table)
