"""Quiet delta syncs answered from a per-account cache, validated against the database.

A desktop client syncs after every change it hears of, and on a timer; most of those syncs find
nothing of their own account newer than their cursor. Such an answer is the account's "standing
part" (profile, eligibility, policy, usage, cycle, offer, backend time) with empty change lists
and the database's current change version as the cursor. Building the standing part is most of
a sync's work (about a dozen ORM statements); checking that a stored one still holds takes one
plain statement, so a quiet sync answers from the cache when:

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

The check is one statement (`_QUICK`: the state row, the session joined to its account, the
account's newest invitation and token versions, whether anything is due), compiled once per
database dialect and run on a plain driver connection in autocommit (`BackendStore.plain_row`):
one statement is its own snapshot, so there is no pool checkout, BEGIN or COMMIT. Its row is
compared in the driver's own values with the row the same statement gave inside the full read
that built the entry (`remember`, on that read's snapshot), so nothing is converted per call.
The account is known before the statement from the session (a session's account never
changes); the look confirms it. The reads are the database's own, so a write by another process
(`sim` on the data folder, a second server on the same PostgreSQL) is seen as soon as it
commits. Every answer equals what the full read on the same snapshot gives
(tests/backend/test_sync_answers.py).

After the account's own changes (its invitations or tokens moved, or its account row: a send, a
redeem, a conversion, a usage change) the quiet check answers `Miss.BUILD` and the sync is built
on the entry instead of read in full (`MockBackend._built_sync`, round 8): on one snapshot,
`build_base` runs `_QUICK` first and checks everything above but the account's own rows and row;
then only the rows changed since the cursor are read, the account row again only if it moved,
and the parts that follow the rows (the cycle's earned count when a token moved, the offer's
capacities) are computed again. The built answer's standing part becomes the entry
(`keep_built`), so the next quiet sync answers from it.
"""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func, select

from desktop.backend.accounts import token_digest
from desktop.backend.store import Account, BackendState, Invitation, SessionRecord, Token
from desktop.backend.sweep import INVITATIONS_DUE, TOKENS_DUE, due_parameters
from desktop.backend.wire import json_body

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect

    from desktop.backend.api import SyncDTO
    from desktop.backend.database import BackendStore
    from desktop.backend.transaction import BackendTransaction

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
_QUICK = (
    select(
        BackendState.last_version,
        *_STATE_COLUMNS,
        SessionRecord.ended_at,
        *_ACCOUNT_COLUMNS,
        _NEWEST_INVITATION,
        _NEWEST_TOKEN,
        TOKENS_DUE,
        INVITATIONS_DUE,
    )
    .select_from(BackendState)
    .outerjoin(SessionRecord, SessionRecord.token_sha256 == bindparam("digest"))
    .outerjoin(Account, Account.id == SessionRecord.account_id)
    .where(BackendState.id == 1)
)
"""One statement: the state row, the session with its account (NULLs when unknown), the
account's newest invitation and token versions, and whether anything is due to expire
(parameters: digest, account, `due_parameters`)."""
_ENDED = 1 + len(_STATE_COLUMNS)
_ACCOUNT_END = _ENDED + 1 + len(_ACCOUNT_COLUMNS)
_STATE_KEYS = [column.key for column in _STATE_COLUMNS]
_FAULTS = tuple(
    1 + _STATE_KEYS.index(key) for key in ("fault_offline", "fault_latency_ms", "fault_error_rate")
)


class _Compiled:
    """`_QUICK` in one dialect's own SQL and parameter style, with its parameters' converters."""

    def __init__(self, dialect: Dialect) -> None:
        self._compiled = _QUICK.compile(dialect=dialect)
        # The IN list of pending states is expanded here once: the SQL is then fixed.
        expanded = self._compiled.construct_expanded_state(
            {"digest": "", "account": "", "due_now": None, "due_cutoff": None}
        )
        self.sql = expanded.statement
        self.order = expanded.positiontup
        self._converters = {
            name: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for name, bind in self._compiled.binds.items()
        }

    def parameters(self, values: dict[str, Any]) -> dict[str, Any]:
        """Every parameter in the driver's values (the statement's constants included)."""
        expanded = self._compiled.construct_expanded_state(values)
        assert expanded.statement == self.sql
        converted = {}
        for name, value in expanded.parameters.items():
            converter = self._converters.get(name)
            converted[name] = value if converter is None or value is None else converter(value)
        return converted

    def arguments(self, parameters: dict[str, Any]) -> Any:
        """The driver's arguments: a sequence for positional styles, else the mapping."""
        if self.order is None:
            return parameters
        return tuple(parameters[name] for name in self.order)


