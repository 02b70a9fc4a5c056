"""Invitations from the referrer's side: sending (R2), revoking, and how they read (R8)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import Integer, String, bindparam, exists, func, select
from sqlalchemy.orm import joinedload

from desktop.backend import offers
from desktop.backend.accounts import cohort_decision
from desktop.backend.api import (
    InvalidState,
    InvitationDTO,
    InvitationEventDTO,
    InvitationRefused,
    NotFound,
    NotInCohort,
)
from desktop.backend.rows import InvitationView
from desktop.backend.store import Account, Invitation, InvitationEvent, OutboxMessage
from desktop.backend.transaction import BackendTransaction
from desktop.backend.wallet import current_cycle, earned_count
from desktop.domain.emails import InvalidEmail, is_own_address, normalise_email
from desktop.domain.invitations import InvitationState, describe_progress
from desktop.domain.reasons import Reason

LINK_PREFIX = "https://referrals.example/join/"
"""Where links point while no HTTP service has set the database's link base."""
LINK_PATH = "/join/"
LINK_TOKEN_BYTES = 24  # 192 random bits; DESIGN R2 asks for at least 128
DAILY_WINDOW = offers.DAILY_WINDOW

PENDING_STATES = (InvitationState.SENT.value, InvitationState.OPENED.value)
"""Invitations nobody has joined through yet: the ones that can be revoked or expire."""

FINAL_STATES = tuple(state.value for state in InvitationState if state.is_final)


def new_link_token() -> str:
    """A fresh link token from the OS's secure random source, never derived from email or ids."""
    return secrets.token_urlsafe(LINK_TOKEN_BYTES)


def link_base(tx: BackendTransaction) -> str:
    """Where links point now: the serving HTTP service's `/join/`, else LINK_PREFIX."""
    return tx.state.link_base or LINK_PREFIX


def link_of(tx: BackendTransaction, invitation: InvitationView) -> str:
    """The personal link the recipient receives, on the server that serves this database."""
    return link_base(tx) + invitation.link_token


def link_token_of(link: str) -> str:
    """The token of a full link (on any server, query and fragment ignored) or a bare token."""
    token = link.strip()
    if LINK_PATH in token:
        token = token.rsplit(LINK_PATH, 1)[1]
    return token.split("?", 1)[0].split("#", 1)[0].strip("/")


def transition(
    tx: BackendTransaction,
    invitation: Invitation,
    state: InvitationState,
    at: datetime | None = None,
) -> None:
    """Move an invitation to `state`, record the step in its history and bump its version."""
    moment = tx.now if at is None else at
    invitation.state = state.value
    if state.is_final:
        invitation.ended_at = moment
    invitation.events.append(InvitationEvent(state=state.value, at=moment))
    touch(tx, invitation, moment)


def touch(tx: BackendTransaction, invitation: Invitation, at: datetime | None = None) -> None:
    """Mark an invitation changed (a counter moved) so the next delta sync carries it."""
    invitation.updated_at = tx.now if at is None else at
    invitation.version = tx.change_version()


def require_cohort(tx: BackendTransaction, operator: Account) -> None:
    """Refuse invitation calls from accounts outside the pilot: the UI hiding is not enough."""
    if not cohort_decision(operator, tx.policy).eligible:
        raise NotInCohort()


_OPERATOR = bindparam("operator", type_=String())
_RECENT = offers.recent_sends(_OPERATOR, bindparam("since"), bindparam("limit", type_=Integer()))
_SEND_RULES = select(
    # A replayed key: the first invitation (DESIGN R2: exactly-once).
    select(Invitation.id)
    .where(Invitation.operator_id == _OPERATOR, Invitation.idempotency_key == bindparam("key"))
    .scalar_subquery()
    .label("earlier"),
    # A non-final invitation of this operator to the same normalised address.
    exists()
    .where(
        Invitation.operator_id == _OPERATOR,
        Invitation.recipient_email == bindparam("recipient"),
        Invitation.state.not_in(FINAL_STATES),
    )
    .label("pending"),
    # The daily limit (offers.send_capacity): how many of the newest `limit` sends are in the
    # last 24 hours, and the oldest of them.
    select(func.count()).select_from(_RECENT).scalar_subquery().label("recent"),
    select(func.min(_RECENT.c.created_at)).scalar_subquery().label("oldest_recent"),
    # Earned this cycle (wallet.earned_in), for the reward capacity (R5).
    earned_count(_OPERATOR, bindparam("cycle_start"), bindparam("cycle_end"))
    .scalar_subquery()
    .label("earned"),
    # The newest creation number (`sequence`).
    select(func.max(Invitation.sequence)).scalar_subquery().label("newest"),
)
"""Everything a send reads to apply its rules, in one statement built once (issue 12.7: a
writer's CPU is what the syncs waiting behind it pay). Its parts are the queries the rules used
to run one by one; transactions are serialised, so nothing changes between them."""


