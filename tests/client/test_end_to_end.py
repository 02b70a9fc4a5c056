"""Headless end to end with faults: sign-in, invitation, conversion (via the simulator),
redemption and restart. Every state the controller emits matches the backend."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from desktop.backend.simulator import Simulator
from desktop.controller import Controller
from desktop.controller.state import AppState, SyncPhase
from desktop.domain.invitations import InvitationState
from desktop.domain.outcomes import Outcome
from tests.client.conftest import ControllerFactory, Results, synced
from tests.client.matching import Facts, backend_facts, client_facts, known_facts

OPERATOR = "pilot@example.com"
PEER = "newbie@example.com"


class Witness:
    """Records every emitted state and checks each step against the backend."""

    def __init__(self, qtbot, simulator: Simulator) -> None:
        self.qtbot = qtbot
        self.simulator = simulator
        self.states: list[AppState] = []
        self.steps = 0

    def watch(self, controller: Controller) -> None:
        controller.stateChanged.connect(self.states.append)

    @contextmanager
    def step(self) -> Iterator[None]:
        """During the step every signed-in state shows the backend as it was before or after."""
        before = backend_facts(self.simulator, OPERATOR)
        first = len(self.states)
        yield
        after = backend_facts(self.simulator, OPERATOR)
        for state in self.states[first:]:
            if state.signed_in:
                facts = known_facts(state)
                assert facts is None or facts in (before, after), state
        assert client_facts(self.states[-1]) == after
        self.steps += 1


def _settled(controller: Controller) -> bool:
    return synced(controller.state) and controller.state.sync.pending_operations == 0


def test_sign_in_invite_convert_redeem_restart_under_faults(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    witness = Witness(qtbot, simulator)
    controller = make_controller()
    witness.watch(controller)

    with witness.step():  # sign in while the backend is slow
        simulator.set_fault(latency_ms=20)
        controller.start()
        results = Results(controller)
        controller.sign_in(OPERATOR, "demo")
        qtbot.waitUntil(lambda: any(r.definite for r in results.all), timeout=10_000)
        assert results.all[-1].outcome is Outcome.DONE
        qtbot.waitUntil(lambda: _settled(controller), timeout=10_000)
        simulator.clear_faults()
    assert controller.state.show_referral_section

    with witness.step():  # invite on a flaky connection
        simulator.set_fault(error_rate=0.6)
        outcome = results.wait(qtbot, controller.send_invitation(PEER))
        assert outcome.outcome is not Outcome.REFUSED
        simulator.clear_faults()
        controller.sync_now()
        qtbot.waitUntil(lambda: _settled(controller), timeout=10_000)
    (invitation,) = controller.state.invitations
    assert invitation.state is InvitationState.SENT
    assert len(simulator.invitations(OPERATOR)) == 1

    with witness.step():  # the peer joins, initialises a workspace, sends N prompts
        required = simulator.policy().prompts_required
        simulator.recipient_open(invitation.link)
        simulator.recipient_join(invitation.link, PEER)
        simulator.recipient_init(invitation.link, PEER)
        simulator.recipient_prompt(invitation.link, PEER, n=required)
        controller.sync_now()
        qtbot.waitUntil(lambda: len(controller.state.available_tokens) == 1, timeout=10_000)
        qtbot.waitUntil(lambda: _settled(controller))
    converted = controller.state.invitations[0]
    assert converted.state is InvitationState.CONVERTED_REWARDED
    assert (converted.prompts, converted.joined_kind) == (required, "new")
    token = controller.state.available_tokens[0]
    assert (token.credit.invitation_id, token.recipient) == (converted.id, PEER)
    assert controller.state.cycle is not None
    assert controller.state.cycle.earned == 1

    with witness.step():  # spend it on a flaky connection; a retry uses the same key
        simulator.set_fault(error_rate=0.6)
        key = controller.redeem()
        first = results.wait(qtbot, key)
        simulator.clear_faults()
        if first.outcome is Outcome.NOT_SENT:  # nothing happened: the operator tries again
            key = controller.redeem()
        spent = results.wait(qtbot, key, definite=True)
        assert spent.outcome is Outcome.DONE
        qtbot.waitUntil(lambda: _settled(controller), timeout=10_000)
    state = controller.state
    assert state.weekly is not None
    assert state.weekly.used == 0
    assert [t.credit.state for t in state.tokens] == ["spent"]
    last: Facts = client_facts(state)
    controller.shutdown()

    restarted = make_controller()
    witness.watch(restarted)
    with witness.step():  # restart offline: the cache at once, nothing invented
        simulator.set_fault(offline=True)
        first = len(witness.states)
        restarted.start()
        qtbot.waitUntil(lambda: restarted.state.sync.phase is SyncPhase.OFFLINE)
        assert client_facts(witness.states[first]) == last
        assert restarted.state.show_referral_section  # known to be on from the last sync
    with witness.step():  # back online
        simulator.clear_faults()
        restarted.sync_now()
        qtbot.waitUntil(lambda: _settled(restarted))
    assert witness.steps == 6
    assert len(simulator.invitations(OPERATOR)) == 1
