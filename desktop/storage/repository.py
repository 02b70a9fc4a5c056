"""The cache repository: domain-named reads and writes returning frozen records.

One instance belongs to one thread (the controller's database worker): it owns the Session.
Every method is one short transaction.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import Session, sessionmaker

from desktop.domain.clock import Clock, utc_now
from desktop.domain.credits import Credit, CreditSource, CreditWindows
from desktop.domain.cycles import RewardCycle
from desktop.domain.invitations import InvitationState
from desktop.domain.offer import Offer
from desktop.domain.policy import FLAG_REFERRAL_PILOT, ReferralPolicy
from desktop.domain.profile import Profile
from desktop.domain.reasons import Reason
from desktop.domain.usage import UsageWindow, WindowKind
from desktop.storage.database import make_engine, prepare_cache_file
from desktop.storage.models import (
    AccountRow,
    CycleRow,
    FlagRow,
    IntentRow,
    InvitationEventRow,
    InvitationRow,
    OfferRow,
    OutboxRow,
    PolicyRow,
    SyncStateRow,
    TokenRow,
    UsageWindowRow,
)
from desktop.storage.records import (
    EMPTY_SNAPSHOT,
    CachedFlag,
    CachedInvitation,
    CacheSnapshot,
    LedgerEntry,
    OpenReport,
    PendingIntent,
    QueuedInvitation,
    SyncApplied,
    SyncDelta,
)

log = logging.getLogger(__name__)

_CHUNK = 500  # ids per IN (...) clause, well under SQLite's variable limit


class CacheClosed(RuntimeError):
    """The repository was used before `open()` or after `close()`."""


class CacheRepository:
    """The client's cache in one SQLite file. Create anywhere; use from one thread only."""

    def __init__(self, path: Path, *, clock: Clock = utc_now) -> None:
        self.path = path
        self._clock = clock
        self._engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None

    # -- life cycle ----------------------------------------------------------------------------

    def open(self) -> OpenReport:
        """Migrate (backing up first) or rebuild a damaged file, then connect."""
        report = prepare_cache_file(self.path, self._clock())
        self._engine = make_engine(self.path)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        with self._unit() as session:
            if session.get(SyncStateRow, 1) is None:
                session.add(SyncStateRow(id=1, cursor=0))
        return report

    def close(self) -> None:
        """Release the connections (checkpoints the WAL when the last one closes)."""
        if self._engine is not None:
            self._engine.dispose()
        self._engine = None
        self._sessions = None

    @property
    def is_open(self) -> bool:
        """`open()` succeeded and `close()` has not been called."""
        return self._engine is not None

    @contextmanager
    def _unit(self) -> Iterator[Session]:
        if self._sessions is None:
            raise CacheClosed("the cache is not open")
        with self._sessions.begin() as session:
            yield session

    # -- reads ---------------------------------------------------------------------------------

    def snapshot(self) -> CacheSnapshot:
        """Everything cached for the active account (an empty snapshot when signed out)."""
        with self._unit() as session:
            meta = _meta(session)
            account_id = meta.active_account_id
            account = None if account_id is None else session.get(AccountRow, account_id)
            if account is None:
                return EMPTY_SNAPSHOT
            flag = session.get(FlagRow, (account.id, FLAG_REFERRAL_PILOT))
            policy = session.get(PolicyRow, account.id)
            windows = {
                row.kind: _window(row)
                for row in session.scalars(
                    select(UsageWindowRow).where(UsageWindowRow.account_id == account.id)
                )
            }
            cycle = session.get(CycleRow, account.id)
            return CacheSnapshot(
                account=_account(account),
                eligibility=None
                if flag is None
                else CachedFlag(flag.name, flag.enabled, flag.fetched_at),
                policy=None if policy is None else _policy(policy.values_json),
                five_hour=windows.get(WindowKind.FIVE_HOUR),
                weekly=windows.get(WindowKind.WEEKLY),
                cycle=None
                if cycle is None
                else RewardCycle(cycle.start, cycle.end, cycle.earned, cycle.cap),
                tokens=self._tokens(session, account.id),
                invitations=self._invitations(session, account.id),
                outbox=self._outbox(session, account.id),
                intents=_intents(session, account.id),
                offer=_read_offer(session, account.id),
                cursor=meta.cursor,
                last_synced_at=meta.last_synced_at,
                backend_now=meta.backend_now,
            )

    def cursor(self) -> int:
        """Where the next delta sync starts (0: everything)."""
        with self._unit() as session:
            return _meta(session).cursor

    def active_account(self) -> Profile | None:
        """The account whose session was last open, if any."""
        with self._unit() as session:
            account_id = _meta(session).active_account_id
            row = None if account_id is None else session.get(AccountRow, account_id)
            return None if row is None else _account(row)

    def queued_invitations(self) -> tuple[QueuedInvitation, ...]:
        """The outbox of the active account, oldest first."""
        with self._unit() as session:
            account_id = _meta(session).active_account_id
            return () if account_id is None else self._outbox(session, account_id)

    def ledger(self) -> tuple[LedgerEntry, ...]:
        """Grants, spends and expiries of the active account's tokens, in time order."""
        with self._unit() as session:
            account_id = _meta(session).active_account_id
            if account_id is None:
                return ()
            rows = session.execute(
                select(TokenRow, InvitationRow.recipient)
                .outerjoin(InvitationRow, InvitationRow.id == TokenRow.invitation_id)
                .where(TokenRow.account_id == account_id)
            ).all()
        entries: list[LedgerEntry] = []
        for token, recipient in rows:
            link = (token.id, token.invitation_id, recipient or "", token.expires_at)
            entries.append(LedgerEntry("granted", token.granted_at, *link))
            if token.spent_at is not None:
                entries.append(LedgerEntry("spent", token.spent_at, *link))
            if token.state == "expired" and token.expires_at is not None:
                entries.append(LedgerEntry("expired", token.expires_at, *link))
        entries.sort(key=lambda entry: (entry.at, entry.token_id, entry.event))
        return tuple(entries)

    # -- session -------------------------------------------------------------------------------

    def start_session(self, account: Profile) -> int:
        """Make `account` the cached one. Another account's data is dropped; returns how many of
        its queued invitations went with it."""
        with self._unit() as session:
            return _activate(session, account)

    def end_session(self) -> None:
        """Signed out: keep the rows (same operator signing in again resumes the delta sync)."""
        with self._unit() as session:
            _meta(session).active_account_id = None

    # -- sync ----------------------------------------------------------------------------------

    def apply_sync(self, delta: SyncDelta) -> SyncApplied:
        """Store one sync result in one transaction: bulk upserts of only the changed rows.

        Rows are applied in the backend's version order (R8). A delta the cache cannot trust
        (see `untrusted_delta`) leaves the rows as they are and sets the cursor to 0, so the next
        sync is a full one; the outbox is kept. `SyncApplied.resync_needed` says so."""
        with self._unit() as session:
            _activate(session, delta.account)
            account_id = delta.account.id
            meta = _meta(session)
            problem = untrusted_delta(delta, meta.cursor)
            if problem:
                log.warning("cache resync from scratch: %s", problem)
                meta.cursor = 0
            elif delta.full:
                meta.cursor = delta.cursor
            else:
                # A slower answer from an older cursor must not move the cursor back.
                meta.cursor = max(meta.cursor, delta.cursor)
            meta.last_synced_at = delta.fetched_at
            meta.backend_now = delta.backend_now
            _upsert(
                session,
                FlagRow,
                [
                    {
                        "account_id": account_id,
                        "name": FLAG_REFERRAL_PILOT,
                        "enabled": delta.eligible,
                        "fetched_at": delta.fetched_at,
                    }
                ],
                ["account_id", "name"],
            )
            _upsert(
                session,
                PolicyRow,
                [
                    {
                        "account_id": account_id,
                        "values_json": json.dumps(delta.policy.to_mapping(), sort_keys=True),
                        "fetched_at": delta.fetched_at,
                    }
                ],
                ["account_id"],
            )
            _store_windows(session, account_id, (delta.five_hour, delta.weekly))
            _store_offer(session, account_id, delta.offer)
            _upsert(
                session,
                CycleRow,
                [
                    {
                        "account_id": account_id,
                        "start": delta.cycle.start,
                        "end": delta.cycle.end,
                        "earned": delta.cycle.earned,
                        "cap": delta.cycle.cap,
                    }
                ],
                ["account_id"],
            )
            if problem:
                return SyncApplied((), (), (), cursor=0, resync_needed=True)
            dropped_invitations: tuple[str, ...] = ()
            dropped_tokens: tuple[str, ...] = ()
            if delta.full:
                # The backend's whole truth: replace, whatever the cached versions (a rebuilt
                # backend counts from 1 again).
                dropped_invitations = _drop_missing(
                    session, InvitationRow, account_id, delta.invitations
                )
                dropped_tokens = _drop_missing(session, TokenRow, account_id, delta.tokens)
            _store_invitations(session, account_id, delta.invitations, replace=delta.full)
            _store_tokens(session, account_id, delta.tokens, replace=delta.full)
            keys = [i.idempotency_key for i in delta.invitations if i.idempotency_key]
            done = _delete_outbox(session, account_id, keys)
            return SyncApplied(
                invitations=_read_invitations(session, [i.id for i in delta.invitations]),
                tokens=_read_tokens(session, [t.id for t in delta.tokens]),
                completed_outbox_keys=done,
                cursor=meta.cursor,
                dropped_invitation_ids=dropped_invitations,
                dropped_token_ids=dropped_tokens,
            )

    # -- operations ----------------------------------------------------------------------------

    def queue_invitation(self, key: str, recipient: str) -> QueuedInvitation:
        """Put an invitation in the outbox before sending it (kept if the send fails)."""
        queued_at = self._clock()
        with self._unit() as session:
            account_id = _require_account(session)
            existing = session.get(OutboxRow, key)
            if existing is not None:
                return _queued(existing)
            session.add(
                OutboxRow(
                    key=key,
                    account_id=account_id,
                    recipient=recipient,
                    queued_at=queued_at,
                    attempts=0,
                    last_error="",
                )
            )
        return QueuedInvitation(key, recipient, queued_at, 0, "")

    def note_send_failure(self, key: str, error: str) -> None:
        """Remember a failed attempt on a queued invitation; it stays queued."""
        with self._unit() as session:
            session.execute(
                update(OutboxRow)
                .where(OutboxRow.key == key)
                .values(attempts=OutboxRow.attempts + 1, last_error=error)
            )

    def complete_send(
        self, key: str, invitation: CachedInvitation | None
    ) -> CachedInvitation | None:
        """A queued send ended: drop it from the outbox, store what the backend created and
        return it as stored (a newer cached version wins)."""
        with self._unit() as session:
            account_id = _require_account(session)
            session.execute(delete(OutboxRow).where(OutboxRow.key == key))
            if invitation is None:
                return None
            _store_invitations(session, account_id, (invitation,))
            (stored,) = _read_invitations(session, [invitation.id])
            return stored

    def store_offer(self, offer: Offer | None) -> None:
        """The offer as the server just handed it out (re-read after a changed one)."""
        with self._unit() as session:
            _store_offer(session, _require_account(session), offer)

    def open_intent(
        self, operation: str, target: str, new_key: str, credit_id: str = ""
    ) -> PendingIntent:
        """The unsettled intent for (operation, target), or a new one with `new_key` (and, for a
        redeem, the credit it names: an open one keeps the credit it was opened with).

        One transaction (BEGIN IMMEDIATE): two windows confirming at once get the same key."""
        with self._unit() as session:
            account_id = _require_account(session)
            existing = session.scalars(
                select(IntentRow).where(
                    IntentRow.account_id == account_id,
                    IntentRow.operation == operation,
                    IntentRow.target == target,
                )
            ).first()
            if existing is not None:
                return _intent(existing)
            row = IntentRow(
                key=new_key,
                account_id=account_id,
                operation=operation,
                target=target,
                created_at=self._clock(),
                attempts=0,
                doubtful=False,
                credit_id=credit_id,
            )
            session.add(row)
            session.flush()
            return _intent(row)

    def note_attempt(self, key: str, *, doubtful: bool) -> None:
        """One more attempt of an intent; `doubtful` once one may have reached the backend."""
        with self._unit() as session:
            values: dict[str, Any] = {"attempts": IntentRow.attempts + 1}
            if doubtful:
                values["doubtful"] = True
            session.execute(update(IntentRow).where(IntentRow.key == key).values(**values))

    def close_intent(self, key: str) -> None:
        """The intent's outcome is definite: forget its key."""
        with self._unit() as session:
            session.execute(delete(IntentRow).where(IntentRow.key == key))

    def store_invitation(self, invitation: CachedInvitation) -> CachedInvitation:
        """Store one invitation the backend returned (after a revoke, say); returns it as stored."""
        with self._unit() as session:
            _store_invitations(session, _require_account(session), (invitation,))
            (stored,) = _read_invitations(session, [invitation.id])
            return stored

    def store_redemption(
        self, token: Credit, five_hour: UsageWindow, weekly: UsageWindow, backend_now: datetime
    ) -> Credit:
        """A token was spent: store it and the cleared usage windows; returns it as stored."""
        with self._unit() as session:
            account_id = _require_account(session)
            _store_tokens(session, account_id, (token,))
            _store_windows(session, account_id, (five_hour, weekly))
            _meta(session).backend_now = backend_now
            (stored,) = _read_tokens(session, [token.id])
            return stored

    # -- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _tokens(session: Session, account_id: str) -> tuple[Credit, ...]:
        rows = session.scalars(
            select(TokenRow).where(TokenRow.account_id == account_id).order_by(TokenRow.granted_at)
        )
        return tuple(_token(row) for row in rows)

    @staticmethod
    def _invitations(session: Session, account_id: str) -> tuple[CachedInvitation, ...]:
        rows = session.scalars(
            select(InvitationRow)
            .where(InvitationRow.account_id == account_id)
            .order_by(InvitationRow.sequence.desc(), InvitationRow.id)
        ).all()
        history = _account_histories(session, account_id)
        return tuple(_invitation(row, history.get(row.id, ())) for row in rows)

    @staticmethod
    def _outbox(session: Session, account_id: str) -> tuple[QueuedInvitation, ...]:
        rows = session.scalars(
            select(OutboxRow)
            .where(OutboxRow.account_id == account_id)
            .order_by(OutboxRow.queued_at)
        )
        return tuple(_queued(row) for row in rows)


