"""Spending a reset: needs the backend, never queued, never twice for one request (R6, R8)."""

from __future__ import annotations

import dataclasses

from desktop.backend.simulator import Simulator
from desktop.controller import Controller
from desktop.controller.state import RedeemOutcome, RedeemStatus
from tests.client.conftest import FAST_RETRY, ControllerFactory, start_signed_in, synced
from tests.client.matching import assert_matches_backend


def _redeem(qtbot, controller: Controller, key: str) -> RedeemOutcome:
    with qtbot.waitSignal(
        controller.redeemFinished, check_params_cb=lambda o: o.request_id == key, timeout=10_000
    ) as got:
        controller.redeem(key)
    assert got.args is not None
    outcome: RedeemOutcome = got.args[0]
    return outcome


def _spent(simulator: Simulator) -> set[str]:
    return {t.id for t in simulator.wallet("capped@example.com").tokens if t.state == "spent"}


def test_spending_a_token_clears_both_windows(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    controller = make_controller()
    before = start_signed_in(qtbot, controller, "capped@example.com")
    earliest = before.available_tokens[0]
    spent_before = _spent(simulator)
    outcome = _redeem(qtbot, controller, "spend-1")
    assert outcome.status is RedeemStatus.SPENT
    assert outcome.token is not None
    assert outcome.token.id == earliest.id  # the one that expires first
    assert outcome.token.state == "spent"
    state = controller.state
    assert state.weekly is not None
    assert state.five_hour is not None
    assert (state.weekly.used, state.five_hour.used) == (0, 0)
    assert _spent(simulator) - spent_before == {earliest.id}
    qtbot.waitUntil(lambda: synced(controller.state))
    assert_matches_backend(controller.state, simulator)


def test_the_same_request_twice_spends_one_token(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    controller = make_controller()
    start_signed_in(qtbot, controller, "capped@example.com")
    spent_before = _spent(simulator)
    first = _redeem(qtbot, controller, "once")
    second = _redeem(qtbot, controller, "once")
    assert (first.status, second.status) == (RedeemStatus.SPENT, RedeemStatus.SPENT)
    assert "already" in second.message
    assert len(_spent(simulator) - spent_before) == 1
    # A double click while the first is running is answered once.
    outcomes: list[RedeemOutcome] = []
    controller.redeemFinished.connect(outcomes.append)
    controller.redeem("twice-clicked")
    controller.redeem("twice-clicked")
    qtbot.waitUntil(lambda: len(outcomes) == 1)
    assert len(_spent(simulator) - spent_before) == 2
    qtbot.waitUntil(lambda: synced(controller.state))
    assert_matches_backend(controller.state, simulator)
    assert len(controller.state.available_tokens) == 0


def test_offline_nothing_is_spent_or_queued_and_the_token_is_kept(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    controller = make_controller()
    before = start_signed_in(qtbot, controller, "capped@example.com")
    spent_before = _spent(simulator)
    simulator.set_fault(offline=True)
    outcome = _redeem(qtbot, controller, "offline-spend")
    assert outcome.status is RedeemStatus.OFFLINE
    assert "offline" in outcome.message
    assert "never queued" in outcome.message
    assert controller.state.available_tokens == before.available_tokens
    simulator.clear_faults()
    controller.sync_now()  # coming back online never spends it behind the user's back
    qtbot.waitUntil(lambda: synced(controller.state))
    assert _spent(simulator) == spent_before
    assert len(controller.state.available_tokens) == 2


def test_a_retry_after_timeouts_reuses_the_key(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    # With this seed the five attempts go: failed, failed, failed, committed-then-timed-out,
    # failed. The outcome must still say it may have gone through.
    controller = make_controller(retry=dataclasses.replace(FAST_RETRY, attempts=5))
    start_signed_in(qtbot, controller, "capped@example.com")
    spent_before = _spent(simulator)
    simulator.set_fault(error_rate=1.0)  # some attempts commit, then time out
    outcome = _redeem(qtbot, controller, "flaky-spend")
    assert outcome.status is RedeemStatus.OFFLINE
    assert "may have gone through" in outcome.message
    # The seeded rng made one attempt commit before its answer was lost.
    assert len(_spent(simulator) - spent_before) == 1
    simulator.clear_faults()
    retried = _redeem(qtbot, controller, "flaky-spend")  # the dialog's "try again"
    assert retried.status is RedeemStatus.SPENT
    assert "already" in retried.message  # it had gone through: nothing new was spent
    assert len(_spent(simulator) - spent_before) == 1
    qtbot.waitUntil(lambda: synced(controller.state))
    assert_matches_backend(controller.state, simulator)


def test_an_empty_wallet_says_so(qtbot, make_controller: ControllerFactory) -> None:
    controller = make_controller()
    start_signed_in(qtbot, controller, "pilot@example.com")
    outcome = _redeem(qtbot, controller, "nothing-to-spend")
    assert outcome.status is RedeemStatus.NO_TOKENS
    assert outcome.message