def send(
    tx: BackendTransaction,
    operator: Account,
    email: str,
    idempotency_key: str,
    offer_id: str | None = None,
) -> Invitation:
    """Create an invitation and dispatch its message; a repeated key returns the first one.

    With `offer_id`, the offer the operator read must still stand (issue 14). Checks in order:
    replayed key, cohort, paused, the offer, the address (invalid, own, pending), the daily
    limit (docs/BACKEND.md, R2)."""
    try:
        recipient: str | None = normalise_email(email)
        invalid: InvalidEmail | None = None
    except InvalidEmail as error:
        recipient, invalid = None, error
    cycle = current_cycle(tx, operator)
    limit = tx.policy.daily_invitation_limit
    rules = (
        tx.session.connection()
        .execute(
            _SEND_RULES,
            {
                "operator": operator.id,
                "key": idempotency_key,
                "recipient": recipient,
                "since": tx.now - DAILY_WINDOW,
                "limit": limit,
                "cycle_start": cycle.start,
                "cycle_end": cycle.end,
            },
        )
        .one()
    )
    if rules.earlier is not None:
        replayed = _with_history(tx, rules.earlier, operator.id)
        assert replayed is not None  # found by the statement above, in this transaction
        return replayed
    require_cohort(tx, operator)
    offers.require_offered(tx, operator)
    if offer_id is not None:
        offers.validate(tx, operator, offer_id)
    if invalid is not None or recipient is None:
        assert invalid is not None
        raise InvitationRefused(invalid.reason, {"detail": invalid.detail})
    if is_own_address(recipient, operator.email):
        raise InvitationRefused(Reason.SELF_INVITE)
    if rules.pending:
        raise InvitationRefused(Reason.DUPLICATE_PENDING, {"recipient": recipient})
    capacity = offers.daily_capacity(rules.recent, rules.oldest_recent, limit)
    if capacity.frees_at is not None:  # no slot left until then
        raise InvitationRefused(Reason.DAILY_LIMIT, {"limit": limit, "at": capacity.frees_at})
    reward_left = max(tx.policy.monthly_cap - int(rules.earned or 0), 0)
    invitation = Invitation(
        id=f"inv_{secrets.token_hex(8)}",
        operator_id=operator.id,
        recipient_email=recipient,
        link_token=new_link_token(),
        idempotency_key=idempotency_key,
        state=InvitationState.SENT.value,
        created_at=tx.now,
        updated_at=tx.now,
        version=tx.change_version(),
        sequence=int(rules.newest or 0) + 1,
        prompts=0,
        rewardless=reward_left == 0,
    )
    invitation.events.append(InvitationEvent(state=InvitationState.SENT.value, at=tx.now))
    tx.session.add(invitation)
    subject, body = compose_message(tx, operator, invitation)
    invitation.messages.append(
        OutboxMessage(
            invitation_id=invitation.id,
            recipient=recipient,
            subject=subject,
            body=body,
            sent_at=tx.now,
        )
    )
    return invitation


def compose_message(
    tx: BackendTransaction, operator: Account, invitation: Invitation
) -> tuple[str, str]:
    """The invitation email: the one place its words are written (R2: no reward promised)."""
    subject = f"{operator.display_name} invited you to try the product"
    body = (
        f"{operator.display_name} ({operator.email}) thinks you would like it.\n"
        f"Join with this personal link: {link_of(tx, invitation)}\n"
        "The link works only with this email address."
    )
    return subject, body


_WITH_HISTORY = (
    select(Invitation)
    .where(Invitation.id == bindparam("invitation"), Invitation.operator_id == _OPERATOR)
    .options(joinedload(Invitation.events), joinedload(Invitation.messages))
)
"""An operator's invitation with its history and emails (what `invitation_dto` reads) in one
statement, built once: a replayed send and a resend answer with them."""