# ---------------------------------------------------------------------------------------------


def _meta(session: Session) -> SyncStateRow:
    meta = session.get(SyncStateRow, 1)
    if meta is None:
        meta = SyncStateRow(id=1, cursor=0)
        session.add(meta)
    return meta


def _require_account(session: Session) -> str:
    account_id = _meta(session).active_account_id
    if account_id is None:
        raise CacheClosed("no signed-in account in the cache")
    return account_id


def _activate(session: Session, account: Profile) -> int:
    meta = _meta(session)
    discarded = 0
    others = select(AccountRow.id).where(AccountRow.id != account.id)
    if session.scalar(select(func.count()).select_from(others.subquery())):
        discarded = (
            session.scalar(
                select(func.count())
                .select_from(OutboxRow)
                .where(OutboxRow.account_id != account.id)
            )
            or 0
        )
        # Children go by ON DELETE CASCADE (foreign_keys=ON); events cascade from invitations.
        session.execute(delete(AccountRow).where(AccountRow.id != account.id))
    if meta.active_account_id != account.id and session.get(AccountRow, account.id) is None:
        meta.cursor = 0
        meta.last_synced_at = None
        meta.backend_now = None
    _upsert(
        session,
        AccountRow,
        [
            {
                "id": account.id,
                "email": account.email,
                "display_name": account.display_name,
                "plan": account.plan,
                "billing_day": account.billing_day,
            }
        ],
        ["id"],
    )
    meta.active_account_id = account.id
    return discarded


