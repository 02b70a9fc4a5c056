"""The API the client calls: a Protocol, its immutable DTOs and typed errors.

Every DTO is a frozen dataclass holding plain values, safe to pass between threads. Times are
aware UTC datetimes taken from the backend's clock (DESIGN R10).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from desktop.domain.invitations import InvitationState
from desktop.domain.policy import ReferralPolicy
from desktop.domain.usage import UsageWindow

# ---------------------------------------------------------------------------------------------
# Errors. `message` is always a complete sentence fit to show the operator.
# ---------------------------------------------------------------------------------------------


class ApiError(Exception):
    """Base of every error the API raises on purpose."""

    retryable: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BackendUnavailable(ApiError):
    """The backend could not be reached (offline) or did not answer in time (timeout).

    The request may or may not have taken effect: retry with the same idempotency key.
    """

    retryable = True


class ServerError(ApiError):
    """The backend failed while handling the request (injected error rate). Retry with the key."""

    retryable = True


class AuthenticationError(ApiError):
    """Wrong email or password, or a session token that is unknown or signed out."""


class NotInCohort(ApiError):
    """The account is outside the referral pilot: invitation calls are refused (R1)."""


class InvitationRefused(ApiError):
    """An invitation the rules refuse (R2). `reason` is a stable code for tests and JSON."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason  # invalid_email | self_invite | duplicate_pending | daily_limit


class NotFound(ApiError):
    """No such invitation, link or account (for this caller)."""


class InvalidState(ApiError):
    """The action does not fit the current state (revoking a joined invitation, say)."""


class NoTokens(ApiError):
    """Redemption with no spendable token left in the wallet."""


class LinkRefused(ApiError):
    """A recipient action through a link the rules refuse (wrong email, revoked, expired...)."""


# ---------------------------------------------------------------------------------------------
# DTOs
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountDTO:
    """The signed-in operator's profile."""

    id: str
    email: str
    display_name: str
    plan: str  # "free" | "plus" | "pro"
    billing_day: int


@dataclass(frozen=True)
class SessionDTO:
    """What sign-in returns. `token` is a secret: keyring only (R9)."""

    token: str
    account: AccountDTO


@dataclass(frozen=True)
class CycleDTO:
    """The operator's current billing cycle and what it has earned so far (R5)."""

    start: datetime
    end: datetime
    earned: int
    cap: int


@dataclass(frozen=True)
class InvitationEventDTO:
    """One step in an invitation's status history."""

    state: InvitationState
    at: datetime


@dataclass(frozen=True)
class InvitationDTO:
    """An invitation as the referrer sees it. `link` carries a >=128-bit random token."""

    id: str
    recipient: str
    link: str
    state: InvitationState
    created_at: datetime
    updated_at: datetime
    link_opened: bool
    joined_kind: str | None  # None | "new" | "reactivated"
    workspace_ready: bool
    prompts: int
    prompts_required: int
    reason: str
    history: tuple[InvitationEventDTO, ...]
    idempotency_key: str | None


@dataclass(frozen=True)
class TokenDTO:
    """A usage reset token in the wallet (R6). `state` is available | spent | expired."""

    id: str
    granted_at: datetime
    expires_at: datetime | None
    state: str
    invitation_id: str
    spent_at: datetime | None


@dataclass(frozen=True)
class UsageDTO:
    """Both usage windows as they stand at `now` (R7)."""

    five_hour: UsageWindow
    weekly: UsageWindow
    now: datetime


@dataclass(frozen=True)
class RedemptionDTO:
    """Result of spending a token: which one, and the usage right after."""

    token: TokenDTO
    usage: UsageDTO
    replayed: bool  # True when this key had already been spent: nothing new happened


@dataclass(frozen=True)
class SyncDTO:
    """What changed since a cursor. Invitations and tokens only include changed rows (R8)."""

    cursor: int
    account: AccountDTO
    eligible: bool
    policy: ReferralPolicy
    usage: UsageDTO
    cycle: CycleDTO
    invitations: tuple[InvitationDTO, ...]
    tokens: tuple[TokenDTO, ...]
    now: datetime
    # True when `invitations` and `tokens` hold every row (cursor 0, or a cursor from before the
    # backend was reset): replace the cached rows instead of merging them.
    full: bool = False


class ReferralApi(Protocol):
    """The calls the client makes. Every call may raise BackendUnavailable or ServerError."""

    def sign_in(self, email: str, password: str) -> SessionDTO:
        """Check credentials and open a session."""
        ...

    def sign_out(self, session: str) -> None:
        """End a session; its token stops working."""
        ...

    def sync(self, session: str, cursor: int) -> SyncDTO:
        """Everything the client caches, with only rows changed after `cursor` (0: all)."""
        ...

    def send_invitation(self, session: str, email: str, idempotency_key: str) -> InvitationDTO:
        """Invite one recipient. The same key returns the first result; no second invitation."""
        ...

    def revoke_invitation(self, session: str, invitation_id: str) -> InvitationDTO:
        """Revoke a pending invitation (nobody has joined through it yet)."""
        ...

    def redeem(self, session: str, idempotency_key: str) -> RedemptionDTO:
        """Spend the earliest-expiring token. The same key never spends twice."""
        ...
