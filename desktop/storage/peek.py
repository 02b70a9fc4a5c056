"""A read-only look at the cache file with the standard library alone, for a fast first screen.

Opening the cache properly (`CacheRepository.open()`) imports SQLAlchemy and Alembic (about
0.4 s), checks the file's integrity and migrates it. The app should not wait for that to show the
operator what was cached last time (DESIGN R8: "at start-up it shows the cache at once"), so the
controller first asks `peek_snapshot()` here, shows that, and then opens the cache as usual; the
repository's own snapshot follows and wins.

The peek reads only a file at the head revision (`desktop.storage.revision.HEAD_REVISION`, whose
schema it knows), in one read transaction, writing nothing. Anything unexpected (no file,
another revision, a lock, damage) gives None: the normal open deals with it. It is not a second
copy of the schema: each table is read through its record type, whose fields name the columns.
`peek_first_screenful` reads the newest invitations only, with the counts of all, so the first
screen costs the same with 10,000 invitations cached as with 10; the controller reads the rest
once that is painted.
"""

from __future__ import annotations

import json
import sqlite3
import typing
from collections.abc import Callable, Mapping
from dataclasses import fields
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from desktop.domain.credits import Credit
from desktop.domain.cycles import RewardCycle
from desktop.domain.invitations import InvitationState
from desktop.domain.offer import Offer
from desktop.domain.policy import FLAG_REFERRAL_PILOT, ReferralPolicy
from desktop.domain.profile import Profile
from desktop.domain.usage import UsageWindow, WindowKind
from desktop.storage.records import (
    EMPTY_SNAPSHOT,
    CachedFlag,
    CachedInvitation,
    CacheSnapshot,
    PendingIntent,
    QueuedInvitation,
)
from desktop.storage.revision import HEAD_REVISION

R = TypeVar("R")

_BUSY_TIMEOUT_S = 0.2  # a writer holding the file: do not wait, the normal open will


class Screenful(NamedTuple):
    """The cache's first screenful: everything of the account but its invitations, of which only
    the newest (and those the tokens name, for the wallet's recipients); with the counts of all."""

    snapshot: CacheSnapshot
    total: int  # the account's cached invitations, all of them
    pending: int  # of which not final yet

    @property
    def complete(self) -> bool:
        """Whether `snapshot` holds every cached invitation (then it is the whole snapshot)."""
        return len(self.snapshot.invitations) == self.total


def peek_snapshot(path: Path) -> CacheSnapshot | None:
    """What `CacheRepository.snapshot()` would return for `path`, or None if unsure."""
    peeked = _peek(path, None)
    return None if peeked is None else peeked.snapshot


def peek_first_screenful(path: Path, newest: int) -> Screenful | None:
    """The snapshot with the `newest` invitations only (newest first, as the full one orders
    them), and the counts of all: a first screen that costs the same with 10,000 cached as
    with 10. None if unsure, as `peek_snapshot`."""
    return _peek(path, newest)


def _peek(path: Path, newest: int | None) -> Screenful | None:
    if not path.is_file():
        return None
    try:
        connection = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=_BUSY_TIMEOUT_S
        )
    except sqlite3.Error:
        return None
    try:
        connection.isolation_level = None
        connection.execute("BEGIN")  # one consistent read across the queries
        return _read(connection, newest)
    except (sqlite3.Error, ValueError, KeyError, TypeError):
        return None
    finally:
        connection.close()


_NOTHING = Screenful(EMPTY_SNAPSHOT, 0, 0)