def _upsert(
    session: Session,
    model: type[Any],
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    *,
    where: Any = None,
) -> None:
    if not rows:
        return
    statement = insert(model)
    changed = {name: statement.excluded[name] for name in rows[0] if name not in keys}
    statement = statement.on_conflict_do_update(index_elements=keys, set_=changed, where=where)
    session.execute(statement, list(rows))


def _store_windows(session: Session, account_id: str, windows: Iterable[UsageWindow]) -> None:
    _upsert(
        session,
        UsageWindowRow,
        [
            {
                "account_id": account_id,
                "kind": str(window.kind),
                "limit": window.limit,
                "used": window.used,
                "started_at": window.started_at,
            }
            for window in windows
        ],
        ["account_id", "kind"],
    )


def untrusted_delta(delta: SyncDelta, stored_cursor: int) -> str:
    """Why the cache cannot apply `delta` on top of a cache at `stored_cursor` ("" if it can).

    A full delta stands alone. A partial one must start at or before the stored cursor (else
    the changes between them are missing: another process reset this cache, say), must not end
    before it starts, and each of its rows must lie in since < version <= cursor."""
    if not delta.full and delta.since > stored_cursor:
        return f"a gap: the changes start at {delta.since}, the cache stands at {stored_cursor}"
    if not delta.full and delta.cursor < delta.since:
        return f"the cursor went back from {delta.since} to {delta.cursor}"
    low = -1 if delta.full else delta.since
    rows: list[CachedInvitation | Credit] = [*delta.invitations, *delta.tokens]
    for row in rows:
        if not low < row.version <= delta.cursor:
            return f"{row.id} has version {row.version}, outside {low}..{delta.cursor}"
    return ""


