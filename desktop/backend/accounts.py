"""Accounts, sessions, cohort eligibility (R1) and usage windows (R7) on the server side."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import bindparam, select

from desktop.backend.api import AuthenticationError, NotFound, UsageDTO
from desktop.backend.store import Account, SessionRecord
from desktop.backend.transaction import BackendTransaction
from desktop.domain.cohort import CohortDecision, evaluate_cohort
from desktop.domain.emails import InvalidEmail, normalise_email
from desktop.domain.policy import FLAG_REFERRAL_PILOT, ReferralPolicy
from desktop.domain.profile import Profile
from desktop.domain.reasons import Reason
from desktop.domain.usage import UsageWindow, WindowKind

_PBKDF2_ROUNDS = 20_000  # a mock server: enough to keep the password out of the file in clear


def hash_password(password: str, salt: bytes) -> bytes:
    """The stored form of a password."""
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, _PBKDF2_ROUNDS)


def set_password(account: Account, password: str) -> None:
    """Give an account a password, which makes it an operator that can sign in."""
    account.password_salt = secrets.token_bytes(16)
    account.password_hash = hash_password(password, account.password_salt)


def token_digest(token: str) -> str:
    """What is stored of a session token: its SHA-256, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def session_token(server_secret: bytes, account_id: str, idempotency_key: str) -> str:
    """The session token one sign-in request gets: unguessable without the server's secret."""
    mac = hmac.new(server_secret, f"session\0{account_id}\0{idempotency_key}".encode(), "sha256")
    return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")


def find_account(tx: BackendTransaction, email: str) -> Account | None:
    """The account with that address (compared normalised), or None."""
    try:
        normalised = normalise_email(email)
    except InvalidEmail:
        return None
    return tx.session.scalars(select(Account).where(Account.email == normalised)).first()


def require_account(tx: BackendTransaction, email: str) -> Account:
    """The account with that address, or NotFound."""
    account = find_account(tx, email)
    if account is None:
        raise NotFound(Reason.NO_ACCOUNT, {"email": email.strip()})
    return account


PasswordProof = tuple[bytes, bytes]
"""(salt, hash_password(password, salt)): a password hashed ahead of the transaction that
checks it."""


def password_proof(tx: BackendTransaction, email: str, password: str) -> PasswordProof | None:
    """The password hashed with the salt of the operator at `email` (None: no such operator).
    PBKDF2 is the costly part of a sign-in: hashed on a read snapshot, it does not hold the
    writers' lock (`sign_in` still compares it with the stored hash under the lock)."""
    account = find_account(tx, email)
    if account is None or account.password_salt is None:
        return None
    return account.password_salt, hash_password(password, account.password_salt)


def sign_in(
    tx: BackendTransaction,
    email: str,
    password: str,
    idempotency_key: str,
    proof: PasswordProof | None = None,
) -> tuple[str, Account]:
    """Check the password and open a session: the secret token (stored only hashed) and who.

    The token is derived from the key with the server's secret, so the same request repeated
    (a lost answer, a retry) returns the same session and never leaves an orphan one. `proof`
    (from `password_proof`) saves hashing again when the salt is still the same."""
    account = find_account(tx, email)
    if account is None or account.password_hash is None or account.password_salt is None:
        raise AuthenticationError(Reason.SIGN_IN_FAILED)
    if proof is not None and proof[0] == account.password_salt:
        hashed = proof[1]
    else:
        hashed = hash_password(password, account.password_salt)
    if not hmac.compare_digest(account.password_hash, hashed):
        raise AuthenticationError(Reason.SIGN_IN_FAILED)
    token = session_token(tx.state.server_secret, account.id, idempotency_key)
    earlier = tx.session.get(SessionRecord, token_digest(token))
    if earlier is not None:
        if earlier.ended_at is not None:
            raise AuthenticationError(Reason.SESSION_ENDED)
        return token, account
    tx.session.add(
        SessionRecord(token_sha256=token_digest(token), account_id=account.id, created_at=tx.now)
    )
    account.last_active_at = tx.now
    return token, account


_SESSION_ACCOUNT = (
    select(Account)
    .join(SessionRecord, SessionRecord.account_id == Account.id)
    .where(SessionRecord.token_sha256 == bindparam("digest"), SessionRecord.ended_at.is_(None))
)
"""A live session's account in one statement, built once: every authenticated call asks."""


