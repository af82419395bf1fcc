"""crash-safe submission: the enqueue marker, staged inputs, idempotency claim tokens,
per-account webhook secrets

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enqueued_at", sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_requests_enqueued_at"), ["enqueued_at"], unique=False)
    # Requests accepted before this revision were enqueued right after their commit.
    op.execute("UPDATE requests SET enqueued_at = created_at")
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_token", sa.String(length=32), nullable=True))
    op.create_table(
        "staged_inputs",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("submission_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("staged_inputs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staged_inputs_submission_id"), ["submission_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_staged_inputs_created_at"), ["created_at"], unique=False)
    op.create_table(
        "webhook_secrets",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("encrypted", sa.Text(), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("webhook_secrets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_secrets_account_id"), ["account_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("webhook_secrets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_secrets_account_id"))
    op.drop_table("webhook_secrets")
    with op.batch_alter_table("staged_inputs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staged_inputs_created_at"))
        batch_op.drop_index(batch_op.f("ix_staged_inputs_submission_id"))
    op.drop_table("staged_inputs")
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.drop_column("claim_token")
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_requests_enqueued_at"))
        batch_op.drop_column("enqueued_at")