def _store_invitations(
    session: Session,
    account_id: str,
    invitations: Sequence[CachedInvitation],
    *,
    replace: bool = False,
) -> None:
    if not invitations:
        return
    table = InvitationRow.__table__
    excluded = insert(InvitationRow).excluded
    # The backend's version orders changes: a reply that raced a newer one (a revoke answered
    # before an older sync) never wins, whatever its timestamps say.
    _upsert(
        session,
        InvitationRow,
        [_invitation_values(account_id, invitation) for invitation in invitations],
        ["id"],
        where=None if replace else excluded.version >= table.c.version,
    )
    ids = [invitation.id for invitation in invitations]
    stored = {
        row_id: version
        for chunk in _chunks(ids)
        for row_id, version in session.execute(
            select(InvitationRow.id, InvitationRow.version).where(InvitationRow.id.in_(chunk))
        )
    }
    fresh = [i for i in invitations if stored.get(i.id) == i.version]
    for chunk in _chunks([invitation.id for invitation in fresh]):
        session.execute(
            delete(InvitationEventRow).where(InvitationEventRow.invitation_id.in_(chunk))
        )
    events = [
        {"invitation_id": invitation.id, "seq": seq, "state": str(state), "at": at}
        for invitation in fresh
        for seq, (state, at) in enumerate(invitation.history)
    ]
    if events:
        session.execute(insert(InvitationEventRow), events)