def session_account(tx: BackendTransaction, token: str) -> Account:
    """The account of a live session, or AuthenticationError for an unknown or ended one."""
    account = tx.session.scalars(_SESSION_ACCOUNT, {"digest": token_digest(token)}).first()
    if account is None:
        raise AuthenticationError(Reason.SESSION_ENDED)
    return account


def end_session(tx: BackendTransaction, token: str) -> None:
    """End a session. Ending an unknown or already ended one is a no-op, so a retry is safe."""
    record = tx.session.get(SessionRecord, token_digest(token))
    if record is not None and record.ended_at is None:
        record.ended_at = tx.now


def register(tx: BackendTransaction, email: str) -> Account:
    """A new recipient account created through an invitation link (free plan, no password)."""
    account = Account(
        id=f"acct_{secrets.token_hex(8)}",
        email=email,
        display_name=email.split("@", 1)[0],
        plan="free",
        billing_day=tx.now.day,
        created_at=tx.now,
        last_active_at=tx.now,
    )
    tx.session.add(account)
    return account


def cohort_decision(account: Account, policy: ReferralPolicy) -> CohortDecision:
    """Whether the `referral_pilot` flag is on for the account, and why (R1)."""
    return evaluate_cohort(
        FLAG_REFERRAL_PILOT,
        account.id,
        deny={account.id} if account.pilot_list == "deny" else set(),
        allow={account.id} if account.pilot_list == "allow" else set(),
        rollout_basis_points=policy.rollout_basis_points,
    )


def account_dto(account: Account) -> Profile:
    """The profile the client sees."""
    return Profile(
        id=account.id,
        email=account.email,
        display_name=account.display_name,
        plan=account.plan,
        billing_day=account.billing_day,
    )


def windows(account: Account, policy: ReferralPolicy, now: datetime) -> UsageDTO:
    """Both usage windows as they stand at `now`: an ended window reads as unused (R7)."""
    five_hour = UsageWindow(
        WindowKind.FIVE_HOUR,
        policy.five_hour_limit,
        account.five_hour_used,
        account.five_hour_started_at,
    )
    weekly = UsageWindow(
        WindowKind.WEEKLY, policy.weekly_limit, account.weekly_used, account.weekly_started_at
    )
    return UsageDTO(five_hour=five_hour.at(now), weekly=weekly.at(now), now=now)


def store_windows(account: Account, usage: UsageDTO) -> None:
    """Write both windows back to the account."""
    account.five_hour_used = usage.five_hour.used
    account.five_hour_started_at = usage.five_hour.started_at
    account.weekly_used = usage.weekly.used
    account.weekly_started_at = usage.weekly.started_at


def record_use(tx: BackendTransaction, account: Account, amount: int = 1) -> None:
    """The account used the product at now: both windows count it; an idle window begins."""
    usage = windows(account, tx.policy, tx.now)
    store_windows(
        account,
        UsageDTO(
            five_hour=usage.five_hour.record_use(amount, tx.now),
            weekly=usage.weekly.record_use(amount, tx.now),
            now=tx.now,
        ),
    )
    account.last_active_at = tx.now


def clear_windows(tx: BackendTransaction, account: Account) -> UsageDTO:
    """Close both windows (a spent reset): nothing used, the next ones begin at the next use."""
    usage = windows(account, tx.policy, tx.now)
    cleared = UsageDTO(
        five_hour=usage.five_hour.cleared(), weekly=usage.weekly.cleared(), now=tx.now
    )
    store_windows(account, cleared)
    return cleared


def set_window_percent(
    tx: BackendTransaction, account: Account, kind: WindowKind, percent: float
) -> None:
    """QA override of one window's use. Above zero, an idle window begins now, as a use would."""
    if not 0 <= percent <= 100:
        raise ValueError("usage percent must be between 0 and 100")
    usage = windows(account, tx.policy, tx.now)
    window = usage.five_hour if kind is WindowKind.FIVE_HOUR else usage.weekly
    used = round(window.limit * percent / 100)
    started = window.started_at
    if started is None and used > 0:
        started = tx.now
    updated = UsageWindow(kind, window.limit, used, started)
    if kind is WindowKind.FIVE_HOUR:
        store_windows(account, UsageDTO(updated, usage.weekly, tx.now))
    else:
        store_windows(account, UsageDTO(usage.five_hour, updated, tx.now))
