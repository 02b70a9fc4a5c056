"""Reset tokens: the monthly cap (R5), expiry and idempotent redemption (R6)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import BindParameter, Select, String, bindparam, func, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from desktop.backend.accounts import store_windows, windows
from desktop.backend.api import NoTokens, RedemptionDTO, UsageDTO
from desktop.backend.rows import TokenView
from desktop.backend.store import Account, Invitation, Redemption, Token
from desktop.backend.transaction import BackendTransaction
from desktop.domain.credits import Credit, CreditSource, CreditWindows, RedemptionCode
from desktop.domain.cycles import BillingCycle, cycle_containing
from desktop.domain.outcomes import CREDIT_TITLE_COMPLIMENTARY, CREDIT_TITLE_REFERRAL
from desktop.domain.reasons import Reason, fill
from desktop.domain.usage import UsageWindow, WindowKind


def token_state(token: TokenView, now: datetime) -> str:
    """available | spent | expired. An unspent token past its expiry is expired, swept or not."""
    if token.spent_at is not None:
        return "spent"
    if token.expired_at is not None or (token.expires_at is not None and token.expires_at <= now):
        return "expired"
    return "available"


def token_dto(token: TokenView, now: datetime) -> Credit:
    """A token as the wallet shows it (the ORM object or a sync's plain row)."""
    return Credit(
        id=token.id,
        granted_at=token.granted_at,
        expires_at=token.expires_at,
        state=token_state(token, now),
        invitation_id=token.invitation_id or "",
        spent_at=token.spent_at,
        version=token.version,
        source=CreditSource(token.source),
        title=token.title,
        windows=CreditWindows(token.windows),
    )


def current_cycle(tx: BackendTransaction, account: Account) -> BillingCycle:
    """The account's billing cycle at the backend time, decided in UTC (R5)."""
    return cycle_containing(tx.now, account.billing_day)


def earned_count(
    account_id: str | BindParameter[str],
    start: datetime | BindParameter[datetime],
    end: datetime | BindParameter[datetime],
) -> Select[int]:
    """The statement counting the referral credits the account was granted in [start, end),
    whatever became of them since (what the cap counts, R5); values or bound parameters."""
    return (
        select(func.count())
        .select_from(Token)
        .where(
            Token.account_id == account_id,
            Token.source == CreditSource.REFERRAL.value,
            Token.granted_at >= start,
            Token.granted_at < end,
        )
    )


def earned_in(tx: BackendTransaction, account: Account, cycle: BillingCycle) -> int:
    """Tokens granted to the account inside the cycle, whatever became of them since. A sync
    asks three times (its cycle, the offer's terms and capacities): a read counts once."""
    key = ("earned_in", account.id, cycle.start)
    if tx.read_only and key in tx.memo:
        return tx.memo[key]
    earned = tx.session.execute(earned_count(account.id, cycle.start, cycle.end)).scalar_one()
    if tx.read_only:
        tx.memo[key] = earned
    return earned


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
            source=CreditSource.REFERRAL.value,
            title=fill(CREDIT_TITLE_REFERRAL, {"recipient": invitation.recipient_email}),
            windows=(
                CreditWindows.BOTH if tx.policy.credit_resets_weekly else CreditWindows.FIVE_HOUR
            ).value,
        )
    )
    return True


def grant_complimentary(
    tx: BackendTransaction,
    account: Account,
    *,
    title: str | None = None,
    lifetime: timedelta | None = None,
    credit_windows: CreditWindows = CreditWindows.BOTH,
) -> Token:
    """A credit the service gives (issue 14): no invitation, outside the cap (R5 counts earned
    ones), `lifetime` None for no expiry."""
    if title is not None and not title.strip():
        raise ValueError("a credit title cannot be empty")
    if lifetime is not None and lifetime <= timedelta(0):
        raise ValueError("a credit's expiry must be in the future")
    token = Token(
        id=f"tok_{secrets.token_hex(8)}",
        account_id=account.id,
        invitation_id=None,
        granted_at=tx.now,
        expires_at=None if lifetime is None else tx.now + lifetime,
        version=tx.change_version(),
        source=CreditSource.COMPLIMENTARY.value,
        title=(title or CREDIT_TITLE_COMPLIMENTARY).strip(),
        windows=credit_windows.value,
    )
    tx.session.add(token)
    return token


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


_ACCOUNT = bindparam("account", type_=String())
_EARLIER = (Redemption.account_id == _ACCOUNT, Redemption.idempotency_key == bindparam("key"))
_REDEEM_READ = select(
    Token, select(Redemption.id).where(*_EARLIER).scalar_subquery().label("earlier")
).where(
    Token.id
    == func.coalesce(
        # A replayed key: the credit it spent; else the one named; else the first to expire.
        select(Redemption.token_id).where(*_EARLIER).scalar_subquery(),
        bindparam("credit", type_=String()),
        select(Token.id)
        .where(
            Token.account_id == _ACCOUNT,
            Token.spent_at.is_(None),
            or_(Token.expires_at.is_(None), Token.expires_at > bindparam("now")),
        )
        .order_by(Token.expires_at.is_(None), Token.expires_at, Token.granted_at, Token.id)
        .limit(1)
        .scalar_subquery(),
    )
)
"""The credit a redemption is about, and the redemption a replayed key made, in one statement
built once (issue 12.7): the row is loaded once, claimed, and answered from."""

