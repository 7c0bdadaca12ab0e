"""Join the modules' branches into one head, so that `alembic upgrade head` works as well as `heads`.

Revision ID: 0006_merge
Revises: 0002_funding, 0003_inventories, 0004_interop, 0002_census, 0005_protocol
Create Date: 2026-11-22 04:30:00
"""

revision = "0006_merge"
down_revision = ("0002_funding", "0003_inventories", "0004_interop", "0002_census", "0005_protocol")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
