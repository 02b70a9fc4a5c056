"""The API the client calls: a Protocol, its immutable DTOs and typed errors.

Every DTO is a frozen dataclass holding plain values, safe to pass between threads. Times are
aware UTC datetimes taken from the backend's clock (DESIGN R10).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from desktop.domain.credits import Credit, RedemptionCode
from desktop.domain.cycles import RewardCycle
from desktop.domain.invitations import InvitationState
from desktop.domain.offer import Offer
from desktop.domain.outcomes import Outcome, outcome_of
from desktop.domain.policy import ReferralPolicy
from desktop.domain.profile import Profile
from desktop.domain.reasons import Detail, Reason, explain
from desktop.domain.usage import UsageWindow

# ---------------------------------------------------------------------------------------------
# Errors. Each carries a reason code (desktop.domain.reasons) and the details its sentence names;
# `message` is that one sentence. `outcome` says what the failure means for an operation (R11).
# ---------------------------------------------------------------------------------------------


class ApiError(Exception):
    """Base of every error the API raises on purpose."""

    def __init__(self, reason: Reason, details: Mapping[str, Detail] | None = None) -> None:
        self.reason = reason
        self.details: dict[str, Detail] = dict(details or {})
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The one sentence for this reason (UTC times; the UI formats its own)."""
        return explain(self.reason, self.details)

    @property
    def retryable(self) -> bool:
        """Trying again with the same idempotency key may succeed."""
        return self.reason.retryable

    @property
    def outcome(self) -> Outcome:
        """Whether the request was refused, provably not sent, or may have been applied."""
        return outcome_of(self.reason)


class BackendUnavailable(ApiError):
    """No answer from the backend. See the two kinds below: only one of them is harmless."""


class NotSent(BackendUnavailable):
    """Provably nothing reached the backend (offline, connection refused): nothing happened."""

    def __init__(self, details: Mapping[str, Detail] | None = None) -> None:
        super().__init__(Reason.OFFLINE, details)


class OutcomeUnknown(BackendUnavailable):
    """The request was sent, and its answer was lost or late: it may have been applied.

    Settle it by sending the same request again with the same idempotency key."""

    def __init__(
        self, reason: Reason = Reason.ANSWER_LOST, details: Mapping[str, Detail] | None = None
    ) -> None:
        super().__init__(reason, details)


class ServerError(ApiError):
    """The backend failed while handling the request and rolled it back. Retry with the key."""

    def __init__(self, details: Mapping[str, Detail] | None = None) -> None:
        super().__init__(Reason.SERVER_ERROR, details)


class AuthenticationError(ApiError):
    """Wrong email or password, or a session token that is unknown or signed out."""


class NotInCohort(ApiError):
    """The account is outside the referral pilot: invitation calls are refused (R1)."""

    def __init__(self) -> None:
        super().__init__(Reason.NOT_IN_COHORT)


class InvitationRefused(ApiError):
    """An invitation the rules refuse (R2): invalid, own address, duplicate, daily limit."""


class NotFound(ApiError):
    """No such invitation, link or account (for this caller)."""


class InvalidState(ApiError):
    """The action does not fit the current state (revoking a joined invitation, say)."""


class NoTokens(ApiError):
    """Redemption with no spendable token left in the wallet: result code `no_credit`.

    Also raised for a named credit that cannot be spent (unknown, spent or expired), with
    `credit_not_found` or `credit_unavailable`."""

    code = RedemptionCode.NO_CREDIT

    def __init__(
        self, reason: Reason = Reason.NO_TOKENS, details: Mapping[str, Detail] | None = None
    ) -> None:
        super().__init__(reason, details)


class OfferRefused(ApiError):
    """A send against an offer that changed, expired or is paused: re-read it, then send."""


class LinkRefused(ApiError):
    """A recipient action through a link the rules refuse (wrong email, revoked, expired...)."""


ERRORS_BY_REASON: Mapping[Reason, type[ApiError]] = {
    Reason.OFFLINE: NotSent,
    Reason.ANSWER_LOST: OutcomeUnknown,
    Reason.TIMED_OUT: OutcomeUnknown,
    Reason.SERVER_ERROR: ServerError,
    Reason.SIGN_IN_FAILED: AuthenticationError,
    Reason.TOO_MANY_SIGN_INS: AuthenticationError,
    Reason.SESSION_ENDED: AuthenticationError,
    Reason.NOT_SIGNED_IN: AuthenticationError,
    Reason.NOT_IN_COHORT: NotInCohort,
    Reason.INVALID_EMAIL: InvitationRefused,
    Reason.EMPTY_EMAIL: InvitationRefused,
    Reason.SELF_INVITE: InvitationRefused,
    Reason.DUPLICATE_PENDING: InvitationRefused,
    Reason.DAILY_LIMIT: InvitationRefused,
    Reason.NOT_FOUND: NotFound,
    Reason.NO_ACCOUNT: NotFound,
    Reason.LINK_UNKNOWN: NotFound,
    Reason.NOT_REVOCABLE: InvalidState,
    Reason.NO_TOKENS: NoTokens,
    Reason.CREDIT_NOT_FOUND: NoTokens,
    Reason.CREDIT_UNAVAILABLE: NoTokens,
    Reason.OFFER_CHANGED: OfferRefused,
    Reason.OFFER_EXPIRED: OfferRefused,
    Reason.OFFER_PAUSED: OfferRefused,
    Reason.RESEND_TOO_SOON: InvitationRefused,
    Reason.NOT_RESENDABLE: InvalidState,
}
"""Which error class stands for a reason code (a client rebuilding errors from the wire)."""


