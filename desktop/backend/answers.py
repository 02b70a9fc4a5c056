"""Quiet delta syncs answered from a per-account cache, validated against the database.

A desktop client syncs after every change it hears of, and on a timer; most of those syncs find
nothing of their own account newer than their cursor. Such an answer is the account's "standing
part" (profile, eligibility, policy, usage, cycle, offer, backend time) with empty change lists
and the database's current change version as the cursor. Building the standing part is most of
a sync's work (about a dozen ORM statements); checking that a stored one still holds takes two
to four plain statements on one snapshot, so a quiet sync answers from the cache when:

- the state row (policy, offer settings, clock, link base, reset floor, faults, secret: every
  column but the change version) and the account's row are what they were when it was built,
  and the backend time is the same (a running clock's time moves with every call, so it never
  matches: with the clock running every sync is read in full; so is any read whose running
  clock is due to be written back);
- no invitation or token of the account has a version above the one it was built at (every
  change to those rows takes a new version from the global sequence, R8);
- nothing is due to expire at that time (`sweep.anything_due_at`), as `BackendStore.read`
  checks: a due expiry makes the full read a writer whose answer differs;
- the cursor is not older than the account's newest change and is not a full-snapshot cursor;
- no fault is set (offline, latency, error rate): then the call goes through the fault
  injector and a full read, as every call did before (the faults are read in the same
  snapshot, where `FaultInjector` would read them just before).

When the global change version has not moved since the entry was last checked, no versioned row
changed anywhere, so neither the account's rows nor anything due did: the check is then two
statements (state row; session and account). The reads are the database's own, so a write by
another process (`sim` on the data folder, a second server on the same PostgreSQL) is seen as
soon as it commits. Every answer equals what the full read on the same snapshot gives
(tests/backend/test_sync_answers.py).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, func, select

from desktop.backend.accounts import token_digest
from desktop.backend.store import (
    Account,
    BackendState,
    Invitation,
    SessionRecord,
    Token,
    snapshot_reads,
)
from desktop.backend.sweep import INVITATIONS_DUE, TOKENS_DUE, due_parameters
from desktop.backend.transaction import load_policy

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

    from desktop.backend.api import SyncDTO
    from desktop.backend.database import BackendStore
    from desktop.backend.transaction import BackendTransaction
    from desktop.domain.policy import ReferralPolicy

MAX_ENTRIES = 10_000
"""Accounts kept; past this the cache starts again empty (each entry is one small answer)."""

_STATE_COLUMNS = tuple(
    column for column in BackendState.__table__.columns if column.key != "last_version"
)
_ACCOUNT_COLUMNS = tuple(Account.__table__.columns)
assert _ACCOUNT_COLUMNS[0].key == "id"

_NEWEST_INVITATION = (
    select(func.max(Invitation.version))
    .where(Invitation.operator_id == bindparam("account"))
    .scalar_subquery()
)
_NEWEST_TOKEN = (
    select(func.max(Token.version))
    .where(Token.account_id == bindparam("account"))
    .scalar_subquery()
)
_LOOK = (
    select(BackendState.last_version, *_STATE_COLUMNS, SessionRecord.ended_at, *_ACCOUNT_COLUMNS)
    .select_from(BackendState)
    .outerjoin(SessionRecord, SessionRecord.token_sha256 == bindparam("digest"))
    .outerjoin(Account, Account.id == SessionRecord.account_id)
    .where(BackendState.id == 1)
)
"""One statement: the state row, and the session with its account (NULLs when unknown)."""
_ENDED = 1 + len(_STATE_COLUMNS)
_CHECK = select(_NEWEST_INVITATION, _NEWEST_TOKEN, TOKENS_DUE, INVITATIONS_DUE)
"""One statement: the account's newest versions, and whether anything is due to expire."""


def newest_version(reader: Session | Connection, account_id: str) -> int:
    """The highest change version among the account's invitations and tokens (0: none)."""
    row = reader.execute(select(_NEWEST_INVITATION, _NEWEST_TOKEN), {"account": account_id}).one()
    return max(int(row[0] or 0), int(row[1] or 0))


@dataclass(frozen=True)
class _Entry:
    state_key: tuple[object, ...]
    account_id: str
    account_key: tuple[object, ...]
    now: datetime
    checked_version: int  # the global change version at which this entry was last found valid
    newest: int  # the account's newest invitation or token version
    policy: ReferralPolicy
    standing: SyncDTO  # the answer with empty change lists (cursor and since set per answer)


class SyncAnswers:
    """The per-account cache of quiet delta-sync answers (see the module's docstring)."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def clear(self) -> None:
        """Forget every entry (answers are then read in full until built again)."""
        with self._lock:
            self._entries.clear()

    def answer(self, store: BackendStore, session: str, cursor: int) -> SyncDTO | None:
        """The quiet answer to `sync(session, cursor)` when the cache can give it on the
        database's current snapshot; None: read it in full (and `remember` the result)."""
        with (
            store.faults_translated(),
            snapshot_reads(store.engine).connect() as connection,
            connection.begin(),
        ):
            found = self._valid_answer(store, connection, session, cursor)
        with self._lock:
            if found is None:
                self.misses += 1
            else:
                self.hits += 1
        return found

    def _valid_answer(
        self, store: BackendStore, connection: Connection, session: str, cursor: int
    ) -> SyncDTO | None:
        look = connection.execute(_LOOK, {"digest": token_digest(session)}).one()
        state, ended, account_key = look[:_ENDED], look[_ENDED], tuple(look[_ENDED + 1 :])
        if look.fault_offline or look.fault_latency_ms or look.fault_error_rate:
            return None  # the full read applies the faults (FaultInjector)
        account_id = account_key[0]  # accounts.id (the state row has an `id` too)
        if account_id is None or ended is not None:
            return None  # the full read says why
        entry = self._entries.get(account_id)
        if entry is None or entry.account_key != account_key or entry.state_key != state[1:]:
            return None
        now, clock_due = store.read_time(look)
        if clock_due or now != entry.now:
            return None
        current = int(look.last_version)
        if cursor <= look.reset_floor or cursor > current or cursor < entry.newest:
            return None  # a full snapshot, or changes of its own to send
        if current != entry.checked_version:
            parameters = {"account": account_id, **due_parameters(now, entry.policy)}
            invitation, token, tokens_due, invitations_due = connection.execute(
                _CHECK, parameters
            ).one()
            if max(int(invitation or 0), int(token or 0)) != entry.newest:
                return None
            if tokens_due or invitations_due:
                return None
            self._store(replace(entry, checked_version=current))
        return replace(entry.standing, cursor=current, since=cursor)

    def remember(self, tx: BackendTransaction, account: Account, answer: SyncDTO) -> SyncDTO:
        """Keep the standing part of `answer`, a full read's (read-only units of work only:
        a writer's snapshot is not the one its answer is checked against later)."""
        if tx.read_only:
            entry = _Entry(
                state_key=tuple(getattr(tx.state, column.key) for column in _STATE_COLUMNS),
                account_id=account.id,
                account_key=tuple(getattr(account, column.key) for column in _ACCOUNT_COLUMNS),
                now=tx.now,
                checked_version=tx.state.last_version,
                newest=newest_version(tx.session, account.id),
                policy=load_policy(tx.state),
                standing=replace(answer, invitations=(), tokens=(), full=False, since=0),
            )
            self._store(entry)
        return answer

    def _store(self, entry: _Entry) -> None:
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[entry.account_id] = entry
