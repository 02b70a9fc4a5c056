"""The recipient's side of a link: open, join, initialise, prompt, and conversion (R3-R5)."""

from __future__ import annotations

from sqlalchemy import select

from desktop.backend.accounts import find_account, record_use, register
from desktop.backend.api import InvalidState, LinkRefused, NotFound
from desktop.backend.invitations import PENDING_STATES, link_token_of, touch, transition
from desktop.backend.store import Account, Invitation
from desktop.backend.transaction import BackendTransaction
from desktop.backend.wallet import grant_unless_capped
from desktop.domain.dormancy import is_dormant
from desktop.domain.emails import InvalidEmail, normalise_email
from desktop.domain.invitations import InvitationState
from desktop.domain.reasons import Reason

JOINED_STATES = (InvitationState.JOINED.value, InvitationState.REACTIVATED.value)
COUNTING_STATES = (InvitationState.WORKSPACE_READY.value, InvitationState.PROMPTING.value)


def invitation_for_link(tx: BackendTransaction, link: str) -> Invitation:
    """The invitation behind a full link or its bare token, or NotFound."""
    token = link_token_of(link)
    invitation = tx.session.scalars(
        select(Invitation).where(Invitation.link_token == token)
    ).first()
    if invitation is None:
        raise NotFound(Reason.LINK_UNKNOWN)
    return invitation


def _refuse_if_ended(invitation: Invitation) -> None:
    state = InvitationState(invitation.state)
    if state is InvitationState.REVOKED:
        raise LinkRefused(Reason.LINK_REVOKED)
    if state is InvitationState.EXPIRED:
        raise LinkRefused(Reason.LINK_EXPIRED)
    if state.is_final:
        raise LinkRefused(Reason.LINK_ENDED)


def _refuse_other_address(invitation: Invitation, email: str) -> None:
    # The link is bound to the invited address (R2), compared normalised, case-insensitively.
    try:
        given = normalise_email(email)
    except InvalidEmail:
        given = email.strip().lower()
    if given != invitation.recipient_email:
        raise LinkRefused(Reason.LINK_WRONG_EMAIL)


def _mark_opened(tx: BackendTransaction, invitation: Invitation) -> None:
    if invitation.link_opened_at is None:
        invitation.link_opened_at = tx.now
        transition(tx, invitation, InvitationState.OPENED)


def open_link(tx: BackendTransaction, link: str) -> Invitation:
    """The recipient opened the link. Opening again changes nothing."""
    invitation = invitation_for_link(tx, link)
    _refuse_if_ended(invitation)
    _mark_opened(tx, invitation)
    return invitation


def join(tx: BackendTransaction, link: str, email: str) -> Invitation:
    """Sign up or sign in through the link. The recipient's kind is decided now (R3).

    A new address creates an account (joined); an account idle for more than the dormancy
    comes back (reactivated); any other ends the invitation as not eligible. Signing in makes
    the account active, but never converts by itself (R4).
    """
    invitation = invitation_for_link(tx, link)
    _refuse_if_ended(invitation)
    _refuse_other_address(invitation, email)
    if invitation.state not in PENDING_STATES:
        raise InvalidState(Reason.ALREADY_JOINED)
    _mark_opened(tx, invitation)
    account = find_account(tx, invitation.recipient_email)
    if account is None:
        account = register(tx, invitation.recipient_email)
        invitation.joined_kind = "new"
        outcome = InvitationState.JOINED
    elif is_dormant(account.last_active_at, tx.now, tx.policy):
        invitation.joined_kind = "reactivated"
        outcome = InvitationState.REACTIVATED
    else:
        outcome = InvitationState.NOT_ELIGIBLE
    account.last_active_at = tx.now
    invitation.recipient_id = account.id
    transition(tx, invitation, outcome)
    return invitation


def initialise_workspace(tx: BackendTransaction, link: str, email: str) -> Invitation:
    """The recipient initialised a workspace; only prompts after this count (R4)."""
    invitation = invitation_for_link(tx, link)
    _refuse_if_ended(invitation)
    _refuse_other_address(invitation, email)
    if invitation.state in PENDING_STATES:
        raise InvalidState(Reason.NOT_JOINED)
    recipient = _recipient(tx, invitation)
    recipient.last_active_at = tx.now
    if invitation.state in JOINED_STATES:
        invitation.workspace_ready_at = tx.now
        transition(tx, invitation, InvitationState.WORKSPACE_READY)
    return invitation


def send_prompts(tx: BackendTransaction, link: str, email: str, count: int = 1) -> Invitation:
    """The recipient sent `count` prompts: usage on their account, and qualifying prompts for
    the invitation once the workspace is ready. The N-th qualifying prompt converts (R4).

    Prompts before initialising (or after the invitation ended) are usage only.
    """
    if count < 1:
        raise ValueError("send at least one prompt")
    invitation = invitation_for_link(tx, link)
    _refuse_other_address(invitation, email)
    recipient = (
        _recipient(tx, invitation)
        if invitation.recipient_id is not None
        else find_account(tx, invitation.recipient_email)
    )
    if recipient is None:
        raise InvalidState(Reason.NOT_JOINED)
    for _ in range(count):
        record_use(tx, recipient)
        if invitation.state in COUNTING_STATES:
            _count_prompt(tx, invitation)
    return invitation


def _count_prompt(tx: BackendTransaction, invitation: Invitation) -> None:
    invitation.prompts += 1
    required = tx.policy.prompts_required
    if invitation.prompts >= required:
        _convert(tx, invitation, required)
    elif invitation.state != InvitationState.PROMPTING.value:
        transition(tx, invitation, InvitationState.PROMPTING)
    else:
        touch(tx, invitation)


def _convert(tx: BackendTransaction, invitation: Invitation, required: int) -> None:
    """The recipient really uses the product: reward the referrer unless capped (R5)."""
    invitation.prompts_required = required
    referrer = tx.session.get_one(Account, invitation.operator_id)
    rewarded = grant_unless_capped(tx, referrer, invitation)
    _recipient(tx, invitation).last_active_at = tx.now  # cannot count again until dormant again
    transition(
        tx,
        invitation,
        InvitationState.CONVERTED_REWARDED if rewarded else InvitationState.CONVERTED_CAPPED,
    )


def _recipient(tx: BackendTransaction, invitation: Invitation) -> Account:
    if invitation.recipient_id is None:
        raise InvalidState(Reason.NOT_JOINED)
    return tx.session.get_one(Account, invitation.recipient_id)
