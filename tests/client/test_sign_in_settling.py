"""A sign-in whose answer was lost: replayed with its key until settled, never a second session;
the operator can stop waiting; a sign-out ends the backend session too (R11)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from desktop.backend.api import AuthenticationError, NotSent, OutcomeUnknown, error_for
from desktop.backend.service import MockBackend
from desktop.backend.store import SessionRecord
from desktop.controller import RetryPolicy
from desktop.controller.state import SyncPhase
from desktop.domain.outcomes import Operation, Outcome
from desktop.domain.reasons import Reason, explain
from tests.client.clock import ManualClock
from tests.client.conftest import (
    HOUR_MS,
    ControllerFactory,
    Results,
    start_signed_in,
    synced,
)
from tests.client.scripted import ScriptedApi

# One attempt per click, and a replay 50 ms after a lost answer.
ONE_TRY = RetryPolicy(attempts=1, first_delay_ms=50, max_delay_ms=400, call_timeout_ms=10_000)


def _open_sessions(backend: MockBackend) -> int:
    with backend.store.transaction() as tx:
        query = select(func.count()).select_from(SessionRecord)
        return tx.session.scalar(query.where(SessionRecord.ended_at.is_(None))) or 0


def _sign_in_keys(api: ScriptedApi) -> list[str]:
    return [args[2] for name, args in api.calls if name == "sign_in"]


def test_a_lost_sign_in_answer_is_replayed_with_its_key_and_settled(
    qtbot, make_controller: ControllerFactory, backend: MockBackend
) -> None:
    api = ScriptedApi(backend)
    api.fail_after("sign_in", OutcomeUnknown(), times=2)  # applied twice, both answers lost
    controller = make_controller(api, retry=ONE_TRY)  # type: ignore[arg-type]
    controller.start()
    results = Results(controller)
    controller.sign_in("pilot@example.com", "demo")
    qtbot.waitUntil(lambda: any(r.definite for r in results.all), timeout=10_000)
    outcomes = [r.outcome for r in results.all]
    assert outcomes == [Outcome.UNKNOWN, Outcome.UNKNOWN, Outcome.DONE]
    assert results.all[0].operation is Operation.SIGN_IN
    assert results.all[0].reason is Reason.ANSWER_LOST
    assert [r.settles for r in results.all] == [False, False, True]
    assert len({r.key for r in results.all}) == 1
    keys = _sign_in_keys(api)
    assert len(keys) == 3
    assert set(keys) == {results.all[0].key}  # every replay carried the intent's key
    assert _open_sessions(backend) == 1  # no orphan session
    qtbot.waitUntil(lambda: synced(controller.state))
    assert controller.state.account is not None
    assert controller.state.account.email == "pilot@example.com"


def test_the_next_click_after_a_lost_answer_reuses_the_key_whatever_the_case(
    qtbot, make_controller: ControllerFactory, backend: MockBackend
) -> None:
    api = ScriptedApi(backend)
    api.fail_after("sign_in", OutcomeUnknown())
    slow = RetryPolicy(attempts=1, first_delay_ms=60_000, max_delay_ms=60_000)
    controller = make_controller(api, retry=slow)  # type: ignore[arg-type]
    controller.start()
    results = Results(controller)
    controller.sign_in("pilot@example.com", "demo")
    qtbot.waitUntil(lambda: len(results.all) == 1)
    controller.sign_in("  Pilot@Example.COM ", "demo")  # the operator clicks again
    qtbot.waitUntil(lambda: len(results.all) == 2)
    assert results.all[1].outcome is Outcome.DONE
    assert results.all[1].settles
    assert results.all[1].key == results.all[0].key
    assert len(set(_sign_in_keys(api))) == 1
    assert _open_sessions(backend) == 1


def test_another_address_is_another_sign_in_with_its_own_key(
    qtbot, make_controller: ControllerFactory, backend: MockBackend
) -> None:
    api = ScriptedApi(backend)
    api.fail_after("sign_in", OutcomeUnknown())
    slow = RetryPolicy(attempts=1, first_delay_ms=60_000, max_delay_ms=60_000)
    controller = make_controller(api, retry=slow)  # type: ignore[arg-type]
    controller.start()
    results = Results(controller)
    controller.sign_in("pilot@example.com", "demo")
    qtbot.waitUntil(lambda: len(results.all) == 1)
    controller.sign_in("capped@example.com", "demo")
    qtbot.waitUntil(lambda: len(results.all) == 2)
    assert results.all[1].outcome is Outcome.DONE
    assert not results.all[1].settles
    assert results.all[1].key != results.all[0].key
    qtbot.waitUntil(lambda: synced(controller.state))
    assert controller.state.account is not None
    assert controller.state.account.email == "capped@example.com"


def test_a_cancelled_sign_in_is_not_replayed_but_keeps_its_key(
    qtbot, make_controller: ControllerFactory, backend: MockBackend
) -> None:
    api = ScriptedApi(backend)
    api.fail_after("sign_in", OutcomeUnknown())
    controller = make_controller(api, retry=ONE_TRY)  # type: ignore[arg-type]
    controller.start()
    results = Results(controller)
    with qtbot.waitSignal(controller.operationFinished):
        controller.sign_in("pilot@example.com", "demo")
    controller.cancel_sign_in()  # before the replay, 50 ms later
    with qtbot.assertNotEmitted(controller.operationFinished, wait=400):
        pass
    assert api.count("sign_in") == 1
    assert controller.state.account is None
    controller.sign_in("pilot@example.com", "demo")
    qtbot.waitUntil(lambda: len(results.all) == 2)
    assert results.all[1].outcome is Outcome.DONE
    assert results.all[1].key == results.all[0].key
    assert _open_sessions(backend) == 1


def test_a_refused_sign_in_is_not_replayed_and_the_next_one_gets_a_new_key(
    qtbot, make_controller: ControllerFactory, backend: MockBackend
) -> None:
    api = ScriptedApi(backend)
    controller = make_controller(api, retry=ONE_TRY)  # type: ignore[arg-type]
    controller.start()
    results = Results(controller)
    with qtbot.waitSignal(controller.operationFinished):
        controller.sign_in("pilot@example.com", "wrong password")
    refused = results.all[0]
    assert refused.outcome is Outcome.REFUSED
    assert refused.reason is Reason.SIGN_IN_FAILED
    assert refused.subject == "pilot@example.com"
    with qtbot.waitSignal(controller.operationFinished):
        controller.sign_in("pilot@example.com", "demo")
    assert results.all[1].outcome is Outcome.DONE
    assert results.all[1].key != refused.key
    assert api.count("sign_in") == 2


def test_an_offline_sign_in_is_not_sent_and_not_replayed(
    qtbot, make_controller: ControllerFactory, backend: MockBackend
) -> None:
    api = ScriptedApi(backend)
    api.fail_before("sign_in", NotSent())
    controller = make_controller(api, retry=ONE_TRY)  # type: ignore[arg-type]
    controller.start()
    results = Results(controller)
    with qtbot.waitSignal(controller.operationFinished):
        controller.sign_in("pilot@example.com", "demo")
    assert results.all[0].outcome is Outcome.NOT_SENT
    with qtbot.assertNotEmitted(controller.operationFinished, wait=300):
        pass
    assert api.count("sign_in") == 1
    assert _open_sessions(backend) == 0


def test_a_double_click_on_sign_in_sends_one_request(
    qtbot, make_controller: ControllerFactory, backend: MockBackend
) -> None:
    api = ScriptedApi(backend)
    gate = api.hold("sign_in")
    controller = make_controller(api)  # type: ignore[arg-type]
    controller.start()
    results = Results(controller)
    controller.sign_in("pilot@example.com", "demo")
    controller.sign_in("pilot@example.com", "demo")
    gate.set()
    qtbot.waitUntil(lambda: len(results.all) == 1)
    qtbot.waitUntil(lambda: synced(controller.state))
    assert api.count("sign_in") == 1
    assert len(results.all) == 1


def test_signing_in_as_someone_else_ends_the_previous_session(
    qtbot, make_controller: ControllerFactory, backend: MockBackend
) -> None:
    controller = make_controller()
    start_signed_in(qtbot, controller)
    assert _open_sessions(backend) == 1
    results = Results(controller)
    controller.sign_in("capped@example.com", "demo")
    qtbot.waitUntil(lambda: len(results.all) == 1)
    assert results.all[0].outcome is Outcome.DONE
    qtbot.waitUntil(lambda: synced(controller.state))
    assert controller.state.account is not None
    assert controller.state.account.email == "capped@example.com"
    assert _open_sessions(backend) == 1


def test_signing_out_ends_the_backend_session(
    qtbot, make_controller: ControllerFactory, backend: MockBackend
) -> None:
    controller = make_controller()
    start_signed_in(qtbot, controller)
    controller.sign_out()
    qtbot.waitUntil(lambda: _open_sessions(backend) == 0)
    assert controller.state.account is None
    assert controller.state.sync.phase is SyncPhase.NEVER
    assert controller.state.sync.message == ""


def test_a_session_the_backend_ended_signs_out_with_its_sentence(
    qtbot, make_controller: ControllerFactory, backend: MockBackend
) -> None:
    api = ScriptedApi(backend)
    controller = make_controller(api)  # type: ignore[arg-type]
    start_signed_in(qtbot, controller)
    api.fail_before("sync", AuthenticationError(Reason.SESSION_ENDED))
    controller.sync_now()
    qtbot.waitUntil(lambda: controller.state.account is None)
    assert controller.state.sync.phase is SyncPhase.ERROR
    assert controller.state.sync.message == AuthenticationError(Reason.SESSION_ENDED).message


def test_signing_in_as_another_operator_says_what_was_discarded(
    qtbot, make_controller: ControllerFactory, backend: MockBackend
) -> None:
    api = ScriptedApi(backend)
    controller = make_controller(api)  # type: ignore[arg-type]
    results = Results(controller)
    messages: list[str] = []
    controller.stateChanged.connect(lambda state: messages.append(state.sync.message))
    start_signed_in(qtbot, controller)
    signed_in = results.all[0]
    assert signed_in.message == "Signed in as pilot@example.com."
    assert set(messages) == {""}  # nothing was discarded, nothing went wrong
    api.fail_before("send_invitation", NotSent(), times=3)
    api.fail_before("sync", NotSent(), times=10_000)
    queued = controller.send_invitation("left@example.com")
    qtbot.waitUntil(lambda: len(results.of(queued)) == 1)
    controller.sign_in("capped@example.com", "demo")
    qtbot.waitUntil(lambda: len(results.all) == 3)
    other = results.all[2]
    assert (other.operation, other.outcome) == (Operation.SIGN_IN, Outcome.DONE)
    assert other.message == "Signed in as capped@example.com."
    discarded = "1 invitation queued by the previous account was discarded."
    assert discarded in messages
    assert set(messages) <= {"", discarded, explain(Reason.OFFLINE)}


# Replays on a clock the test turns: 250 ms, doubling, capped at 600 ms.
SCHEDULE = RetryPolicy(attempts=1, first_delay_ms=250, max_delay_ms=600, call_timeout_ms=10_000)


def test_each_replay_of_a_lost_sign_in_waits_twice_as_long_up_to_the_cap(
    qtbot, make_controller: ControllerFactory, backend: MockBackend
) -> None:
    api = ScriptedApi(backend)
    api.fail_after("sign_in", OutcomeUnknown(), times=3)
    clock = ManualClock()
    controller = make_controller(api, retry=SCHEDULE, wait=clock)  # type: ignore[arg-type]
    controller.start()
    results = Results(controller)
    controller.sign_in("pilot@example.com", "demo")
    for replay in (1, 2, 3):
        qtbot.waitUntil(lambda replay=replay: len(results.all) == replay)
        assert results.all[-1].outcome is Outcome.UNKNOWN
        assert api.count("sign_in") == replay  # nothing is replayed before its time
        clock.fire(clock.wait_for(qtbot, replay))
    qtbot.waitUntil(lambda: any(r.definite for r in results.all))
    assert [r.outcome for r in results.all] == [Outcome.UNKNOWN] * 3 + [Outcome.DONE]
    assert clock.delays[:3] == [250, 500, 600]  # 1000 is past the cap
    assert _open_sessions(backend) == 1


def test_a_lost_sign_in_is_not_replayed_after_the_next_click_is_refused(
    qtbot, make_controller: ControllerFactory, backend: MockBackend
) -> None:
    """The password of a lost sign-in is kept only while its replay waits: a definite outcome
    of a later attempt drops it, so nothing signs in with it afterwards."""
    api = ScriptedApi(backend)
    api.fail_after("sign_in", OutcomeUnknown())
    api.fail_before("sign_in", error_for(Reason.SIGN_IN_FAILED))
    clock = ManualClock()
    controller = make_controller(api, retry=SCHEDULE, wait=clock)  # type: ignore[arg-type]
    controller.start()
    results = Results(controller)
    controller.sign_in("pilot@example.com", "demo")
    replay = clock.wait_for(qtbot, 1)  # the lost answer's replay waits
    qtbot.waitUntil(lambda: len(results.all) == 1)
    controller.sign_in("pilot@example.com", "demo")  # the operator clicks again: refused
    qtbot.waitUntil(lambda: len(results.all) == 2)
    assert results.all[1].outcome is Outcome.REFUSED
    assert replay.cancelled
    clock.fire_all()  # whatever still waits, its time comes
    with qtbot.assertNotEmitted(controller.operationFinished, wait=100):
        pass
    assert api.count("sign_in") == 2
    assert controller.state.account is None


@pytest.mark.parametrize("then", ["done", "cancelled"])
def test_nothing_is_left_to_replay_a_lost_sign_in_once_it_is_settled_or_given_up(
    qtbot, make_controller: ControllerFactory, backend: MockBackend, then: str
) -> None:
    api = ScriptedApi(backend)
    api.fail_after("sign_in", OutcomeUnknown())
    clock = ManualClock()
    controller = make_controller(api, retry=SCHEDULE, wait=clock)  # type: ignore[arg-type]
    controller.start()
    results = Results(controller)
    controller.sign_in("pilot@example.com", "demo")
    replay = clock.wait_for(qtbot, 1)
    qtbot.waitUntil(lambda: len(results.all) == 1)
    if then == "cancelled":
        controller.cancel_sign_in()
    else:
        controller.sign_in("pilot@example.com", "demo")
        qtbot.waitUntil(lambda: len(results.all) == 2)
        assert results.all[1].outcome is Outcome.DONE
        qtbot.waitUntil(lambda: synced(controller.state))
    assert replay.cancelled
    # What still waits: the next periodic sync once signed in, nothing once given up.
    assert [wait.ms for wait in clock.pending] == ([] if then == "cancelled" else [HOUR_MS])
    assert api.count("sign_in") == (1 if then == "cancelled" else 2)
