"""What the controller holds in memory between snapshots: the cache's content for the signed-in
operator, updated from what the cache reports back after each write, plus view caching so a
small delta costs little even over thousands of invitations.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter

from desktop.controller.mapping import (
    invitation_view,
    newest_first,
    placed_newest_first,
    queued_view,
)
from desktop.controller.state import InvitationView, TokenView
from desktop.domain.credits import Credit
from desktop.domain.cycles import RewardCycle
from desktop.domain.offer import Offer
from desktop.domain.policy import ReferralPolicy
from desktop.domain.profile import Profile
from desktop.domain.usage import UsageWindow
from desktop.storage import (
    CachedFlag,
    CachedInvitation,
    CacheSnapshot,
    PendingIntent,
    QueuedInvitation,
    SyncApplied,
    SyncDelta,
)


@dataclass(frozen=True)
class AnsweredUsage:
    """The usage windows an operation's own answer carried (a redemption), with the backend's
    change version of that operation. A sync whose snapshot has a lower cursor read the backend
    before the operation: its windows are older than these, whatever order the answers arrive
    in."""

    version: int
    five_hour: UsageWindow
    weekly: UsageWindow
    backend_now: datetime

    def over(self, delta: SyncDelta) -> SyncDelta:
        """`delta` with these windows instead of the older ones it read."""
        return dataclasses.replace(
            delta,
            five_hour=self.five_hour,
            weekly=self.weekly,
            backend_now=max(delta.backend_now, self.backend_now),
        )


PLACED_AT_MOST = 64
"""New invitations placed into the known order one by one; more, and everything is sorted."""
_ID = attrgetter("id")


Views = dict[str, InvitationView]
"""Invitation views by id, made on a worker thread (`views_of`)."""


def views_of(invitations: Iterable[CachedInvitation]) -> dict[str, InvitationView]:
    """The view of each invitation, by id, newest first. Pure: the controller's worker threads
    call it, so thousands of rows are neither converted nor sorted on the GUI thread: the model
    takes this order as it is (`load`, a first sync)."""
    return {view.id: view for view in newest_first(map(invitation_view, invitations))}


class ClientModel:
    """The signed-in operator's cached data, as plain records. GUI thread only."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        """Signed out: nothing to show."""
        self.account: Profile | None = None
        self.eligibility: CachedFlag | None = None
        self.policy: ReferralPolicy | None = None
        self.five_hour: UsageWindow | None = None
        self.weekly: UsageWindow | None = None
        self.cycle: RewardCycle | None = None
        self.invitations: dict[str, CachedInvitation] = {}
        self.tokens: dict[str, Credit] = {}
        self.outbox: dict[str, QueuedInvitation] = {}
        self.intents: dict[str, PendingIntent] = {}
        self.offer: Offer | None = None
        self.answered_usage: AnsweredUsage | None = None  # the newest, see AnsweredUsage
        self.cursor = 0
        self.last_synced_at: datetime | None = None
        self.backend_now: datetime | None = None
        self._views: dict[str, InvitationView] = {}
        self._ordered: tuple[InvitationView, ...] | None = None  # None: re-sort
        self._added: set[str] = set()  # new invitations, not in `_ordered` yet
        self._stale_views = False  # same order, some views replaced
        # (all, pending) cached invitations while `invitations` holds the first screenful only
        self.first_screenful_of: tuple[int, int] | None = None

    def load(
        self,
        snapshot: CacheSnapshot,
        views: Mapping[str, InvitationView] | None = None,
        first_screenful_of: tuple[int, int] | None = None,
    ) -> None:
        """Replace everything with what the cache holds; `views`: `views_of` its invitations,
        if already made; `first_screenful_of`: (all, pending) when the snapshot holds only the
        newest of the cached invitations."""
        self.first_screenful_of = first_screenful_of
        self.account = snapshot.account
        self.eligibility = snapshot.eligibility
        self.policy = snapshot.policy
        self.five_hour = snapshot.five_hour
        self.weekly = snapshot.weekly
        self.cycle = snapshot.cycle
        self.invitations = {row.id: row for row in snapshot.invitations}
        self.tokens = {row.id: row for row in snapshot.tokens}
        self.outbox = {row.key: row for row in snapshot.outbox}
        self.intents = {row.key: row for row in snapshot.intents}
        self.offer = snapshot.offer
        self.cursor = snapshot.cursor
        self.last_synced_at = snapshot.last_synced_at
        self.backend_now = snapshot.backend_now
        self._views = dict(views) if views is not None else views_of(snapshot.invitations)
        self._ordered = tuple(self._views.values())  # newest first already (`views_of`)
        self._added.clear()
        self._stale_views = False

    def apply_sync(
        self,
        delta: SyncDelta,
        applied: SyncApplied,
        views: Mapping[str, InvitationView] | None = None,
    ) -> None:
        """Merge one stored sync; `applied` holds the rows as the cache kept them, `views` the
        `views_of` its invitations, if already made."""
        self.account = delta.account
        self.eligibility = CachedFlag("referral_pilot", delta.eligible, delta.fetched_at)
        self.policy = delta.policy
        self.five_hour = delta.five_hour
        self.weekly = delta.weekly
        self.cycle = delta.cycle
        self.offer = delta.offer
        self.cursor = applied.cursor  # 0 when the cache asked for a resync from scratch
        self.last_synced_at = delta.fetched_at
        self.backend_now = delta.backend_now
        for invitation_id in applied.dropped_invitation_ids:
            self.invitations.pop(invitation_id, None)
            self._views.pop(invitation_id, None)
            self._added.discard(invitation_id)
            self._ordered = None
        for token_id in applied.dropped_token_ids:
            self.tokens.pop(token_id, None)
        if not self.invitations and views is not None and len(views) == len(applied.invitations):
            # The first sync into an empty model (thousands of rows): taken whole, at C speed.
            rows = applied.invitations
            self.invitations = dict(zip(map(_ID, rows), rows, strict=True))
            self._views = dict(views)
            # Newest first already (`views_of`, on the cache thread): the GUI thread does not
            # sort the 10,000 again (a pass over rows in order still builds every key).
            self._ordered = tuple(self._views.values())
            self._added.clear()
            self._stale_views = False
        else:
            for invitation in applied.invitations:
                view = None if views is None else views.get(invitation.id)
                self.put_invitation(invitation, view)
        for token in applied.tokens:
            self.tokens[token.id] = token
        for key in applied.completed_outbox_keys:
            self.unqueue(key)

    def put_invitation(
        self, invitation: CachedInvitation, view: InvitationView | None = None
    ) -> None:
        """Store one invitation as the cache kept it (`view`: its view, if already made)."""
        known = self.invitations.get(invitation.id)
        self.invitations[invitation.id] = invitation
        self._views[invitation.id] = view if view is not None else invitation_view(invitation)
        if known is None:
            self._added.add(invitation.id)
        elif known.sequence != invitation.sequence:
            self._ordered = None
        else:
            self._stale_views = True

    def queue(self, entry: QueuedInvitation) -> None:
        """An invitation waits in the outbox."""
        self.outbox[entry.key] = entry

    def unqueue(self, key: str) -> None:
        """An outbox entry is done (sent, refused or revoked)."""
        self.outbox.pop(key, None)

    def has_pending_invitation_for(self, recipient: str) -> bool:
        """Whether an address already has a queued or not yet final invitation (R2)."""
        if any(entry.recipient == recipient for entry in self.outbox.values()):
            return True
        return any(
            row.recipient == recipient and not row.state.is_final
            for row in self.invitations.values()
        )

    def invitation_views(self, hidden_keys: set[str]) -> tuple[InvitationView, ...]:
        """Queued invitations first (oldest first), then the backend's, newest first by their
        creation sequence (`newest_first`, the QA window's order too).

        Sorted at most once per change in the set, never per changed row; a few new
        invitations are placed into the known order instead (a send: no sort of thousands)."""
        if self._ordered is None or len(self._added) > PLACED_AT_MOST:
            self._ordered = newest_first(self._views.values())
        else:
            if self._stale_views:  # the same order: each row's current view (at C speed)
                self._ordered = tuple(map(self._views.__getitem__, map(_ID, self._ordered)))
            if self._added:
                added = (self._views[invitation_id] for invitation_id in self._added)
                self._ordered = placed_newest_first(self._ordered, added)
        self._added.clear()
        self._stale_views = False
        queued = tuple(
            queued_view(entry, self.policy)
            for entry in sorted(self.outbox.values(), key=lambda e: (e.queued_at, e.key))
            if entry.key not in hidden_keys
        )
        return queued + self._ordered if queued else self._ordered

    def token_views(self) -> tuple[TokenView, ...]:
        """The wallet, oldest grant first, each token with its invitation's recipient."""
        return tuple(
            TokenView(row, self.recipient_of(row.invitation_id))
            for row in sorted(self.tokens.values(), key=lambda t: (t.granted_at, t.id))
        )

    def recipient_of(self, invitation_id: str) -> str:
        """The recipient of a cached invitation, "" if unknown."""
        row = self.invitations.get(invitation_id)
        return "" if row is None else row.recipient

    def invitation_with_key(self, key: str) -> CachedInvitation | None:
        """The cached invitation the backend created for an idempotency key, if known."""
        return next((i for i in self.invitations.values() if i.idempotency_key == key), None)

    def pending_count(self, hidden_keys: set[str]) -> int:
        """Outbox entries shown as queued."""
        return sum(1 for key in self.outbox if key not in hidden_keys)
