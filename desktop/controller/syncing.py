"""Sync scheduling: pull changes since the cursor, store them, then let the outbox and the
unsettled intents finish with the backend's answer (R8, R11).

One sync at a time; a request during a sync runs once after it. The next sync is due after the
interval, or sooner after a failure (backoff, never later than the interval).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

from desktop.backend.api import AuthenticationError, BackendUnavailable, SyncDTO
from desktop.controller.hub import Hub, failure_of
from desktop.controller.mapping import sync_delta
from desktop.controller.model import AnsweredUsage, Views, views_of
from desktop.controller.runner import Cancel
from desktop.controller.state import SyncPhase, SyncStatus
from desktop.domain.reasons import explain
from desktop.storage import SyncApplied

if TYPE_CHECKING:
    from desktop.storage import CacheRepository, SyncDelta

AfterSync = Callable[[Callable[[bool], None]], None]
"""A step that runs after a stored sync and calls its argument with whether it went well."""


class SyncFlow:
    """Pulls and stores changes; `after` steps (outbox, intents) run in order after each one."""

    def __init__(self, hub: Hub, interval_ms: int) -> None:
        self._hub = hub
        self._interval_ms = interval_ms
        self._next: Cancel | None = None  # the wait before the next sync
        self._syncing = False
        self._again = False
        self._failures = 0
        self.cache_ready = False
        self.after: list[AfterSync] = []
        self.on_applied: list[Callable[[SyncApplied], None]] = []  # flows reading a sync
        self.on_finished: list[Callable[[], None]] = []  # after each sync, however it ended
        hub.request_sync = self.sync_now
        hub.on_new_session.append(self._reset)

    def stop(self) -> None:
        """No more syncs (shutdown)."""
        self._stop_timer()

    def sync_now(self) -> None:
        """Pull changes since the cursor and flush the outbox; coalesces with a running sync."""
        hub = self._hub
        if hub.run.closed or not self.cache_ready or hub.token is None:
            return
        if self._syncing:
            self._again = True
            return
        self._syncing = True
        self._stop_timer()
        hub.sync = dataclasses.replace(hub.sync, phase=SyncPhase.SYNCING)
        hub.publish()
        token, cursor, api, clock = hub.token, hub.model.cursor, hub.api, hub.clock
        answered = hub.model.answered_usage

        def pull() -> tuple[SyncDTO, SyncDelta]:
            dto = api.sync(token, cursor)
            return dto, sync_delta(dto, clock())  # thousands of rows: converted here, not on GUI

        hub.run.call(pull, lambda pulled: self._pulled(pulled, answered), self._failed)

    def soon(self) -> None:
        """An operation could not reach the backend: try again on the backoff schedule."""
        if not self._syncing and self._hub.token is not None:
            self._failures += 1
            self._start_timer(self._delay())

    def _reset(self) -> None:
        self._syncing = False
        self._again = False
        self._failures = 0
        self._stop_timer()

    def _pulled(
        self, pulled: tuple[SyncDTO, SyncDelta], answered: AnsweredUsage | None = None
    ) -> None:
        hub = self._hub
        dto, delta = pulled
        newer = hub.model.answered_usage
        if newer is not None and newer is not answered and delta.cursor < newer.version:
            # A redemption answered while this sync was out, and this snapshot was read before
            # it: its windows are the ones the spend cleared. Keep the spend's (its rows merge
            # by version anyway); the sync the spend asked for follows.
            delta = newer.over(delta)
        cached = hub.model.account
        if cached is not None and cached.id != dto.account.id:
            # The keyring's session is another account's (another data folder signed in): this
            # cache's cursor means nothing for it. Start that account's data from scratch.
            hub.model.clear()
            if not dto.full:
                self._syncing = False
                self.sync_now()
                return

        def store(cache: CacheRepository) -> tuple[SyncApplied, Views]:
            applied = cache.apply_sync(delta)
            return applied, views_of(applied.invitations)

        def stored(result: tuple[SyncApplied, Views]) -> None:
            applied, views = result
            hub.model.apply_sync(delta, applied, views)
            hub.hidden.difference_update(applied.completed_outbox_keys)
            hub.sync = SyncStatus(phase=SyncPhase.SYNCED, last_synced_at=delta.fetched_at)
            hub.publish()
            for read in self.on_applied:
                read(applied)
            if applied.resync_needed:  # the cache could not trust that answer: start over now
                self._again = True
            self._run_after(list(self.after))

        def failed(error: Exception) -> None:
            hub.cache_failed(error)
            self._finished(False)

        hub.run.cache(store, stored, failed)

    def _run_after(self, steps: list[AfterSync]) -> None:
        if not steps:
            self._finished(True)
            return

        def next_step(ok: bool) -> None:
            if ok:
                self._run_after(steps[1:])
            else:
                self._finished(False)

        steps[0](next_step)

    def _failed(self, error: Exception) -> None:
        hub = self._hub
        if isinstance(error, AuthenticationError):
            hub.on_session_lost(error.message)
            return
        _, reason, details = failure_of(error)
        phase = SyncPhase.OFFLINE if isinstance(error, BackendUnavailable) else SyncPhase.ERROR
        hub.sync = dataclasses.replace(
            hub.sync, phase=phase, message=explain(reason, details), reason=reason
        )
        hub.publish()
        self._finished(False)

    def _finished(self, ok: bool) -> None:
        hub = self._hub
        self._syncing = False
        for then in self.on_finished:
            then()
        self._failures = 0 if ok else self._failures + 1
        if self._again:
            self._again = False
            self.sync_now()
        elif hub.token is not None and not hub.run.closed:
            self._start_timer(self._delay())

    def _start_timer(self, milliseconds: int) -> None:
        self._stop_timer()
        self._next = self._hub.run.schedule(milliseconds, self.sync_now)

    def _stop_timer(self) -> None:
        if self._next is not None:
            self._next()
            self._next = None

    def _delay(self) -> int:
        if not self._failures:
            return self._interval_ms
        return min(self._hub.retry.delay_ms(self._failures), self._interval_ms)
