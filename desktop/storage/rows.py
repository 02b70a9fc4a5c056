"""The cache's rows as records, with sqlite3 alone: the reads of the peek and of the repository,
and the values they write (DESIGN R10: times stored as naive UTC text, returned aware).

Each table is read through its record type, whose fields name the columns (`_records`): a field
the cache gains is read here too, and a field that is neither a column nor computed fails loudly
(the peek then declines). The column types are SQLAlchemy's on SQLite, as the models and the
migrations (`desktop.storage.models`, Alembic) define the schema: DATETIME as
`YYYY-MM-DD HH:MM:SS.ffffff` text, booleans as 0/1.
"""

from __future__ import annotations

import json
import sqlite3
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple, TypeVar

from desktop.domain.clock import as_utc
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

R = TypeVar("R")


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


_NOTHING = Screenful(EMPTY_SNAPSHOT, 0, 0)


def read_snapshot(db: sqlite3.Connection, newest: int | None = None) -> Screenful:
    """Everything cached for the active account (an empty snapshot when signed out), read in
    the caller's transaction; with `newest`, only that many of the newest invitations (and
    those a token names), with the counts of all."""
    meta = db.execute(
        "SELECT active_account_id, cursor, last_synced_at, backend_now FROM sync_state WHERE id = 1"
    ).fetchone()
    if meta is None or meta[0] is None:
        return _NOTHING
    account_id, cursor, last_synced_at, backend_now = meta
    accounts = read_accounts(db, account_id)
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
        kind: UsageWindow(WindowKind(kind), limit, used, time_of(started_at))
        for kind, limit, used, started_at in db.execute(
            'SELECT kind, "limit", used, started_at FROM usage_window WHERE account_id = ?',
            (account_id,),
        )
    }
    cycles = _records(db, RewardCycle, "cycle", account_id, "account_id")
    among = None if newest is None else _newest(newest, account_id)
    invitations = _invitations(db, account_id, among)
    total, pending = len(invitations), sum(1 for i in invitations if not i.state.is_final)
    if newest is not None:
        total, pending = _counts(db, account_id)
    snapshot = CacheSnapshot(
        account=accounts[0],
        eligibility=None
        if flag is None
        else CachedFlag(flag[0], bool(flag[1]), required_time(flag[2])),
        policy=None if policy is None else _policy(policy[0]),
        five_hour=windows.get(WindowKind.FIVE_HOUR),
        weekly=windows.get(WindowKind.WEEKLY),
        cycle=cycles[0] if cycles else None,
        tokens=_tokens(db, account_id),
        invitations=invitations,
        outbox=read_outbox(db, account_id),
        intents=read_intents(db, account_id),
        offer=_offer(db, account_id),
        cursor=cursor,
        last_synced_at=time_of(last_synced_at),
        backend_now=time_of(backend_now),
    )
    return Screenful(snapshot, total, pending)


def read_accounts(db: sqlite3.Connection, account_id: str) -> tuple[Profile, ...]:
    """The cached profile with this id (none or one)."""
    return _records(db, Profile, "account", account_id, "id", key="id")


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
            converters[name] = time_of if optional else required_time
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


def _tokens(
    db: sqlite3.Connection, account_id: str, among: tuple[str, tuple[object, ...]] | None = None
) -> tuple[Credit, ...]:
    return _records(db, Credit, "token", account_id, "granted_at", among=among)


def read_tokens(db: sqlite3.Connection, account_id: str, ids: Sequence[str]) -> tuple[Credit, ...]:
    """The account's tokens with these ids as stored, in the order given (ids not stored are
    skipped)."""
    found = {
        token.id: token for chunk in chunks(ids) for token in _tokens(db, account_id, _ids(chunk))
    }
    return tuple(found[i] for i in ids if i in found)


def read_invitations(
    db: sqlite3.Connection, account_id: str, ids: Sequence[str]
) -> tuple[CachedInvitation, ...]:
    """The account's invitations with these ids as stored, with their history, in the order
    given (ids not stored are skipped)."""
    found = {
        invitation.id: invitation
        for chunk in chunks(ids)
        for invitation in _invitations(db, account_id, _ids(chunk))
    }
    return tuple(found[i] for i in ids if i in found)


CHUNK = 500
"""Ids per IN (...) clause, well under SQLite's variable limit."""


def chunks(items: Sequence[str]) -> typing.Iterator[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def placeholders(count: int) -> str:
    """`?, ?, ?` for an IN (...) clause of `count` values."""
    return ", ".join("?" * count)


def _ids(chunk: Sequence[str]) -> tuple[str, tuple[object, ...]]:
    return placeholders(len(chunk)), tuple(chunk)


_NEWEST = (
    "SELECT id FROM (SELECT id FROM invitation WHERE account_id = ? "
    "ORDER BY sequence DESC, id LIMIT ?) "
    "UNION SELECT invitation_id FROM token WHERE account_id = ? AND invitation_id IS NOT NULL"
)
"""The first screenful's invitations: the newest, and those a token names (its recipient)."""


def _newest(newest: int, account_id: str) -> tuple[str, tuple[object, ...]]:
    return _NEWEST, (account_id, newest, account_id)


def _invitations(
    db: sqlite3.Connection, account_id: str, among: tuple[str, tuple[object, ...]] | None = None
) -> tuple[CachedInvitation, ...]:
    """The account's invitations (`among`: a query of ids and its parameters: those only)."""
    where = "i.account_id = ?" if among is None else f"e.invitation_id IN ({among[0]})"
    where += "" if among is None else " AND +i.account_id = ?"
    history: dict[str, list[tuple[InvitationState, datetime]]] = {}
    for invitation_id, state, at in db.execute(
        "SELECT e.invitation_id, e.state, e.at FROM invitation_event AS e "
        f"JOIN invitation AS i ON i.id = e.invitation_id WHERE {where} "
        "ORDER BY e.invitation_id, e.seq",
        (*([] if among is None else among[1]), account_id),
    ):
        history.setdefault(invitation_id, []).append((_state(state), required_time(at)))
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


def read_outbox(db: sqlite3.Connection, account_id: str) -> tuple[QueuedInvitation, ...]:
    """The account's queued invitations, oldest first."""
    return _records(db, QueuedInvitation, "outbox", account_id, "queued_at")


def read_intents(db: sqlite3.Connection, account_id: str) -> tuple[PendingIntent, ...]:
    """The account's unsettled intents, oldest first."""
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


def stored(value: object) -> object:
    """A record's value as the cache stores it: times as SQLAlchemy's SQLite DATETIME text of
    the instant in UTC (naive values are UTC already), enumerations as their value."""
    if isinstance(value, datetime):
        return as_utc(value).replace(tzinfo=None).isoformat(" ", "microseconds")
    if isinstance(value, StrEnum):
        return value.value
    return value


def time_of(text: str | None) -> datetime | None:
    """SQLAlchemy's SQLite DATETIME text (naive UTC) as an aware UTC datetime."""
    return None if text is None else required_time(text)


def required_time(text: str) -> datetime:
    """SQLAlchemy's SQLite DATETIME text (naive UTC) as an aware UTC datetime."""
    # Parsing the offset is several times faster than `.replace(tzinfo=UTC)` (tens of
    # thousands of these for a large history); the tzinfo is the same `datetime.UTC`.
    try:
        return datetime.fromisoformat(text + "+00:00")
    except ValueError:  # written with an offset, by hand or by another tool: the instant
        return as_utc(datetime.fromisoformat(text))
