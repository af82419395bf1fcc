"""executor heartbeats (dead-worker detection in a cluster)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "executor_heartbeats",
        sa.Column("executor_id", sa.String(length=128), nullable=False),
        sa.Column("queues", sa.JSON(), nullable=False),
        sa.Column("hostname", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.Float(), nullable=False),
        sa.Column("last_seen", sa.Float(), nullable=False),
        sa.Column("claimed_by", sa.String(length=128), nullable=True),
        sa.Column("claim_expires", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("executor_id"),
    )
    with op.batch_alter_table("executor_heartbeats", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_executor_heartbeats_last_seen"), ["last_seen"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("executor_heartbeats", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_executor_heartbeats_last_seen"))
    op.drop_table("executor_heartbeats")