_CLAIM = (
    update(Token)
    .where(Token.id == bindparam("credit"), Token.spent_at.is_(None))
    .values(spent_at=bindparam("spent"), version=bindparam("change"))
    .returning(Token.id)
    .execution_options(synchronize_session=False)
)
"""Spend the credit only if it is still unspent (built once)."""


def redeem(
    tx: BackendTransaction,
    account: Account,
    idempotency_key: str,
    credit_id: str | None = None,
    *,
    spend_if_unused: bool = True,
) -> RedemptionDTO:
    """Spend a credit and clear the usage windows it resets (R6, R7, issue 14).

    `credit_id` names the credit; by default the spendable one that expires first (never-expiring
    ones last). A key already used by this account returns the first result, code
    `already_redeemed` and `replayed=True`. With `spend_if_unused=False` a credit whose windows
    hold no use is kept (`nothing_to_reset`); by default it is spent, as the confirmation warned
    (R6). No spendable credit: NoTokens (`no_credit`); a named one that is not spendable:
    NoTokens with `credit_not_found` or `credit_unavailable`.
    """
    parameters = {"account": account.id, "key": idempotency_key, "credit": credit_id, "now": tx.now}
    found = tx.session.execute(_REDEEM_READ, parameters).first()
    if found is None:
        raise NoTokens(Reason.CREDIT_NOT_FOUND) if credit_id is not None else NoTokens()
    candidate, earlier_id = found
    if earlier_id is not None:
        earlier = tx.session.get_one(Redemption, earlier_id)
        return RedemptionDTO(
            token=token_dto(candidate, tx.now),
            usage=_usage_after(tx, earlier, CreditWindows(candidate.windows)),
            replayed=True,
            code=RedemptionCode.ALREADY_REDEEMED,
        )
    if credit_id is not None:
        if candidate.account_id != account.id:
            raise NoTokens(Reason.CREDIT_NOT_FOUND)
        state = token_state(candidate, tx.now)
        if state != "available":
            raise NoTokens(Reason.CREDIT_UNAVAILABLE, {"state": state})
    before = windows(account, tx.policy, tx.now)
    kinds = CreditWindows(candidate.windows).kinds
    if not spend_if_unused and all(_window(before, kind).used == 0 for kind in kinds):
        return RedemptionDTO(
            token=token_dto(candidate, tx.now),
            usage=before,
            replayed=False,
            code=RedemptionCode.NOTHING_TO_RESET,
            usage_before=before,
        )
    # Claim it only if still unspent: correct even without the transaction's write lock.
    version = tx.change_version()
    claimed = tx.session.execute(
        _CLAIM, {"credit": candidate.id, "spent": tx.now, "change": version}
    ).scalar_one_or_none()
    if claimed is None:
        raise NoTokens()
    # The row as the claim left it, without reading it again (and without a second UPDATE).
    set_committed_value(candidate, "spent_at", tx.now)
    set_committed_value(candidate, "version", version)
    token = candidate
    after = UsageDTO(
        five_hour=before.five_hour.cleared(),
        weekly=before.weekly.cleared() if WindowKind.WEEKLY in kinds else before.weekly,
        now=tx.now,
    )
    store_windows(account, after)
    tx.session.add(
        Redemption(
            account_id=account.id,
            idempotency_key=idempotency_key,
            token_id=token.id,
            redeemed_at=tx.now,
            weekly_used_after=after.weekly.used,
            weekly_started_after=after.weekly.started_at,
        )
    )
    return RedemptionDTO(
        token=token_dto(token, tx.now),
        usage=after,
        replayed=False,
        code=RedemptionCode.RESET,
        usage_before=before,
    )


def _window(usage: UsageDTO, kind: WindowKind) -> UsageWindow:
    return usage.five_hour if kind is WindowKind.FIVE_HOUR else usage.weekly


def _usage_after(tx: BackendTransaction, earlier: Redemption, credit: CreditWindows) -> UsageDTO:
    # What the spend left: the credit's windows closed (the next ones begin at the next use);
    # a weekly window it did not reset as it stood right after.
    weekly = UsageWindow(WindowKind.WEEKLY, tx.policy.weekly_limit, 0, None)
    if WindowKind.WEEKLY not in credit.kinds and earlier.weekly_used_after is not None:
        weekly = UsageWindow(
            WindowKind.WEEKLY,
            tx.policy.weekly_limit,
            earlier.weekly_used_after,
            earlier.weekly_started_after,
        )
    return UsageDTO(
        five_hour=UsageWindow(WindowKind.FIVE_HOUR, tx.policy.five_hour_limit, 0, None),
        weekly=weekly,
        now=earlier.redeemed_at,
    )
