"""`MockBackend.wait_for_change` (the in-process side of the long poll): it returns at once for
an unknown cursor, waits out its timeout when nothing changed, wakes on any change the account
syncs (also made by another process or a Simulator), and refuses ended sessions."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from desktop.backend.api import AuthenticationError, NotSent
from desktop.backend.service import MockBackend
from desktop.backend.simulator import Simulator


@pytest.fixture
def world(data_dir: Path) -> Iterator[tuple[MockBackend, Simulator, str]]:
    with Simulator(data_dir) as sim, MockBackend(data_dir) as backend:
        yield backend, sim, backend.sign_in("pilot@example.com", "demo", "k").token


def waits_until_changed(backend: MockBackend, session: str, cursor: int) -> Callable[[], int]:
    result: list[int | Exception] = []

    def wait() -> None:
        try:
            result.append(backend.wait_for_change(session, cursor, 20))
        except Exception as error:
            result.append(error)

    thread = threading.Thread(target=wait)
    thread.start()

    def finish() -> int:
        thread.join(20)
        assert not thread.is_alive()
        (outcome,) = result
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return finish


@pytest.mark.parametrize(
    "change",
    [
        lambda sim: sim.invite("pilot@example.com", "new@example.com"),
        lambda sim: sim.cohort("pilot@example.com", "deny"),
        lambda sim: sim.set_usage("pilot@example.com", weekly_percent=10),
        lambda sim: sim.set_policy({"monthly_cap": 5}),
        lambda sim: sim.advance_clock(timedelta(days=1)),
    ],
    ids=["invitation", "cohort", "usage", "policy", "clock"],
)
def test_a_change_wakes_the_waiter(
    world: tuple[MockBackend, Simulator, str], change: Callable[[Simulator], object]
) -> None:
    backend, sim, session = world
    cursor = backend.wait_for_change(session, 0, 5)
    assert cursor != 0
    finish = waits_until_changed(backend, session, cursor)
    change(sim)
    assert finish() != cursor


def test_a_reset_ends_the_wait_with_the_session(world: tuple[MockBackend, Simulator, str]) -> None:
    backend, sim, session = world
    finish = waits_until_changed(backend, session, backend.change_cursor(session))
    sim.reset_demo()
    with pytest.raises(AuthenticationError):
        finish()


def test_nothing_changed_waits_out_the_timeout(world: tuple[MockBackend, Simulator, str]) -> None:
    backend, sim, session = world
    cursor = backend.change_cursor(session)
    started = time.monotonic()
    assert backend.wait_for_change(session, cursor, 0.3) == cursor
    assert time.monotonic() - started >= 0.3
    sim.invite("capped@example.com", "other@example.com")  # another account's invitation
    assert backend.wait_for_change(session, cursor, 0.1) == cursor


def test_ended_sessions_and_offline(world: tuple[MockBackend, Simulator, str]) -> None:
    backend, sim, session = world
    sim.set_fault(offline=True)
    with pytest.raises(NotSent):
        backend.wait_for_change(session, 0, 1)
    sim.clear_faults()
    backend.sign_out(session)
    with pytest.raises(AuthenticationError):
        backend.wait_for_change(session, 0, 1)


def test_closing_the_backend_releases_a_waiter(world: tuple[MockBackend, Simulator, str]) -> None:
    backend, _, session = world
    cursor = backend.change_cursor(session)
    finish = waits_until_changed(backend, session, cursor)
    backend._closing.set()
    assert finish() == cursor


def test_the_store_closes_only_after_every_waiter_has_left_it(
    world: tuple[MockBackend, Simulator, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`close()` woke the waiters and closed the store at once: a woken waiter then read the
    account's cursor from the store being closed, on its own thread (a crash at the app's exit,
    where the long poll is such a waiter, is the suspected effect)."""
    backend, _, session = world
    cursor = backend.change_cursor(session)
    looks: list[bool] = []  # per look: whether the store had been closed already
    closed = threading.Event()
    waiting = threading.Event()
    real_watch, real_close = backend.watch, backend.store.close

    def watch(token: str) -> tuple[str, int]:
        looks.append(closed.is_set())
        found = real_watch(token)
        waiting.set()
        return found

    def close() -> None:
        closed.set()
        real_close()

    monkeypatch.setattr(backend, "watch", watch)
    monkeypatch.setattr(backend.store, "close", close)
    finish = waits_until_changed(backend, session, cursor)
    assert waiting.wait(20)
    backend.close()
    assert finish() == cursor
    assert looks  # it looked before the close
    assert not any(looks)  # and never at a closed store
    assert backend._waiting == 0
