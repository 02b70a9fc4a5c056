"""The two ways work leaves the GUI thread: a daemon thread per backend or keyring call, and one
worker thread that owns the cache (and so its Session) for every database access.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QObject, QRunnable, QThread, Signal, Slot

from desktop.environment import LocalFault, is_local, local_fault

if TYPE_CHECKING:
    from desktop.storage import CacheRepository


class TaskSignals(QObject):
    """Lives in the GUI thread; call threads emit through it, so results arrive there queued."""

    finished = Signal(int, object, object)
    """(job id, result or None, exception or None) of one call."""


def start_call(
    job: int, work: Callable[[], object], signals: TaskSignals, running: set[threading.Thread]
) -> threading.Thread:
    """Run `work` on a new daemon thread and report how it ended through `signals`.

    A daemon thread, not a pool's: a backend call cannot be interrupted, and closing the app must
    not wait for one (issue: bounded shutdown). It never raises: every exception is reported."""

    def run() -> None:
        result: object = None
        error: Exception | None = None
        try:
            result = work()
        except Exception as exc:  # reported, never lost in a worker thread
            error = exc
        finally:
            running.discard(threading.current_thread())
        # RuntimeError: the controller was deleted while the call ran; nobody is waiting.
        with contextlib.suppress(RuntimeError):
            signals.finished.emit(job, result, error)

    thread = threading.Thread(target=run, name=f"referral-call-{job}", daemon=True)
    running.add(thread)
    thread.start()
    return thread


class Task(QRunnable):
    """One call on a pool thread (the QA controller's simulator calls). Never raises: every
    exception is reported through `signals`."""

    def __init__(self, job: int, work: Callable[[], object], signals: TaskSignals) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._job = job
        self._work = work
        self._signals = signals

    def run(self) -> None:
        """Run the work and report how it ended."""
        result: object = None
        error: Exception | None = None
        try:
            result = self._work()
        except Exception as exc:  # reported, never lost in a pool thread
            error = exc
        # RuntimeError: the controller was deleted while the call ran; nobody is waiting.
        with contextlib.suppress(RuntimeError):
            self._signals.finished.emit(self._job, result, error)


class CacheWorker(QObject):
    """Runs every cache job on its own QThread, one at a time, in the order they were sent."""

    finished = Signal(int, object, object)
    """(job id, result or None, exception or None) of one job."""

    def __init__(self, cache: CacheRepository) -> None:
        super().__init__()
        self._cache = cache

    @Slot(int, object)
    def run(self, job: int, work: object) -> None:
        """Run `work(cache)` and report how it ended."""
        result: object = None
        error: Exception | None = None
        job_work = cast("Callable[[CacheRepository], object]", work)
        try:
            result = job_work(self._cache)
        except Exception as exc:
            error = self._named(exc)
        self.finished.emit(job, result, error)

    def _named(self, error: Exception) -> Exception:
        """A fault of the cache's file or disk as a LocalFault naming the cache file (its
        sentence names the folder: "The disk holding …/cache.sqlite is full"); the driver's
        error stays its cause, for the log. Anything else unchanged."""
        if isinstance(error, LocalFault) or not is_local(error):
            return error
        fault = local_fault(error, getattr(self._cache, "path", None))
        fault.__cause__ = error
        return fault

    @Slot()
    def stop(self) -> None:
        """Close the cache and end the thread, after every job sent before."""
        try:
            self._cache.close()
        finally:
            thread = QThread.currentThread()
            if thread is not None:
                thread.quit()
