"""Where the controller's work runs: backend and keyring calls on a QThreadPool, every cache
access on one worker thread that owns the cache's Session. Callbacks run on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from PySide6.QtCore import QObject, QThread, QThreadPool, QTimer, Signal, Slot

from desktop.backend.api import ApiError, BackendUnavailable, OutcomeUnknown
from desktop.controller.retry import RetryPolicy
from desktop.controller.tasks import CacheWorker, Task, TaskSignals
from desktop.domain.reasons import Reason

if TYPE_CHECKING:
    from desktop.storage import CacheRepository

T = TypeVar("T")
Done = Callable[[Any], None]
Failed = Callable[[Exception], None]


@dataclass
class _Job:
    done: Done
    failed: Failed
    timer: QTimer | None = None


class WorkRunner(QObject):
    """Runs work off the GUI thread and calls back on it; after `shutdown()` nothing calls back."""

    _cacheJob = Signal(int, object)
    _cacheStop = Signal()

    def __init__(
        self, cache: CacheRepository, retry: RetryPolicy, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._retry = retry
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(4)
        self._signals = TaskSignals(self)
        self._signals.finished.connect(self._on_finished)

        self._thread = QThread()
        self._thread.setObjectName("referral-cache")
        self._worker = CacheWorker(cache)
        self._worker.moveToThread(self._thread)
        self._cacheJob.connect(self._worker.run)
        self._cacheStop.connect(self._worker.stop)
        self._worker.finished.connect(self._on_finished)
        self._thread.finished.connect(self._worker.deleteLater)

        self._jobs: dict[int, _Job] = {}
        self._next_job = 0
        self._waits: set[QTimer] = set()
        self._closed = False

    @property
    def closed(self) -> bool:
        """`shutdown()` has run."""
        return self._closed

    @property
    def is_shut_down(self) -> bool:
        """`shutdown()` ran and every thread has ended."""
        return self._closed and not self._thread.isRunning() and self._pool.activeThreadCount() == 0

    def start(self) -> None:
        """Start the cache thread (cache jobs sent before wait for it)."""
        if not self._closed and not self._thread.isRunning():
            self._thread.start()

    def shutdown(self) -> None:
        """Drop pending callbacks, wait for running calls, close the cache and join its thread."""
        if self._closed:
            return
        self._closed = True
        for wait in self._waits:
            wait.stop()
        self._waits.clear()
        for job in self._jobs.values():
            if job.timer is not None:
                job.timer.stop()
        self._jobs.clear()
        self._pool.clear()
        self._pool.waitForDone()  # a backend call cannot be interrupted: let it end
        if self._thread.isRunning():
            self._cacheStop.emit()  # runs after every cache job already sent
            self._thread.wait()

    def call(
        self,
        work: Callable[[], T],
        done: Callable[[T], None],
        failed: Failed,
        *,
        timeout: bool = True,
    ) -> None:
        """Run `work` on the pool. With `timeout`, a call that outlives the policy's timeout
        fails now as BackendUnavailable (it may still go through); its late answer is dropped."""
        if self._closed:
            return
        job = self._add(cast(Done, done), failed)
        if timeout:
            timer = QTimer(self)
            timer.setSingleShot(True)
            timer.timeout.connect(lambda: self._on_timeout(job))
            timer.start(self._retry.call_timeout_ms)
            self._jobs[job].timer = timer
        self._pool.start(Task(job, work, self._signals))

    def call_retrying(
        self,
        work: Callable[[], T],
        done: Callable[[T], None],
        failed: Failed,
        attempt: int = 1,
        doubt: BackendUnavailable | None = None,
    ) -> None:
        """`call`, retrying retryable errors with backoff; `work` must reuse its idempotency key.

        When every attempt fails, a timeout seen on the way is reported rather than a later
        clean failure: that attempt may have gone through, which is what the user must know."""

        def on_error(error: Exception) -> None:
            retryable = isinstance(error, ApiError) and error.retryable
            seen = error if isinstance(error, BackendUnavailable) else doubt
            if retryable and attempt < self._retry.attempts:
                self.later(
                    self._retry.delay_ms(attempt),
                    lambda: self.call_retrying(work, done, failed, attempt + 1, seen),
                )
            else:
                failed(seen if retryable and seen is not None else error)

        self.call(work, done, on_error)

    def cache(
        self, work: Callable[[CacheRepository], T], done: Callable[[T], None], failed: Failed
    ) -> None:
        """Run `work(cache)` on the cache thread, after every cache job sent before it."""
        if self._closed:
            return
        job = self._add(cast(Done, done), failed)
        self._cacheJob.emit(job, work)

    def later(self, milliseconds: int, then: Callable[[], None]) -> None:
        """Call `then` on the GUI thread after a delay, unless shut down by then."""
        if self._closed:
            return
        timer = QTimer(self)
        timer.setSingleShot(True)
        self._waits.add(timer)

        def fire() -> None:
            self._waits.discard(timer)
            timer.deleteLater()
            if not self._closed:
                then()

        timer.timeout.connect(fire)
        timer.start(milliseconds)

    def _add(self, done: Done, failed: Failed) -> int:
        self._next_job += 1
        self._jobs[self._next_job] = _Job(done, failed)
        return self._next_job

    def _on_timeout(self, job: int) -> None:
        self._on_finished(job, None, OutcomeUnknown(Reason.TIMED_OUT))

    @Slot(int, object, object)
    def _on_finished(self, job: int, result: object, error: object) -> None:
        if self._closed:
            return  # a late answer after shutdown
        pending = self._jobs.pop(job, None)
        if pending is None:
            return  # answered after its timeout: the retry owns the outcome
        if pending.timer is not None:
            pending.timer.stop()
            pending.timer.deleteLater()
        if isinstance(error, Exception):
            pending.failed(error)
        else:
            pending.done(result)