_INVITATION_COLUMNS = tuple(
    field.name for field in dataclasses.fields(CachedInvitation) if field.name != "history"
)
"""The invitation table's columns are the record's fields (but the history, a table of its own)."""


def _invitation_values(account_id: str, invitation: CachedInvitation) -> dict[str, Any]:
    values = {name: getattr(invitation, name) for name in _INVITATION_COLUMNS}
    values["state"] = str(invitation.state)
    values["account_id"] = account_id
    return values


def _store_tokens(
    session: Session, account_id: str, tokens: Sequence[Credit], *, replace: bool = False
) -> None:
    table = TokenRow.__table__
    excluded = insert(TokenRow).excluded
    # Version order: an older "available" reply never brings a spent token back.
    _upsert(
        session,
        TokenRow,
        [
            {
                "id": token.id,
                "account_id": account_id,
                "granted_at": token.granted_at,
                "expires_at": token.expires_at,
                "state": token.state,
                "invitation_id": token.invitation_id,
                "spent_at": token.spent_at,
                "version": token.version,
                "source": str(token.source),
                "title": token.title,
                "windows": str(token.windows),
            }
            for token in tokens
        ],
        ["id"],
        where=None if replace else excluded.version >= table.c.version,
    )


def _drop_missing(
    session: Session,
    model: type[InvitationRow] | type[TokenRow],
    account_id: str,
    keep: Sequence[CachedInvitation] | Sequence[Credit],
) -> tuple[str, ...]:
    wanted = {row.id for row in keep}
    cached = session.scalars(select(model.id).where(model.account_id == account_id)).all()
    gone = [row_id for row_id in cached if row_id not in wanted]
    for chunk in _chunks(gone):
        session.execute(delete(model).where(model.id.in_(chunk)))
    return tuple(gone)


def _delete_outbox(session: Session, account_id: str, keys: Sequence[str]) -> tuple[str, ...]:
    done: list[str] = []
    for chunk in _chunks(list(keys)):
        done.extend(
            session.scalars(
                delete(OutboxRow)
                .where(OutboxRow.account_id == account_id, OutboxRow.key.in_(chunk))
                .returning(OutboxRow.key)
            )
        )
    return tuple(done)


def _account_histories(
    session: Session, account_id: str
) -> dict[str, tuple[tuple[InvitationState, datetime], ...]]:
    rows = session.execute(
        select(InvitationEventRow.invitation_id, InvitationEventRow.state, InvitationEventRow.at)
        .join(InvitationRow, InvitationRow.id == InvitationEventRow.invitation_id)
        .where(InvitationRow.account_id == account_id)
        .order_by(InvitationEventRow.invitation_id, InvitationEventRow.seq)
    )
    return _group_events(rows)


