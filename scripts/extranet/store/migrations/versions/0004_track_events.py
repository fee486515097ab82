"""migration items' state changes: what happened to each item, by whom, why, with what evidence

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "track_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("item", sa.String(160), nullable=False, index=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("previous", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("operator", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("approves", sa.Integer(), sa.ForeignKey("track_events.id"), nullable=True),
        sa.Column("audit_id", sa.Integer(), sa.ForeignKey("audit_events.id"), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("track_events")