def _read(db: sqlite3.Connection, newest: int | None) -> Screenful | None:
    revision = db.execute("SELECT version_num FROM alembic_version").fetchall()
    if revision != [(HEAD_REVISION,)]:
        return None
    meta = db.execute(
        "SELECT active_account_id, cursor, last_synced_at, backend_now FROM sync_state WHERE id = 1"
    ).fetchone()
    if meta is None or meta[0] is None:
        return _NOTHING
    account_id, cursor, last_synced_at, backend_now = meta
    accounts = _records(db, Profile, "account", account_id, "id", key="id")
    if not accounts:
        return _NOTHING
    flag = db.execute(
        "SELECT name, enabled, fetched_at FROM flag WHERE account_id = ? AND name = ?",
        (account_id, FLAG_REFERRAL_PILOT),
    ).fetchone()
    policy = db.execute(
        "SELECT values_json FROM policy WHERE account_id = ?", (account_id,)
    ).fetchone()
    windows = {
        kind: UsageWindow(WindowKind(kind), limit, used, _time(started_at))
        for kind, limit, used, started_at in db.execute(
            'SELECT kind, "limit", used, started_at FROM usage_window WHERE account_id = ?',
            (account_id,),
        )
    }
    cycles = _records(db, RewardCycle, "cycle", account_id, "account_id")
    invitations = _invitations(db, account_id, newest)
    total, pending = len(invitations), sum(1 for i in invitations if not i.state.is_final)
    if newest is not None:
        total, pending = _counts(db, account_id)
    snapshot = CacheSnapshot(
        account=accounts[0],
        eligibility=None
        if flag is None
        else CachedFlag(flag[0], bool(flag[1]), _required_time(flag[2])),
        policy=None if policy is None else _policy(policy[0]),
        five_hour=windows.get(WindowKind.FIVE_HOUR),
        weekly=windows.get(WindowKind.WEEKLY),
        cycle=cycles[0] if cycles else None,
        tokens=_tokens(db, account_id),
        invitations=invitations,
        outbox=_outbox(db, account_id),
        intents=_intents(db, account_id),
        offer=_offer(db, account_id),
        cursor=cursor,
        last_synced_at=_time(last_synced_at),
        backend_now=_time(backend_now),
    )
    return Screenful(snapshot, total, pending)


def _records(
    db: sqlite3.Connection,
    record: type[R],
    table: str,
    account_id: str,
    order: str,
    extra: Mapping[str, Callable[[dict[str, Any]], object]] | None = None,
    key: str = "account_id",
    among: tuple[str, tuple[object, ...]] | None = None,
) -> tuple[R, ...]:
    """Every `record` of the account in `table` (the rows whose `key` column is `account_id`),
    its columns named by the record's own fields; with `among` (a query of ids and its
    parameters), only those rows.

    One shape: the record type says what is read, so a field the cache gains is read here too
    (or the peek declines: a field that is neither a column nor in `extra` gives None)."""
    computed = extra or {}
    columns = {row[1] for row in db.execute(f'PRAGMA table_info("{table}")')}
    names = [field.name for field in fields(record)]  # type: ignore[arg-type]
    stored = [name for name in names if name not in computed]
    missing = set(stored) - columns
    if missing:
        raise KeyError(f"{table} has no column {sorted(missing)}")
    convert = _converters(record)
    quoted = ", ".join(f'"{name}"' for name in stored)
    where = f'"{key}" = ?'
    parameters: tuple[object, ...] = (account_id,)
    if among is not None:
        # `+` keeps SQLite from the account's index: the few ids chosen lead, by primary key.
        where = f'id IN ({among[0]}) AND +"{key}" = ?'
        parameters = (*among[1], account_id)
    rows = db.execute(f'SELECT {quoted} FROM "{table}" WHERE {where} ORDER BY {order}', parameters)
    made = []
    for row in rows:
        values = {name: convert[name](value) for name, value in zip(stored, row, strict=True)}
        for name, compute in computed.items():
            values[name] = compute(values)
        made.append(record(**values))
    return tuple(made)


def _converters(record: type) -> dict[str, Callable[[Any], object]]:
    """How each field's SQLite value becomes the record's: times, flags, states."""
    hints = typing.get_type_hints(record)
    converters: dict[str, Callable[[Any], object]] = {}
    for name, hint in hints.items():
        if typing.get_origin(hint) is tuple:
            converters[name] = _sentences  # the offer's rules: a JSON list of strings
            continue
        kinds = set(typing.get_args(hint)) or {hint}
        optional = type(None) in kinds
        kinds.discard(type(None))
        kind = next(iter(kinds)) if len(kinds) == 1 else None
        if kind is datetime:
            converters[name] = _time if optional else _required_time
        elif kind is bool:
            converters[name] = bool
        elif kind is InvitationState:
            converters[name] = _state
        elif isinstance(kind, type) and issubclass(kind, StrEnum):
            # A credit's source and windows; the offer's reason (NULL when offered).
            converters[name] = _optional(kind) if optional else kind
        else:
            converters[name] = _same
    return converters


