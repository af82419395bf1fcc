"""platforms: external users, credentials, payments, auto-recharge, publications and gallery views; requests and ledger
entries per external user

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 08:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "external_users",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("provider", sa.String(length=100), nullable=False),
        sa.Column("external_user_id", sa.String(length=300), nullable=False),
        sa.Column("unique_key", sa.String(length=300), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("system_prompt", sa.Text(), nullable=True),
        sa.Column("balance", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "unique_key", name="uq_external_user_key"),
    )
    op.create_index("ix_external_users_account_id", "external_users", ["account_id"])
    op.create_table(
        "credentials",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("external_user_id", sa.String(length=40), nullable=True),
        sa.Column("family_id", sa.String(length=40), nullable=True),
        sa.Column("secret_hash", sa.String(length=200), nullable=True),
        sa.Column("prefix", sa.String(length=24), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_credentials_account_id", "credentials", ["account_id"])
    op.create_index("ix_credentials_external_user_id", "credentials", ["external_user_id"])
    op.create_index("ix_credentials_family_id", "credentials", ["family_id"])
    op.create_table(
        "payments",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("external_user_id", sa.String(length=40), nullable=True),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("provider_ref", sa.String(length=255), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("credits", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("checkout_url", sa.String(length=2048), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("provider_ref"),
    )
    op.create_index("ix_payments_account_id", "payments", ["account_id"])
    op.create_index("ix_payments_external_user_id", "payments", ["external_user_id"])
    op.create_table(
        "auto_recharges",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("external_user_id", sa.String(length=40), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("threshold_credits", sa.Integer(), nullable=False),
        sa.Column("amount_usd", sa.Integer(), nullable=False),
        sa.Column("max_monthly_usd", sa.Integer(), nullable=False),
        sa.Column("armed", sa.Boolean(), nullable=False),
        sa.Column("last_run", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "external_user_id", name="uq_auto_recharge_wallet"),
    )
    op.create_index("ix_auto_recharges_account_id", "auto_recharges", ["account_id"])
    op.create_table(
        "publications",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("external_user_id", sa.String(length=40), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("video_url", sa.String(length=2048), nullable=True),
        sa.Column("poster_url", sa.String(length=2048), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("indexed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id"),
    )
    op.create_index("ix_publications_account_id", "publications", ["account_id"])
    op.create_index("ix_publications_created_at", "publications", ["created_at"])
    op.create_table(
        "gallery_views",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("publication_id", sa.String(length=40), nullable=False),
        sa.Column("viewer_key", sa.String(length=400), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("watch_time_ms", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("first_viewed_at", sa.DateTime(), nullable=False),
        sa.Column("last_viewed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["publication_id"], ["publications.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("publication_id", "viewer_key", name="uq_gallery_view"),
    )
    op.create_index("ix_gallery_views_publication_id", "gallery_views", ["publication_id"])
    op.create_index("ix_gallery_views_viewer_key", "gallery_views", ["viewer_key"])
    op.create_index("ix_gallery_views_last_viewed_at", "gallery_views", ["last_viewed_at"])
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("external_user_id", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("archived", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.create_index("ix_requests_external_user_id", ["external_user_id"])
    with op.batch_alter_table("receipt_templates") as batch:
        batch.add_column(sa.Column("external_user_id", sa.String(length=40), nullable=True))
    with op.batch_alter_table("ledger_entries") as batch:
        batch.add_column(sa.Column("external_user_id", sa.String(length=40), nullable=True))
        batch.create_index("ix_ledger_entries_external_user_id", ["external_user_id"])


def downgrade() -> None:
    with op.batch_alter_table("ledger_entries") as batch:
        batch.drop_index("ix_ledger_entries_external_user_id")
        batch.drop_column("external_user_id")
    with op.batch_alter_table("receipt_templates") as batch:
        batch.drop_column("external_user_id")
    with op.batch_alter_table("requests") as batch:
        batch.drop_index("ix_requests_external_user_id")
        batch.drop_column("archived")
        batch.drop_column("external_user_id")
    op.drop_table("gallery_views")
    op.drop_table("publications")
    op.drop_table("auto_recharges")
    op.drop_table("payments")
    op.drop_table("credentials")
    op.drop_table("external_users")
