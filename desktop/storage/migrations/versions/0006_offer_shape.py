"""One shape for the offer: the `offer` table's columns are the fields of the domain `Offer`, as
the backend sends it and the window shows it (docs/ARCHITECTURE.md, "One shape per thing").

It gains `unavailable_reason` (NULL for a cached offer: an offer cached before this revision was
either offered, with no reason, or is replaced whole by the next sync) and loses `fetched_at`
(the client's clock when it arrived, which nothing read: the offer is replaced on every sync, so
that moment is `sync_state.last_synced_at`). The sync cursor is kept.

Revision ID: 0006_offer_shape
Revises: 0005_offer_credits
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_offer_shape"
down_revision = "0005_offer_credits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("offer", recreate="always") as batch:
        batch.add_column(sa.Column("unavailable_reason", sa.String(32), nullable=True))
        batch.drop_column("fetched_at")


def downgrade() -> None:
    # The offer is replaced whole by the next sync: the rows go, rather than invent a time.
    op.execute("DELETE FROM offer")
    with op.batch_alter_table("offer", recreate="always") as batch:
        batch.drop_column("unavailable_reason")
        batch.add_column(sa.Column("fetched_at", sa.DateTime, nullable=False))
