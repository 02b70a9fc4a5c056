"""A clock the test turns by hand, for the controller's clock seam (`runner.Wait`).

Every backoff wait the controller asks for (a retry, a replay of a lost sign-in, the next sync)
is recorded with its delay and fires only when the test says: the delays chosen are asserted
as numbers, and no test sleeps through them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pytestqt.qtbot import QtBot

from desktop.controller.runner import Cancel
from desktop.controller.startup import LOOK_ALIKES_AFTER_MS


@dataclass
class Pending:
    """One wait asked for: its delay, what it calls, and whether it was cancelled or fired."""

    ms: int
    then: Callable[[], None]
    cancelled: bool = False
    fired: bool = False


class ManualClock:
    """Records every backoff wait; `fire` runs one, as its time coming would.

    The start-up's deferred load of the look-alike tables (`LOOK_ALIKES_AFTER_MS`) is not a
    backoff: it is kept apart in `other` and never fires (the rule loads them when first used)."""

    def __init__(self) -> None:
        self.waits: list[Pending] = []
        self.other: list[Pending] = []

    def __call__(self, milliseconds: int, then: Callable[[], None]) -> Cancel:
        pending = Pending(milliseconds, then)
        (self.other if milliseconds == LOOK_ALIKES_AFTER_MS else self.waits).append(pending)

        def cancel() -> None:
            pending.cancelled = True

        return cancel

    @property
    def delays(self) -> list[int]:
        """The delay of every wait asked for, first to last (cancelled ones too)."""
        return [wait.ms for wait in self.waits]

    @property
    def pending(self) -> list[Pending]:
        """The waits neither cancelled nor fired."""
        return [wait for wait in self.waits if not (wait.cancelled or wait.fired)]

    def wait_for(self, qtbot: QtBot, count: int, timeout: int = 10_000) -> Pending:
        """The `count`-th wait (1-based), once the controller has asked for it."""
        qtbot.waitUntil(lambda: len(self.waits) >= count, timeout=timeout)
        return self.waits[count - 1]

    def fire(self, wait: Pending) -> None:
        """The wait's time has come (only a pending wait can fire)."""
        assert not wait.cancelled, "fired a wait that was cancelled"
        assert not wait.fired, "fired a wait twice"
        wait.fired = True
        wait.then()

    def fire_all(self) -> None:
        """Every pending wait's time has come."""
        for wait in self.pending:
            self.fire(wait)
