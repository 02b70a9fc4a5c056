"""Immutable snapshots the controller emits and the UI renders. No Qt, no ORM objects here.

The profile and the billing cycle are the domain's own types (`Profile`, `RewardCycle`), as the
backend sends them and the cache keeps them; the views below add or drop fields
(docs/ARCHITECTURE.md, "One shape per thing")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from desktop.domain.credits import Credit
from desktop.domain.cycles import RewardCycle
from desktop.domain.invitations import InvitationState
from desktop.domain.offer import Offer
from desktop.domain.outcomes import Operation, Outcome
from desktop.domain.policy import ReferralPolicy
from desktop.domain.profile import Profile
from desktop.domain.reasons import Reason
from desktop.domain.usage import UsageWindow


class Eligibility(StrEnum):
    """What the client knows of the `referral_pilot` flag. UNKNOWN hides the module."""

    UNKNOWN = "unknown"
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"


class SyncPhase(StrEnum):
    """Where the connection to the backend stands."""

    NEVER = "never"  # nothing fetched yet in this session
    SYNCING = "syncing"
    SYNCED = "synced"
    OFFLINE = "offline"  # backend unreachable; showing cached data
    ERROR = "error"  # backend answered with an error; showing cached data


@dataclass(frozen=True)
class SyncStatus:
    """Last sync outcome for `syncStatus` and `errorBanner`."""

    phase: SyncPhase = SyncPhase.NEVER
    last_synced_at: datetime | None = None
    message: str = ""
    pending_operations: int = 0  # invitations queued in the outbox
    reason: Reason | None = None  # why the last sync failed (`message` is its sentence)

    @property
    def fault_here(self) -> bool:
        """The failure is this computer's (its disk, the data folder, the app's own files), not
        something a server reported (`Reason.on_this_computer`)."""
        return self.reason is not None and self.reason.on_this_computer

    @property
    def has_saved_data(self) -> bool:
        """Data from an earlier sync is on screen (the published state falls back to the
        cache's last sync, also when only the start-up peek read it)."""
        return self.last_synced_at is not None


@dataclass(frozen=True)
class TokenView:
    """One reset credit in the wallet, with the recipient of the invitation that earned it
    ("" if unknown or complimentary): the recipient is the invitation's, not the credit's, so
    the view holds the credit as the backend sent it and adds only that."""

    credit: Credit
    recipient: str = ""


@dataclass(frozen=True)
class InvitationView:
    """One invitation as a checklist with its state and plain-words reason."""

    id: str  # backend id, or "local-<uuid>" while queued
    recipient: str
    link: str  # "" while queued
    state: InvitationState
    created_at: datetime
    link_opened: bool
    joined_kind: str | None  # None | "new" | "reactivated"
    workspace_ready: bool
    prompts: int
    prompts_required: int
    reason: str
    history: tuple[tuple[InvitationState, datetime], ...] = ()
    message_subject: str = ""  # the email the backend dispatched (empty while queued)
    message_body: str = ""
    sequence: int = 0  # the backend's creation order (newest: highest); 0 while queued
    rewardless: bool = False  # sent while no reward capacity was left
    last_sent_at: datetime | None = None  # when its email last went out
    resend_available_at: datetime | None = None  # from when it can be resent; None: it cannot
    emails_sent: int = 1


@dataclass(frozen=True)
class InvitationCounts:
    """How many invitations there are (queued ones included), while `AppState.invitations` holds
    only the newest: at start-up, many cached invitations come as a first screenful, the whole
    list a moment later (docs/PERFORMANCE.md)."""

    total: int
    pending: int  # not ended yet


@dataclass(frozen=True)
class AppState:
    """Everything the window shows. A new object on every change; never mutated."""

    account: Profile | None = None  # the signed-in operator, as the backend sent it
    eligibility: Eligibility = Eligibility.UNKNOWN
    eligibility_fetched_at: datetime | None = None
    policy: ReferralPolicy | None = None
    five_hour: UsageWindow | None = None
    weekly: UsageWindow | None = None
    cycle: RewardCycle | None = None  # resets earned this billing cycle against the cap
    tokens: tuple[TokenView, ...] = ()
    invitations: tuple[InvitationView, ...] = ()
    sync: SyncStatus = field(default_factory=SyncStatus)
    credentials_persistent: bool = True  # False: keyring unusable, sign-in lasts this session
    backend_now: datetime | None = None
    # Non-empty when the local cache was unusable (damaged, or from a newer version) and was
    # set aside and rebuilt, or could not be opened: a notice for the operator, this session.
    cache_notice: str = ""
    pending: tuple[PendingView, ...] = ()  # confirmed redeems/revokes/resends being settled
    offer: Offer | None = None  # the server's offer; None from a server that has none
    # Set while `invitations` is the first screenful only: the counts of the whole list.
    invitation_counts: InvitationCounts | None = None

    @property
    def redeem_pending(self) -> PendingView | None:
        """A confirmed redemption not yet settled: a new click reuses its key."""
        return next((p for p in self.pending if p.operation is Operation.REDEEM), None)

    @property
    def signed_in(self) -> bool:
        """An operator is signed in."""
        return self.account is not None

    @property
    def available_tokens(self) -> tuple[TokenView, ...]:
        """Spendable tokens, earliest expiry first (never-expiring last)."""
        spendable = [t for t in self.tokens if t.credit.state == "available"]
        return tuple(
            sorted(
                spendable,
                key=lambda t: (
                    t.credit.expires_at is None,
                    t.credit.expires_at or t.credit.granted_at,
                ),
            )
        )

    @property
    def show_referral_section(self) -> bool:
        """The invitation module exists only when the flag is known to be on and the server
        offers it (R1; no offer at all, from an older server, does not hide it)."""
        offered = self.offer is None or self.offer.offered
        return self.signed_in and self.eligibility is Eligibility.ELIGIBLE and offered

    def resending(self, invitation_id: str) -> bool:
        """A resend of this invitation's email is being settled."""
        return any(
            p.operation is Operation.RESEND and p.target == invitation_id for p in self.pending
        )

    @property
    def show_wallet(self) -> bool:
        """The wallet shows when eligible or when holding any token (earned tokens stay, R6)."""
        return self.show_referral_section or bool(self.tokens)


@dataclass(frozen=True)
class OperationResult:
    """How one intent (sign-in, send, revoke, redeem) ended, for the widget that started it.

    `key` identifies the intent: a later result with the same key settles an UNKNOWN one, and
    whatever showed the first replaces it. `message` is composed once, in desktop.domain.outcomes.
    """

    operation: Operation
    key: str
    outcome: Outcome
    message: str
    reason: Reason | None = None
    subject: str = ""  # the recipient (send), invitation id (revoke) or email (sign-in)
    invitation: InvitationView | None = None
    token: TokenView | None = None
    settles: bool = False  # this definite result replaces an UNKNOWN one shown before

    @property
    def definite(self) -> bool:
        """Nothing more will be reported for this key."""
        return self.outcome.definite


@dataclass(frozen=True)
class PendingView:
    """A confirmed redeem or revoke whose outcome is not known yet; the app is settling it."""

    key: str
    operation: Operation
    target: str  # invitation id of a revoke, "" for a redeem
    doubtful: bool  # an attempt may have reached the backend
