"""Python's cycle collector, run on the GUI thread only."""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer, Slot

HELD_YOUNG_LIMIT = 1_000_000
"""While collection is held, a young generation this large is collected anyway (a safety valve:
a hold that never ends must not let cyclic garbage grow without bound)."""


class GuiThreadCollector(QObject):
    """Collects reference cycles from a GUI-thread timer, never on a worker thread.

    Automatic collection runs on whichever thread happens to allocate; on a worker thread it can
    destroy Qt objects that belong to the GUI thread, which crashes the app. This turns automatic
    collection off and applies the same generation thresholds from a timer here instead.

    `hold()` / `release()`: no collection while held (the start-up and an account's first sync:
    tens of thousands of objects that live as long as the app, which each young collection would
    walk again, 41-66 of them in a run of bench/responsiveness.py), unless the young generation
    passes `HELD_YOUNG_LIMIT`. `release()` freezes what survived (`gc.freeze()`): later collections
    never walk those objects again. The price: cyclic garbage made while held is frozen too.
    """

    def __init__(self, interval_ms: int = 100, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._held = False
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        gc.disable()
        self._timer.start()

    @property
    def held(self) -> bool:
        """Whether collection is held (`hold()`)."""
        return self._held

    def hold(self) -> None:
        """No collection from now until `release()` (but over `HELD_YOUNG_LIMIT`)."""
        self._held = True

    def release(self) -> None:
        """End a hold: freeze every object tracked now out of later collections. Idempotent."""
        if self._held:
            self._held = False
            gc.freeze()

    @Slot()
    def check(self) -> int | None:
        """Collect the oldest generation over its threshold; returns it, or None."""
        counts = gc.get_count()
        if self._held and counts[0] <= HELD_YOUNG_LIMIT:
            return None
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
