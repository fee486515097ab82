"""indexes the connections report reads by: a run's statuses by status (the trend's counts, the outages' downs)
and a run's check results by kind (its metrics), so a province's month of runs is read from the index, not scanned

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_department_status_run_status", "department_status", ["run_id", "status"])
    op.create_index("ix_probe_results_run_kind", "probe_results", ["run_id", "kind"])


def downgrade() -> None:
    op.drop_index("ix_probe_results_run_kind", "probe_results")
    op.drop_index("ix_department_status_run_status", "department_status")
