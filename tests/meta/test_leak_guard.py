"""The leak guard (tests/leak_guard.py) fails a test for each kind of Qt work it leaves running.

The leaking tests run in a child pytest process: a leak in this process is what the guard is
there to prevent.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer
from pytestqt.qtbot import QtBot

from tests.leak_guard import QtLeakRecorder

ROOT = Path(__file__).resolve().parents[2]

LEAKING_TESTS = """
import threading

import pytest
from PySide6.QtCore import QThread, QThreadPool, QTimer
from PySide6.QtWidgets import QWidget

kept = []  # what each test leaves behind stays referenced, as a forgotten attribute would


def test_leaves_a_thread(qapp):
    thread = QThread()
    thread.setObjectName("forgotten-thread")
    kept.append(thread)
    thread.start()


def test_leaves_a_pool_task(qapp):
    pool = QThreadPool()
    kept.append(pool)
    release = threading.Event()
    kept.append(release)
    started = threading.Event()
    pool.start(lambda: (started.set(), release.wait(3)))
    assert started.wait(5)


def test_leaves_a_daemon_thread(qapp):
    release = threading.Event()
    kept.append(release)
    # Never released: it outlives the guard's grace however loaded the machine (a daemon
    # thread, it ends with the process).
    threading.Thread(target=release.wait, name="forgotten-call", daemon=True).start()


def test_leaves_a_timer(qapp):
    timer = QTimer()
    kept.append(timer)
    timer.start(60_000)


def test_leaves_a_single_shot(qapp):
    QTimer.singleShot(60_000, lambda: None)


def test_leaves_a_hidden_window(qtbot):
    window = QWidget()
    window.setObjectName("forgottenHiddenWindow")
    kept.append(window)
    window.show()
    window.hide()


def test_leaves_a_visible_window(qtbot):
    window = QWidget()
    window.setObjectName("forgottenVisibleWindow")
    kept.append(window)
    window.show()


def test_cleans_up_after_itself(qtbot):
    thread = QThread()
    thread.start()
    pool = QThreadPool()
    pool.start(lambda: None)
    timer = QTimer()
    timer.start(60_000)
    call = threading.Thread(target=lambda: None, daemon=True)
    call.start()
    fired = []
    QTimer.singleShot(0, lambda: fired.append(True))
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: fired == [True])
    timer.stop()
    assert pool.waitForDone(5000)
    thread.quit()
    assert thread.wait(5000)


@pytest.mark.known_qt_leak("qtimer", reason="the allowance the lead can remove")
def test_allowed_timer_leak(qapp):
    timer = QTimer()
    kept.append(timer)
    timer.start(60_000)
"""


def test_each_kind_of_leak_fails_its_test_and_says_where_it_started(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makeini("[pytest]\nqt_api = pyside6\n")
    pytester.makepyfile(test_leaks=LEAKING_TESTS)

    result = pytester.runpytest_subprocess("-p", "tests.leak_guard", "-p", "no:cacheprovider")

    outcomes = result.parseoutcomes()
    assert outcomes.get("passed") == 9  # every test body passes ...
    assert outcomes.get("errors") == 7  # ... and the guard fails the seven that leaked
    output = result.stdout.str()
    for test, kind, what in [
        ("test_leaves_a_thread", "qthread", "QThread.start (forgotten-thread)"),
        ("test_leaves_a_pool_task", "qthreadpool", "QThreadPool.start"),
        (
            "test_leaves_a_daemon_thread",
            "thread",
            "threading.Thread.start (forgotten-call, daemon)",
        ),
        ("test_leaves_a_timer", "qtimer", "QTimer.start"),
        ("test_leaves_a_single_shot", "singleshot", "QTimer.singleShot(60000"),
        (
            "test_leaves_a_hidden_window",
            "window",
            "QWidget (forgottenHiddenWindow), hidden but alive",
        ),
        ("test_leaves_a_visible_window", "window", "QWidget (forgottenVisibleWindow), visible"),
    ]:
        assert f"ERROR at teardown of {test}" in output
        section = output.split(f"ERROR at teardown of {test}")[1].split("ERROR at teardown")[0]
        assert f"[{kind}] {what}" in section
        if kind != "window":  # where it started: the test's own line
            assert re.search(rf"test_leaks\.py\", line \d+, in {test}", section), section
    assert "test_cleans_up_after_itself ERROR" not in output
    assert "ERROR at teardown of test_cleans_up_after_itself" not in output
    assert "ERROR at teardown of test_allowed_timer_leak" not in output
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # not an abort: the guard stopped them all


def test_single_shots_behave_as_unwrapped(qtbot: QtBot, qt_leak_guard: QtLeakRecorder) -> None:
    """Wrapped `QTimer.singleShot` still fires, refuses what Qt refuses, and dies with its
    context object, as Qt's own does."""
    fired: list[str] = []
    QTimer.singleShot(0, lambda: fired.append("plain"))
    with pytest.raises(TypeError):  # not an overload PySide6 has: nothing is scheduled
        QTimer.singleShot(0, Qt.TimerType.PreciseTimer, lambda: fired.append("precise"))
    kept = QObject()
    QTimer.singleShot(0, kept, lambda: fired.append("context"))
    gone = QObject()
    QTimer.singleShot(0, gone, lambda: fired.append("gone"))
    shiboken6.delete(gone)
    qtbot.waitUntil(lambda: sorted(fired) == ["context", "plain"])
    assert not qt_leak_guard.leaks()
