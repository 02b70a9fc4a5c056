"""Helpers shared by the backend tests: a manual clock and recipient flows."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from desktop.backend.service import MockBackend
from desktop.backend.simulator import InvitationRecord, Simulator

START = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
"""Seeding time. pilot's cycle (billing day 14) runs 2025-02-14 to 2025-03-14."""


class ManualClock:
    """A clock that moves only when the test says so."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> datetime:
        self.now += delta
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment


def sign_in(backend: MockBackend, email: str) -> str:
    """A session token for a demo operator."""
    return backend.sign_in(email, "demo").token


def convert(sim: Simulator, operator: str, recipient: str) -> InvitationRecord:
    """Invite `recipient` and take them through join, init and N prompts."""
    link = ready_to_convert(sim, operator, recipient)
    return sim.recipient_prompt(link, recipient)


def ready_to_convert(sim: Simulator, operator: str, recipient: str) -> str:
    """Invite `recipient` and stop one prompt before conversion; returns the link."""
    link = sim.invite(operator, recipient).invitation.link
    sim.recipient_join(link, recipient)
    sim.recipient_init(link, recipient)
    required = sim.policy().prompts_required
    if required > 1:
        sim.recipient_prompt(link, recipient, required - 1)
    return link


class ScriptedRandom(random.Random):
    """random() answers from a script: decides whether a call fails, then before or after."""

    def __init__(self, *values: float) -> None:
        super().__init__(0)
        self.values = list(values)

    def random(self) -> float:
        return self.values.pop(0)


FAIL_BEFORE = (0.0, 0.1)  # fails (below any rate), then the lower half: before doing anything
FAIL_AFTER = (0.0, 0.9)  # fails, then the upper half: after the commit (a timeout)


BackendFactory = Callable[..., MockBackend]

DATABASES = ("sqlite", "postgresql")
"""Parametrise the `database` fixture with these (indirect) to run a test on both."""


def run_together(*actions: Callable[[], object]) -> list[object]:
    """Start every action at the same moment on its own thread; results or raised errors."""
    barrier = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def run(index: int, action: Callable[[], object]) -> None:
        barrier.wait()
        try:
            results[index] = action()
        except Exception as error:
            results[index] = error

    threads = [
        threading.Thread(target=run, args=(index, action)) for index, action in enumerate(actions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive()
    return results
