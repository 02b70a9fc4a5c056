"""Controller basics against the real mock backend: start, sign-in, sync, sign-out."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import QCoreApplication

from desktop.backend.service import MockBackend
from desktop.backend.simulator import Simulator
from desktop.controller import Controller
from desktop.controller.state import AppState, Eligibility, SyncPhase
from desktop.credentials import CredentialStore
from desktop.paths import CACHE_DB
from desktop.storage import CacheRepository, OpenReport
from tests.client.conftest import (
    FAST_RETRY,
    HOUR_MS,
    ControllerFactory,
    start_signed_in,
    synced,
)
from tests.client.matching import assert_matches_backend
from tests.client.scripted import ScriptedApi
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


class SlowToOpen(CacheRepository):
    """The real cache, whose proper open waits until the test lets it go on."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.gate = threading.Event()

    def open(self) -> OpenReport:
        self.gate.wait(10)
        return super().open()


def test_no_sync_starts_before_the_cache_has_opened(
    qtbot, data_dir: Path, backend: MockBackend, memory_keyring: MemoryKeyring
) -> None:
    """Signed in while the cache is still opening (a slow disk, a migration): "Sync now" asks
    the backend nothing until the cache can store the answer; then the first sync runs."""
    api = ScriptedApi(backend)
    cache = SlowToOpen(data_dir / CACHE_DB)
    controller = Controller(
        api,  # type: ignore[arg-type]
        cache,
        CredentialStore(),
        sync_interval_ms=HOUR_MS,
        retry=FAST_RETRY,
    )
    try:
        controller.start()
        controller.sign_in("pilot@example.com", "demo")
        qtbot.waitUntil(lambda: bool(memory_keyring.secrets))  # the session is open...
        qtbot.waitUntil(
            lambda: not any(t.name.startswith("referral-call-") for t in threading.enumerate())
        )
        QCoreApplication.processEvents()  # ...and its answer is in
        with qtbot.assertNotEmitted(controller.stateChanged):
            controller.sync_now()
        assert controller.state.sync.phase is not SyncPhase.SYNCING
        assert api.count("sync") == 0
        cache.gate.set()
        qtbot.waitUntil(lambda: synced(controller.state), timeout=10_000)
        assert api.count("sync") >= 1
    finally:
        cache.gate.set()
        controller.shutdown()
    assert controller.is_shut_down


def test_the_published_state_carries_the_backends_clock_and_follows_it(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    # The usage meters, the redeem dialog and the resend wait are worked out against the
    # backend's clock, not this computer's: the state must carry it, as of the latest sync.
    controller = make_controller()
    state = start_signed_in(qtbot, controller)
    assert state.backend_now == simulator.status().clock.now
    moved = simulator.advance_clock(timedelta(days=3, hours=2))
    controller.sync_now()
    qtbot.waitUntil(
        lambda: synced(controller.state) and controller.state.backend_now == moved.now,
        timeout=10_000,
    )
