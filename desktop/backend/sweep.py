"""The lazy expiry sweep: time-based changes become row changes that a delta sync sees (R8).

Runs at the start of every write transaction; a read-only unit of work (a sync) first asks
`anything_due` on its snapshot and runs as a writer when something is (BackendStore.read), so
an expiry due at time T is in every answer given at T or later. The queries use partial or
composite indexes, so the cost follows the rows that are due, not the history. Usage windows
need no sweep: they are always part of a sync and are read as they stand at the backend time.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    bindparam,
    exists,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from desktop.backend.invitations import PENDING_STATES, transition
from desktop.backend.store import Invitation, Token
from desktop.domain.invitations import InvitationState
from desktop.domain.policy import ReferralPolicy

if TYPE_CHECKING:
    from desktop.backend.transaction import BackendTransaction


def sweep_due_changes(tx: BackendTransaction) -> None:
    """Mark tokens and invitations whose expiry has passed, bumping their versions.

    One statement when nothing is due (most writes), the two reads of what is due otherwise."""
    if not anything_due(tx):
        return
    expire_tokens(tx)
    expire_invitations(tx)


def anything_due(tx: BackendTransaction) -> bool:
    """Whether `sweep_due_changes` would change a row at `tx.now` (reads only)."""
    return anything_due_at(tx.session, tx.now, tx.policy)


def anything_due_at(reader: Session | Connection, now: datetime, policy: ReferralPolicy) -> bool:
    """`anything_due` on any session or connection, in one prepared statement."""
    return bool(reader.scalar(_ANYTHING_DUE, due_parameters(now, policy)))


def due_parameters(now: datetime, policy: ReferralPolicy) -> dict[str, datetime | None]:
    """The values of TOKENS_DUE's and INVITATIONS_DUE's parameters at `now` under `policy`."""
    lifetime = policy.invitation_lifetime
    return {"due_now": now, "due_cutoff": None if lifetime is None else now - lifetime}


def _tokens_due(now: datetime | BindParameter[datetime]) -> tuple[ColumnElement[bool], ...]:
    return (Token.spent_at.is_(None), Token.expired_at.is_(None), Token.expires_at <= now)


TOKENS_DUE = exists().where(*_tokens_due(bindparam("due_now")))
"""Whether a token is due to expire (parameters: `due_parameters`)."""
INVITATIONS_DUE = exists().where(
    Invitation.state.in_(PENDING_STATES), Invitation.created_at <= bindparam("due_cutoff")
)
"""Whether an invitation is due to expire (a cutoff of NULL, no lifetime: never)."""
_ANYTHING_DUE = select(or_(TOKENS_DUE, INVITATIONS_DUE))


def _invitations_due(
    now: datetime, policy: ReferralPolicy
) -> tuple[ColumnElement[bool], ...] | None:
    lifetime = policy.invitation_lifetime
    if lifetime is None:
        return None
    return (Invitation.state.in_(PENDING_STATES), Invitation.created_at <= now - lifetime)


def expire_tokens(tx: BackendTransaction) -> None:
    """Unspent tokens whose expiry is at or before now become expired (R6)."""
    due = tx.session.scalars(select(Token.id).where(*_tokens_due(tx.now))).all()
    if not due:
        return
    tx.session.execute(
        update(Token)
        .where(Token.id.in_(due))
        .values(expired_at=Token.expires_at, version=tx.change_version())
        .execution_options(synchronize_session=False)
    )


def expire_invitations(tx: BackendTransaction) -> None:
    """Pending invitations older than the policy's invitation lifetime become expired (R2)."""
    lifetime = tx.policy.invitation_lifetime
    due_where = _invitations_due(tx.now, tx.policy)
    if lifetime is None or due_where is None:
        return
    due = tx.session.scalars(select(Invitation).where(*due_where)).all()
    for invitation in due:
        # Dated when its lifetime ran out, but never before its last step: a lifetime shortened
        # after the link was opened must not make the history run backwards. The order clients
        # apply changes in is the version, not this date (R8).
        moment = max(invitation.created_at + lifetime, invitation.updated_at)
        transition(tx, invitation, InvitationState.EXPIRED, at=moment)
