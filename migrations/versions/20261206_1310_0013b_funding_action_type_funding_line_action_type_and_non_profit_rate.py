"""Funding lines record their type of action and, where a programme pays non-profit applicants more
(a Horizon Europe innovation action: 70%, non-profit legal entities 100%), the rate they get.

Revision ID: 0013b_funding_action_type
Revises: 0013a_inventory_mapping
Create Date: 2026-12-06 13:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013b_funding_action_type"
down_revision = "0013a_inventory_mapping"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("funding_lines", sa.Column("action_type", sa.String(length=40), nullable=True))
    op.add_column("funding_lines", sa.Column("non_profit_rate_bp", sa.Integer(), nullable=True))
    op.create_check_constraint(
        op.f("ck_funding_lines_non_profit_rate_in_range"), "funding_lines",
        "non_profit_rate_bp IS NULL OR (non_profit_rate_bp >= cofinancing_rate_bp AND non_profit_rate_bp <= 10000)")


def downgrade() -> None:
    op.drop_constraint(op.f("ck_funding_lines_non_profit_rate_in_range"), "funding_lines", type_="check")
    op.drop_column("funding_lines", "non_profit_rate_bp")
    op.drop_column("funding_lines", "action_type")
