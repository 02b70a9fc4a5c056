"""Which accounts a committed write of this process changed: the signal the change feed's waiters
sleep on (`MockBackend.wait_for_change`, the long poll in desktop.backend.web.app).

`BackendStore.transaction()` collects, at each flush, the accounts whose synced rows changed
(an invitation's operator, a token's owner, an account row, a session of the account) and, after
the commit, publishes them. A change every account syncs (the policy, the clock, the offer, a
reset, a bulk UPDATE) publishes EVERYONE. Writes by another process on the same database are not
seen here: the waiters also look at the database on a bounded period for those.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from desktop.backend.store import Account, BackendState, Invitation, SessionRecord, Token

EVERYONE: frozenset[str] = frozenset({"*"})
"""Published when a change touches what every account syncs."""

Listener = Callable[[frozenset[str]], None]

_INFO_KEY = "referral_changed_accounts"
_STATE_BOOKKEEPING = frozenset({"last_version"})
"""BackendState columns a write changes without changing what anyone syncs."""


class ChangeSignal:
    """Listeners called, on the committing thread, with the accounts a commit changed (or
    EVERYONE). A listener must be quick and must not raise (it hands the news on)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: tuple[Listener, ...] = ()

    _by_database: weakref.WeakValueDictionary[str, ChangeSignal] = weakref.WeakValueDictionary()
    _by_database_lock = threading.Lock()

    @classmethod
    def of(cls, database: str) -> ChangeSignal:
        """The signal of `database` (its URL) in this process: the stores of one file (a
        backend and a Simulator opened apart) hear each other's commits."""
        with cls._by_database_lock:
            signal = cls._by_database.get(database)
            if signal is None:
                signal = cls._by_database[database] = cls()
            return signal

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` after each commit that changed something; returns the unsubscribe."""
        with self._lock:
            self._listeners = (*self._listeners, listener)

        def unsubscribe() -> None:
            with self._lock:
                self._listeners = tuple(item for item in self._listeners if item is not listener)

        return unsubscribe

    def publish(self, accounts: Iterable[str]) -> None:
        changed = frozenset(accounts)
        if not changed:
            return
        for listener in self._listeners:
            listener(changed)


def concerns(changed: frozenset[str], account: str) -> bool:
    """Whether a published change is one `account` syncs."""
    return account in changed or not changed.isdisjoint(EVERYONE)


def collect_changes(session: Session) -> set[str]:
    """Start collecting the accounts `session`'s flushes change; the returned set fills in."""
    changed: set[str] = set()
    session.info[_INFO_KEY] = changed
    return changed


def _accounts_of(row: object) -> frozenset[str]:
    if isinstance(row, Invitation):
        account: str | None = row.operator_id
    elif isinstance(row, Token | SessionRecord):
        account = row.account_id
    elif isinstance(row, Account):
        account = row.id
    else:
        return frozenset()  # no synced data of its own (events, keys: their parent changes too)
    # A row whose owner is only set through a relationship yet: not known, so everyone.
    return EVERYONE if account is None else frozenset({account})


def _state_changed(state: BackendState) -> bool:
    return any(
        attribute.history.has_changes()
        for attribute in inspect(state).attrs
        if attribute.key not in _STATE_BOOKKEEPING
    )


@event.listens_for(Session, "before_flush")
def _note_flushed_rows(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    changed: set[str] | None = session.info.get(_INFO_KEY)
    if changed is None:
        return
    for row in (*session.new, *session.dirty, *session.deleted):
        if isinstance(row, BackendState):
            if _state_changed(row):
                changed |= EVERYONE
            continue
        changed |= _accounts_of(row)


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_statements(state: ORMExecuteState) -> None:
    changed: set[str] | None = state.session.info.get(_INFO_KEY)
    if changed is not None and (state.is_update or state.is_delete):
        changed |= EVERYONE  # a bulk statement's rows are not known here (sweeps, reset)