def _same(value: object) -> object:
    return value


def _optional(convert: Callable[[Any], object]) -> Callable[[Any], object]:
    return lambda value: None if value is None else convert(value)


def _state(value: str) -> InvitationState:
    return _STATES[value]


_STATES = {state.value: state for state in InvitationState}


def _tokens(db: sqlite3.Connection, account_id: str) -> tuple[Credit, ...]:
    return _records(db, Credit, "token", account_id, "granted_at")


_NEWEST = (
    "SELECT id FROM (SELECT id FROM invitation WHERE account_id = ? "
    "ORDER BY sequence DESC, id LIMIT ?) "
    "UNION SELECT invitation_id FROM token WHERE account_id = ? AND invitation_id IS NOT NULL"
)
"""The first screenful's invitations: the newest, and those a token names (its recipient)."""


def _invitations(
    db: sqlite3.Connection, account_id: str, newest: int | None = None
) -> tuple[CachedInvitation, ...]:
    among = None if newest is None else (_NEWEST, (account_id, newest, account_id))
    where = "i.account_id = ?" if among is None else f"e.invitation_id IN ({among[0]})"
    where += "" if among is None else " AND +i.account_id = ?"
    history: dict[str, list[tuple[InvitationState, datetime]]] = {}
    for invitation_id, state, at in db.execute(
        "SELECT e.invitation_id, e.state, e.at FROM invitation_event AS e "
        f"JOIN invitation AS i ON i.id = e.invitation_id WHERE {where} "
        "ORDER BY e.invitation_id, e.seq",
        (*([] if among is None else among[1]), account_id),
    ):
        history.setdefault(invitation_id, []).append((_state(state), _required_time(at)))
    return _records(
        db,
        CachedInvitation,
        "invitation",
        account_id,
        "sequence DESC, id",
        {"history": lambda values: tuple(history.get(str(values["id"]), ()))},
        among=among,
    )


def _counts(db: sqlite3.Connection, account_id: str) -> tuple[int, int]:
    """The account's cached invitations: how many, and how many are not final yet."""
    total = pending = 0
    for state, count in db.execute(
        "SELECT state, count(*) FROM invitation WHERE account_id = ? GROUP BY state",
        (account_id,),
    ):
        total += count
        pending += 0 if _state(state).is_final else count
    return total, pending


def _outbox(db: sqlite3.Connection, account_id: str) -> tuple[QueuedInvitation, ...]:
    return _records(db, QueuedInvitation, "outbox", account_id, "queued_at")


def _intents(db: sqlite3.Connection, account_id: str) -> tuple[PendingIntent, ...]:
    return _records(db, PendingIntent, "intent", account_id, "created_at")


def _offer(db: sqlite3.Connection, account_id: str) -> Offer | None:
    offers = _records(db, Offer, "offer", account_id, "account_id")
    return offers[0] if offers else None


def _sentences(text: str) -> tuple[str, ...]:
    values = json.loads(text)
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise ValueError("offer rules are a JSON list of sentences")
    return tuple(values)


def _policy(values_json: str) -> ReferralPolicy:
    values = json.loads(values_json)
    known = ReferralPolicy().to_mapping().keys()
    return ReferralPolicy.from_mapping({k: v for k, v in values.items() if k in known})


def _time(text: str | None) -> datetime | None:
    """SQLAlchemy's SQLite DATETIME text (naive UTC) as an aware UTC datetime."""
    return None if text is None else _required_time(text)


def _required_time(text: str) -> datetime:
    # Parsing the offset is several times faster than `.replace(tzinfo=UTC)` (tens of
    # thousands of these for a large history); the tzinfo is the same `datetime.UTC`.
    return datetime.fromisoformat(text + "+00:00")
