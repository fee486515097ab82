"""who acted, beside the declared operator: the operating-system user and the SSH client of each audit event

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("os_user", sa.String(128), nullable=True))
        batch.add_column(sa.Column("ssh_client", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("ssh_client")
        batch.drop_column("os_user")
