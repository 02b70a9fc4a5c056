"""The first cache schema: profile, flags, policy, usage, cycle, tokens, invitations, outbox.

Revision ID: 0001_initial
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("active_account_id", sa.String(64), nullable=True),
        sa.Column("cursor", sa.Integer, nullable=False),
        sa.Column("last_synced_at", sa.DateTime, nullable=True),
        sa.Column("backend_now", sa.DateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sync_state"),
    )
    op.create_table(
        "account",
        sa.Column("id", sa.String(64)),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("plan", sa.String(16), nullable=False),
        sa.Column("billing_day", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_account"),
    )
    op.create_table(
        "flag",
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("fetched_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("account_id", "name", name="pk_flag"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], ondelete="CASCADE", name="fk_flag_account_id_account"
        ),
    )
    op.create_table(
        "policy",
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("values_json", sa.Text, nullable=False),
        sa.Column("fetched_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_policy"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], ondelete="CASCADE", name="fk_policy_account_id_account"
        ),
    )
    op.create_table(
        "usage_window",
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("limit", sa.Integer, nullable=False),
        sa.Column("used", sa.Integer, nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=True),
        sa.PrimaryKeyConstraint("account_id", "kind", name="pk_usage_window"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            ondelete="CASCADE",
            name="fk_usage_window_account_id_account",
        ),
    )
    op.create_table(
        "cycle",
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("start", sa.DateTime, nullable=False),
        sa.Column("end", sa.DateTime, nullable=False),
        sa.Column("earned", sa.Integer, nullable=False),
        sa.Column("cap", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_cycle"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], ondelete="CASCADE", name="fk_cycle_account_id_account"
        ),
    )
    op.create_table(
        "token",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("granted_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("invitation_id", sa.String(64), nullable=False),
        sa.Column("spent_at", sa.DateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_token"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], ondelete="CASCADE", name="fk_token_account_id_account"
        ),
    )
    op.create_index("ix_token_account_id_state", "token", ["account_id", "state"])
    op.create_index("ix_token_invitation_id", "token", ["invitation_id"])
    op.create_table(
        "invitation",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("link", sa.String(500), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("link_opened", sa.Boolean, nullable=False),
        sa.Column("joined_kind", sa.String(16), nullable=True),
        sa.Column("workspace_ready", sa.Boolean, nullable=False),
        sa.Column("prompts", sa.Integer, nullable=False),
        sa.Column("prompts_required", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_invitation"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            ondelete="CASCADE",
            name="fk_invitation_account_id_account",
        ),
    )
    op.create_index(
        "ix_invitation_account_id_created_at", "invitation", ["account_id", "created_at"]
    )
    op.create_table(
        "invitation_event",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("invitation_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_invitation_event"),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitation.id"],
            ondelete="CASCADE",
            name="fk_invitation_event_invitation_id_invitation",
        ),
        sa.UniqueConstraint("invitation_id", "seq", name="uq_invitation_event_invitation_id_seq"),
    )
    op.create_index("ix_invitation_event_invitation_id", "invitation_event", ["invitation_id"])
    op.create_table(
        "outbox",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("queued_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_outbox"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], ondelete="CASCADE", name="fk_outbox_account_id_account"
        ),
    )
    op.create_index("ix_outbox_account_id", "outbox", ["account_id"])


def downgrade() -> None:
    for table in (
        "outbox",
        "invitation_event",
        "invitation",
        "token",
        "cycle",
        "usage_window",
        "policy",
        "flag",
        "account",
        "sync_state",
    ):
        op.drop_table(table)
