"""Redeem and revoke intents at their edges: each attempt's outcome, what closes an intent and
what keeps it open, which key every window is told under, and what reaches the backend."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from desktop.backend.api import NoTokens, NotSent, OutcomeUnknown, ServerError
from desktop.backend.service import MockBackend
from desktop.backend.simulator import Simulator
from desktop.controller import Controller
from desktop.controller.state import AppState, OperationResult
from desktop.credentials import CredentialStore
from desktop.domain.outcomes import Operation, Outcome
from desktop.domain.reasons import Reason, explain
from desktop.paths import CACHE_DB
from desktop.storage import CacheRepository
from tests.client.conftest import (
    FAST_RETRY,
    HOUR_MS,
    ControllerFactory,
    Results,
    start_signed_in,
    synced,
)
from tests.client.matching import assert_matches_backend
from tests.client.scripted import ScriptedApi

CAPPED = "capped@example.com"  # starts with two tokens and used-up windows


def _spent(simulator: Simulator) -> set[str]:
    return {t.id for t in simulator.wallet(CAPPED).tokens if t.state == "spent"}


def _keys(api: ScriptedApi, method: str) -> list[str]:
    return [args[-1] for name, args in api.calls if name == method]


def _settled(controller: Controller) -> bool:
    return synced(controller.state) and controller.state.pending == ()


def test_signed_out_a_redeem_a_revoke_and_a_send_are_refused_at_once(
    qtbot, make_controller: ControllerFactory, backend: MockBackend
) -> None:
    api = ScriptedApi(backend)
    controller = make_controller(api)  # type: ignore[arg-type]
    controller.start()
    results = Results(controller)
    redeem = results.wait(qtbot, controller.redeem())
    revoke = results.wait(qtbot, controller.revoke_invitation("inv-1"))
    assert (redeem.operation, redeem.outcome, redeem.reason) == (
        Operation.REDEEM,
        Outcome.REFUSED,
        Reason.NOT_SIGNED_IN,
    )
    assert (revoke.operation, revoke.outcome, revoke.reason, revoke.subject) == (
        Operation.REVOKE,
        Outcome.REFUSED,
        Reason.NOT_SIGNED_IN,
        "inv-1",
    )
    send = results.wait(qtbot, controller.send_invitation("friend@example.com"))
    assert (send.operation, send.outcome, send.reason) == (
        Operation.SEND,
        Outcome.REFUSED,
        Reason.NOT_SIGNED_IN,
    )
    assert api.calls == []
    assert controller.state.pending == ()


def _cached_intents(data_dir: Path) -> list[str]:
    cache = CacheRepository(data_dir / CACHE_DB)
    cache.open()
    try:
        return [intent.key for intent in cache.snapshot().intents]
    finally:
        cache.close()


def test_a_clean_failure_closes_the_redeem_and_the_next_confirmation_is_a_new_intent(
    qtbot,
    make_controller: ControllerFactory,
    backend: MockBackend,
    simulator: Simulator,
    data_dir: Path,
) -> None:
    api = ScriptedApi(backend)
    controller = make_controller(api)  # type: ignore[arg-type]
    start_signed_in(qtbot, controller, CAPPED)
    spent_before = _spent(simulator)
    api.fail_before("redeem", ServerError(), times=FAST_RETRY.attempts)
    results = Results(controller)
    first = controller.redeem()
    failed = results.wait(qtbot, first)
    assert (failed.outcome, failed.reason) == (Outcome.NOT_SENT, Reason.SERVER_ERROR)
    assert _keys(api, "redeem") == [first] * FAST_RETRY.attempts  # retried with its key
    qtbot.waitUntil(lambda: controller.state.pending == ())
    assert _cached_intents(data_dir) == []
    assert _spent(simulator) == spent_before
    second = controller.redeem()
    assert second != first
    assert results.wait(qtbot, second).outcome is Outcome.DONE
    assert len(_spent(simulator) - spent_before) == 1
    assert _cached_intents(data_dir) == []  # closed on disk too: a restart replays nothing


def test_after_a_lost_answer_a_clean_failure_is_still_unknown_and_the_intent_stays_open(
    qtbot, make_controller: ControllerFactory, backend: MockBackend, simulator: Simulator
) -> None:
    api = ScriptedApi(backend)
    controller = make_controller(api)  # type: ignore[arg-type]
    start_signed_in(qtbot, controller, CAPPED)
    spent_before = _spent(simulator)
    # No sync until the test asks for one: the change feed wakes on the spend's commit, and a
    # sync replaying the intent then would settle it before the operator tries again.
    syncs = api.hold("sync")
    # Every attempt fails: the first one was applied and its answer lost.
    api.fail_after("redeem", OutcomeUnknown(), times=1)
    api.fail_before("redeem", NotSent(), times=FAST_RETRY.attempts - 1)
    api.fail_before("sync", NotSent(), times=1)  # the sync it asks for fails too
    results = Results(controller)
    key = controller.redeem()
    lost = results.wait(qtbot, key)
    assert (lost.outcome, lost.reason) == (Outcome.UNKNOWN, Reason.ANSWER_LOST)
    assert "may have been spent" in lost.message
    (pending,) = controller.state.pending
    assert (pending.key, pending.operation, pending.doubtful) == (key, Operation.REDEEM, True)
    assert len(_spent(simulator) - spent_before) == 1

    # The operator tries again while the backend is unreachable: the same intent, and a clean
    # "not sent" cannot prove nothing happened, since an earlier attempt may have.
    api.fail_before("redeem", NotSent(), times=FAST_RETRY.attempts)
    assert controller.redeem() == key
    qtbot.waitUntil(lambda: len(results.of(key)) == 2)
    again = results.of(key)[1]
    assert (again.outcome, again.reason) == (Outcome.UNKNOWN, Reason.OFFLINE)
    assert not again.settles
    assert [p.key for p in controller.state.pending] == [key]

    # Once the backend answers, a sync replays it with its key: the first spend, once.
    syncs.set()
    controller.sync_now()
    settled = results.wait(qtbot, key, definite=True)
    assert settled.outcome is Outcome.DONE
    assert settled.settles
    assert settled.token is not None
    assert settled.token.credit.state == "spent"
    qtbot.waitUntil(lambda: _settled(controller))
    assert set(_keys(api, "redeem")) == {key}
    assert len(_spent(simulator) - spent_before) == 1
    assert_matches_backend(controller.state, simulator)


def test_a_refused_redeem_closes_its_intent_and_syncs_the_truth(
    qtbot, make_controller: ControllerFactory, backend: MockBackend
) -> None:
    api = ScriptedApi(backend)
    controller = make_controller(api)  # type: ignore[arg-type]
    start_signed_in(qtbot, controller, CAPPED)
    syncs = api.count("sync")
    api.fail_before("redeem", NoTokens())  # the backend knows better than the cache
    results = Results(controller)
    key = controller.redeem()
    refused = results.wait(qtbot, key)
    assert (refused.outcome, refused.reason) == (Outcome.REFUSED, Reason.NO_TOKENS)
    assert refused.message == "You have no usage resets to spend. Nothing was spent."
    assert api.count("redeem") == 1  # a rule's answer is not retried
    qtbot.waitUntil(lambda: api.count("sync") > syncs)
    qtbot.waitUntil(lambda: _settled(controller))


def test_a_lost_revoke_answer_is_settled_by_the_next_sync_with_the_recipient_named(
    qtbot, make_controller: ControllerFactory, backend: MockBackend, simulator: Simulator
) -> None:
    api = ScriptedApi(backend)
    controller = make_controller(api)  # type: ignore[arg-type]
    start_signed_in(qtbot, controller)
    results = Results(controller)
    sent = results.wait(qtbot, controller.send_invitation("gone@example.com"))
    assert sent.invitation is not None
    api.fail_after("revoke_invitation", OutcomeUnknown(), times=FAST_RETRY.attempts)
    syncs = api.hold("sync")  # the settling sync waits until the pending revoke was seen
    key = controller.revoke_invitation(sent.invitation.id)
    lost = results.wait(qtbot, key)
    assert (lost.operation, lost.outcome, lost.subject) == (
        Operation.REVOKE,
        Outcome.UNKNOWN,
        sent.invitation.id,
    )
    assert [p.key for p in controller.state.pending] == [key]
    syncs.set()
    settled = results.wait(qtbot, key, definite=True)  # the sync it asked for replays it
    assert settled.outcome is Outcome.DONE
    assert settled.settles
    assert settled.message == "Invitation to gone@example.com revoked; its link no longer works."
    assert set(_keys(api, "revoke_invitation")) == {key}
    qtbot.waitUntil(lambda: _settled(controller))
    assert_matches_backend(controller.state, simulator)


def test_revoking_a_queued_invitation_whose_send_is_in_flight_is_unknown(
    qtbot, make_controller: ControllerFactory, backend: MockBackend, simulator: Simulator
) -> None:
    api = ScriptedApi(backend)
    controller = make_controller(api)  # type: ignore[arg-type]
    start_signed_in(qtbot, controller)
    results = Results(controller)
    gate = api.hold("send_invitation")
    send = controller.send_invitation("racing@example.com")
    qtbot.waitUntil(lambda: api.count("send_invitation") == 1)
    revoke = controller.revoke_invitation(f"local-{send}")
    refused = results.wait(qtbot, revoke)
    assert (refused.operation, refused.outcome, refused.reason) == (
        Operation.REVOKE,
        Outcome.UNKNOWN,
        Reason.ANSWER_LOST,
    )
    assert refused.subject == f"local-{send}"
    assert revoke != send
    gate.set()
    assert results.wait(qtbot, send).outcome is Outcome.DONE
    keys = [r.invitation.idempotency_key for r in simulator.invitations("pilot@example.com")]
    assert keys == [send]  # it went out; revoking it now is a revoke of a sent one


def test_two_windows_confirming_one_redeem_spend_one_token_and_both_are_told(
    qtbot,
    make_controller: ControllerFactory,
    backend: MockBackend,
    simulator: Simulator,
    data_dir: Path,
) -> None:
    api = ScriptedApi(backend)
    first = make_controller(api)  # type: ignore[arg-type]
    start_signed_in(qtbot, first, CAPPED)
    second = Controller(
        api,  # type: ignore[arg-type]
        CacheRepository(data_dir / CACHE_DB),
        CredentialStore(),
        sync_interval_ms=HOUR_MS,
        retry=FAST_RETRY,
    )
    try:
        start_signed_in(qtbot, second, CAPPED)
        spent_before = _spent(simulator)
        gate = api.hold("redeem")
        told_first, told_second = Results(first), Results(second)
        key = first.redeem()
        qtbot.waitUntil(lambda: api.count("redeem") == 1)
        other = second.redeem()  # the second window finds the first one's open intent
        assert other != key
        qtbot.waitUntil(lambda: api.count("redeem") == 2)
        gate.set()
        mine = told_first.wait(qtbot, key, definite=True)
        theirs: OperationResult = told_second.wait(qtbot, other, definite=True)
        assert (mine.outcome, theirs.outcome) == (Outcome.DONE, Outcome.DONE)
        assert told_second.wait(qtbot, key, definite=True).outcome is Outcome.DONE
        assert set(_keys(api, "redeem")) == {key}
        assert mine.token is not None
        assert theirs.token is not None
        assert mine.token.credit.id == theirs.token.credit.id
        assert len(_spent(simulator) - spent_before) == 1
        qtbot.waitUntil(lambda: _settled(second))
        qtbot.waitUntil(lambda: _settled(first))
    finally:
        second.shutdown()
        assert second.is_shut_down


def test_a_spent_token_names_the_invitation_that_earned_it(
    qtbot, make_controller: ControllerFactory
) -> None:
    controller = make_controller()
    before = start_signed_in(qtbot, controller, CAPPED)
    earliest = before.available_tokens[0]
    assert earliest.recipient != ""
    results = Results(controller)
    spent = results.wait(qtbot, controller.redeem())
    assert spent.token is not None
    assert (spent.token.credit.id, spent.token.recipient) == (
        earliest.credit.id,
        earliest.recipient,
    )


def test_a_redeem_names_its_credit_on_every_attempt_across_a_restart(
    qtbot,
    make_controller: ControllerFactory,
    backend: MockBackend,
    simulator: Simulator,
    data_dir: Path,
) -> None:
    api = ScriptedApi(backend)
    controller = make_controller(api)  # type: ignore[arg-type]
    start_signed_in(qtbot, controller, CAPPED)
    credit = controller.state.available_tokens[0]  # the one the wallet names
    spent_before = _spent(simulator)
    api.fail_after("redeem", OutcomeUnknown(), times=1)
    api.fail_before("redeem", NotSent(), times=FAST_RETRY.attempts - 1)
    settling = api.hold("sync")  # the settling sync waits: the intent stays open meanwhile
    results = Results(controller)
    key = controller.redeem(credit.credit.id)
    assert results.wait(qtbot, key).outcome is Outcome.UNKNOWN
    # On disk: the intent with its key and the credit it names, for a restart to replay.
    cache = CacheRepository(data_dir / CACHE_DB)
    cache.open()
    try:
        (intent,) = [i for i in cache.snapshot().intents if i.key == key]
    finally:
        cache.close()
    assert intent.credit_id == credit.credit.id
    settling.set()
    settled = results.wait(qtbot, key, definite=True)
    assert settled.outcome is Outcome.DONE
    assert settled.message.startswith("Reset spent: ")  # its own reset, replayed
    named = [kw.get("credit_id") for name, kw in api.named if name == "redeem"]
    assert len(named) > FAST_RETRY.attempts  # the retries and the settling replay
    assert set(named) == {credit.credit.id}
    assert set(_keys(api, "redeem")) == {key}
    assert _spent(simulator) - spent_before == {credit.credit.id}


def test_a_redeem_answered_after_sign_out_is_unknown_because_the_session_ended(
    qtbot, make_controller: ControllerFactory, backend: MockBackend, simulator: Simulator
) -> None:
    api = ScriptedApi(backend)
    controller = make_controller(api)  # type: ignore[arg-type]
    start_signed_in(qtbot, controller, CAPPED)
    spent_before = _spent(simulator)
    results = Results(controller)
    gate = api.hold_answer("redeem")
    key = controller.redeem()
    qtbot.waitUntil(lambda: api.applied("redeem") == 1)
    controller.sign_out()
    gate.set()
    told = results.wait(qtbot, key)
    # The spend reached the backend, but its answer belongs to the session that ended: the
    # operator is told why it is not known here, not left with an unexplained "unknown".
    assert (told.operation, told.outcome, told.reason) == (
        Operation.REDEEM,
        Outcome.UNKNOWN,
        Reason.SESSION_ENDED,
    )
    assert told.message.startswith(explain(Reason.SESSION_ENDED))
    assert "never spends a second reset" in told.message
    assert len(_spent(simulator) - spent_before) == 1


def test_a_sync_read_before_a_spend_and_answered_after_it_never_shows_the_cleared_windows_used(
    qtbot, make_controller: ControllerFactory, backend: MockBackend, simulator: Simulator
) -> None:
    """The order answers arrive in is not the order the backend read them in: a sync that read
    the windows before the spend, answered after the spend's own answer, must not put the used
    windows back next to the spent reset (a state the backend never had)."""
    api = ScriptedApi(backend)
    controller = make_controller(api)  # type: ignore[arg-type]
    start_signed_in(qtbot, controller, CAPPED)
    simulator.set_usage(CAPPED, 40, 40)  # both windows in use: the spend clears them
    results = Results(controller)
    gate = api.hold_answer("sync")
    read = api.applied("sync")
    controller.sync_now()
    qtbot.waitUntil(lambda: api.applied("sync") == read + 1)  # read before the spend, held
    del api.answer_gates["sync"]  # later syncs answer at once
    states: list = []
    controller.stateChanged.connect(states.append)
    key = controller.redeem()
    assert results.wait(qtbot, key).outcome is Outcome.DONE
    gate.set()
    qtbot.waitUntil(lambda: _settled(controller) and api.applied("sync") >= read + 2)
    spent = next(
        i for i, s in enumerate(states) if any(t.credit.state == "spent" for t in s.tokens)
    )
    shown = [(s.five_hour.used, s.weekly.used) for s in states[spent:]]
    assert set(shown) == {(0, 0)}, shown
    assert_matches_backend(controller.state, simulator)


def test_a_resend_whose_answer_is_lost_sends_one_extra_email_under_one_key(
    qtbot, make_controller: ControllerFactory, backend: MockBackend, simulator: Simulator
) -> None:
    api = ScriptedApi(backend)
    controller = make_controller(api)  # type: ignore[arg-type]
    start_signed_in(qtbot, controller)
    record = simulator.invite("pilot@example.com", "pending@example.org")
    available_at = record.invitation.resend_available_at
    assert available_at is not None
    simulator.advance_clock(available_at - simulator.now() + timedelta(seconds=1))
    states: list[AppState] = []
    controller.stateChanged.connect(states.append)
    results = Results(controller)
    api.fail_after("resend_invitation", OutcomeUnknown())  # sent, its answer lost
    key = controller.resend_invitation(record.invitation.id)
    done = results.wait(qtbot, key, definite=True)
    assert done.operation is Operation.RESEND
    assert done.outcome is Outcome.DONE
    assert done.message == "The invitation email went to pending@example.org again."
    keys = {args[2] for name, args in api.calls if name == "resend_invitation"}
    assert keys == {key}  # the retry carried the intent's key
    (after,) = [r.invitation for r in simulator.invitations("pilot@example.com")]
    assert after.emails_sent == 2  # one extra email, not two
    # While it was settled the window could show it; once done, nothing is pending.
    assert any(s.resending(record.invitation.id) for s in states)
    qtbot.waitUntil(lambda: not controller.state.resending(record.invitation.id))


@pytest.mark.parametrize("answer", ["arrives", "lost"])
def test_a_send_a_sync_finds_while_its_answer_is_on_the_way_is_told_once(
    qtbot,
    make_controller: ControllerFactory,
    backend: MockBackend,
    simulator: Simulator,
    answer: str,
) -> None:
    """A sync can see a send on the backend before the send's own answer is back (applied,
    answer on the way). The operator is told then that it went out, and not again by the
    answer, whether it then arrives or is lost; counted after everything has settled."""
    api = ScriptedApi(backend)
    controller = make_controller(api)  # type: ignore[arg-type]
    start_signed_in(qtbot, controller)
    results = Results(controller)
    if answer == "lost":
        api.fail_after("send_invitation", OutcomeUnknown())
    gate = api.hold_answer("send_invitation")
    key = controller.send_invitation("racing@example.com")
    qtbot.waitUntil(lambda: api.applied("send_invitation") == 1)
    read = api.applied("sync")
    controller.sync_now()
    # (The change feed may add a sync of its own: the send changed the backend.)
    qtbot.waitUntil(lambda: api.applied("sync") > read)
    qtbot.waitUntil(
        lambda: any(
            v.recipient == "racing@example.com" and not v.id.startswith("local-")
            for v in controller.state.invitations
        )
    )
    found = results.wait(qtbot, key)  # told by the sync, with what it found
    assert found.invitation is not None
    assert found.invitation.recipient == "racing@example.com"
    gate.set()
    qtbot.waitUntil(lambda: _settled(controller))
    read = api.applied("sync")
    controller.sync_now()  # and a later sync tells nothing more
    qtbot.waitUntil(lambda: api.applied("sync") > read and _settled(controller))
    told = results.of(key)
    assert [(r.outcome, r.subject) for r in told] == [(Outcome.DONE, "racing@example.com")]
    keys = [r.invitation.idempotency_key for r in simulator.invitations("pilot@example.com")]
    assert keys == [key]
