"""Spending a reset: needs the backend, never queued, never twice for one intent (R6, R8, R11)."""

from __future__ import annotations

import dataclasses
import threading

from desktop.backend.service import MockBackend
from desktop.backend.simulator import Simulator
from desktop.controller import Controller
from desktop.controller.state import OperationResult
from desktop.domain.credits import CreditWindows
from desktop.domain.outcomes import Outcome
from tests.client.conftest import FAST_RETRY, ControllerFactory, Results, start_signed_in, synced
from tests.client.matching import assert_matches_backend

CAPPED = "capped@example.com"


def _redeem(qtbot, controller: Controller, *, definite: bool = False) -> OperationResult:
    results = Results(controller)
    return results.wait(qtbot, controller.redeem(), definite=definite)


def _spent(simulator: Simulator) -> set[str]:
    return {t.id for t in simulator.wallet(CAPPED).tokens if t.state == "spent"}


def test_spending_a_token_clears_both_windows(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    controller = make_controller()
    before = start_signed_in(qtbot, controller, CAPPED)
    earliest = before.available_tokens[0]
    spent_before = _spent(simulator)
    outcome = _redeem(qtbot, controller)
    assert outcome.outcome is Outcome.DONE
    assert outcome.message == "Reset spent: your weekly and 5-hour usage are back to zero used."
    assert outcome.token is not None
    assert outcome.token.credit.id == earliest.credit.id  # the one that expires first
    assert outcome.token.credit.state == "spent"
    state = controller.state
    assert state.weekly is not None
    assert state.five_hour is not None
    assert (state.weekly.used, state.five_hour.used) == (0, 0)
    assert state.pending == ()  # the intent is closed
    assert _spent(simulator) - spent_before == {earliest.credit.id}
    qtbot.waitUntil(lambda: synced(controller.state))
    assert_matches_backend(controller.state, simulator)


def test_a_double_click_spends_one_token(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    controller = make_controller()
    start_signed_in(qtbot, controller, CAPPED)
    spent_before = _spent(simulator)
    results = Results(controller)
    first = controller.redeem()
    second = controller.redeem()  # before the first has an answer: the same intent
    assert first == second
    results.wait(qtbot, first, definite=True)
    qtbot.waitUntil(lambda: synced(controller.state))
    assert len(_spent(simulator) - spent_before) == 1
    # Once settled, a new confirmation is a new intent and spends the next token.
    assert _redeem(qtbot, controller).outcome is Outcome.DONE
    qtbot.waitUntil(lambda: synced(controller.state))
    assert len(_spent(simulator) - spent_before) == 2
    assert_matches_backend(controller.state, simulator)
    assert len(controller.state.available_tokens) == 0


def test_offline_nothing_is_spent_or_queued_and_the_token_is_kept(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    controller = make_controller()
    before = start_signed_in(qtbot, controller, CAPPED)
    spent_before = _spent(simulator)
    simulator.set_fault(offline=True)
    outcome = _redeem(qtbot, controller)
    assert outcome.outcome is Outcome.NOT_SENT
    assert "offline" in outcome.message
    assert "Nothing was spent and your reset is kept" in outcome.message
    assert controller.state.available_tokens == before.available_tokens
    assert controller.state.pending == ()  # not queued: nothing will spend it later
    simulator.clear_faults()
    controller.sync_now()  # coming back online never spends it behind the user's back
    qtbot.waitUntil(lambda: synced(controller.state))
    assert _spent(simulator) == spent_before
    assert len(controller.state.available_tokens) == 2


def test_a_lost_answer_is_unknown_then_settled_by_the_app_with_one_token_spent(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    # With this seed the five attempts go: failed, failed, failed, committed-then-lost,
    # failed. The outcome must say it may have been spent, never that nothing happened.
    controller = make_controller(retry=dataclasses.replace(FAST_RETRY, attempts=5))
    start_signed_in(qtbot, controller, CAPPED)
    spent_before = _spent(simulator)
    simulator.set_fault(error_rate=1.0)
    results = Results(controller)
    key = controller.redeem()
    unknown = results.wait(qtbot, key)
    assert unknown.outcome is Outcome.UNKNOWN
    assert "may have been spent" in unknown.message
    assert "nothing" not in unknown.message.lower().split("spent")[0]
    assert len(_spent(simulator) - spent_before) == 1  # it had gone through
    assert controller.state.redeem_pending is not None  # the wallet shows it is being settled

    # Doing what the message suggests (try again) reuses the intent: nothing new is spent.
    assert controller.redeem() == key
    simulator.clear_faults()
    settled = results.wait(qtbot, key, definite=True)
    assert settled.outcome is Outcome.DONE
    assert settled.settles
    assert settled.message == "Reset spent: your weekly and 5-hour usage are back to zero used."
    qtbot.waitUntil(lambda: controller.state.redeem_pending is None)
    qtbot.waitUntil(lambda: synced(controller.state))
    assert len(_spent(simulator) - spent_before) == 1
    assert_matches_backend(controller.state, simulator)


def test_an_empty_wallet_says_so(qtbot, make_controller: ControllerFactory) -> None:
    controller = make_controller()
    start_signed_in(qtbot, controller, "pilot@example.com")
    outcome = _redeem(qtbot, controller)
    assert outcome.outcome is Outcome.REFUSED
    assert outcome.message == "You have no usage resets to spend. Nothing was spent."
    assert controller.state.pending == ()


class KeepsUsage:
    """The backend, except that a redemption leaves the weekly window counting use (80%): a
    service whose reset did not reach every window the credit names. Its answers and its later
    syncs agree on that number, as a real service's would: the spend and the 80 % are one change
    to a sync (the change feed wakes a sync at the spend's commit, which must not read between
    the two)."""

    def __init__(self, inner: object, simulator: Simulator) -> None:
        self._inner = inner
        self._simulator = simulator
        self._one_change = threading.Lock()
        self.weekly_used: float | None = None

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    def redeem(self, *args: object, **named: object) -> object:
        with self._one_change:
            result = self._inner.redeem(*args, **named)  # type: ignore[attr-defined]
            usage = self._simulator.set_usage(CAPPED, weekly_percent=80)
        self.weekly_used = usage.weekly.used
        return dataclasses.replace(result, usage=usage)

    def sync(self, *args: object, **named: object) -> object:
        with self._one_change:
            return self._inner.sync(*args, **named)  # type: ignore[attr-defined]


def test_a_reset_whose_window_did_not_clear_says_so(
    qtbot, make_controller: ControllerFactory, backend: MockBackend, simulator: Simulator
) -> None:
    service = KeepsUsage(backend, simulator)
    controller = make_controller(service)  # type: ignore[arg-type]
    start_signed_in(qtbot, controller, CAPPED)
    outcome = _redeem(qtbot, controller)
    assert outcome.outcome is Outcome.DONE
    assert outcome.message == (
        "Reset spent: your weekly and 5-hour usage are back to zero used. But the referral "
        "service still counts use in the weekly window after the reset; the numbers shown are "
        "the service's."
    )
    assert service.weekly_used
    # The service's number, not a client's guess of zero, before and after the syncs settle.
    assert controller.state.weekly is not None
    assert controller.state.weekly.used == service.weekly_used
    before = controller.state.sync.last_synced_at
    controller.sync_now()
    qtbot.waitUntil(
        lambda: synced(controller.state) and controller.state.sync.last_synced_at != before
    )
    assert controller.state.weekly.used == service.weekly_used


def test_redeem_names_a_credit_and_the_intent_keeps_it(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    credit = simulator.grant(CAPPED, title="Later one", expires_days=None)
    controller = make_controller()
    start_signed_in(qtbot, controller, CAPPED)
    assert controller.state.available_tokens[-1].credit.id == credit.id  # never expires: last
    outcome = _redeem_named(qtbot, controller, credit.id)
    assert outcome.outcome is Outcome.DONE
    assert outcome.token is not None
    assert outcome.token.credit.id == credit.id  # the named one, not the soonest-expiring
    assert credit.id in _spent(simulator)


def _redeem_named(qtbot, controller: Controller, credit_id: str) -> OperationResult:
    results = Results(controller)
    return results.wait(qtbot, controller.redeem(credit_id))


def test_a_five_hour_credit_says_the_weekly_window_is_unchanged(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    credit = simulator.grant(
        CAPPED, title="Welcome reset", expires_days=1, windows=CreditWindows.FIVE_HOUR
    )
    controller = make_controller()
    before = start_signed_in(qtbot, controller, CAPPED)
    assert before.weekly is not None
    results = Results(controller)
    outcome = results.wait(qtbot, controller.redeem(credit.id))
    assert outcome.outcome is Outcome.DONE
    assert outcome.message == (
        "Reset spent: your 5-hour usage is back to zero; the weekly window is unchanged."
    )
    assert outcome.token is not None
    assert outcome.token.credit.id == credit.id
    state = controller.state
    assert state.five_hour is not None
    assert state.weekly is not None
    assert (state.five_hour.used, state.weekly.used) == (0, before.weekly.used)
    assert credit.id in _spent(simulator)