_COMPILED: dict[str, _Compiled] = {}


def _compiled(dialect: Dialect) -> _Compiled:
    found = _COMPILED.get(dialect.name)
    if found is None:
        found = _COMPILED[dialect.name] = _Compiled(dialect)
    return found


_CURSOR_MARK = -730_021_997_331_117
_SINCE_MARK = -730_021_997_331_229
"""Stand-ins for cursor and since while the standing part's body is written (no real answer
holds a negative number)."""


def _body_template(standing: SyncDTO) -> tuple[bytes, ...] | None:
    """The JSON body of `standing` cut around its cursor and since (those two differ per
    answer): (before, cursor or since, between, cursor or since, after) with the two middle
    parts b"c" or b"s"; None when the cut is not certain (then each answer is written whole)."""
    body = json_body(replace(standing, cursor=_CURSOR_MARK, since=_SINCE_MARK))
    cursor, since = str(_CURSOR_MARK).encode(), str(_SINCE_MARK).encode()
    if body.count(cursor) != 1 or body.count(since) != 1:
        return None
    at_cursor, at_since = body.index(cursor), body.index(since)
    if at_cursor < at_since:
        return (
            body[:at_cursor],
            b"c",
            body[at_cursor + len(cursor) : at_since],
            b"s",
            body[at_since + len(since) :],
        )
    return (
        body[:at_since],
        b"s",
        body[at_since + len(since) : at_cursor],
        b"c",
        body[at_cursor + len(cursor) :],
    )


@dataclass(frozen=True)
class _Clock:
    """The state row's clock columns (desktop.backend.clock.ClockFields) as the entry saw them."""

    clock_virtual_at: datetime
    clock_running: bool
    clock_real_anchor: datetime | None


@dataclass(frozen=True)
class _Entry:
    state: tuple[object, ...]  # the state row but its change version, as the driver gives it
    account: tuple[object, ...]  # the account row, as the driver gives it
    account_id: str
    clock: _Clock
    reset_floor: int
    now: datetime
    newest_invitation: int  # the account's newest invitation version (0: none)
    newest_token: int  # the account's newest token version (0: none)
    parameters: dict[str, Any]  # `_QUICK`'s, converted, the session's digest to be set
    standing: SyncDTO  # the answer with empty change lists (cursor and since set per answer)
    body: tuple[bytes, ...] | None  # its JSON body around cursor and since (`_body_template`)
    state_row: BackendState  # the state row it was read from (detached; never changed)
    account_row: Account  # the account row it was read from (detached; never changed)

    @property
    def newest(self) -> int:
        """The account's newest invitation or token version."""
        return max(self.newest_invitation, self.newest_token)

    def look_parameters(self, digest: str) -> dict[str, Any]:
        """`_QUICK`'s parameters for a session with this digest."""
        parameters = dict(self.parameters)
        parameters["digest"] = digest
        return parameters

    def json(self, cursor: int, since: int) -> bytes:
        """The wire's JSON body of this answer at `cursor`, asked `since`."""
        if self.body is None:
            return json_body(replace(self.standing, cursor=cursor, since=since))
        first, one, between, _, last = self.body
        values = (b"%d" % cursor, b"%d" % since) if one == b"c" else (b"%d" % since, b"%d" % cursor)
        return b"".join((first, values[0], between, values[1], last))


def _fetch(connection: Any, sql: str, arguments: Any) -> Any:
    """The first row of `sql` on a DBAPI connection (the unit of work's own snapshot)."""
    cursor = connection.cursor()
    try:
        cursor.execute(sql, arguments)
        return cursor.fetchone()
    finally:
        cursor.close()


def _newest(look: Any) -> tuple[int, int]:
    """The account's newest invitation and token versions in a `_QUICK` row (0: none)."""
    return int(look[_ACCOUNT_END] or 0), int(look[_ACCOUNT_END + 1] or 0)


