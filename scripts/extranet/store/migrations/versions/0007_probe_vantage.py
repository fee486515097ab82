"""the vantage of each probe run: which probing host (or the lab) saw what, so several can share one database

Revision ID: 0007
Revises: 0006 when that migration is present, else 0005
Create Date: 2026-12-02

Probe runs recorded before this revision came from the one host that probed this database: they are named
after the host that upgrades it (as `extranet probe` names its runs by default), lab runs ``lab``.
"""

import socket

import sqlalchemy as sa
from alembic import op

revision = "0007"
# 0006 (the report's indexes) was written beside this one: follow it when it is here, so the chain stays one
# line whichever is merged first.
down_revision = "0006"
branch_labels = None
depends_on = None

runs = sa.table(
    "runs", sa.column("id", sa.Integer), sa.column("kind", sa.String), sa.column("summary", sa.JSON),
    sa.column("vantage", sa.String),
)  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("vantage", sa.String(64), nullable=True))
    bind = op.get_bind()
    host = socket.gethostname()[:64] or "localhost"
    probes = bind.execute(sa.select(runs.c.id, runs.c.summary).where(runs.c.kind.like("probe%"))).all()
    for name in (host, "lab"):
        ids = [run_id for run_id, summary in probes if ((summary or {}).get("lab") is True) == (name == "lab")]
        for start in range(0, len(ids), 500):
            bind.execute(sa.update(runs).where(runs.c.id.in_(ids[start : start + 500])).values(vantage=name))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("vantage")
