"""Where the controller's work runs: backend and keyring calls on daemon threads, every cache
access on one worker thread that owns the cache's Session. Callbacks run on the GUI thread.

Results arrive in one place (`_arrived`), and that is where a result from an ended session is
told apart (DESIGN R11: the stale guard is applied once, not in every callback): each job
remembers the session generation it was started under, and when the controller's generation has
moved on, the job's `stale` handler runs instead of `done`/`failed` (or nothing, if it has none).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from desktop.backend.api import ApiError, OutcomeUnknown
from desktop.controller.retry import RetryPolicy
from desktop.controller.tasks import CacheWorker, TaskSignals, start_call
from desktop.domain.outcomes import Outcome
from desktop.domain.reasons import Reason

if TYPE_CHECKING:
    from desktop.storage import CacheRepository

log = logging.getLogger(__name__)

T = TypeVar("T")
Done = Callable[[Any], None]
Failed = Callable[[Exception], None]
Stale = Callable[[object], None]
Cancel = Callable[[], None]
Wait = Callable[[int, Callable[[], None]], Cancel]
"""The controller's clock seam: call the function after that many milliseconds, on the GUI
thread, unless the returned `Cancel` is called first. Every backoff wait (retries, replays of a
lost sign-in, the sync's schedule, the change feed's) goes through it, so a test can pass one
that records the delays chosen and fires them when it says, instead of sleeping."""

SHUTDOWN_WAIT_MS = 1500
"""Closing never waits longer than this for backend calls: one cannot be interrupted, so one
still running is abandoned (its thread is a daemon) and its effect is settled by the intent it
belongs to at the next start (R11). The cache thread is not bound by it: see `shutdown`."""

ANY_SESSION = -1
"""The generation of work whose result is wanted whatever session is current (start-up)."""

_ORPHANED: list[TaskSignals] = []
"""The signals of runners that were shut down: never destroyed, since a call thread still
running (a long poll, a slow call) emits through them when its call returns; destroying them
under it crashed the app as it closed (a long poll woken by `api.close()`). Disconnected: an
answer that arrives there reaches nobody. One small QObject per controller ever shut down."""


def _nothing() -> None:
    pass


@dataclass
class _Job:
    done: Done
    failed: Failed
    stale: Stale | None
    generation: int
    timer: QTimer | None = None


class WorkRunner(QObject):
    """Runs work off the GUI thread and calls back on it; after `shutdown()` nothing calls back."""

    _cacheJob = Signal(int, object)
    _cacheStop = Signal()

    def __init__(
        self,
        cache: CacheRepository,
        retry: RetryPolicy,
        generation: Callable[[], int],
        parent: QObject | None = None,
        wait: Wait | None = None,
    ) -> None:
        super().__init__(parent)
        self._retry = retry
        self._wait: Wait = wait or self._qt_wait
        self._generation = generation
        self._signals = TaskSignals(self)
        self._signals.finished.connect(self._arrived)
        self._calls: set[threading.Thread] = set()  # joined (briefly) at shutdown
        self._detached: set[threading.Thread] = set()  # long polls: never waited for
        self._released: list[threading.Thread] = []  # the same, kept for `join_released`

        self._thread = QThread()
        self._thread.setObjectName("referral-cache")
        self._worker = CacheWorker(cache)
        self._worker.moveToThread(self._thread)
        self._cacheJob.connect(self._worker.run)
        self._cacheStop.connect(self._worker.stop)
        self._worker.finished.connect(self._arrived)
        self._thread.finished.connect(self._worker.deleteLater)

        self._jobs: dict[int, _Job] = {}
        self._next_job = 0
        self._waits: dict[int, Cancel] = {}  # pending waits, cancelled at shutdown
        self._next_wait = 0
        self._closed = False

    @property
    def closed(self) -> bool:
        """`shutdown()` has run."""
        return self._closed

    @property
    def is_shut_down(self) -> bool:
        """`shutdown()` ran and every thread has ended."""
        return self._closed and not self._thread.isRunning() and not self._running_calls()

    def start(self) -> None:
        """Start the cache thread (cache jobs sent before wait for it)."""
        if not self._closed and not self._thread.isRunning():
            self._thread.start()

    def shutdown(self, wait_ms: int = SHUTDOWN_WAIT_MS) -> bool:
        """Drop pending callbacks, close the cache and join the threads. Backend calls are
        waited for at most `wait_ms` in all, then abandoned; the cache thread is waited for
        until it has run every job already sent, then closed the cache. True when every thread
        has ended.

        The cache thread's work is local and finite (each statement bounded by SQLite's busy
        timeout), and what is queued there may be a write-ahead the operator was promised (a
        send in the outbox). Abandoning it at a fixed deadline, as before, lost those writes
        on a slow machine, let `App.close` close the cache under a running job, and aborted the
        process at exit ("QThread: Destroyed while thread is still running")."""
        if self._closed:
            return self.is_shut_down
        self._closed = True
        deadline = time.monotonic() + wait_ms / 1000
        for cancel in list(self._waits.values()):
            cancel()
        self._waits.clear()
        for job in self._jobs.values():
            if job.timer is not None:
                job.timer.stop()
        self._jobs.clear()
        if self._thread.isRunning():
            self._cacheStop.emit()  # runs after every cache job already sent
            if not self._thread.wait(max(0, int((deadline - time.monotonic()) * 1000))):
                log.warning("the cache thread is still finishing its work; waiting for it")
                self._thread.wait()
        for call in list(self._calls):
            call.join(max(0.0, deadline - time.monotonic()))
        running = self._running_calls()
        if running:
            log.warning("%d backend call(s) still running at shutdown; abandoned", running)
        # Always, not only when a thread is seen alive: a thread leaves its set just before it
        # emits, so no check here can prove that nobody will emit.
        self._signals.finished.disconnect(self._arrived)
        self._signals.setParent(None)  # outlives this runner and whoever deletes it
        _ORPHANED.append(self._signals)
        return self.is_shut_down

    def call(
        self,
        work: Callable[[], T],
        done: Callable[[T], None],
        failed: Failed,
        *,
        stale: Stale | None = None,
        timeout: bool = True,
        any_session: bool = False,
        detached: bool = False,
    ) -> None:
        """Run `work` on a daemon thread. With `timeout`, a call that outlives the policy's
        timeout fails now as OutcomeUnknown (it may still go through); its late answer is
        dropped. `any_session`: the result is wanted whatever session is current by then.
        `detached`: a read that may wait long (the change feed's long poll): shutdown does not
        wait for it, and it changes nothing, so abandoning it is harmless."""
        generation = ANY_SESSION if any_session else self._generation()
        self._call(work, cast(Done, done), failed, stale, generation, timeout, detached)

    def call_retrying(
        self,
        work: Callable[[], T],
        done: Callable[[T], None],
        failed: Failed,
        *,
        stale: Stale | None = None,
        any_session: bool = False,
    ) -> None:
        """`call`, retrying retryable errors with backoff; `work` must reuse its idempotency key.

        When every attempt fails, an attempt that may have been applied wins over a later clean
        failure (OutcomeUnknown over NotSent): that is what the operator must be told."""
        generation = ANY_SESSION if any_session else self._generation()

        def attempt(number: int, doubt: Exception | None) -> None:
            def on_error(error: Exception) -> None:
                unknown = isinstance(error, ApiError) and error.outcome is Outcome.UNKNOWN
                seen = error if unknown else doubt
                retryable = isinstance(error, ApiError) and error.retryable
                if retryable and number < self._retry.attempts:
                    self._later(
                        self._retry.delay_ms(number), lambda: attempt(number + 1, seen), generation
                    )
                elif retryable and seen is not None:
                    failed(seen)  # e.g. a lost answer, then a server error: still unknown
                else:
                    failed(error)

            self._call(work, cast(Done, done), on_error, stale, generation, True, False)

        attempt(1, None)

    def cache(
        self,
        work: Callable[[CacheRepository], T],
        done: Callable[[T], None],
        failed: Failed,
        *,
        stale: Stale | None = None,
        any_session: bool = False,
    ) -> None:
        """Run `work(cache)` on the cache thread, after every cache job sent before it."""
        if self._closed:
            return
        generation = ANY_SESSION if any_session else self._generation()
        job = self._add(cast(Done, done), failed, stale, generation)
        self._cacheJob.emit(job, work)

    def later(
        self, milliseconds: int, then: Callable[[], None], *, any_session: bool = False
    ) -> Cancel:
        """Call `then` on the GUI thread after a delay, unless shut down, (unless
        `any_session`) the session changed, or the returned `Cancel` was called."""
        return self._later(milliseconds, then, ANY_SESSION if any_session else self._generation())

    def schedule(self, milliseconds: int, then: Callable[[], None]) -> Cancel:
        """`later`, whatever session is current by then (the sync's own schedule)."""
        return self._later(milliseconds, then, ANY_SESSION)

    def _later(self, milliseconds: int, then: Callable[[], None], generation: int) -> Cancel:
        if self._closed:
            return _nothing
        self._next_wait += 1
        number = self._next_wait

        def fire() -> None:
            self._waits.pop(number, None)
            if not self._closed and generation in (ANY_SESSION, self._generation()):
                then()

        def cancel() -> None:
            pending = self._waits.pop(number, None)
            if pending is not None:
                pending()

        self._waits[number] = self._wait(milliseconds, fire)
        return cancel

    def _qt_wait(self, milliseconds: int, then: Callable[[], None]) -> Cancel:
        timer = QTimer(self)
        timer.setSingleShot(True)

        def fire() -> None:
            timer.deleteLater()
            then()

        def cancel() -> None:  # only before it fired: `_later` forgets a wait that fired
            timer.stop()
            timer.deleteLater()

        timer.timeout.connect(fire)
        timer.start(milliseconds)
        return cancel

    def _call(
        self,
        work: Callable[[], object],
        done: Done,
        failed: Failed,
        stale: Stale | None,
        generation: int,
        timeout: bool,
        detached: bool,
    ) -> None:
        if self._closed:
            return
        job = self._add(done, failed, stale, generation)
        if timeout:
            timer = QTimer(self)
            timer.setSingleShot(True)
            timer.timeout.connect(lambda: self._timed_out(job))
            timer.start(self._retry.call_timeout_ms)
            self._jobs[job].timer = timer
        thread = start_call(job, work, self._signals, self._detached if detached else self._calls)
        if detached:
            self._released = [*(t for t in self._released if t.is_alive()), thread]

    def join_released(self, timeout_s: float) -> bool:
        """Wait, at most `timeout_s` in all, for the detached calls (the change feed's long
        poll) that `shutdown` does not wait for; call it once what they wait on is closed (the
        API), when they return at once. True when none still runs: the process can then exit
        with none of its threads inside the backend or emitting a signal."""
        deadline = time.monotonic() + timeout_s
        for thread in self._released:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in self._released)

    def _running_calls(self) -> int:
        return sum(1 for call in list(self._calls) if call.is_alive())  # list: threads leave it

    def _add(self, done: Done, failed: Failed, stale: Stale | None, generation: int) -> int:
        self._next_job += 1
        self._jobs[self._next_job] = _Job(done, failed, stale, generation)
        return self._next_job

    def _timed_out(self, job: int) -> None:
        self._arrived(job, None, OutcomeUnknown(Reason.TIMED_OUT))

    @Slot(int, object, object)
    def _arrived(self, job: int, result: object, error: object) -> None:
        if self._closed:
            return  # a late answer after shutdown
        pending = self._jobs.pop(job, None)
        if pending is None:
            return  # answered after its timeout: the timeout already reported it
        if pending.timer is not None:
            pending.timer.stop()
            pending.timer.deleteLater()
        if pending.generation not in (ANY_SESSION, self._generation()):
            if pending.stale is not None:
                pending.stale(error if isinstance(error, Exception) else result)
        elif isinstance(error, Exception):
            pending.failed(error)
        else:
            pending.done(result)
