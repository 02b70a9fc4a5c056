"""The backend's change version on cached invitations and tokens, and its creation order.

Rows are applied in version order, never by timestamps (a swept expiry is dated in the past, a
running clock could step back). Rows cached before this revision have no version or sequence,
so the sync cursor goes back to 0: the next sync is a full one and fills them in. The outbox is
kept.

Revision ID: 0003_change_versions
Revises: 0002_outbox_attempts_invitation_key
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_change_versions"
down_revision = "0002_outbox_attempts_invitation_key"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild): SQLite supports it for columns with a default.
    op.add_column(
        "token", sa.Column("version", sa.Integer, nullable=False, server_default="0")
    )
    op.add_column(
        "invitation", sa.Column("version", sa.Integer, nullable=False, server_default="0")
    )
    op.add_column(
        "invitation", sa.Column("sequence", sa.Integer, nullable=False, server_default="0")
    )
    op.drop_index("ix_invitation_account_id_created_at", table_name="invitation")
    op.create_index("ix_invitation_account_id_sequence", "invitation", ["account_id", "sequence"])
    op.execute("UPDATE sync_state SET cursor = 0")


def downgrade() -> None:
    op.drop_index("ix_invitation_account_id_sequence", table_name="invitation")
    op.create_index(
        "ix_invitation_account_id_created_at", "invitation", ["account_id", "created_at"]
    )
    with op.batch_alter_table("invitation", recreate="always") as batch:
        batch.drop_column("sequence")
        batch.drop_column("version")
    with op.batch_alter_table("token") as batch:
        batch.drop_column("version")