def _standing_holds(store: BackendStore, entry: _Entry, look: Any, cursor: int) -> int | None:
    """The current change version when `look` (a `_QUICK` row) shows everything `entry` was
    built on unchanged but the account row and the account's own rows: the state row, a live
    session of that account, no fault, the same time, nothing due, a cursor to continue;
    None: read in full."""
    if look[1:_ENDED] != entry.state:
        return None  # the policy, clock, offer, faults, ... changed
    if look[_ENDED] is not None or look[_ENDED + 1] != entry.account_id:
        return None  # an ended or unknown session: the full read says why
    if any(look[index] for index in _FAULTS):
        return None  # the full read applies the faults (FaultInjector)
    now, clock_due = store.read_time(entry.clock)
    if clock_due or now != entry.now:
        return None
    if look[_ACCOUNT_END + 2] or look[_ACCOUNT_END + 3]:
        return None  # expiries due: the full read runs as a writer and sweeps them
    current = int(look[0])
    if cursor <= entry.reset_floor or cursor > current:
        return None  # a full snapshot
    return current


@dataclass(frozen=True)
class QuietLook:
    """`_QUICK` for one session's entry: its SQL and arguments in the driver's own form."""

    entry: _Entry
    sql: str
    arguments: Any


class Miss(enum.Enum):
    """Why the cache did not answer: READ (read in full) or BUILD (only the account's own rows
    or its account row changed since the entry: build the answer on it, `build_base`)."""

    READ = "read"
    BUILD = "build"


@dataclass(frozen=True)
class Built:
    """What `SyncAnswers.build_base` found on a read's snapshot: the entry to build on."""

    entry: _Entry
    look: tuple[Any, ...]  # `_QUICK`'s row on that snapshot
    digest: str
    cursor: int  # the snapshot's change version
    account_moved: bool  # the account row differs from the entry's: read it again
    newest_invitation: int
    newest_token: int


