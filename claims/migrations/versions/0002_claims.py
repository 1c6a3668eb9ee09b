"""Injury claims, their status history and evidence files.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "claims",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sender_id", sa.String(128), nullable=False),
        sa.Column("reference", sa.String(32), nullable=True, unique=True),
        sa.Column("status", sa.String(24), nullable=False, server_default="draft"),
        sa.Column("consent_at", sa.DateTime(timezone=True)),
        sa.Column("sensitive_consent_at", sa.DateTime(timezone=True)),
        sa.Column("full_name", sa.String(64)),
        sa.Column("phone", sa.String(16)),
        sa.Column("id_hash", sa.String(64)),
        sa.Column("id_last4", sa.String(4)),
        sa.Column("platform", sa.String(64)),
        sa.Column("work_type", sa.String(64)),
        sa.Column("injury_time", sa.DateTime),
        sa.Column("injury_time_has_clock", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("late_confirmed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("location", sa.Text),
        sa.Column("on_order", sa.Boolean),
        sa.Column("order_number", sa.String(64)),
        sa.Column("accident", sa.Text),
        sa.Column("injury", sa.Text),
        sa.Column("treatment", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_claims_sender_id", "claims", ["sender_id"])
    op.create_index("ix_claims_status", "claims", ["status"])
    op.create_table(
        "claim_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("claim_id", sa.Integer, sa.ForeignKey("claims.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("actor", sa.String(16), nullable=False, server_default="user"),
        sa.Column("notified", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_claim_events_claim_id", "claim_events", ["claim_id"])
    op.create_table(
        "claim_evidence",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("claim_id", sa.Integer, sa.ForeignKey("claims.id", ondelete="CASCADE"), nullable=False),
        sa.Column("original_name", sa.String(255), nullable=False, server_default=""),
        sa.Column("stored_name", sa.String(128), nullable=False),
        sa.Column("media_type", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_claim_evidence_claim_id", "claim_evidence", ["claim_id"])


def downgrade() -> None:
    op.drop_table("claim_evidence")
    op.drop_table("claim_events")
    op.drop_table("claims")
