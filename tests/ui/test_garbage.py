"""Reference cycles are collected on the GUI thread only, never on a worker thread."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from desktop.app import create, tune_garbage_collection
from desktop.controller.state import AppState, SyncPhase
from desktop.ui import garbage
from desktop.ui.garbage import GuiThreadCollector
from tests.conftest import MemoryKeyring
from tests.ui.app_driver import WAIT_MS, wait_synced


class Cycle:
    """Two of these pointing at each other are freed only by the cycle collector."""

    freed_on: list[str] = []

    def __init__(self) -> None:
        self.other: Cycle | None = None

    def __del__(self) -> None:
        Cycle.freed_on.append(threading.current_thread().name)


@pytest.fixture
def low_thresholds() -> Iterator[None]:
    before = gc.get_threshold()
    was_enabled = gc.isenabled()
    gc.set_threshold(1, 1, 1)
    yield
    gc.set_threshold(*before)
    (gc.enable if was_enabled else gc.disable)()


@pytest.mark.usefixtures("low_thresholds")
def test_cycles_made_on_a_worker_thread_are_freed_on_the_gui_thread(qtbot: QtBot) -> None:
    owner = QObject()
    collector = GuiThreadCollector(interval_ms=10, parent=owner)
    assert not gc.isenabled()
    Cycle.freed_on.clear()
    refs: list[weakref.ref[Cycle]] = []

    def make_garbage() -> None:
        for _ in range(200):  # plenty of allocations: automatic collection would run here
            first, second = Cycle(), Cycle()
            first.other, second.other = second, first
            refs.append(weakref.ref(first))
            del first, second

    worker = threading.Thread(target=make_garbage, name="worker")
    worker.start()
    worker.join()
    assert Cycle.freed_on == []  # nothing collected on the worker thread

    qtbot.waitUntil(lambda: all(ref() is None for ref in refs), timeout=5000)
    assert set(Cycle.freed_on) == {threading.main_thread().name}
    collector.stop()
    assert gc.isenabled()
    owner.deleteLater()


def _cycle() -> weakref.ref[Cycle]:
    """A reference cycle nobody holds: freed by the cycle collector only."""
    first, second = Cycle(), Cycle()
    first.other, second.other = second, first
    return weakref.ref(first)


@pytest.fixture
def collector(qtbot: QtBot) -> Iterator[GuiThreadCollector]:
    """A collector whose timer never fires during the test (the test calls `check()`), with
    low thresholds; everything frozen meanwhile is thawed after."""
    before = gc.get_threshold()
    owner = QObject()
    made = GuiThreadCollector(interval_ms=3_600_000, parent=owner)
    gc.set_threshold(10, 1, 1)
    gc.collect()  # young count from zero
    yield made
    gc.unfreeze()
    gc.set_threshold(*before)
    gc.disable()  # as the test session runs (tests/conftest.py)
    owner.deleteLater()


def test_a_held_collector_collects_nothing_even_over_the_threshold(
    collector: GuiThreadCollector,
) -> None:
    collector.hold()
    held = [_cycle() for _ in range(100)]
    assert gc.get_count()[0] > gc.get_threshold()[0]
    collections: list[dict[str, int]] = []
    gc.callbacks.append(lambda phase, info: collections.append(info))
    try:
        assert collector.check() is None
    finally:
        gc.callbacks.pop()
    assert collections == []
    assert all(ref() is not None for ref in held)  # nothing was collected


def test_release_freezes_what_survived_and_collection_resumes(
    collector: GuiThreadCollector,
) -> None:
    frozen_before = gc.get_freeze_count()
    collector.hold()
    held = [_cycle() for _ in range(100)]
    collector.release()
    assert not collector.held
    # Everything tracked when the hold ended is frozen: out of every later collection.
    assert gc.get_freeze_count() >= frozen_before + 2 * len(held)
    later = [_cycle() for _ in range(100)]
    assert collector.check() is not None  # over the threshold again: collected as before
    assert all(ref() is None for ref in later)
    assert all(ref() is not None for ref in held)  # frozen (the price of not walking them)


def test_a_held_collector_collects_past_the_safety_valve(
    collector: GuiThreadCollector, monkeypatch: pytest.MonkeyPatch
) -> None:
    collector.hold()
    monkeypatch.setattr(garbage, "HELD_YOUNG_LIMIT", 150)
    few = [_cycle() for _ in range(20)]
    young = gc.get_count()[0]
    assert collector.check() is None  # over the threshold, under the valve
    many = [_cycle() for _ in range(200)]
    assert gc.get_count()[0] > 150 > young
    assert collector.check() is not None
    assert all(ref() is None for ref in few + many)
    assert collector.held  # still held: the valve collects, it does not end the hold


def test_the_app_holds_collection_until_each_first_sync_is_on_screen(
    qtbot: QtBot, data_dir: Path, memory_keyring: MemoryKeyring
) -> None:
    thresholds = gc.get_threshold()
    app = create(data_dir, keyring_backend=memory_keyring)
    try:
        tune_garbage_collection(app)
        collector = app.window.findChild(GuiThreadCollector)
        assert collector is not None
        assert collector.held  # from the start
        app.window.show()
        app.start()
        # No saved session: nothing to sync, the start-up's hold ends (and freezes).
        qtbot.waitUntil(lambda: not collector.held, timeout=WAIT_MS)
        frozen = gc.get_freeze_count()
        held_while: list[tuple[str, bool]] = []

        def state(new: AppState) -> None:
            held_while.append((new.sync.phase.name, collector.held))

        app.controller.stateChanged.connect(state)
        with qtbot.waitSignal(app.controller.operationFinished, timeout=WAIT_MS):
            app.controller.sign_in("pilot@example.com", "demo")
        qtbot.waitUntil(lambda: app.state.sync.phase is SyncPhase.SYNCED, timeout=WAIT_MS)
        wait_synced(qtbot, app)
        assert ("SYNCING", True) in held_while  # the account's first sync: held
        qtbot.waitUntil(lambda: not collector.held, timeout=WAIT_MS)  # once on screen
        assert gc.get_freeze_count() > frozen
    finally:
        app.close()
        gc.unfreeze()
        gc.set_threshold(*thresholds)
        gc.disable()  # the closed window gave collection back to Python; the session has it off