def error_for(reason: Reason, details: Mapping[str, Detail] | None = None) -> ApiError:
    """The typed error for a reason code and its details (LinkRefused/InvalidState otherwise)."""
    kind = ERRORS_BY_REASON.get(reason)
    if kind is NotSent or kind is ServerError:
        return kind(details)
    if kind is NotInCohort:
        return NotInCohort()
    if kind is OutcomeUnknown:
        return OutcomeUnknown(reason, details)
    if kind is None:
        kind = LinkRefused if reason.value.startswith("link_") else InvalidState
    return kind(reason, details)


# ---------------------------------------------------------------------------------------------
# DTOs. The profile and the cycle are domain types (desktop.domain.profile.Profile,
# desktop.domain.cycles.RewardCycle): the cache and the window keep them as they come.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionDTO:
    """What sign-in returns. `token` is a secret: keyring only (R9)."""

    token: str
    account: Profile


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
    # R8: the change sequence value of the transaction that last changed it; apply in this
    # order, never by a timestamp (a swept expiry is dated in the past).
    version: int
    # Creation order, monotonic per backend: newer invitations have larger numbers. Lists sort
    # newest first by it (timestamps tie under the frozen demo clock).
    sequence: int
    # The message the backend dispatched to the recipient, word for word (the dialog's preview).
    message_subject: str = ""
    message_body: str = ""
    # Issue 14: sent while the operator had no reward capacity left (it may still convert, but
    # R5 decides at conversion time); when its email last went out; from when a resend works
    # (None: not pending, so it cannot be resent); how many emails went out in all.
    rewardless: bool = False
    last_sent_at: datetime | None = None
    resend_available_at: datetime | None = None
    emails_sent: int = 1


@dataclass(frozen=True)
class UsageDTO:
    """Both usage windows as they stand at `now` (R7)."""

    five_hour: UsageWindow
    weekly: UsageWindow
    now: datetime


@dataclass(frozen=True)
class RedemptionDTO:
    """Result of a redemption: its code, the credit, and the usage right after.

    `reset`: `token` was spent and its windows cleared. `already_redeemed`: this key had spent
    `token` before (`replayed` is True; a success, nothing new). `nothing_to_reset`: asked with
    `spend_if_unused=False` while the credit's windows held no use: `token` was kept. No credit
    raises NoTokens (code `no_credit`), as before."""

    token: Credit
    usage: UsageDTO
    replayed: bool  # True when this key had already been spent: nothing new happened
    code: RedemptionCode = RedemptionCode.RESET
    usage_before: UsageDTO | None = None  # the windows just before the spend (None on replay)


@dataclass(frozen=True)
class SyncDTO:
    """What changed since a cursor. Invitations and tokens only include changed rows (R8)."""

    cursor: int
    account: Profile
    eligible: bool
    policy: ReferralPolicy
    usage: UsageDTO
    cycle: RewardCycle
    invitations: tuple[InvitationDTO, ...]
    tokens: tuple[Credit, ...]
    now: datetime
    # True when `invitations` and `tokens` hold every row (cursor 0, or a cursor from before the
    # backend was reset): replace the cached rows instead of merging them.
    full: bool = False
    # The cursor these changes start from: rows have since < version <= cursor (0 when full).
    since: int = 0
    # The account's current offer (issue 14); None from a server that has none.
    offer: Offer | None = None


class ReferralApi(Protocol):
    """The calls the client makes. Every call may raise NotSent (nothing happened),
    OutcomeUnknown (it may have happened: repeat with the same key) or ServerError."""

    def sign_in(self, email: str, password: str, idempotency_key: str) -> SessionDTO:
        """Check credentials and open a session. The same key returns the same session."""
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

    def revoke_invitation(
        self, session: str, invitation_id: str, idempotency_key: str
    ) -> InvitationDTO:
        """Revoke a pending invitation (nobody has joined through it yet). Revoking a revoked
        invitation returns it unchanged, so repeating the request is harmless."""
        ...

    def redeem(self, session: str, idempotency_key: str) -> RedemptionDTO:
        """Spend the earliest-expiring token. The same key never spends twice."""
        ...

    def wait_for_change(self, session: str, cursor: int, timeout_s: float) -> int:
        """Block until anything this session's account syncs has changed past `cursor` (an
        opaque value an earlier call returned; 0 when unknown) or `timeout_s` has passed, and
        return the cursor now. A value different from `cursor` means: sync. Changes nothing;
        a lost answer or a timeout is harmless (call again)."""
        ...


class OfferApi(ReferralApi, Protocol):
    """ReferralApi with issue 14's calls: the offer, resend, named credits. `MockBackend` and,
    over HTTP, `desktop.remote.HttpApi` (and `DeferredHttpApi`) implement it."""

    def offer(self, session: str) -> Offer:
        """The account's current offer (the same one `sync` carries)."""
        ...

    def send_invitation(
        self, session: str, email: str, idempotency_key: str, offer_id: str | None = None
    ) -> InvitationDTO:
        """As ReferralApi's, and with `offer_id` refused (OfferRefused) when that offer expired
        (`offer_expired`) or its terms changed (`offer_changed`) since it was handed out."""
        ...

    def resend_invitation(
        self, session: str, invitation_id: str, idempotency_key: str
    ) -> InvitationDTO:
        """Send a pending invitation's email again, once per key, after the cooldown."""
        ...

    def redeem(
        self,
        session: str,
        idempotency_key: str,
        credit_id: str | None = None,
        *,
        spend_if_unused: bool = True,
    ) -> RedemptionDTO:
        """Spend `credit_id` (default: the one that expires first); see RedemptionDTO's codes."""
        ...
