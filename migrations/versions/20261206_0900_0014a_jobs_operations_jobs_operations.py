"""Jobs that survive Redis: dispatch, heartbeat, request id and periodic-run key on each job; row-level
security on jobs (a tenant sees its own, the region all); the outcome counters of ended runs.

Revision ID: 0014a_jobs_operations
Revises: 0008_idempotency
Create Date: 2026-12-06 09:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from smartregion.migrations_helpers import disable_tenant_rls, enable_tenant_rls, grant_app

revision = "0014a_jobs_operations"
down_revision = "0015c_brokers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("rq_id", sa.String(length=80), nullable=True))
    op.add_column("jobs", sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("jobs", sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("jobs", sa.Column("request_id", sa.String(length=64), nullable=True))
    op.add_column("jobs", sa.Column("schedule_key", sa.String(length=240), nullable=True))
    op.create_unique_constraint(op.f("uq_jobs_schedule_key"), "jobs", ["schedule_key"])
    op.create_index("ix_jobs_state_created_at", "jobs", ["state", "created_at"], unique=False)
    # Jobs without a tenant (regional and system jobs) are visible in the regional scope only.
    enable_tenant_rls(op, "jobs")
    op.create_table(
        "job_outcomes",
        sa.Column("queue", sa.String(length=40), nullable=False),
        sa.Column("func", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("seconds_sum", sa.Float(), nullable=False),
        sa.Column("buckets", postgresql.ARRAY(sa.BigInteger()), nullable=False),
        sa.PrimaryKeyConstraint("queue", "func", "outcome", name=op.f("pk_job_outcomes")),
    )
    # Counters only grow: the application adds to them and reads them.
    grant_app(op, "job_outcomes", "SELECT, INSERT, UPDATE")


def downgrade() -> None:
    op.drop_table("job_outcomes")
    disable_tenant_rls(op, "jobs")
    op.drop_index("ix_jobs_state_created_at", table_name="jobs")
    op.drop_constraint(op.f("uq_jobs_schedule_key"), "jobs", type_="unique")
    for column in ("schedule_key", "request_id", "heartbeat_at", "dispatched_at", "rq_id"):
        op.drop_column("jobs", column)
