"""Issue 14: the server-owned offer, credits with a source, title and windows, invitations that
can be rewardless and resent, and the credit a redeem intent names.

Rows cached before this revision lack the new values (a complimentary credit would read as a
referral one), so the sync cursor goes back to 0: the next sync is a full one and fills them in.
The outbox and open intents are kept.

Revision ID: 0005_offer_credits
Revises: 0004_intents
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_offer_credits"
down_revision = "0004_intents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild): every new column has a default or allows NULL.
    op.add_column(
        "token", sa.Column("source", sa.String(16), nullable=False, server_default="referral")
    )
    op.add_column("token", sa.Column("title", sa.Text, nullable=False, server_default=""))
    op.add_column(
        "token", sa.Column("windows", sa.String(16), nullable=False, server_default="both")
    )
    op.add_column(
        "invitation", sa.Column("rewardless", sa.Boolean, nullable=False, server_default="0")
    )
    op.add_column("invitation", sa.Column("last_sent_at", sa.DateTime, nullable=True))
    op.add_column("invitation", sa.Column("resend_available_at", sa.DateTime, nullable=True))
    op.add_column(
        "invitation", sa.Column("emails_sent", sa.Integer, nullable=False, server_default="1")
    )
    op.add_column(
        "intent", sa.Column("credit_id", sa.String(64), nullable=False, server_default="")
    )
    op.create_table(
        "offer",
        sa.Column(
            "account_id",
            sa.String(64),
            sa.ForeignKey("account.id", ondelete="CASCADE", name="fk_offer_account_id_account"),
            nullable=False,
        ),
        sa.Column("id", sa.String(200), nullable=False),
        sa.Column("offered", sa.Boolean, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("rules", sa.Text, nullable=False),
        sa.Column("requires_confirmation", sa.Boolean, nullable=False),
        sa.Column("send_capacity", sa.Integer, nullable=True),
        sa.Column("reward_capacity", sa.Integer, nullable=True),
        sa.Column("rewards_resume_at", sa.DateTime, nullable=True),
        sa.Column("send_capacity_frees_at", sa.DateTime, nullable=True),
        sa.Column("max_recipients", sa.Integer, nullable=False),
        sa.Column("issued_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("fetched_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_offer"),
    )
    op.execute("UPDATE sync_state SET cursor = 0")


def downgrade() -> None:
    op.drop_table("offer")
    with op.batch_alter_table("intent", recreate="always") as batch:
        batch.drop_column("credit_id")
    with op.batch_alter_table("invitation", recreate="always") as batch:
        batch.drop_column("emails_sent")
        batch.drop_column("resend_available_at")
        batch.drop_column("last_sent_at")
        batch.drop_column("rewardless")
    with op.batch_alter_table("token", recreate="always") as batch:
        batch.drop_column("windows")
        batch.drop_column("title")
        batch.drop_column("source")
