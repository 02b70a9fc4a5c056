"""Fail the test that leaves Qt work running: a QThread, a QThreadPool task, an active QTimer, a
pending `QTimer.singleShot` or a new top-level window (visible or hidden but alive); and a Python
thread it started, daemon or not, that has not ended within a short grace after it (a backend
call abandoned at shutdown, still touching files of a test that has ended).

During each test `QThread.start`, `QThreadPool.start`/`tryStart`, `QTimer.start` and
`QTimer.singleShot` are wrapped to remember what was started and where (the stack); at the end
of the test whatever is still running is reported with that stack, stopped, and fails the test.
A leak is then caught by the test that made it, not as an abort (a QThread destroyed while
running) or a callback firing in some later test. napari's conftest does the same.

`threading.enumerate()` does not see these: Qt's threads are not Python threads until they run
Python code, and timers are not threads at all.

A test that knowingly leaves something (a defect being fixed elsewhere) carries
`@pytest.mark.known_qt_leak(kind, ..., reason="...")` with kinds from `LEAK_KINDS`; what it
leaves of those kinds is stopped instead of failing it. Remove the mark once the defect is
fixed (`grep -rn known_qt_leak tests/`).
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import pytest

from tests.patience import bound_s

LEAK_KINDS = ("qthread", "qthreadpool", "qtimer", "singleshot", "window", "thread")
JOIN_MS = 5_000  # cleaning up after a reported leak: how long to wait for a thread or pool
THREAD_GRACE_S = 2.0  # Python threads (daemon ones too) may finish this long after the test, at
# rest; stretched for the load when the test ends (tests/patience.py)


def pytest_configure(config: pytest.Config) -> None:
    """Register the allowance mark."""
    config.addinivalue_line(
        "markers",
        "known_qt_leak(*kinds, reason): the test knowingly leaves Qt work of these kinds "
        f"({', '.join(LEAK_KINDS)}) running; it is stopped, not failed. Remove once fixed.",
    )


Stack = list[tuple[str, int, str, None]]
"""Where something started, innermost frame first: (file, line number, function, no text)."""


def _stack(frame: FrameType | None) -> Stack:
    # Every timer and thread start records one, so only the bare frames are kept: building
    # FrameSummary objects here (traceback.StackSummary.extract, even without source lines)
    # cost about 1.7 ms a start, 0.4 s of CPU in a seam-matrix test. Source lines are looked up
    # only if a leak is reported.
    stack: Stack = []
    while frame is not None:
        stack.append((frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name, None))
        frame = frame.f_back
    return stack


def _where(stack: Stack) -> str:
    # The innermost frame first; show it as a traceback would.
    frames = traceback.StackSummary.from_list(list(reversed(stack)))
    lines = [line for line in frames.format() if "/_pytest/" not in line and "/pluggy/" not in line]
    return "".join(lines[-12:])


@dataclass
class _Started:
    kind: str
    what: str
    stack: Stack
    ref: Callable[[], Any] = field(repr=False)


@dataclass
class _Pending:
    """A `QTimer.singleShot` that has not fired yet."""

    what: str
    stack: Stack
    context: Callable[[], Any] | None
    fired: bool = False


class QtLeakRecorder:
    """Wraps the Qt entry points that start background work and remembers each start."""

    def __init__(self) -> None:
        self.started: list[_Started] = []
        self.single_shots: list[_Pending] = []
        self._restore: list[Callable[[], None]] = []

    def install(self) -> None:
        """Wrap the entry points (undone by `uninstall`)."""
        from PySide6.QtCore import QObject, QThread, QThreadPool, QTimer

        recorder = self

        def wrap(cls: type, name: str, kind: str, ref_of: Callable[[Any], Any]) -> None:
            original = cls.__dict__[name]

            def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
                recorder.started.append(
                    _Started(
                        kind,
                        f"{type(self).__name__}.{name} ({self.objectName() or 'unnamed'})",
                        _stack(sys._getframe(1)),
                        ref_of(self),
                    )
                )
                return original(self, *args, **kwargs)

            setattr(cls, name, wrapper)
            self._restore.append(lambda: setattr(cls, name, original))

        original_thread_start = threading.Thread.start

        def thread_start(thread: threading.Thread) -> None:
            recorder.started.append(
                _Started(
                    "thread",
                    f"threading.Thread.start ({thread.name}{', daemon' if thread.daemon else ''})",
                    _stack(sys._getframe(1)),
                    weakref.ref(thread),
                )
            )
            original_thread_start(thread)

        threading.Thread.start = thread_start  # type: ignore[method-assign]
        self._restore.append(lambda: setattr(threading.Thread, "start", original_thread_start))

        wrap(QThread, "start", "qthread", weakref.ref)
        wrap(QThreadPool, "start", "qthreadpool", weakref.ref)
        wrap(QThreadPool, "tryStart", "qthreadpool", weakref.ref)
        wrap(QTimer, "start", "qtimer", weakref.ref)

        original_single_shot = QTimer.__dict__["singleShot"]
        plain_single_shot = QTimer.singleShot

        def single_shot(msec: Any, *args: Any) -> Any:
            functor = args[-1] if args else None
            if not callable(functor):
                return plain_single_shot(msec, *args)  # a receiver and a SLOT() string
            # (msec, functor) or (msec, context, functor).
            context = args[-2] if len(args) >= 2 else getattr(functor, "__self__", None)
            if not isinstance(context, QObject):
                context = None
            pending = _Pending(
                f"QTimer.singleShot({msec}, {getattr(functor, '__qualname__', functor)!r})",
                _stack(sys._getframe(1)),
                None if context is None else weakref.ref(context),
            )

            def fire() -> None:
                pending.fired = True
                functor()

            if len(args) == 1 and context is not None:
                # A QObject's method: the call dies with that object, as it does unwrapped.
                scheduled = plain_single_shot(msec, context, fire)
            else:
                scheduled = plain_single_shot(msec, *args[:-1], fire)
            recorder.single_shots.append(pending)  # only once Qt took it
            return scheduled

        QTimer.singleShot = staticmethod(single_shot)  # type: ignore[method-assign,assignment]
        self._restore.append(lambda: setattr(QTimer, "singleShot", original_single_shot))

    def uninstall(self) -> None:
        """Put the original entry points back."""
        while self._restore:
            self._restore.pop()()

    def leaks(self) -> list[tuple[str, str, Callable[[], None]]]:
        """(kind, description with where it started, how to stop it) for all still running."""
        import shiboken6

        found: list[tuple[str, str, Callable[[], None]]] = []
        seen: set[int] = set()
        grace_ends = time.monotonic() + bound_s(THREAD_GRACE_S)
        for started in self.started:
            if started.kind == "thread":
                thread = started.ref()
                if thread is not None:
                    thread.join(max(0.0, grace_ends - time.monotonic()))
                    if thread.is_alive():
                        found.append((started.kind, self._say(started), _nothing))
                continue
            obj = started.ref()
            if obj is None or not shiboken6.isValid(obj) or id(obj) in seen:
                continue  # gone: its C++ side was deleted with its owner
            if started.kind == "qthread" and obj.isRunning():
                seen.add(id(obj))
                found.append((started.kind, self._say(started), _stopper_thread(obj)))
            elif started.kind == "qthreadpool" and obj.activeThreadCount() > 0:
                seen.add(id(obj))
                found.append((started.kind, self._say(started), _stopper_pool(obj)))
            elif started.kind == "qtimer" and obj.isActive():
                seen.add(id(obj))
                found.append((started.kind, self._say(started), obj.stop))
        for pending in self.single_shots:
            if pending.fired:
                continue
            if pending.context is not None:
                context = pending.context()
                if context is None or not shiboken6.isValid(context):
                    continue  # cancelled with its context
            found.append(
                ("singleshot", f"{pending.what}, scheduled at\n{_where(pending.stack)}", _nothing)
            )
        return found

    @staticmethod
    def _say(started: _Started) -> str:
        return f"{started.what}, started at\n{_where(started.stack)}"


def collect_garbage() -> None:
    """Collect cycles on this (the GUI) thread, then freeze the survivors: later collections
    scan only what later tests create. A full scan of the whole heap (every module schemathesis,
    Playwright and Qt import) cost 150-260 ms, twice per test; objects that outlived a test are
    never collected afterwards, so they can never be destroyed on a worker thread either."""
    import gc

    gc.collect()
    gc.freeze()


def _nothing() -> None:
    """A pending single shot or a Python thread cannot be stopped from outside."""


def _stopper_thread(thread: Any) -> Callable[[], None]:
    def stop() -> None:
        thread.quit()
        thread.wait(JOIN_MS)

    return stop


def _stopper_pool(pool: Any) -> Callable[[], None]:
    def stop() -> None:
        pool.clear()
        pool.waitForDone(JOIN_MS)

    return stop


def _top_level_widgets() -> list[Any]:
    if "PySide6.QtWidgets" not in sys.modules:
        return []
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return []
    return [w for w in app.topLevelWidgets() if w.parentWidget() is None]


def _delete_what_was_deleted_later() -> None:
    """Run pending `deleteLater()`s (qtbot's closed widgets among them) before looking."""
    if "PySide6.QtCore" not in sys.modules:
        return
    from PySide6.QtCore import QCoreApplication, QEvent

    if QCoreApplication.instance() is not None:
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _window_leaks(before: set[int]) -> list[tuple[str, str, Callable[[], None]]]:
    found: list[tuple[str, str, Callable[[], None]]] = []
    for widget in _top_level_widgets():
        if id(widget) in before and widget.isHidden():
            continue  # there before this test (another test's leak was reported there)
        if widget.isHidden() and type(widget).__name__ in _QT_OWN_HIDDEN_TOP_LEVELS:
            continue
        state = "hidden but alive" if widget.isHidden() else "visible"
        name = widget.objectName() or "unnamed"
        found.append(("window", f"{type(widget).__name__} ({name}), {state}", _closer(widget)))
    return found


_QT_OWN_HIDDEN_TOP_LEVELS = frozenset({"QTipLabel"})  # Qt's tooltip keeps one for reuse


def _closer(widget: Any) -> Callable[[], None]:
    def close() -> None:
        widget.close()
        widget.deleteLater()

    return close


@pytest.fixture(autouse=True)
def qt_leak_guard(request: pytest.FixtureRequest) -> Iterator[QtLeakRecorder]:
    """Record what the test starts; fail it if a thread, task, timer or window outlives it."""
    recorder = QtLeakRecorder()
    windows_before = {id(w) for w in _top_level_widgets()}
    recorder.install()
    try:
        yield recorder
    finally:
        recorder.uninstall()
    _delete_what_was_deleted_later()
    collect_garbage()  # on the GUI thread: wrappers of deleted objects go now
    _delete_what_was_deleted_later()
    leaks = recorder.leaks() + _window_leaks(windows_before)
    for _, _, stop in leaks:
        stop()  # whatever happens next, the next test starts clean
    _delete_what_was_deleted_later()
    allowed: set[str] = set()
    for mark in request.node.iter_markers("known_qt_leak"):
        allowed.update(mark.args)
    unknown = allowed - set(LEAK_KINDS)
    assert not unknown, f"known_qt_leak: unknown kinds {sorted(unknown)}; use {LEAK_KINDS}"
    failing = [(kind, text) for kind, text, _ in leaks if kind not in allowed]
    assert not failing, "test left Qt work running:\n" + "\n".join(
        f"[{kind}] {text}" for kind, text in failing
    )
