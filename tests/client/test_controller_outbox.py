"""Invitations offline and under faults: queued, flushed once, never duplicated (R2, R8)."""

from __future__ import annotations

from desktop.backend.simulator import Simulator
from desktop.controller import Controller
from desktop.controller.state import OperationResult, SyncPhase
from desktop.domain.invitations import InvitationState
from desktop.domain.outcomes import Outcome
from tests.client.conftest import ControllerFactory, Results, start_signed_in, synced
from tests.client.matching import assert_matches_backend


def _invite(qtbot, controller: Controller, email: str) -> OperationResult:
    """Send and wait for the first result of that intent."""
    results = Results(controller)
    key = controller.send_invitation(email)
    return results.wait(qtbot, key)


def _backend_keys(simulator: Simulator) -> list[str | None]:
    return [r.invitation.idempotency_key for r in simulator.invitations("pilot@example.com")]


def _settled(controller: Controller) -> bool:
    state = controller.state
    return synced(state) and state.sync.pending_operations == 0


def test_an_online_send_reports_sent(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    controller = make_controller()
    start_signed_in(qtbot, controller)
    outcome = _invite(qtbot, controller, "Newbie@Example.com")
    assert outcome.outcome is Outcome.DONE
    assert outcome.message == "Invitation sent to newbie@example.com."
    assert outcome.invitation is not None
    assert outcome.invitation.recipient == "newbie@example.com"
    assert outcome.invitation.state is InvitationState.SENT
    # The dialog previews the email the backend dispatched, word for word (issue 10, item 5).
    (message,) = [m for m in simulator.outbox() if m.recipient == "newbie@example.com"]
    assert (outcome.invitation.message_subject, outcome.invitation.message_body) == (
        message.subject,
        message.body,
    )
    assert message.subject
    assert message.body
    assert _backend_keys(simulator) == [outcome.key]
    assert_matches_backend(controller.state, simulator)


def test_an_offline_invitation_is_queued_then_sent_once(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    controller = make_controller()
    start_signed_in(qtbot, controller)
    simulator.set_fault(offline=True)
    outcome = _invite(qtbot, controller, "later@example.com")
    assert outcome.outcome is Outcome.NOT_SENT
    assert "offline" in outcome.message
    assert "Nothing was sent yet" in outcome.message
    key = outcome.key
    queued = controller.state.invitations[0]
    assert (queued.id, queued.state, queued.link) == (f"local-{key}", InvitationState.QUEUED, "")
    assert controller.state.sync.pending_operations == 1
    assert _backend_keys(simulator) == []
    # Syncing while still offline keeps it queued; nothing is sent or lost.
    controller.sync_now()
    qtbot.waitUntil(lambda: controller.state.sync.phase is SyncPhase.OFFLINE)
    assert controller.state.sync.pending_operations == 1

    simulator.clear_faults()
    with qtbot.waitSignal(controller.operationFinished, timeout=10_000) as flushed:
        controller.sync_now()
    assert flushed.args is not None
    assert flushed.args[0].key == key
    assert flushed.args[0].outcome is Outcome.DONE
    qtbot.waitUntil(lambda: _settled(controller))
    controller.sync_now()  # a second sync has nothing left to send
    qtbot.waitUntil(lambda: _settled(controller))
    assert _backend_keys(simulator) == [key]
    assert [i.id for i in controller.state.invitations if i.state is InvitationState.QUEUED] == []
    assert_matches_backend(controller.state, simulator)


def test_sends_under_an_error_rate_create_each_invitation_exactly_once(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    controller = make_controller()
    start_signed_in(qtbot, controller)
    # Every call fails: half before doing anything, half after committing (the answer is lost).
    simulator.set_fault(error_rate=1.0)
    outcomes = [_invite(qtbot, controller, f"peer{n}@example.com") for n in range(4)]
    committed = _backend_keys(simulator)
    assert committed, "the seeded rng must make some attempt fail after committing"
    assert len(committed) == len(set(committed))
    # An invitation that reached the backend is never reported as "not sent".
    for outcome in outcomes:
        if outcome.key in committed:
            assert outcome.outcome is Outcome.UNKNOWN, outcome
            assert "may already have been sent" in outcome.message

    simulator.clear_faults()
    controller.sync_now()
    qtbot.waitUntil(lambda: _settled(controller), timeout=10_000)
    keys = _backend_keys(simulator)
    assert sorted(keys) == sorted(o.key for o in outcomes)
    assert_matches_backend(controller.state, simulator)
    assert len(controller.state.invitations) == 4


def test_a_flaky_backend_still_ends_with_every_invitation_once(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    controller = make_controller()
    start_signed_in(qtbot, controller)
    simulator.set_fault(error_rate=0.5)
    outcomes = [_invite(qtbot, controller, f"p{n}@example.com") for n in range(6)]
    assert {o.outcome for o in outcomes} <= {Outcome.DONE, Outcome.UNKNOWN, Outcome.NOT_SENT}
    simulator.clear_faults()
    controller.sync_now()
    qtbot.waitUntil(lambda: _settled(controller), timeout=10_000)
    assert sorted(_backend_keys(simulator)) == sorted(o.key for o in outcomes)
    assert_matches_backend(controller.state, simulator)


def test_a_double_click_sends_once(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    controller = make_controller()
    start_signed_in(qtbot, controller)
    results = Results(controller)
    first = controller.send_invitation("twice@example.com")
    results.wait(qtbot, first, definite=True)
    # Once it is known, the same address again is refused locally as a duplicate pending.
    again = _invite(qtbot, controller, "twice@example.com")
    assert again.outcome is Outcome.REFUSED
    assert again.message == (
        "You already have a pending invitation for twice@example.com. The invitation was not sent."
    )
    assert _backend_keys(simulator) == [first]


def test_rule_refusals_come_back_as_plain_messages(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    controller = make_controller()
    start_signed_in(qtbot, controller)
    invalid = _invite(qtbot, controller, "not an email")
    own = _invite(qtbot, controller, "PILOT@example.com")
    assert (invalid.outcome, own.outcome) == (Outcome.REFUSED, Outcome.REFUSED)
    # The sentence says why the address is not one (the dialog shows it under the field).
    assert invalid.message == (
        "That is not a valid email address: An email address must have an @-sign. "
        "The invitation was not sent."
    )
    assert "own address" in own.message
    simulator.set_policy({"daily_invitation_limit": 1})
    sent = _invite(qtbot, controller, "one@example.com")
    assert sent.outcome is Outcome.DONE
    limited = _invite(qtbot, controller, "two@example.com")
    assert limited.outcome is Outcome.REFUSED
    assert "24 hours" in limited.message
    assert "You can send the next one from" in limited.message
    assert limited.message.endswith("The invitation was not sent.")
    assert _backend_keys(simulator) == [sent.key]
    assert controller.state.sync.pending_operations == 0


def test_the_cohort_is_enforced_by_the_backend_and_the_flag_follows(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    controller = make_controller()
    start_signed_in(qtbot, controller)
    simulator.cohort("pilot@example.com", "deny")  # flips while the window is open
    refused = _invite(qtbot, controller, "someone@example.com")
    assert refused.outcome is Outcome.REFUSED
    qtbot.waitUntil(lambda: not controller.state.show_referral_section)
    assert _backend_keys(simulator) == []


def test_revoking_a_sent_and_a_queued_invitation(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    controller = make_controller()
    start_signed_in(qtbot, controller)
    results = Results(controller)
    sent = _invite(qtbot, controller, "a@example.com")
    assert sent.invitation is not None
    revoked = results.wait(qtbot, controller.revoke_invitation(sent.invitation.id))
    assert (revoked.outcome, revoked.message) == (
        Outcome.DONE,
        "Invitation to a@example.com revoked; its link no longer works.",
    )
    simulator.set_fault(offline=True)
    queued = _invite(qtbot, controller, "b@example.com")
    assert queued.outcome is Outcome.NOT_SENT
    dropped = results.wait(qtbot, controller.revoke_invitation(f"local-{queued.key}"))
    assert dropped.outcome is Outcome.DONE
    assert controller.state.sync.pending_operations == 0
    simulator.clear_faults()
    controller.sync_now()
    qtbot.waitUntil(lambda: _settled(controller))
    assert _backend_keys(simulator) == [sent.key]
    (only,) = controller.state.invitations
    assert only.state is InvitationState.REVOKED
    assert_matches_backend(controller.state, simulator)


def test_signing_out_during_a_send_keeps_it_for_the_next_sign_in(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    controller = make_controller()
    start_signed_in(qtbot, controller)
    simulator.set_fault(offline=True)
    results = Results(controller)
    key = controller.send_invitation("kept@example.com")
    controller.sign_out()  # before any answer came back
    first = results.wait(qtbot, key)
    assert first.outcome is Outcome.NOT_SENT
    assert "goes out once, automatically" in first.message
    simulator.clear_faults()
    start_signed_in(qtbot, controller)
    qtbot.waitUntil(lambda: _settled(controller))
    assert _backend_keys(simulator) == [key]
    qtbot.waitUntil(lambda: results.of(key)[-1].outcome is Outcome.DONE)
    assert_matches_backend(controller.state, simulator)
