"""Python's cycle collector, run on the GUI thread only."""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer, Slot


class GuiThreadCollector(QObject):
    """Collects reference cycles from a GUI-thread timer, never on a worker thread.

    Automatic collection runs on whichever thread happens to allocate; on a worker thread it can
    destroy Qt objects that belong to the GUI thread, which crashes the app. This turns automatic
    collection off and applies the same generation thresholds from a timer here instead.
    """

    def __init__(self, interval_ms: int = 100, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        gc.disable()
        self._timer.start()

    @Slot()
    def check(self) -> int | None:
        """Collect the oldest generation over its threshold; returns it, or None."""
        counts = gc.get_count()
        thresholds = gc.get_threshold()
        for generation in (2, 1, 0):
            if counts[generation] > thresholds[generation]:
                gc.collect(generation)
                return generation
        return None

    def stop(self) -> None:
        """Give collection back to Python (at shutdown)."""
        self._timer.stop()
        gc.enable()
