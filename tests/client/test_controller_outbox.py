"""Invitations offline and under faults: queued, flushed once, never duplicated (R2, R8)."""

from __future__ import annotations

from desktop.backend.simulator import Simulator
from desktop.controller import Controller
from desktop.controller.state import InviteOutcome, InviteStatus, SyncPhase
from desktop.domain.invitations import InvitationState
from tests.client.conftest import ControllerFactory, start_signed_in, synced
from tests.client.matching import assert_matches_backend


def _invite(qtbot, controller: Controller, email: str, key: str) -> InviteOutcome:
    def for_key(outcome: InviteOutcome) -> bool:
        return outcome.request_id == key

    with qtbot.waitSignal(
        controller.inviteFinished, check_params_cb=for_key, timeout=10_000
    ) as got:
        controller.send_invitation(email, key)
    assert got.args is not None
    outcome: InviteOutcome = got.args[0]
    return outcome


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
    outcome = _invite(qtbot, controller, "Newbie@Example.com", "key-1")
    assert outcome.status is InviteStatus.SENT
    assert outcome.invitation is not None
    assert outcome.invitation.recipient == "newbie@example.com"
    assert outcome.invitation.state is InvitationState.SENT
    assert _backend_keys(simulator) == ["key-1"]
    assert_matches_backend(controller.state, simulator)


