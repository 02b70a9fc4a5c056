"""Outbox retry bookkeeping and the idempotency key on cached invitations.

The key lets a sync recognise a queued send the backend already carried out (its response was
lost), so the outbox entry is completed instead of shown twice.

Revision ID: 0002_outbox_attempts_invitation_key
Revises: 0001_initial
Create Date: 2025-01-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_outbox_attempts_invitation_key"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("last_error", sa.Text, nullable=False, server_default=""))
    # Batch mode recreates `invitation`; the caller runs this with foreign keys off so the
    # cascade from the old table's DROP cannot empty `invitation_event`.
    with op.batch_alter_table("invitation", recreate="always") as batch:
        batch.add_column(sa.Column("idempotency_key", sa.String(64), nullable=True))
        batch.create_index("ix_invitation_idempotency_key", ["idempotency_key"])


def downgrade() -> None:
    with op.batch_alter_table("invitation", recreate="always") as batch:
        batch.drop_index("ix_invitation_idempotency_key")
        batch.drop_column("idempotency_key")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("last_error")
        batch.drop_column("attempts")
