"""The offer and credits (issue 14): the offer's stored settings, rewardless invitations,
resend keys on dispatched emails, the usage a redemption left, and a credit's source, title and
windows (a complimentary credit has no invitation).

Revision ID: 0002_offer_credits
Revises: 0001_initial
Create Date: 2026-12-02 06:42:50.594013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from desktop.backend.store import UtcDateTime


revision = '0002_offer_credits'
down_revision = '0001_initial'
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # The same in-place step a pre-Alembic file at schema 4 takes (store.upgrade_schema):
        # batch mode's table copies cannot keep the foreign keys inside the one transaction the
        # upgrade runs in, and that step rebuilds `tokens` with its references kept.
        from desktop.backend.store import upgrade_schema

        upgrade_schema(bind, 4)
        return
    with op.batch_alter_table('backend_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offer_json', sa.String(), server_default='{}', nullable=False))

    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rewardless', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=200), nullable=True))
        batch_op.create_index('uq_outbox_invitation_key', ['invitation_id', 'idempotency_key'], unique=True)

    with op.batch_alter_table('redemptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('weekly_used_after', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('weekly_started_after', UtcDateTime(), nullable=True))

    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=16), server_default='referral', nullable=False))
        batch_op.add_column(sa.Column('title', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('windows', sa.String(length=10), server_default='both', nullable=False))
        batch_op.alter_column('invitation_id',
               existing_type=sa.VARCHAR(length=40),
               nullable=True)



def downgrade() -> None:
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.alter_column('invitation_id',
               existing_type=sa.VARCHAR(length=40),
               nullable=False)
        batch_op.drop_column('windows')
        batch_op.drop_column('title')
        batch_op.drop_column('source')

    with op.batch_alter_table('redemptions', schema=None) as batch_op:
        batch_op.drop_column('weekly_started_after')
        batch_op.drop_column('weekly_used_after')

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('uq_outbox_invitation_key')
        batch_op.drop_column('idempotency_key')

    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_column('rewardless')

    with op.batch_alter_table('backend_state', schema=None) as batch_op:
        batch_op.drop_column('offer_json')

