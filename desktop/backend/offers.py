"""The server-owned offer (issue 14): what an account is offered, its capacities, and the check
that pins a send to the offer the operator read.

An offer's id names its expiry and signs (with the server's secret) the account and a digest of
its terms: whether it is offered, the copy, whether confirmation is required and whether sending
now earns nothing. So handing one out writes nothing (a read stays a read), and the check before a
send recomputes the signature. Offers are issued on a grid of half their lifetime
(`policy.offer_expiry_seconds`): the same offer is handed out until half its life is gone.
Capacities are not terms: they change with every send and are enforced on their own (send
capacity: the daily limit, R2; reward capacity: the cap, R5).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import BindParameter, Subquery, func, select

from desktop.backend.accounts import cohort_decision
from desktop.backend.api import OfferRefused
from desktop.backend.store import Account, Invitation
from desktop.backend.transaction import BackendTransaction
from desktop.backend.wallet import current_cycle, earned_in
from desktop.domain.offer import Offer, OfferSettings
from desktop.domain.reasons import Reason

DAILY_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class SendCapacity:
    """Invitations the operator can still send in the rolling 24 hours, and when one frees."""

    left: int
    frees_at: datetime | None  # when the next slot frees, if none is left
    limit: int


def send_capacity(tx: BackendTransaction, operator: Account) -> SendCapacity:
    """The daily limit as a capacity (R2): sends in the last 24 hours count, replays do not.

    One row: how many of the newest `limit` sends are in the window, and the oldest of them
    (a read-only unit of work asks on its connection: nothing of its own to flush)."""
    limit = tx.policy.daily_invitation_limit
    recent = recent_sends(operator.id, tx.now - DAILY_WINDOW, limit)
    statement = select(func.count(), func.min(recent.c.created_at))
    runner = tx.session.connection() if tx.read_only else tx.session
    count, oldest = runner.execute(statement).one()
    return daily_capacity(count, oldest, limit)


def recent_sends(
    operator_id: str | BindParameter[str],
    since: datetime | BindParameter[datetime],
    limit: int | BindParameter[int],
) -> Subquery:
    """The creation times of the operator's newest `limit` sends after `since`: what the daily
    limit counts (R2); values or bound parameters."""
    return (
        select(Invitation.created_at)
        .where(Invitation.operator_id == operator_id, Invitation.created_at > since)
        .order_by(Invitation.created_at.desc())
        .limit(limit)
        .subquery()
    )


def daily_capacity(count: int, oldest: datetime | None, limit: int) -> SendCapacity:
    """The capacity left by `count` of the newest `limit` sends in the window, the oldest of
    them at `oldest`: the next slot frees when that one leaves the window."""
    if count < limit or oldest is None:
        return SendCapacity(limit - count, None, limit)
    return SendCapacity(0, oldest + DAILY_WINDOW, limit)


def reward_capacity(tx: BackendTransaction, operator: Account) -> tuple[int, datetime]:
    """Conversions that can still earn a reset this cycle (R5), and when the cycle ends."""
    cycle = current_cycle(tx, operator)
    return max(tx.policy.monthly_cap - earned_in(tx, operator, cycle), 0), cycle.end


def _unavailable(
    tx: BackendTransaction, account: Account, settings: OfferSettings
) -> Reason | None:
    if not cohort_decision(account, tx.policy).eligible:
        return Reason.NOT_IN_COHORT
    if settings.paused:
        return Reason.OFFER_PAUSED
    return None


@dataclass(frozen=True)
class _Reading:
    """What an account's offer is made of now, each read once (the settings, the copy, why it
    is unavailable, the reward capacity): the terms and the offer both come from it."""

    settings: OfferSettings
    copy: tuple[str, str, tuple[str, ...]]
    reason: Reason | None
    reward_left: int
    cycle_end: datetime


def _reading(tx: BackendTransaction, account: Account) -> _Reading:
    settings = tx.offer_settings
    reward_left, cycle_end = reward_capacity(tx, account)
    return _Reading(
        settings,
        settings.copy(tx.policy),
        _unavailable(tx, account, settings),
        reward_left,
        cycle_end,
    )


def _terms(reading: _Reading) -> tuple[dict[str, object], str]:
    settings = reading.settings
    title, description, rules = reading.copy
    terms: dict[str, object] = {
        "offered": reading.reason is None,
        "title": title,
        "description": description,
        "rules": list(rules),
        "requires_confirmation": settings.requires_confirmation,
        # Sending would earn nothing: a flip either way is a change the operator must see.
        "rewardless": reading.reward_left == 0 if settings.report_capacities else None,
    }
    digest = hashlib.sha256(json.dumps(terms, sort_keys=True).encode()).hexdigest()
    return terms, digest


def _sign(tx: BackendTransaction, account: Account, digest: str, expires: int) -> str:
    message = f"offer\0{account.id}\0{digest}\0{expires}".encode()
    return hmac.new(tx.state.server_secret, message, "sha256").hexdigest()[:24]


def current_offer(tx: BackendTransaction, account: Account) -> Offer:
    """The account's offer now: issued at the last grid point (half a lifetime apart), so the
    same offer comes back while more than half its lifetime is left. Its parts are read once
    for the terms and the offer (`_reading`)."""
    reading = _reading(tx, account)
    _, digest = _terms(reading)
    lifetime = int(tx.policy.offer_lifetime.total_seconds())
    step = max(lifetime // 2, 1)
    issued = int(tx.now.timestamp()) // step * step
    expires = issued + lifetime
    return _offer(
        tx,
        account,
        reading,
        offer_id=f"off_{expires}_{_sign(tx, account, digest, expires)}",
        issued_at=datetime.fromtimestamp(issued, UTC),
        expires_at=datetime.fromtimestamp(expires, UTC),
    )


def _offer(
    tx: BackendTransaction,
    account: Account,
    reading: _Reading,
    *,
    offer_id: str,
    issued_at: datetime,
    expires_at: datetime,
) -> Offer:
    settings = reading.settings
    title, description, rules = reading.copy
    reason = reading.reason
    sending = send_capacity(tx, account)
    reward_left = reading.reward_left
    shown = settings.report_capacities
    send_left = 0 if reason is not None else sending.left
    return Offer(
        id=offer_id,
        offered=reason is None,
        title=title,
        description=description,
        rules=rules,
        requires_confirmation=settings.requires_confirmation,
        send_capacity=send_left if shown else None,
        reward_capacity=reward_left if shown else None,
        rewards_resume_at=reading.cycle_end if shown and reward_left == 0 else None,
        send_capacity_frees_at=sending.frees_at if shown and reason is None else None,
        max_recipients=tx.policy.max_recipients_per_send,
        issued_at=issued_at,
        expires_at=expires_at,
        unavailable_reason=reason,
    )


def require_offered(tx: BackendTransaction, operator: Account) -> None:
    """Refuse a send while the offer is paused (the cohort is checked on its own, R1)."""
    if tx.offer_settings.paused:
        raise OfferRefused(Reason.OFFER_PAUSED)


def validate(tx: BackendTransaction, operator: Account, offer_id: str) -> None:
    """The offer the operator read still stands: theirs, the same terms, not expired.

    Another account's offer, an unknown id or changed terms: `offer_changed`; at or after its
    expiry: `offer_expired`."""
    prefix, _, rest = offer_id.partition("_")
    expires_text, _, signature = rest.partition("_")
    if prefix != "off" or not expires_text.isdigit():
        raise OfferRefused(Reason.OFFER_CHANGED)
    expires = int(expires_text)
    _, digest = _terms(_reading(tx, operator))
    if not hmac.compare_digest(signature, _sign(tx, operator, digest, expires)):
        raise OfferRefused(Reason.OFFER_CHANGED)
    expires_at = datetime.fromtimestamp(expires, UTC)
    if tx.now >= expires_at:
        raise OfferRefused(Reason.OFFER_EXPIRED, {"at": expires_at})
