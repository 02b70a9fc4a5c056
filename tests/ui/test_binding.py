"""The Qt binding itself must not corrupt Python's reference counts.

PySide6 6.12.0 drops one reference to `True` on every Python-side `emit(True)`; on Python 3.11,
where `True` is not immortal, the process aborts after a few hundred emits ("bool_dealloc:
deallocating True or False"). The app emits bools (busy flags, toggles), so it pins a binding
without the bug (pyproject.toml). This test fails on a binding that has it.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class Emitter(QObject):
    """Signals of the kinds the app emits."""

    flag = Signal(bool)
    payload = Signal(object)


def test_emitting_true_keeps_its_reference_count(qapp: object) -> None:
    emitter = Emitter()
    received: list[object] = []
    emitter.flag.connect(received.append)
    emitter.payload.connect(received.append)
    before = sys.getrefcount(True)
    for _ in range(50):
        emitter.flag.emit(True)
        emitter.payload.emit(True)
    received.clear()
    assert sys.getrefcount(True) >= before  # 6.12.0: 100 references lost here
