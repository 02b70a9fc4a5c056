"""The cache repository: domain-named reads and writes returning frozen records.

One instance belongs to one thread (the controller's database worker): it owns the connection.
Every method is one short transaction (BEGIN IMMEDIATE). The statements are plain SQL on
sqlite3 (`desktop.storage.database.connect`); the rows are read through their records
(`desktop.storage.rows`, which the peek shares) and the schema is the models' head revision
(`desktop.storage.models`, built by Alembic's migrations).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from desktop.domain.clock import Clock, utc_now
from desktop.domain.credits import Credit
from desktop.domain.offer import Offer
from desktop.domain.policy import FLAG_REFERRAL_PILOT
from desktop.domain.profile import Profile
from desktop.domain.usage import UsageWindow
from desktop.storage.database import connect, prepare_cache_file
from desktop.storage.records import (
    CachedInvitation,
    CacheSnapshot,
    LedgerEntry,
    OpenReport,
    PendingIntent,
    QueuedInvitation,
    SyncApplied,
    SyncDelta,
)
from desktop.storage.rows import (
    chunks,
    placeholders,
    read_accounts,
    read_intents,
    read_invitations,
    read_outbox,
    read_snapshot,
    read_tokens,
    required_time,
    stored,
    time_of,
)

log = logging.getLogger(__name__)


class CacheClosed(RuntimeError):
    """The repository was used before `open()` or after `close()`."""


class CacheRepository:
    """The client's cache in one SQLite file. Create anywhere; use from one thread only."""

    def __init__(self, path: Path, *, clock: Clock = utc_now) -> None:
        self.path = path
        self._clock = clock
        self._db: sqlite3.Connection | None = None

    # -- life cycle ----------------------------------------------------------------------------

    def open(self) -> OpenReport:
        """Migrate (backing up first) or rebuild a damaged file, then connect."""
        self.close()  # opened again: the earlier connection goes
        report = prepare_cache_file(self.path, self._clock())
        self._db = connect(self.path)
        with self._unit() as db:
            db.execute("INSERT OR IGNORE INTO sync_state (id, cursor) VALUES (1, 0)")
        return report

    def close(self) -> None:
        """Release the connection (checkpoints the WAL as the last one closes)."""
        if self._db is not None:
            self._db.close()
        self._db = None

    @property
    def is_open(self) -> bool:
        """`open()` succeeded and `close()` has not been called."""
        return self._db is not None

    @contextmanager
    def _unit(self) -> Iterator[sqlite3.Connection]:
        db = self._db
        if db is None:
            raise CacheClosed("the cache is not open")
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:  # a failed COMMIT (disk full) may leave it open
                with contextlib.suppress(sqlite3.Error):  # the first error is the one to tell
                    db.execute("ROLLBACK")
            raise

    # -- reads ---------------------------------------------------------------------------------

    def snapshot(self) -> CacheSnapshot:
        """Everything cached for the active account (an empty snapshot when signed out)."""
        with self._unit() as db:
            return read_snapshot(db).snapshot

    def cursor(self) -> int:
        """Where the next delta sync starts (0: everything)."""
        with self._unit() as db:
            return _Meta.read(db).cursor

    def active_account(self) -> Profile | None:
        """The account whose session was last open, if any."""
        with self._unit() as db:
            account_id = _Meta.read(db).active_account_id
            found = () if account_id is None else read_accounts(db, account_id)
            return found[0] if found else None

    def queued_invitations(self) -> tuple[QueuedInvitation, ...]:
        """The outbox of the active account, oldest first."""
        with self._unit() as db:
            account_id = _Meta.read(db).active_account_id
            return () if account_id is None else read_outbox(db, account_id)

    def ledger(self) -> tuple[LedgerEntry, ...]:
        """Grants, spends and expiries of the active account's tokens, in time order."""
        with self._unit() as db:
            account_id = _Meta.read(db).active_account_id
            if account_id is None:
                return ()
            rows = db.execute(
                "SELECT t.id, t.invitation_id, i.recipient, t.granted_at, t.spent_at, t.state, "
                "t.expires_at FROM token AS t LEFT OUTER JOIN invitation AS i "
                "ON i.id = t.invitation_id WHERE t.account_id = ?",
                (account_id,),
            ).fetchall()
        entries: list[LedgerEntry] = []
        for token_id, invitation_id, recipient, granted, spent, state, expires in rows:
            expires_at = time_of(expires)
            link = (token_id, invitation_id, recipient or "", expires_at)
            entries.append(LedgerEntry("granted", required_time(granted), *link))
            if spent is not None:
                entries.append(LedgerEntry("spent", required_time(spent), *link))
            if state == "expired" and expires_at is not None:
                entries.append(LedgerEntry("expired", expires_at, *link))
        entries.sort(key=lambda entry: (entry.at, entry.token_id, entry.event))
        return tuple(entries)

    # -- session -------------------------------------------------------------------------------

    def start_session(self, account: Profile) -> int:
        """Make `account` the cached one. Another account's data is dropped; returns how many of
        its queued invitations went with it."""
        with self._unit() as db:
            return _activate(db, account)

    def end_session(self) -> None:
        """Signed out: keep the rows (same operator signing in again resumes the delta sync)."""
        with self._unit() as db:
            db.execute("UPDATE sync_state SET active_account_id = NULL WHERE id = 1")

    # -- sync ----------------------------------------------------------------------------------

    def apply_sync(self, delta: SyncDelta) -> SyncApplied:
        """Store one sync result in one transaction: bulk upserts of only the changed rows.

        Rows are applied in the backend's version order (R8). A delta the cache cannot trust
        (see `untrusted_delta`) leaves the rows as they are and sets the cursor to 0, so the next
        sync is a full one; the outbox is kept. `SyncApplied.resync_needed` says so."""
        with self._unit() as db:
            _activate(db, delta.account)
            account_id = delta.account.id
            stored_cursor = _Meta.read(db).cursor
            problem = untrusted_delta(delta, stored_cursor)
            if problem:
                log.warning("cache resync from scratch: %s", problem)
                cursor = 0
            elif delta.full:
                cursor = delta.cursor
            else:
                # A slower answer from an older cursor must not move the cursor back.
                cursor = max(stored_cursor, delta.cursor)
            _Meta.write(
                db,
                cursor=cursor,
                last_synced_at=delta.fetched_at,
                backend_now=delta.backend_now,
            )
            _upsert(
                db,
                "flag",
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
                db,
                "policy",
                [
                    {
                        "account_id": account_id,
                        "values_json": json.dumps(delta.policy.to_mapping(), sort_keys=True),
                        "fetched_at": delta.fetched_at,
                    }
                ],
                ["account_id"],
            )
            _store_windows(db, account_id, (delta.five_hour, delta.weekly))
            _store_offer(db, account_id, delta.offer)
            cycle = delta.cycle
            _upsert(
                db,
                "cycle",
                [
                    {
                        "account_id": account_id,
                        "start": cycle.start,
                        "end": cycle.end,
                        "earned": cycle.earned,
                        "cap": cycle.cap,
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
                dropped_invitations = _drop_missing(db, "invitation", account_id, delta.invitations)
                dropped_tokens = _drop_missing(db, "token", account_id, delta.tokens)
            _store_invitations(db, account_id, delta.invitations, replace=delta.full)
            _store_tokens(db, account_id, delta.tokens, replace=delta.full)
            keys = [i.idempotency_key for i in delta.invitations if i.idempotency_key]
            done = _delete_outbox(db, account_id, keys)
            return SyncApplied(
                invitations=read_invitations(db, account_id, [i.id for i in delta.invitations]),
                tokens=read_tokens(db, account_id, [t.id for t in delta.tokens]),
                completed_outbox_keys=done,
                cursor=cursor,
                dropped_invitation_ids=dropped_invitations,
                dropped_token_ids=dropped_tokens,
            )

    # -- operations ----------------------------------------------------------------------------

    def queue_invitation(self, key: str, recipient: str) -> QueuedInvitation:
        """Put an invitation in the outbox before sending it (kept if the send fails)."""
        queued = QueuedInvitation(key, recipient, self._clock(), 0, "")
        with self._unit() as db:
            account_id = _require_account(db)
            for existing in read_outbox(db, account_id):
                if existing.key == key:
                    return existing
            values = {"account_id": account_id, **_fields(queued)}
            _insert(db, "outbox", [values])
        return queued

    def note_send_failure(self, key: str, error: str) -> None:
        """Remember a failed attempt on a queued invitation; it stays queued."""
        with self._unit() as db:
            db.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE key = ?",
                (error, key),
            )

    def complete_send(
        self, key: str, invitation: CachedInvitation | None
    ) -> CachedInvitation | None:
        """A queued send ended: drop it from the outbox, store what the backend created and
        return it as stored (a newer cached version wins)."""
        with self._unit() as db:
            account_id = _require_account(db)
            db.execute("DELETE FROM outbox WHERE key = ?", (key,))
            if invitation is None:
                return None
            _store_invitations(db, account_id, (invitation,))
            (stored_invitation,) = read_invitations(db, account_id, [invitation.id])
            return stored_invitation

    def store_offer(self, offer: Offer | None) -> None:
        """The offer as the server just handed it out (re-read after a changed one)."""
        with self._unit() as db:
            _store_offer(db, _require_account(db), offer)

    def open_intent(
        self, operation: str, target: str, new_key: str, credit_id: str = ""
    ) -> PendingIntent:
        """The unsettled intent for (operation, target), or a new one with `new_key` (and, for a
        redeem, the credit it names: an open one keeps the credit it was opened with).

        One transaction (BEGIN IMMEDIATE): two windows confirming at once get the same key."""
        with self._unit() as db:
            account_id = _require_account(db)
            for existing in read_intents(db, account_id):
                if (existing.operation, existing.target) == (operation, target):
                    return existing
            intent = PendingIntent(new_key, operation, target, self._clock(), 0, False, credit_id)
            _insert(db, "intent", [{"account_id": account_id, **_fields(intent)}])
            return intent

    def note_attempt(self, key: str, *, doubtful: bool) -> None:
        """One more attempt of an intent; `doubtful` once one may have reached the backend."""
        with self._unit() as db:
            db.execute(
                "UPDATE intent SET attempts = attempts + 1, doubtful = doubtful OR ? WHERE key = ?",
                (doubtful, key),
            )

    def close_intent(self, key: str) -> None:
        """The intent's outcome is definite: forget its key."""
        with self._unit() as db:
            db.execute("DELETE FROM intent WHERE key = ?", (key,))

    def store_invitation(self, invitation: CachedInvitation) -> CachedInvitation:
        """Store one invitation the backend returned (after a revoke, say); returns it as stored."""
        with self._unit() as db:
            account_id = _require_account(db)
            _store_invitations(db, account_id, (invitation,))
            (stored_invitation,) = read_invitations(db, account_id, [invitation.id])
            return stored_invitation

    def store_redemption(
        self, token: Credit, five_hour: UsageWindow, weekly: UsageWindow, backend_now: datetime
    ) -> Credit:
        """A token was spent: store it and the cleared usage windows; returns it as stored."""
        with self._unit() as db:
            account_id = _require_account(db)
            _store_tokens(db, account_id, (token,))
            _store_windows(db, account_id, (five_hour, weekly))
            _Meta.write(db, backend_now=backend_now)
            (stored_token,) = read_tokens(db, account_id, [token.id])
            return stored_token


# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Meta:
    """The `sync_state` row: whose data is cached and where the delta sync stands."""

    active_account_id: str | None
    cursor: int

    @staticmethod
    def read(db: sqlite3.Connection) -> _Meta:
        row = db.execute("SELECT active_account_id, cursor FROM sync_state WHERE id = 1").fetchone()
        if row is None:  # `open()` makes it; a file emptied meanwhile starts again
            db.execute("INSERT INTO sync_state (id, cursor) VALUES (1, 0)")
            return _Meta(None, 0)
        return _Meta(row[0], row[1])

    @staticmethod
    def write(db: sqlite3.Connection, **values: object) -> None:
        _Meta.read(db)  # the row exists
        assignments = ", ".join(f"{name} = :{name}" for name in values)
        db.execute(
            f"UPDATE sync_state SET {assignments} WHERE id = 1",
            {name: stored(value) for name, value in values.items()},
        )


def _require_account(db: sqlite3.Connection) -> str:
    account_id = _Meta.read(db).active_account_id
    if account_id is None:
        raise CacheClosed("no signed-in account in the cache")
    return account_id


def _activate(db: sqlite3.Connection, account: Profile) -> int:
    meta = _Meta.read(db)
    discarded = 0
    (others,) = db.execute("SELECT count(*) FROM account WHERE id != ?", (account.id,)).fetchone()
    if others:
        (discarded,) = db.execute(
            "SELECT count(*) FROM outbox WHERE account_id != ?", (account.id,)
        ).fetchone()
        # Children go by ON DELETE CASCADE (foreign_keys=ON); events cascade from invitations.
        db.execute("DELETE FROM account WHERE id != ?", (account.id,))
    known = db.execute("SELECT 1 FROM account WHERE id = ?", (account.id,)).fetchone()
    if meta.active_account_id != account.id and known is None:
        _Meta.write(db, cursor=0, last_synced_at=None, backend_now=None)
    _upsert(db, "account", [_fields(account)], ["id"])
    _Meta.write(db, active_account_id=account.id)
    return int(discarded)


def _columns(names: Iterable[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


def _insert(db: sqlite3.Connection, table: str, rows: Sequence[Mapping[str, object]]) -> None:
    _upsert(db, table, rows, ())


def _upsert(
    db: sqlite3.Connection,
    table: str,
    rows: Sequence[Mapping[str, object]],
    keys: Sequence[str],
    *,
    newer_only: bool = False,
) -> None:
    """Insert `rows` (all with the same columns); on a conflict of `keys`, update the other
    columns (with `newer_only`, only where the row's version is not lower than the stored)."""
    if not rows:
        return
    names = list(rows[0])
    statement = (
        f'INSERT INTO "{table}" ({_columns(names)}) '
        f"VALUES ({', '.join(f':{name}' for name in names)})"
    )
    if keys:
        changed = ", ".join(f'"{name}" = excluded."{name}"' for name in names if name not in keys)
        statement += f" ON CONFLICT ({_columns(keys)}) DO UPDATE SET {changed}"
        if newer_only:
            statement += f' WHERE excluded.version >= "{table}".version'
    db.executemany(
        statement, [{name: stored(value) for name, value in row.items()} for row in rows]
    )


def _store_windows(db: sqlite3.Connection, account_id: str, windows: Iterable[UsageWindow]) -> None:
    _upsert(
        db,
        "usage_window",
        [
            {
                "account_id": account_id,
                "kind": window.kind,
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
    db: sqlite3.Connection,
    account_id: str,
    invitations: Sequence[CachedInvitation],
    *,
    replace: bool = False,
) -> None:
    if not invitations:
        return
    # The backend's version orders changes: a reply that raced a newer one (a revoke answered
    # before an older sync) never wins, whatever its timestamps say.
    _upsert(
        db,
        "invitation",
        [_invitation_values(account_id, invitation) for invitation in invitations],
        ["id"],
        newer_only=not replace,
    )
    ids = [invitation.id for invitation in invitations]
    versions: dict[str, int] = {}
    for chunk in chunks(ids):
        marks = placeholders(len(chunk))
        versions.update(
            db.execute(f"SELECT id, version FROM invitation WHERE id IN ({marks})", tuple(chunk))
        )
    fresh = [i.id for i in invitations if versions.get(i.id) == i.version]
    for chunk in chunks(fresh):
        marks = placeholders(len(chunk))
        db.execute(f"DELETE FROM invitation_event WHERE invitation_id IN ({marks})", tuple(chunk))
    kept = set(fresh)
    events = [
        {"invitation_id": invitation.id, "seq": seq, "state": state, "at": at}
        for invitation in invitations
        if invitation.id in kept
        for seq, (state, at) in enumerate(invitation.history)
    ]
    _insert(db, "invitation_event", events)


def _invitation_values(account_id: str, invitation: CachedInvitation) -> dict[str, object]:
    # The columns are the record's fields, but the history: a table of its own.
    values = _fields(invitation)
    del values["history"]
    values["account_id"] = account_id
    return values


def _store_tokens(
    db: sqlite3.Connection, account_id: str, tokens: Sequence[Credit], *, replace: bool = False
) -> None:
    # Version order: an older "available" reply never brings a spent token back.
    _upsert(
        db,
        "token",
        [{"account_id": account_id, **_fields(token)} for token in tokens],
        ["id"],
        newer_only=not replace,
    )


def _fields(record: Any) -> dict[str, object]:
    """A record's fields by name, values as they are (no deep copy, unlike `asdict`)."""
    return {field.name: getattr(record, field.name) for field in dataclasses.fields(record)}


def _drop_missing(
    db: sqlite3.Connection,
    table: str,
    account_id: str,
    keep: Sequence[CachedInvitation] | Sequence[Credit],
) -> tuple[str, ...]:
    wanted = {row.id for row in keep}
    cached = db.execute(f'SELECT id FROM "{table}" WHERE account_id = ?', (account_id,))
    gone = [row_id for (row_id,) in cached.fetchall() if row_id not in wanted]
    for chunk in chunks(gone):
        marks = placeholders(len(chunk))
        db.execute(f'DELETE FROM "{table}" WHERE id IN ({marks})', tuple(chunk))
    return tuple(gone)


def _delete_outbox(db: sqlite3.Connection, account_id: str, keys: Sequence[str]) -> tuple[str, ...]:
    done: list[str] = []
    for chunk in chunks(list(keys)):
        marks = placeholders(len(chunk))
        done.extend(
            key
            for (key,) in db.execute(
                f"DELETE FROM outbox WHERE account_id = ? AND key IN ({marks}) RETURNING key",
                (account_id, *chunk),
            ).fetchall()
        )
    return tuple(done)


def _store_offer(db: sqlite3.Connection, account_id: str, offer: Offer | None) -> None:
    if offer is None:
        db.execute("DELETE FROM offer WHERE account_id = ?", (account_id,))
        return
    values = _fields(offer)  # the offer table's columns are the record's fields
    values["rules"] = json.dumps(list(offer.rules))
    values["account_id"] = account_id
    _upsert(db, "offer", [values], ["account_id"])
