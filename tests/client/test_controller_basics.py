"""Controller basics against the real mock backend: start, sign-in, sync, sign-out."""

from __future__ import annotations

from desktop.backend.simulator import Simulator
from desktop.controller.state import AppState, Eligibility, SyncPhase
from tests.client.conftest import ControllerFactory, start_signed_in
from tests.client.matching import assert_matches_backend
from tests.conftest import MemoryKeyring


def test_a_fresh_start_is_signed_out_and_fail_closed(
    qtbot, make_controller: ControllerFactory
) -> None:
    controller = make_controller()
    # Before anything is published, the keyring is usable: no "this session only" warning.
    assert controller.state.credentials_persistent is True
    with qtbot.waitSignal(controller.stateChanged, timeout=5_000) as first:
        controller.start()
    state: AppState = first.args[0]
    assert state.account is None
    assert state.eligibility is Eligibility.UNKNOWN
    assert not state.show_referral_section


def test_sign_in_syncs_the_operator_from_the_backend(
    qtbot, make_controller: ControllerFactory, simulator: Simulator, memory_keyring: MemoryKeyring
) -> None:
    state = start_signed_in(qtbot, make_controller())
    assert state.account is not None
    assert state.account.email == "pilot@example.com"
    assert state.eligibility is Eligibility.ELIGIBLE
    assert state.eligibility_fetched_at is not None
    assert state.show_referral_section
    assert state.credentials_persistent
    assert list(memory_keyring.secrets) == [("referral-desktop", "session")]
    status = {a.email: a for a in simulator.status().accounts}["pilot@example.com"]
    assert state.weekly == status.usage.weekly
    assert state.five_hour == status.usage.five_hour
    assert state.sync.phase is SyncPhase.SYNCED


def test_sign_in_state_matches_the_backend(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    state = start_signed_in(qtbot, make_controller(), "capped@example.com")
    assert_matches_backend(state, simulator)
    assert len(state.available_tokens) == 2
