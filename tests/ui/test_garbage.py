"""Reference cycles are collected on the GUI thread only, never on a worker thread."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from desktop.ui.garbage import GuiThreadCollector


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
