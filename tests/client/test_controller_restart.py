"""Offline-first start-up, restarts, the keyring, and the cache file (R8, R9)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import keyring
import keyring.backends.fail

from desktop.backend.api import NotSent
from desktop.backend.simulator import Simulator
from desktop.controller.state import AppState, Eligibility, SyncPhase
from desktop.domain.outcomes import Outcome
from desktop.paths import CACHE_DB
from tests.client.conftest import ControllerFactory, Results, start_signed_in, synced
from tests.client.matching import assert_matches_backend, client_facts
from tests.conftest import MemoryKeyring


class Unreachable:
    """A backend that is never there, recording when it was asked relative to emitted states."""

    def __init__(self, log: list[Any]) -> None:
        self._log = log
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        def call(*args: object) -> object:
            with self._lock:
                self._log.append(("call", name))
            raise NotSent()

        return call


def test_a_restart_shows_the_cache_before_any_backend_call(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    first = make_controller()
    before = start_signed_in(qtbot, first, "capped@example.com")
    first.shutdown()

    log: list[Any] = []
    controller = make_controller(Unreachable(log))  # type: ignore[arg-type]
    controller.stateChanged.connect(lambda state: log.append(("state", state)))
    controller.start()
    qtbot.waitUntil(lambda: controller.state.sync.phase is SyncPhase.OFFLINE)
    kind, cached = log[0]
    assert kind == "state"
    assert client_facts(cached) == client_facts(before)  # account, wallet, usage, invitations
    assert cached.eligibility is Eligibility.ELIGIBLE  # known to be on from the last sync
    assert cached.eligibility_fetched_at == before.eligibility_fetched_at
    assert ("call", "sync") in log
    # Offline: still the cached data, with the reason in plain words.
    state = controller.state
    assert client_facts(state) == client_facts(before)
    assert "offline" in state.sync.message
    assert state.sync.last_synced_at == before.sync.last_synced_at


def test_a_restart_resumes_the_session_from_the_keyring(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    first = make_controller()
    start_signed_in(qtbot, first)
    first.shutdown()
    controller = make_controller()
    controller.start()
    qtbot.waitUntil(lambda: synced(controller.state))
    assert_matches_backend(controller.state, simulator)


def test_an_ended_session_signs_out_with_a_message(
    qtbot, make_controller: ControllerFactory, backend, memory_keyring: MemoryKeyring
) -> None:
    first = make_controller()
    start_signed_in(qtbot, first)
    first.shutdown()
    (token,) = memory_keyring.secrets.values()
    backend.sign_out(token)  # the session ends on the server side
    controller = make_controller()
    states: list[AppState] = []
    controller.stateChanged.connect(states.append)
    controller.start()
    qtbot.waitUntil(lambda: len(states) > 1 and not controller.state.signed_in)
    assert states[0].signed_in  # the cache first
    assert "Sign in again" in controller.state.sync.message
    qtbot.waitUntil(lambda: memory_keyring.secrets == {})


def test_signing_out_forgets_the_token_and_shows_nothing(
    qtbot, make_controller: ControllerFactory, memory_keyring: MemoryKeyring
) -> None:
    controller = make_controller()
    start_signed_in(qtbot, controller)
    controller.sign_out()
    assert not controller.state.signed_in
    assert controller.state.invitations == ()
    assert controller.state.eligibility is Eligibility.UNKNOWN
    qtbot.waitUntil(lambda: memory_keyring.secrets == {})
    controller.shutdown()
    again = make_controller()
    with qtbot.waitSignal(again.stateChanged) as first_state:
        again.start()
    assert first_state.args is not None
    assert not first_state.args[0].signed_in


def test_without_a_usable_keyring_the_session_lasts_until_the_app_closes(
    qtbot, make_controller: ControllerFactory
) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        controller = make_controller()
        state = start_signed_in(qtbot, controller)
        assert state.signed_in
        assert state.credentials_persistent is False
        controller.shutdown()
        restarted = make_controller()
        states: list[AppState] = []
        restarted.stateChanged.connect(states.append)
        restarted.start()
        qtbot.waitUntil(lambda: len(states) == 2)
        assert states[0].signed_in  # the cached account, then...
        assert not states[1].signed_in  # ...no token survived: signed out
        assert states[1].credentials_persistent is False
    finally:
        keyring.set_keyring(previous)


def test_the_cache_file_never_holds_the_session_token(
    qtbot, make_controller: ControllerFactory, data_dir: Path, memory_keyring: MemoryKeyring
) -> None:
    controller = make_controller()
    start_signed_in(qtbot, controller)
    results = Results(controller)
    sent = results.wait(qtbot, controller.send_invitation("someone@example.com"))
    assert sent.outcome is Outcome.DONE
    (token,) = memory_keyring.secrets.values()
    files = [p for p in data_dir.iterdir() if p.name.startswith(CACHE_DB)]
    assert any(p.name.endswith("-wal") for p in files)  # checked while the WAL is live
    for path in files:
        assert token.encode() not in path.read_bytes(), path.name
    controller.shutdown()
    for path in data_dir.iterdir():
        if path.name.startswith(CACHE_DB):
            assert token.encode() not in path.read_bytes(), path.name


def test_a_corrupted_cache_is_set_aside_and_rebuilt_with_a_notice(
    qtbot, make_controller: ControllerFactory, simulator: Simulator, data_dir: Path
) -> None:
    first = make_controller()
    start_signed_in(qtbot, first, "capped@example.com")
    first.shutdown()
    cache = data_dir / CACHE_DB
    cache.write_bytes(b"\x00garbage, not SQLite\x00" * 500)

    controller = make_controller()
    states: list[AppState] = []
    controller.stateChanged.connect(states.append)
    controller.start()
    qtbot.waitUntil(lambda: synced(controller.state))
    assert "damaged" in states[0].cache_notice
    assert not states[0].signed_in  # nothing cached to show...
    assert_matches_backend(controller.state, simulator)  # ...until rebuilt from the backend
    assert controller.state.cache_notice == states[0].cache_notice
    aside = [p for p in data_dir.iterdir() if ".corrupt-" in p.name]
    assert len(aside) == 1
    assert aside[0].read_bytes().startswith(b"\x00garbage")
    # The notice says where the damaged data went, so the operator can find it.
    assert f"It was set aside as {aside[0]} and" in controller.state.cache_notice


def test_a_keyring_session_of_another_account_replaces_the_cached_one(
    qtbot,
    make_controller: ControllerFactory,
    simulator: Simulator,
    backend,
    memory_keyring: MemoryKeyring,
) -> None:
    first = make_controller()
    start_signed_in(qtbot, first, "pilot@example.com")
    Results(first).wait(qtbot, first.send_invitation("someone@example.com"))
    first.shutdown()
    # Another data folder signed in as capped@ with the same keyring entry meanwhile.
    other = backend.sign_in("capped@example.com", "demo")
    memory_keyring.secrets[("referral-desktop", "session")] = other.token

    controller = make_controller()
    controller.start()
    qtbot.waitUntil(
        lambda: (
            controller.state.account is not None
            and controller.state.account.email == "capped@example.com"
            and synced(controller.state)
        )
    )
    assert_matches_backend(controller.state, simulator)
    assert "someone@example.com" not in {i.recipient for i in controller.state.invitations}
