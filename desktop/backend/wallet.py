"""Reset tokens: the monthly cap (R5), expiry and idempotent redemption (R6)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import func, or_, select, update

from desktop.backend.accounts import clear_windows
from desktop.backend.api import NoTokens, RedemptionDTO, TokenDTO, UsageDTO
from desktop.backend.store import Account, Invitation, Redemption, Token
from desktop.backend.transaction import BackendTransaction
from desktop.domain.cycles import BillingCycle, cycle_containing
from desktop.domain.usage import UsageWindow, WindowKind


def token_state(token: Token, now: datetime) -> str:
    """available | spent | expired. An unspent token past its expiry is expired, swept or not."""
    if token.spent_at is not None:
        return "spent"
    if token.expired_at is not None or (token.expires_at is not None and token.expires_at <= now):
        return "expired"
    return "available"


def token_dto(token: Token, now: datetime) -> TokenDTO:
    """A token as the wallet shows it."""
    return TokenDTO(
        id=token.id,
        granted_at=token.granted_at,
        expires_at=token.expires_at,
        state=token_state(token, now),
        invitation_id=token.invitation_id,
        spent_at=token.spent_at,
        version=token.version,
    )


def current_cycle(tx: BackendTransaction, account: Account) -> BillingCycle:
    """The account's billing cycle at the backend time, decided in UTC (R5)."""
    return cycle_containing(tx.now, account.billing_day)


def earned_in(tx: BackendTransaction, account: Account, cycle: BillingCycle) -> int:
    """Tokens granted to the account inside the cycle, whatever became of them since."""
    count = tx.session.scalar(
        select(func.count())
        .select_from(Token)
        .where(
            Token.account_id == account.id,
            Token.granted_at >= cycle.start,
            Token.granted_at < cycle.end,
        )
    )
    return int(count or 0)


def grant_unless_capped(tx: BackendTransaction, referrer: Account, invitation: Invitation) -> bool:
    """Grant one token for a conversion at now, unless the cycle's cap is reached (R5).

    Race-free because the whole transaction holds the write lock (BEGIN IMMEDIATE): the count and
    the insert cannot interleave with another conversion's.
    """
    if earned_in(tx, referrer, current_cycle(tx, referrer)) >= tx.policy.monthly_cap:
        return False
    lifetime = tx.policy.token_lifetime
    tx.session.add(
        Token(
            id=f"tok_{secrets.token_hex(8)}",
            account_id=referrer.id,
            invitation_id=invitation.id,
            granted_at=tx.now,
            expires_at=None if lifetime is None else tx.now + lifetime,
            version=tx.change_version(),
        )
    )
    return True


def tokens_of(tx: BackendTransaction, account: Account) -> list[Token]:
    """Every token of the account, newest grant first."""
    return list(
        tx.session.scalars(
            select(Token)
            .where(Token.account_id == account.id)
            .order_by(Token.granted_at.desc(), Token.id)
        )
    )


def available_count(tx: BackendTransaction, account: Account) -> int:
    """How many tokens the account could spend now."""
    count = tx.session.scalar(
        select(func.count())
        .select_from(Token)
        .where(
            Token.account_id == account.id,
            Token.spent_at.is_(None),
            or_(Token.expires_at.is_(None), Token.expires_at > tx.now),
        )
    )
    return int(count or 0)


def redeem(tx: BackendTransaction, account: Account, idempotency_key: str) -> RedemptionDTO:
    """Spend the earliest-expiring spendable token and close both usage windows (R6, R7).

    A key already used by this account returns the first result with `replayed=True`.
    """
    earlier = tx.session.scalars(
        select(Redemption).where(
            Redemption.account_id == account.id, Redemption.idempotency_key == idempotency_key
        )
    ).first()
    if earlier is not None:
        token = tx.session.get_one(Token, earlier.token_id)
        return RedemptionDTO(
            token=token_dto(token, tx.now),
            usage=_cleared_usage(tx, earlier.redeemed_at),
            replayed=True,
        )
    candidate = (
        select(Token.id)
        .where(
            Token.account_id == account.id,
            Token.spent_at.is_(None),
            or_(Token.expires_at.is_(None), Token.expires_at > tx.now),
        )
        .order_by(Token.expires_at.is_(None), Token.expires_at, Token.granted_at, Token.id)
        .limit(1)
        .scalar_subquery()
    )
    claimed = tx.session.execute(
        update(Token)
        .where(Token.id == candidate, Token.spent_at.is_(None))
        .values(spent_at=tx.now, version=tx.change_version())
        .returning(Token.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if claimed is None:
        raise NoTokens()
    token = tx.session.get_one(Token, claimed, populate_existing=True)
    tx.session.add(
        Redemption(
            account_id=account.id,
            idempotency_key=idempotency_key,
            token_id=token.id,
            redeemed_at=tx.now,
        )
    )
    usage = clear_windows(tx, account)
    return RedemptionDTO(token=token_dto(token, tx.now), usage=usage, replayed=False)


def _cleared_usage(tx: BackendTransaction, at: datetime) -> UsageDTO:
    # What a spend leaves: both windows closed, the next ones begin at the next use.
    return UsageDTO(
        five_hour=UsageWindow(WindowKind.FIVE_HOUR, tx.policy.five_hour_limit, 0, None),
        weekly=UsageWindow(WindowKind.WEEKLY, tx.policy.weekly_limit, 0, None),
        now=at,
    )