def test_an_offline_invitation_is_queued_then_sent_once(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    controller = make_controller()
    start_signed_in(qtbot, controller)
    simulator.set_fault(offline=True)
    outcome = _invite(qtbot, controller, "later@example.com", "key-offline")
    assert outcome.status is InviteStatus.QUEUED
    assert "offline" in outcome.message
    queued = controller.state.invitations[0]
    assert (queued.id, queued.state, queued.link) == (
        "local-key-offline",
        InvitationState.QUEUED,
        "",
    )
    assert controller.state.sync.pending_operations == 1
    assert _backend_keys(simulator) == []
    # Syncing while still offline keeps it queued; nothing is sent or lost.
    controller.sync_now()
    qtbot.waitUntil(lambda: controller.state.sync.phase is SyncPhase.OFFLINE)
    assert controller.state.sync.pending_operations == 1

    simulator.clear_faults()
    with qtbot.waitSignal(controller.inviteFinished, timeout=10_000) as flushed:
        controller.sync_now()
    assert flushed.args is not None
    assert flushed.args[0].request_id == "key-offline"
    assert flushed.args[0].status is InviteStatus.SENT
    qtbot.waitUntil(lambda: _settled(controller))
    controller.sync_now()  # a second sync has nothing left to send
    qtbot.waitUntil(lambda: _settled(controller))
    assert _backend_keys(simulator) == ["key-offline"]
    assert [i.id for i in controller.state.invitations if i.state is InvitationState.QUEUED] == []
    assert_matches_backend(controller.state, simulator)


def test_sends_under_an_error_rate_create_each_invitation_exactly_once(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    controller = make_controller()
    start_signed_in(qtbot, controller)
    # Every call fails: half before doing anything, half after committing (a timeout).
    simulator.set_fault(error_rate=1.0)
    outcomes = [_invite(qtbot, controller, f"peer{n}@example.com", f"key-{n}") for n in range(4)]
    assert {o.status for o in outcomes} == {InviteStatus.QUEUED}
    committed = _backend_keys(simulator)
    assert committed, "the seeded rng must make some attempt fail after committing"
    assert len(committed) == len(set(committed))

    simulator.clear_faults()
    controller.sync_now()
    qtbot.waitUntil(lambda: _settled(controller), timeout=10_000)
    keys = _backend_keys(simulator)
    assert sorted(keys) == [f"key-{n}" for n in range(4)]
    assert_matches_backend(controller.state, simulator)
    assert len(controller.state.invitations) == 4


def test_a_flaky_backend_still_ends_with_every_invitation_once(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    controller = make_controller()
    start_signed_in(qtbot, controller)
    simulator.set_fault(error_rate=0.5)
    outcomes = [_invite(qtbot, controller, f"p{n}@example.com", f"flaky-{n}") for n in range(6)]
    assert {o.status for o in outcomes} <= {InviteStatus.SENT, InviteStatus.QUEUED}
    simulator.clear_faults()
    controller.sync_now()
    qtbot.waitUntil(lambda: _settled(controller), timeout=10_000)
    assert sorted(_backend_keys(simulator)) == sorted(f"flaky-{n}" for n in range(6))
    assert_matches_backend(controller.state, simulator)


def test_a_double_click_sends_once(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    controller = make_controller()
    start_signed_in(qtbot, controller)
    outcomes: list[InviteOutcome] = []
    controller.inviteFinished.connect(outcomes.append)
    controller.send_invitation("twice@example.com", "same-key")
    controller.send_invitation("twice@example.com", "same-key")
    qtbot.waitUntil(lambda: len(outcomes) == 1)
    assert outcomes[0].status is InviteStatus.SENT
    # Once it is known, the same request again is refused locally as a duplicate pending.
    again = _invite(qtbot, controller, "twice@example.com", "other-key")
    assert again.status is InviteStatus.REFUSED
    assert _backend_keys(simulator) == ["same-key"]


def test_rule_refusals_come_back_as_plain_messages(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    controller = make_controller()
    start_signed_in(qtbot, controller)
    invalid = _invite(qtbot, controller, "not an email", "k1")
    own = _invite(qtbot, controller, "PILOT@example.com", "k2")
    assert (invalid.status, own.status) == (InviteStatus.REFUSED, InviteStatus.REFUSED)
    assert "valid email" in invalid.message
    assert "own address" in own.message
    simulator.set_policy({"daily_invitation_limit": 1})
    assert _invite(qtbot, controller, "one@example.com", "k3").status is InviteStatus.SENT
    limited = _invite(qtbot, controller, "two@example.com", "k4")
    assert limited.status is InviteStatus.REFUSED
    assert "24 hours" in limited.message
    assert _backend_keys(simulator) == ["k3"]
    assert controller.state.sync.pending_operations == 0


def test_the_cohort_is_enforced_by_the_backend_and_the_flag_follows(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    controller = make_controller()
    start_signed_in(qtbot, controller)
    simulator.cohort("pilot@example.com", "deny")  # flips while the window is open
    refused = _invite(qtbot, controller, "someone@example.com", "k1")
    assert refused.status is InviteStatus.REFUSED
    qtbot.waitUntil(lambda: not controller.state.show_referral_section)
    assert _backend_keys(simulator) == []


def test_revoking_a_sent_and_a_queued_invitation(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    controller = make_controller()
    start_signed_in(qtbot, controller)
    sent = _invite(qtbot, controller, "a@example.com", "k1")
    assert sent.invitation is not None
    with qtbot.waitSignal(controller.revokeFinished) as revoked:
        controller.revoke_invitation(sent.invitation.id)
    assert revoked.args == [sent.invitation.id, ""]
    simulator.set_fault(offline=True)
    queued = _invite(qtbot, controller, "b@example.com", "k2")
    assert queued.status is InviteStatus.QUEUED
    with qtbot.waitSignal(controller.revokeFinished) as dropped:
        controller.revoke_invitation("local-k2")
    assert dropped.args == ["local-k2", ""]
    assert controller.state.sync.pending_operations == 0
    simulator.clear_faults()
    controller.sync_now()
    qtbot.waitUntil(lambda: _settled(controller))
    assert _backend_keys(simulator) == ["k1"]
    (only,) = controller.state.invitations
    assert only.state is InvitationState.REVOKED
    assert_matches_backend(controller.state, simulator)


def test_signing_out_during_a_send_keeps_it_for_the_next_sign_in(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    controller = make_controller()
    start_signed_in(qtbot, controller)
    simulator.set_fault(offline=True)
    outcomes: list[InviteOutcome] = []
    controller.inviteFinished.connect(outcomes.append)
    controller.send_invitation("kept@example.com", "kept-key")
    controller.sign_out()  # before any answer came back
    qtbot.waitUntil(lambda: len(outcomes) == 1)
    assert outcomes[0].status is InviteStatus.QUEUED
    assert "sign in again" in outcomes[0].message
    simulator.clear_faults()
    start_signed_in(qtbot, controller)
    qtbot.waitUntil(lambda: _settled(controller))
    assert _backend_keys(simulator) == ["kept-key"]
    assert outcomes[-1].status is InviteStatus.SENT
    assert_matches_backend(controller.state, simulator)
