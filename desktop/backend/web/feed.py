"""The long poll's waiters (`GET /v1/changes`), by account, on the server's event loop.

A wake costs one look per account that changed, not one per waiter: the backend store publishes
which accounts each committed write changed (desktop.backend.changes); the feed wakes only those
accounts' waiters, reads each such account's cursor once (`MockBackend.cursors`, one read for
every account due) and hands it to all of its waiters. While a look is under way, news gathers
and the next look takes it all. Writes by other processes on the same database (`sim` on the
file, the embedded app beside its child server) are not published here: every `period_s` while
anyone waits, one look covers every waiting account.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool

from desktop.backend.api import AuthenticationError
from desktop.backend.changes import EVERYONE
from desktop.backend.service import MockBackend
from desktop.domain.reasons import Reason

_ANSWERED_KEPT = 1024


@dataclass(frozen=True)
class _Waiter:
    session: str
    after: int


class ChangeFeed:
    """Waiting long polls of one server. Used on its event loop, except `_heard` (any thread)."""

    def __init__(self, backend: MockBackend, period_s: float, hold_s: float = 0.0) -> None:
        self._backend = backend
        self._period_s = period_s
        self._hold_s = hold_s
        self._answered: dict[str, float] = {}
        """Session -> when its latest poll answered with a moved cursor (for `hold_s`)."""
        self._waiters: dict[str, dict[asyncio.Future[int], _Waiter]] = {}
        self._pending: set[str] = set()
        self._looking: asyncio.Task[None] | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._fresh: dict[str, tuple[str, int]] = {}
        """Session -> (account, cursor) as the latest look found them, dropped when news for the
        account arrives: a poll asked again right after its answer needs no read of its own."""
        self._interested = 0
        self._news = 0
        self.looks = 0
        """Accounts looked at for waiters so far (one per changed account per wake)."""
        self.reads = 0
        """Polls that read their own cursor on arrival (the others found it fresh)."""

    def waiting(self) -> int:
        """How many long polls wait for a change now."""
        return sum(len(waiters) for waiters in self._waiters.values())

    def settled(self) -> bool:
        """No look is under way or due."""
        return not self._pending and (self._looking is None or self._looking.done())

    async def wait(self, session: str, after: int, timeout: float) -> int:
        """The session's cursor once it differs from `after`, or `after` when `timeout` passed.
        Raises as `MockBackend.watch` does (ended session, offline fault). A moved cursor is
        answered no sooner than `hold_s` after the session's previous one (within `timeout`;
        `after` 0 at once): a burst of changes costs a client one answer per `hold_s`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self._start_listening()
        try:
            cursor = await self._wait(session, after, timeout)
            if after == 0 or cursor == after or self._hold_s <= 0:
                return cursor
            previous = self._answered.get(session)
            if previous is not None:
                delay = min(previous + self._hold_s, deadline) - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            self._answered[session] = now = loop.time()
            if len(self._answered) > _ANSWERED_KEPT:  # forget the holds that have ended
                self._answered = {
                    key: at for key, at in self._answered.items() if at > now - self._hold_s
                }
            return cursor
        finally:
            self._stop_listening()

    async def _wait(self, session: str, after: int, timeout: float) -> int:
        news = self._news
        fresh = self._fresh.get(session)
        if fresh is not None:
            account, current = fresh
        else:
            self.reads += 1
            account, current = await run_in_threadpool(self._backend.watch, session)
        if current != after or timeout <= 0:
            return current
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        waiters = self._waiters.setdefault(account, {})
        waiters[future] = _Waiter(session, current)
        if self._news != news:  # news came while reading: it may be newer than `current`
            self._mark(frozenset({account}))
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            return current
        finally:
            del waiters[future]
            if not waiters:
                self._waiters.pop(account, None)

    def _start_listening(self) -> None:
        self._interested += 1
        if self._interested == 1:
            self._loop = asyncio.get_running_loop()
            self._unsubscribe = self._backend.store.changes.subscribe(self._heard)
            self._ticker = self._loop.create_task(self._tick())

    def _stop_listening(self) -> None:
        self._interested -= 1
        if self._interested == 0:
            self._fresh.clear()  # unheard news could make it stale
            if self._unsubscribe is not None:
                self._unsubscribe()
            if self._ticker is not None:
                self._ticker.cancel()
            self._unsubscribe = self._ticker = None

    def _heard(self, changed: frozenset[str]) -> None:
        """From the committing thread: hand the news to the event loop."""
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits
                loop.call_soon_threadsafe(self._mark, changed)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self._period_s)
            self._mark(EVERYONE)

    def _mark(self, changed: frozenset[str]) -> None:
        self._news += 1
        if changed.isdisjoint(EVERYONE):
            self._fresh = {
                session: seen for session, seen in self._fresh.items() if seen[0] not in changed
            }
            self._pending.update(account for account in changed if account in self._waiters)
        else:
            self._fresh.clear()
            self._pending.update(self._waiters)
        if self._pending and (self._looking is None or self._looking.done()):
            self._looking = asyncio.get_running_loop().create_task(self._look())

    async def _look(self) -> None:
        while self._pending:
            due, self._pending = self._pending, set()
            watched = {
                account: {waiter.session for waiter in self._waiters[account].values()}
                for account in due
                if account in self._waiters
            }
            if not watched:
                continue
            self.looks += len(watched)
            news = self._news
            try:
                cursors, ended = await run_in_threadpool(self._backend.cursors, watched)
            except Exception as error:  # offline fault, a database fault: every waiter hears it
                for account in watched:
                    for future in self._waiters.get(account, {}):
                        if not future.done():
                            future.set_exception(error)
                continue
            if self._news == news:  # nothing heard during the read: its answer is current
                for account, sessions in watched.items():
                    if account in cursors:
                        for session in sessions - ended:
                            self._fresh[session] = (account, cursors[account])
            for account in watched:
                for future, waiter in self._waiters.get(account, {}).items():
                    if future.done():
                        continue
                    if waiter.session in ended:
                        future.set_exception(AuthenticationError(Reason.SESSION_ENDED))
                    elif account in cursors and cursors[account] != waiter.after:
                        future.set_result(cursors[account])
