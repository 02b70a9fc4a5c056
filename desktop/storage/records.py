"""Frozen records the cache hands out and takes in. ORM objects never leave `desktop.storage`.

The profile, the billing cycle, the credits and the offer are kept as the domain types the
backend sends and the window shows (`desktop.domain.profile.Profile`,
`desktop.domain.cycles.RewardCycle`, `desktop.domain.credits.Credit`,
`desktop.domain.offer.Offer`); the rest differ from the contract's DTOs (docs/ARCHITECTURE.md,
"One shape per thing")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from desktop.domain.credits import Credit
from desktop.domain.cycles import RewardCycle
from desktop.domain.invitations import InvitationState
from desktop.domain.offer import Offer
from desktop.domain.policy import ReferralPolicy
from desktop.domain.profile import Profile
from desktop.domain.reasons import Reason
from desktop.domain.usage import UsageWindow


@dataclass(frozen=True)
class CachedFlag:
    """A feature flag value and when the client fetched it (local UTC clock)."""

    name: str
    enabled: bool
    fetched_at: datetime


@dataclass(frozen=True)
class CachedInvitation:
    """An invitation the backend knows of, with its status history."""

    id: str
    recipient: str
    link: str
    state: InvitationState
    created_at: datetime
    updated_at: datetime
    link_opened: bool
    joined_kind: str | None
    workspace_ready: bool
    prompts: int
    prompts_required: int
    reason: str
    history: tuple[tuple[InvitationState, datetime], ...]
    idempotency_key: str | None
    version: int  # the backend's change version: a lower one never replaces a higher one
    sequence: int  # the backend's creation order: lists show the highest first
    message_subject: str = ""  # the email the backend dispatched, word for word
    message_body: str = ""
    # Issue 14: sent with no reward capacity left; when its email last went out; from when it
    # can be resent (None: not pending); how many emails went out in all.
    rewardless: bool = False
    last_sent_at: datetime | None = None
    resend_available_at: datetime | None = None
    emails_sent: int = 1


@dataclass(frozen=True)
class QueuedInvitation:
    """An invitation waiting in the outbox, to be sent with its idempotency key."""

    key: str
    recipient: str
    queued_at: datetime
    attempts: int
    last_error: str


@dataclass(frozen=True)
class PendingIntent:
    """A confirmed redeem or revoke not yet settled; `key` is its idempotency key (R11)."""

    key: str
    operation: str  # redeem | revoke
    target: str  # the invitation id of a revoke, "" for a redeem
    created_at: datetime
    attempts: int
    doubtful: bool  # an attempt may have reached the backend
    credit_id: str = ""  # the credit a redeem names ("": the soonest-expiring one)


@dataclass(frozen=True)
class LedgerEntry:
    """One line of the token ledger: a grant, a spend or an expiry."""

    event: str  # granted | spent | expired
    at: datetime
    token_id: str
    invitation_id: str
    recipient: str
    expires_at: datetime | None = None  # the token's expiry (None: it never expires)


@dataclass(frozen=True)
class SyncDelta:
    """What one sync brought: the full profile and counters, and only the changed rows."""

    cursor: int
    account: Profile
    eligible: bool
    policy: ReferralPolicy
    five_hour: UsageWindow
    weekly: UsageWindow
    cycle: RewardCycle
    invitations: tuple[CachedInvitation, ...]
    tokens: tuple[Credit, ...]
    backend_now: datetime
    fetched_at: datetime
    full: bool = False  # the rows are all there are: drop cached ones the delta lacks
    since: int = 0  # the cursor the changes start from (rows: since < version <= cursor)
    offer: Offer | None = None  # None: the server sent none (the cached one is dropped)


@dataclass(frozen=True)
class SyncApplied:
    """What `apply_sync` left in the cache for the rows it touched."""

    invitations: tuple[CachedInvitation, ...]  # the delta's invitations as now stored
    tokens: tuple[Credit, ...]  # the delta's tokens as now stored
    completed_outbox_keys: tuple[str, ...]  # queued sends the backend already had
    # Where the next sync starts, as stored. 0 with `resync_needed`: the delta could not be
    # trusted (a gap after the stored cursor, a row outside since..cursor), so its rows were
    # not applied and the next sync is a full one. The outbox is kept.
    cursor: int
    dropped_invitation_ids: tuple[str, ...] = ()  # gone after a full sync
    dropped_token_ids: tuple[str, ...] = ()
    resync_needed: bool = False


@dataclass(frozen=True)
class CacheSnapshot:
    """Everything cached for the signed-in operator; `account` is None when signed out."""

    account: Profile | None
    eligibility: CachedFlag | None
    policy: ReferralPolicy | None
    five_hour: UsageWindow | None
    weekly: UsageWindow | None
    cycle: RewardCycle | None
    tokens: tuple[Credit, ...]
    invitations: tuple[CachedInvitation, ...]
    outbox: tuple[QueuedInvitation, ...]
    cursor: int
    last_synced_at: datetime | None
    backend_now: datetime | None
    intents: tuple[PendingIntent, ...] = ()
    offer: Offer | None = None


EMPTY_SNAPSHOT = CacheSnapshot(
    account=None,
    eligibility=None,
    policy=None,
    five_hour=None,
    weekly=None,
    cycle=None,
    tokens=(),
    invitations=(),
    outbox=(),
    cursor=0,
    last_synced_at=None,
    backend_now=None,
)


@dataclass(frozen=True)
class OpenReport:
    """How opening the cache went, so the app can tell the operator about a rebuild."""

    rebuilt_from: Path | None = None  # where a damaged file was moved to
    reason: Reason | None = None  # why it was rebuilt: CACHE_DAMAGED or CACHE_NEWER
    backup: Path | None = None  # copy taken before a migration
    migrated_from: str | None = None  # the revision the file had before migrating

    @property
    def rebuilt(self) -> bool:
        """The cache was unusable and started again empty."""
        return self.rebuilt_from is not None