def _with_history(
    tx: BackendTransaction, invitation_id: str, operator_id: str
) -> Invitation | None:
    parameters = {"invitation": invitation_id, "operator": operator_id}
    return tx.session.scalars(_WITH_HISTORY, parameters).unique().first()


def owned_invitation(tx: BackendTransaction, operator: Account, invitation_id: str) -> Invitation:
    """The operator's invitation with that id, or NotFound (another's is not even acknowledged)."""
    invitation = tx.session.get(Invitation, invitation_id)
    if invitation is None or invitation.operator_id != operator.id:
        raise NotFound(Reason.NOT_FOUND)
    return invitation


def revoke(tx: BackendTransaction, operator: Account, invitation_id: str) -> Invitation:
    """Revoke a pending invitation; its link stops working. Revoking twice is a no-op."""
    require_cohort(tx, operator)
    invitation = owned_invitation(tx, operator, invitation_id)
    if invitation.state == InvitationState.REVOKED.value:
        return invitation
    if invitation.state not in PENDING_STATES:
        label = InvitationState(invitation.state).label.lower()
        raise InvalidState(Reason.NOT_REVOCABLE, {"state": label})
    transition(tx, invitation, InvitationState.REVOKED)
    return invitation


def resend(
    tx: BackendTransaction, operator: Account, invitation_id: str, idempotency_key: str
) -> Invitation:
    """Send a pending invitation's email again (issue 14), once per key, after the cooldown.

    A key already used for this invitation returns it unchanged (no second email). A resend does
    not use up send capacity: it is the same invitation, and the cooldown limits it."""
    invitation = _with_history(tx, invitation_id, operator.id)
    if invitation is None:
        raise NotFound(Reason.NOT_FOUND)  # another operator's is not even acknowledged
    if any(message.idempotency_key == idempotency_key for message in invitation.messages):
        return invitation
    require_cohort(tx, operator)
    if invitation.state not in PENDING_STATES:
        label = InvitationState(invitation.state).label.lower()
        raise InvalidState(Reason.NOT_RESENDABLE, {"state": label})
    last = invitation.messages[-1].sent_at if invitation.messages else invitation.created_at
    available = last + tx.policy.resend_cooldown
    if tx.now < available:
        raise InvitationRefused(Reason.RESEND_TOO_SOON, {"sent_at": last, "at": available})
    subject, body = compose_message(tx, operator, invitation)
    invitation.messages.append(
        OutboxMessage(
            invitation_id=invitation.id,
            recipient=invitation.recipient_email,
            subject=subject,
            body=body,
            sent_at=tx.now,
            idempotency_key=idempotency_key,
        )
    )
    touch(tx, invitation)
    return invitation


def prompts_required(tx: BackendTransaction, invitation: InvitationView) -> int:
    """N for this invitation: fixed when it converted, else the policy's current value."""
    if invitation.prompts_required is not None:
        return invitation.prompts_required
    return tx.policy.prompts_required


def invitation_dto(tx: BackendTransaction, invitation: InvitationView) -> InvitationDTO:
    """The invitation as its referrer sees it, with the checklist and the plain-words reason
    (the ORM object or a sync's plain row: desktop.backend.rows)."""
    state = InvitationState(invitation.state)
    required = prompts_required(tx, invitation)
    last_sent = invitation.messages[-1].sent_at if invitation.messages else None
    return InvitationDTO(
        id=invitation.id,
        recipient=invitation.recipient_email,
        link=link_of(tx, invitation),
        state=state,
        created_at=invitation.created_at,
        updated_at=invitation.updated_at,
        link_opened=invitation.link_opened_at is not None,
        joined_kind=invitation.joined_kind,
        workspace_ready=invitation.workspace_ready_at is not None,
        prompts=invitation.prompts,
        prompts_required=required,
        reason=describe_progress(state, invitation.prompts, required, tx.policy.dormancy_days),
        history=tuple(
            InvitationEventDTO(state=InvitationState(event.state), at=event.at)
            for event in invitation.events
        ),
        idempotency_key=invitation.idempotency_key,
        message_subject=invitation.messages[-1].subject if invitation.messages else "",
        message_body=invitation.messages[-1].body if invitation.messages else "",
        version=invitation.version,
        sequence=invitation.sequence,
        rewardless=invitation.rewardless,
        last_sent_at=last_sent,
        resend_available_at=(
            last_sent + tx.policy.resend_cooldown
            if last_sent is not None and invitation.state in PENDING_STATES
            else None
        ),
        emails_sent=len(invitation.messages),
    )
