"""A read-only look at the cache file with the standard library alone, for a fast first screen.

Opening the cache properly (`CacheRepository.open()`) imports SQLAlchemy and Alembic (about
0.4 s), checks the file's integrity and migrates it. The app should not wait for that to show the
operator what was cached last time (DESIGN R8: "at start-up it shows the cache at once"), so the
controller first asks `peek_snapshot()` here, shows that, and then opens the cache as usual; the
repository's own snapshot follows and wins.

The peek reads only a file at the head revision it knows (`PEEK_REVISION`; a test keeps it equal
to the migrations' head), in one read transaction, writing nothing. Anything unexpected (no file,
another revision, a lock, damage) gives None: the normal open deals with it.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path

from desktop.domain.invitations import InvitationState
from desktop.domain.policy import FLAG_REFERRAL_PILOT, ReferralPolicy
from desktop.domain.usage import UsageWindow, WindowKind
from desktop.storage.records import (
    EMPTY_SNAPSHOT,
    CachedAccount,
    CachedCycle,
    CachedFlag,
    CachedInvitation,
    CachedToken,
    CacheSnapshot,
    QueuedInvitation,
)

PEEK_REVISION = "0002_outbox_attempts_invitation_key"
"""The schema revision this reader understands (the Alembic head)."""

_BUSY_TIMEOUT_S = 0.2  # a writer holding the file: do not wait, the normal open will


def peek_snapshot(path: Path) -> CacheSnapshot | None:
    """What `CacheRepository.snapshot()` would return for `path`, or None if unsure."""
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
        return _read(connection)
    except (sqlite3.Error, ValueError, KeyError, TypeError):
        return None
    finally:
        connection.close()


def _read(db: sqlite3.Connection) -> CacheSnapshot | None:
    revision = db.execute("SELECT version_num FROM alembic_version").fetchall()
    if revision != [(PEEK_REVISION,)]:
        return None
    meta = db.execute(
        "SELECT active_account_id, cursor, last_synced_at, backend_now FROM sync_state WHERE id = 1"
    ).fetchone()
    if meta is None or meta[0] is None:
        return EMPTY_SNAPSHOT
    account_id, cursor, last_synced_at, backend_now = meta
    account = db.execute(
        "SELECT id, email, display_name, plan, billing_day FROM account WHERE id = ?",
        (account_id,),
    ).fetchone()
    if account is None:
        return EMPTY_SNAPSHOT
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
    cycle = db.execute(
        'SELECT start, "end", earned, cap FROM cycle WHERE account_id = ?', (account_id,)
    ).fetchone()
    return CacheSnapshot(
        account=CachedAccount(*account),
        eligibility=None
        if flag is None
        else CachedFlag(flag[0], bool(flag[1]), _required_time(flag[2])),
        policy=None if policy is None else _policy(policy[0]),
        five_hour=windows.get(WindowKind.FIVE_HOUR),
        weekly=windows.get(WindowKind.WEEKLY),
        cycle=None
        if cycle is None
        else CachedCycle(_required_time(cycle[0]), _required_time(cycle[1]), cycle[2], cycle[3]),
        tokens=_tokens(db, account_id),
        invitations=_invitations(db, account_id),
        outbox=_outbox(db, account_id),
        cursor=cursor,
        last_synced_at=_time(last_synced_at),
        backend_now=_time(backend_now),
    )


def _tokens(db: sqlite3.Connection, account_id: str) -> tuple[CachedToken, ...]:
    rows = db.execute(
        "SELECT id, granted_at, expires_at, state, invitation_id, spent_at FROM token "
        "WHERE account_id = ? ORDER BY granted_at",
        (account_id,),
    )
    return tuple(
        CachedToken(
            row_id, _required_time(granted), _time(expires), state, invitation, _time(spent)
        )
        for row_id, granted, expires, state, invitation, spent in rows
    )


def _invitations(db: sqlite3.Connection, account_id: str) -> tuple[CachedInvitation, ...]:
    history: dict[str, list[tuple[InvitationState, datetime]]] = {}
    states: dict[str, InvitationState] = {}  # a few distinct values, thousands of rows
    for invitation_id, state, at in db.execute(
        "SELECT e.invitation_id, e.state, e.at FROM invitation_event AS e "
        "JOIN invitation AS i ON i.id = e.invitation_id WHERE i.account_id = ? "
        "ORDER BY e.invitation_id, e.seq",
        (account_id,),
    ):
        parsed = states.get(state) or states.setdefault(state, InvitationState(state))
        history.setdefault(invitation_id, []).append((parsed, _required_time(at)))
    rows = db.execute(
        "SELECT id, recipient, link, state, created_at, updated_at, link_opened, joined_kind, "
        "workspace_ready, prompts, prompts_required, reason, idempotency_key FROM invitation "
        "WHERE account_id = ? ORDER BY created_at DESC, id",
        (account_id,),
    )
    return tuple(
        CachedInvitation(
            id=row_id,
            recipient=recipient,
            link=link,
            state=states.get(state) or states.setdefault(state, InvitationState(state)),
            created_at=_required_time(created),
            updated_at=_required_time(updated),
            link_opened=bool(opened),
            joined_kind=joined,
            workspace_ready=bool(ready),
            prompts=prompts,
            prompts_required=required,
            reason=reason,
            history=tuple(history.get(row_id, ())),
            idempotency_key=key,
        )
        for (
            row_id,
            recipient,
            link,
            state,
            created,
            updated,
            opened,
            joined,
            ready,
            prompts,
            required,
            reason,
            key,
        ) in rows
    )


def _outbox(db: sqlite3.Connection, account_id: str) -> tuple[QueuedInvitation, ...]:
    rows = db.execute(
        "SELECT key, recipient, queued_at, attempts, last_error FROM outbox "
        "WHERE account_id = ? ORDER BY queued_at",
        (account_id,),
    )
    return tuple(
        QueuedInvitation(key, recipient, _required_time(queued), attempts, error)
        for key, recipient, queued, attempts, error in rows
    )


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
