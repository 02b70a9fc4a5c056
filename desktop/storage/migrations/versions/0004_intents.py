"""Unsettled intents: a confirmed redeem or revoke keeps its idempotency key until its outcome is
definite, across retries, restarts and a second window (DESIGN R11). And the invitation's
dispatched message, so the invite dialog previews exactly what was sent.

Revision ID: 0004_intents
Revises: 0003_change_versions
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_intents"
down_revision = "0003_change_versions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The dispatched email, word for word, for the invite dialog's preview (plain ADD COLUMN).
    with op.batch_alter_table("invitation") as batch:
        batch.add_column(sa.Column("message_subject", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("message_body", sa.Text, nullable=False, server_default=""))
    op.create_table(
        "intent",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column(
            "account_id",
            sa.String(64),
            sa.ForeignKey("account.id", ondelete="CASCADE", name="fk_intent_account_id_account"),
            nullable=False,
        ),
        sa.Column("operation", sa.String(16), nullable=False),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("doubtful", sa.Boolean, nullable=False),
        sa.UniqueConstraint(
            "account_id", "operation", "target", name="uq_intent_account_id_operation_target"
        ),
        sa.PrimaryKeyConstraint("key", name="pk_intent"),
    )
    op.create_index("ix_intent_account_id", "intent", ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_intent_account_id", "intent")
    op.drop_table("intent")
    with op.batch_alter_table("invitation", recreate="always") as batch:
        batch.drop_column("message_body")
        batch.drop_column("message_subject")
