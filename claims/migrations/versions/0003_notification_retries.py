"""Status notifications that failed are retried: attempts and the next try per event.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("claim_events") as batch:
        batch.add_column(sa.Column("notify_attempts", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("notify_after", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("claim_events") as batch:
        batch.drop_column("notify_after")
        batch.drop_column("notify_attempts")