class SyncAnswers:
    """The per-account cache of quiet delta-sync answers (see the module's docstring)."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._sessions: dict[str, str] = {}  # session digest -> account id
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.built = 0  # answers built from an entry plus the changed rows (`keep_built`)

    def clear(self) -> None:
        """Forget every entry (answers are then read in full until built again)."""
        with self._lock:
            self._entries.clear()

    def answer(self, store: BackendStore, session: str, cursor: int) -> SyncDTO | Miss:
        """The quiet answer to `sync(session, cursor)` when the cache can give it on the
        database's current snapshot; else why not (`Miss`: read it in full and `remember` the
        result, or build it from the entry, `build_base`)."""
        found = self._found(store, session, cursor)
        if isinstance(found, Miss):
            return found
        return replace(found[0].standing, cursor=found[1], since=cursor)

    def answer_json(self, store: BackendStore, session: str, cursor: int) -> bytes | Miss:
        """`answer` as the wire's JSON body (`wire.json_body`), written from the entry's
        standing part with only the cursor and since filled in."""
        found = self._found(store, session, cursor)
        return found if isinstance(found, Miss) else found[0].json(found[1], cursor)

    def quiet_look(self, store: BackendStore, session: str) -> QuietLook | None:
        """The quiet check's one statement for `session`, for the caller to run on a plain
        connection of its own (the HTTP service's event loop: `BackendStore.plain_row_async`),
        then `answer_json_after`. None: no entry for the session (read in full)."""
        digest = token_digest(session)
        entry = self.entry_for(digest)
        if entry is None:
            return None
        statement = _compiled(store.engine.dialect)
        return QuietLook(entry, statement.sql, statement.arguments(entry.look_parameters(digest)))

    def answer_json_after(
        self, store: BackendStore, look: QuietLook, row: Any, cursor: int
    ) -> bytes | Miss:
        """`answer_json` from `look`'s row as the caller fetched it (None: not fetched). A
        miss is not counted here: the caller asks `answer_json` next, which counts it."""
        found = self._judged(store, look.entry, row, cursor)
        if isinstance(found, Miss):
            return found
        self._counted(found)
        entry, current = found
        return entry.json(current, cursor)

    def _found(self, store: BackendStore, session: str, cursor: int) -> tuple[_Entry, int] | Miss:
        with store.faults_translated():
            found = self._valid_answer(store, session, cursor)
        return self._counted(found)

    def _counted(self, found: tuple[_Entry, int] | Miss) -> tuple[_Entry, int] | Miss:
        with self._lock:
            if isinstance(found, Miss):
                self.misses += 1
            else:
                self.hits += 1
        return found

    def _valid_answer(
        self, store: BackendStore, session: str, cursor: int
    ) -> tuple[_Entry, int] | Miss:
        """The entry that answers, and the current change version; else why not."""
        look = self.quiet_look(store, session)
        if look is None:
            return Miss.READ
        return self._judged(store, look.entry, store.plain_row(look.sql, look.arguments), cursor)

    def _judged(
        self, store: BackendStore, entry: _Entry, look: Any, cursor: int
    ) -> tuple[_Entry, int] | Miss:
        """What `look` (`_QUICK`'s row for `entry`'s session, None: the driver failed) says:
        the entry answers at the current change version, or why not."""
        if look is None:
            return Miss.READ  # the driver failed: the full read reports it
        current = _standing_holds(store, entry, look, cursor)
        if current is None:
            return Miss.READ
        if look[_ENDED + 1 : _ACCOUNT_END] != entry.account:
            return Miss.BUILD  # the account row moved (usage, plan, ...): re-read it
        if _newest(look) != (entry.newest_invitation, entry.newest_token):
            return Miss.BUILD  # changes of its own
        if cursor < entry.newest:
            return Miss.BUILD  # changes of its own to send (another client built the entry)
        return entry, current

    def entry_for(self, digest: str) -> _Entry | None:
        """The entry of the session with this digest's account, if any."""
        account_id = self._sessions.get(digest)
        return None if account_id is None else self._entries.get(account_id)

    def build_base(
        self, store: BackendStore, connection: Any, session: str, cursor: int
    ) -> Built | None:
        """On the snapshot of `connection` (the DBAPI connection of a read-only unit of work,
        before its first statement): the entry whose standing part holds there but for the
        account's own rows and account row, with what changed; None: read in full."""
        digest = token_digest(session)
        entry = self.entry_for(digest)
        if entry is None:
            return None
        statement = _compiled(store.engine.dialect)
        look = _fetch(connection, statement.sql, statement.arguments(entry.look_parameters(digest)))
        current = None if look is None else _standing_holds(store, entry, look, cursor)
        if look is None or current is None:
            return None
        invitation, token = _newest(look)
        return Built(
            entry=entry,
            look=tuple(look),
            digest=digest,
            cursor=current,
            account_moved=look[_ENDED + 1 : _ACCOUNT_END] != entry.account,
            newest_invitation=invitation,
            newest_token=token,
        )

    def keep_built(self, built: Built, standing: SyncDTO, account: Account) -> None:
        """Keep `standing`, built on `built`'s snapshot, as the account's entry."""
        look = built.look
        entry = replace(
            built.entry,
            account=tuple(look[_ENDED + 1 : _ACCOUNT_END]),
            account_row=account,
            newest_invitation=built.newest_invitation,
            newest_token=built.newest_token,
            standing=standing,
            body=_body_template(standing),
        )
        with self._lock:
            self.built += 1
            if self._entries.get(entry.account_id) is built.entry:
                self._entries[entry.account_id] = entry

    def remember(
        self, tx: BackendTransaction, session: str, account: Account, answer: SyncDTO
    ) -> SyncDTO:
        """Keep the standing part of `answer`, a full read's (read-only units of work only:
        a writer's snapshot is not the one its answer is checked against later), with what
        `_QUICK` gives on the same snapshot."""
        if not tx.read_only:
            return answer
        statement = _compiled(tx.session.get_bind().dialect)
        digest = token_digest(session)
        parameters = statement.parameters(
            {"account": account.id, "digest": digest, **due_parameters(tx.now, tx.policy)}
        )
        look = _fetch(
            tx.session.connection().connection, statement.sql, statement.arguments(parameters)
        )
        if look is None or look[_ENDED + 1] != account.id or look[_ENDED] is not None:
            return answer
        state = tx.state
        standing = replace(answer, invitations=(), tokens=(), full=False, since=0)
        invitation, token = _newest(look)
        entry = _Entry(
            state=tuple(look[1:_ENDED]),
            account=tuple(look[_ENDED + 1 : _ACCOUNT_END]),
            account_id=account.id,
            clock=_Clock(state.clock_virtual_at, state.clock_running, state.clock_real_anchor),
            reset_floor=state.reset_floor,
            now=tx.now,
            newest_invitation=invitation,
            newest_token=token,
            parameters=parameters,
            standing=standing,
            body=_body_template(standing),
            state_row=state,
            account_row=account,
        )
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            if len(self._sessions) >= 4 * MAX_ENTRIES:
                self._sessions.clear()
            self._entries[account.id] = entry
            self._sessions[digest] = account.id
        return answer