def _group_events(
    rows: Iterable[Any],
) -> dict[str, tuple[tuple[InvitationState, datetime], ...]]:
    found: dict[str, list[tuple[InvitationState, datetime]]] = {}
    for invitation_id, state, at in rows:
        found.setdefault(invitation_id, []).append((InvitationState(state), at))
    return {key: tuple(value) for key, value in found.items()}


def _read_invitations(session: Session, ids: Sequence[str]) -> tuple[CachedInvitation, ...]:
    """The rows with these ids as stored, in the order given (ids not stored are skipped)."""
    rows: dict[str, InvitationRow] = {}
    events: list[Any] = []
    for chunk in _chunks(list(ids)):
        rows.update(
            (row.id, row)
            for row in session.scalars(select(InvitationRow).where(InvitationRow.id.in_(chunk)))
        )
        events.extend(
            session.execute(
                select(
                    InvitationEventRow.invitation_id,
                    InvitationEventRow.state,
                    InvitationEventRow.at,
                )
                .where(InvitationEventRow.invitation_id.in_(chunk))
                .order_by(InvitationEventRow.invitation_id, InvitationEventRow.seq)
            )
        )
    history = _group_events(events)
    return tuple(_invitation(rows[i], history.get(i, ())) for i in ids if i in rows)


def _read_tokens(session: Session, ids: Sequence[str]) -> tuple[Credit, ...]:
    rows: dict[str, TokenRow] = {}
    for chunk in _chunks(list(ids)):
        rows.update(
            (row.id, row) for row in session.scalars(select(TokenRow).where(TokenRow.id.in_(chunk)))
        )
    return tuple(_token(rows[i]) for i in ids if i in rows)


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _account(row: AccountRow) -> Profile:
    return Profile(row.id, row.email, row.display_name, row.plan, row.billing_day)


def _policy(values_json: str) -> ReferralPolicy:
    values = json.loads(values_json)
    known = ReferralPolicy().to_mapping().keys()
    return ReferralPolicy.from_mapping({k: v for k, v in values.items() if k in known})


def _window(row: UsageWindowRow) -> UsageWindow:
    return UsageWindow(WindowKind(row.kind), row.limit, row.used, row.started_at)


def _token(row: TokenRow) -> Credit:
    return Credit(
        row.id,
        row.granted_at,
        row.expires_at,
        row.state,
        row.invitation_id,
        row.spent_at,
        row.version,
        CreditSource(row.source),
        row.title,
        CreditWindows(row.windows),
    )


def _invitation(
    row: InvitationRow, history: tuple[tuple[InvitationState, datetime], ...]
) -> CachedInvitation:
    values = {name: getattr(row, name) for name in _INVITATION_COLUMNS}
    values["state"] = InvitationState(row.state)
    return CachedInvitation(**values, history=history)


def _intents(session: Session, account_id: str) -> tuple[PendingIntent, ...]:
    rows = session.scalars(
        select(IntentRow).where(IntentRow.account_id == account_id).order_by(IntentRow.created_at)
    )
    return tuple(_intent(row) for row in rows)


def _intent(row: IntentRow) -> PendingIntent:
    return PendingIntent(
        row.key,
        row.operation,
        row.target,
        row.created_at,
        row.attempts,
        row.doubtful,
        row.credit_id,
    )


_OFFER_COLUMNS = tuple(field.name for field in dataclasses.fields(Offer))
"""The offer table's columns are the record's fields (rules as a JSON list)."""


def _store_offer(session: Session, account_id: str, offer: Offer | None) -> None:
    if offer is None:
        session.execute(delete(OfferRow).where(OfferRow.account_id == account_id))
        return
    values = {name: getattr(offer, name) for name in _OFFER_COLUMNS}
    values["rules"] = json.dumps(list(offer.rules))
    reason = offer.unavailable_reason
    values["unavailable_reason"] = None if reason is None else reason.value
    values["account_id"] = account_id
    _upsert(session, OfferRow, [values], ["account_id"])


def _read_offer(session: Session, account_id: str) -> Offer | None:
    row = session.get(OfferRow, account_id)
    if row is None:
        return None
    values = {name: getattr(row, name) for name in _OFFER_COLUMNS}
    values["rules"] = tuple(json.loads(row.rules))
    reason = row.unavailable_reason
    values["unavailable_reason"] = None if reason is None else Reason(reason)
    return Offer(**values)


def _queued(row: OutboxRow) -> QueuedInvitation:
    return QueuedInvitation(row.key, row.recipient, row.queued_at, row.attempts, row.last_error)
