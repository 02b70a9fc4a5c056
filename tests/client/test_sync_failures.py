"""What a failed sync shows and when the next one comes: offline and server errors told apart,
backoff never later than the interval, and the local time in sentences."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from desktop.backend.api import NotSent, ServerError, error_for
from desktop.backend.service import MockBackend
from desktop.controller import RetryPolicy
from desktop.controller.hub import local_time
from desktop.controller.state import AppState, SyncPhase
from desktop.domain.outcomes import Outcome
from desktop.domain.reasons import Reason, explain
from tests.client.clock import ManualClock
from tests.client.conftest import HOUR_MS, ControllerFactory, Results, start_signed_in, synced
from tests.client.scripted import ScriptedApi


@pytest.mark.parametrize(
    ("error", "phase", "message"),
    [
        (NotSent(), SyncPhase.OFFLINE, explain(Reason.OFFLINE)),
        (ServerError(), SyncPhase.ERROR, explain(Reason.SERVER_ERROR)),
        (
            error_for(Reason.INVALID_REQUEST, {"detail": "cursor 99 is ahead"}),
            SyncPhase.ERROR,
            "The referral service did not understand the request: cursor 99 is ahead",
        ),
    ],
)
def test_a_failed_sync_says_why_and_recovers_by_itself(
    qtbot,
    make_controller: ControllerFactory,
    backend: MockBackend,
    error: Exception,
    phase: SyncPhase,
    message: str,
) -> None:
    api = ScriptedApi(backend)
    controller = make_controller(api)  # type: ignore[arg-type]
    start_signed_in(qtbot, controller)
    states: list[AppState] = []
    controller.stateChanged.connect(states.append)
    api.fail_before("sync", error)
    controller.sync_now()
    qtbot.waitUntil(lambda: any(s.sync.phase is phase for s in states))
    failed = next(s for s in states if s.sync.phase is phase)
    assert failed.sync.message == message
    assert failed.account is not None  # a failed sync keeps what is known
    qtbot.waitUntil(lambda: synced(controller.state))  # the backoff's retry
    assert controller.state.sync.message == ""


def test_backoff_is_never_later_than_the_interval(
    qtbot, make_controller: ControllerFactory, backend: MockBackend
) -> None:
    api = ScriptedApi(backend)
    # A backoff of a minute, an interval of 50 ms: the interval wins.
    slow = RetryPolicy(attempts=1, first_delay_ms=60_000, max_delay_ms=60_000)
    controller = make_controller(api, retry=slow, sync_interval_ms=50)  # type: ignore[arg-type]
    start_signed_in(qtbot, controller)
    syncs = api.count("sync")
    api.fail_before("sync", NotSent(), times=2)
    controller.sync_now()
    qtbot.waitUntil(lambda: api.count("sync") >= syncs + 3, timeout=5_000)
    qtbot.waitUntil(lambda: synced(controller.state))


def test_a_successful_sync_waits_the_interval_not_the_backoff(
    qtbot, make_controller: ControllerFactory, backend: MockBackend
) -> None:
    api = ScriptedApi(backend)
    fast = RetryPolicy(attempts=1, first_delay_ms=1, max_delay_ms=1)
    controller = make_controller(api, retry=fast)  # type: ignore[arg-type]  # interval: an hour
    start_signed_in(qtbot, controller)
    syncs = api.count("sync")
    with qtbot.assertNotEmitted(controller.stateChanged, wait=200):
        pass
    assert api.count("sync") == syncs


@pytest.fixture
def in_kolkata() -> Iterator[None]:
    """This computer's zone is India's (UTC+05:30) for the test."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "Asia/Kolkata")
        time.tzset()
        yield
    time.tzset()


def test_times_in_sentences_are_this_computers_local_time(in_kolkata: None) -> None:
    assert local_time(datetime(2026, 3, 10, 12, 0, tzinfo=UTC)) == "10 Mar 2026 17:30"


# The backoff on a clock the test turns: 250 ms, doubling; a sync is due at the interval.
SCHEDULE = RetryPolicy(attempts=1, first_delay_ms=250, max_delay_ms=30_000, call_timeout_ms=10_000)


def test_failed_syncs_wait_twice_as_long_each_time_never_longer_than_the_interval(
    qtbot, make_controller: ControllerFactory, backend: MockBackend
) -> None:
    api = ScriptedApi(backend)
    clock = ManualClock()
    controller = make_controller(  # type: ignore[arg-type]
        api, retry=SCHEDULE, sync_interval_ms=800, wait=clock
    )
    start_signed_in(qtbot, controller)
    api.fail_before("sync", NotSent(), times=4)
    for number in (1, 2, 3, 4, 5):  # the periodic sync, then four retries: the last one works
        clock.fire(clock.wait_for(qtbot, number))
    clock.wait_for(qtbot, 6)
    qtbot.waitUntil(lambda: synced(controller.state))
    # After the first sync: the interval; after 1-4 failures: 250, 500, then 1000 and 2000
    # capped at the interval; after the sync that works: the interval again.
    assert clock.delays == [800, 250, 500, 800, 800, 800]
    assert api.count("sync") == 6


def test_an_invitation_that_cannot_be_sent_is_retried_by_syncs_on_the_backoff_schedule(
    qtbot, make_controller: ControllerFactory, backend: MockBackend
) -> None:
    """A failed send counts once: the sync that flushed it waits one doubling more, not two."""
    api = ScriptedApi(backend)
    clock = ManualClock()
    controller = make_controller(api, retry=SCHEDULE, wait=clock)  # type: ignore[arg-type]
    start_signed_in(qtbot, controller)
    results = Results(controller)
    api.fail_before("send_invitation", NotSent(), times=3)
    key = controller.send_invitation("later@example.com")
    assert results.wait(qtbot, key).outcome is Outcome.NOT_SENT
    for number in (2, 3, 4):  # the sends that fail, then one that goes
        clock.fire(clock.wait_for(qtbot, number))
    qtbot.waitUntil(lambda: results.of(key)[-1].outcome is Outcome.DONE)
    assert [r.outcome for r in results.of(key)] == [Outcome.NOT_SENT] * 3 + [Outcome.DONE]
    clock.wait_for(qtbot, 5)
    # The interval after the first sync; the first delay once the send failed; each sync that
    # flushed it in vain one doubling more; the interval once it went.
    assert clock.delays[:5] == [HOUR_MS, 250, 500, 1000, HOUR_MS]
    assert clock.waits[0].cancelled  # a failed send brings the next sync forward
    assert api.count("send_invitation") == 4
