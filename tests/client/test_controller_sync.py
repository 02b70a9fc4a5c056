"""Sync: periodic and on demand, coalesced, delta from the cursor, backoff, timeouts."""

from __future__ import annotations

import csv
import threading
from datetime import UTC
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication

from desktop.backend.service import MockBackend
from desktop.backend.simulator import Simulator
from desktop.controller.state import SyncPhase
from desktop.domain.invitations import InvitationState
from desktop.domain.outcomes import Outcome
from tests.client.conftest import FAST_RETRY, ControllerFactory, Results, start_signed_in, synced
from tests.client.matching import assert_matches_backend


class CountingApi:
    """The real backend, counting calls and remembering the cursors sync was asked for."""

    def __init__(self, inner: MockBackend) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self.calls: list[tuple[str, Any]] = []

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._inner, name)

        def call(*args: Any) -> Any:
            with self._lock:
                self.calls.append((name, args[1] if name == "sync" else None))
            return method(*args)

        return call

    def syncs(self) -> list[int]:
        with self._lock:
            return [cursor for name, cursor in self.calls if name == "sync"]


def test_the_periodic_sync_shows_a_flag_flip_without_a_restart(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    controller = make_controller(sync_interval_ms=20)
    start_signed_in(qtbot, controller)
    assert controller.state.show_referral_section
    simulator.cohort("pilot@example.com", "deny")
    qtbot.waitUntil(lambda: not controller.state.show_referral_section, timeout=5_000)
    simulator.cohort("pilot@example.com", "allow")
    qtbot.waitUntil(lambda: controller.state.show_referral_section, timeout=5_000)


def test_syncs_requested_while_one_runs_are_coalesced(
    qtbot, make_controller: ControllerFactory, backend: MockBackend, simulator: Simulator
) -> None:
    api = CountingApi(backend)
    controller = make_controller(api)  # type: ignore[arg-type]
    start_signed_in(qtbot, controller)
    before = len(api.syncs())
    simulator.set_fault(latency_ms=50)  # keep the first one running while the others arrive
    for _ in range(5):
        controller.sync_now()
    qtbot.waitUntil(lambda: len(api.syncs()) == before + 2 and synced(controller.state))
    simulator.clear_faults()
    # One running, and one more for everything asked meanwhile; never five.
    assert len(api.syncs()) == before + 2


def test_sync_pulls_from_the_cursor(
    qtbot, make_controller: ControllerFactory, backend: MockBackend, simulator: Simulator
) -> None:
    api = CountingApi(backend)
    controller = make_controller(api)  # type: ignore[arg-type]
    start_signed_in(qtbot, controller, "capped@example.com")
    first = api.syncs()
    assert first == [0]
    cursor = controller.state  # the cursor is internal; the next call must not start at 0
    controller.sync_now()
    qtbot.waitUntil(lambda: len(api.syncs()) == 2 and synced(controller.state))
    assert api.syncs()[1] > 0
    assert cursor.invitations == controller.state.invitations


def test_a_full_resync_after_a_backend_reset_replaces_the_cache(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    controller = make_controller()
    start_signed_in(qtbot, controller)
    results = Results(controller)
    sent = results.wait(qtbot, controller.send_invitation("gone@example.com"))
    assert sent.outcome is Outcome.DONE
    simulator.reset_demo()  # every session ends too: sign in again
    with qtbot.waitSignal(controller.operationFinished):
        controller.sign_in("pilot@example.com", "demo")
    qtbot.waitUntil(lambda: synced(controller.state))
    assert controller.state.invitations == ()
    assert_matches_backend(controller.state, simulator)


def test_failed_syncs_back_off_and_recover_by_themselves(
    qtbot, make_controller: ControllerFactory, backend: MockBackend, simulator: Simulator
) -> None:
    api = CountingApi(backend)
    controller = make_controller(api)  # type: ignore[arg-type]
    start_signed_in(qtbot, controller)
    simulator.set_fault(offline=True)
    controller.sync_now()
    qtbot.waitUntil(lambda: controller.state.sync.phase is SyncPhase.OFFLINE)
    # Retries follow by themselves (2, 4, 8... ms here), without sync_now.
    base = len(api.syncs())
    qtbot.waitUntil(lambda: len(api.syncs()) >= base + 3, timeout=5_000)
    simulator.clear_faults()
    qtbot.waitUntil(lambda: synced(controller.state), timeout=5_000)
    assert controller.state.sync.message == ""


def test_a_call_that_never_answers_is_unknown_then_settled_once(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    # The timeout leaves sign-in room on a loaded machine; the latency is far beyond it.
    slow = FAST_RETRY.__class__(attempts=2, first_delay_ms=1, max_delay_ms=5, call_timeout_ms=400)
    controller = make_controller(retry=slow)
    start_signed_in(qtbot, controller)
    simulator.set_fault(latency_ms=1_500)
    results = Results(controller)
    key = controller.send_invitation("patient@example.com")
    unknown = results.wait(qtbot, key, timeout=5_000)
    assert unknown.outcome is Outcome.UNKNOWN
    assert unknown.message.startswith("The referral service did not answer in time.")
    assert "may already have been sent" in unknown.message
    simulator.clear_faults()
    controller.sync_now()
    qtbot.waitUntil(
        lambda: synced(controller.state) and controller.state.sync.pending_operations == 0,
        timeout=5_000,
    )
    keys = [r.invitation.idempotency_key for r in simulator.invitations("pilot@example.com")]
    assert keys == [key]
    qtbot.waitUntil(lambda: results.of(key)[-1].outcome is Outcome.DONE)  # emitted a turn later
    assert_matches_backend(controller.state, simulator)


def test_shutdown_while_calls_run_ignores_their_late_answers(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    controller = make_controller()
    start_signed_in(qtbot, controller)
    simulator.set_fault(latency_ms=100)
    emitted: list[object] = []
    controller.stateChanged.connect(emitted.append)
    controller.operationFinished.connect(emitted.append)
    controller.send_invitation("late@example.com")
    controller.sync_now()
    controller.redeem()
    controller.shutdown()
    controller.shutdown()  # twice is fine
    assert controller.is_shut_down
    count = len(emitted)
    # Every call has ended (shutdown joined them); deliver their queued answers now.
    QCoreApplication.processEvents()
    QCoreApplication.sendPostedEvents()
    assert len(emitted) == count


def test_the_ledger_exports_grants_spends_and_expiries(
    qtbot, make_controller: ControllerFactory, simulator: Simulator, tmp_path: Path
) -> None:
    controller = make_controller()
    state = start_signed_in(qtbot, controller, "capped@example.com")
    target = tmp_path / "ledger.csv"
    with qtbot.waitSignal(controller.exportFinished) as exported:
        controller.export_ledger(str(target))
    assert exported.args == [str(target), ""]
    with target.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    granted = {r["token_id"] for r in rows if r["event"] == "granted"}
    assert granted == {t.credit.id for t in state.tokens}
    spent = {r["token_id"] for r in rows if r["event"] == "spent"}
    assert spent == {t.credit.id for t in state.tokens if t.credit.state == "spent"}
    by_id = {i.id: i.recipient for i in state.invitations}
    expiries = {t.credit.id: t.credit.expires_at for t in state.tokens}
    for row in rows:
        assert row["recipient"] == by_id.get(row["invitation_id"], "")
        assert row["at_utc"].endswith("Z")
        expires = expiries[row["token_id"]]
        assert row["expires_at_utc"] == (
            expires.astimezone(UTC).isoformat().replace("+00:00", "Z") if expires else ""
        )


def test_an_export_to_an_unwritable_place_reports_the_error(
    qtbot, make_controller: ControllerFactory, tmp_path: Path
) -> None:
    controller = make_controller()
    start_signed_in(qtbot, controller, "capped@example.com")
    target = tmp_path / "missing-folder" / "ledger.csv"
    with qtbot.waitSignal(controller.exportFinished) as exported:
        controller.export_ledger(str(target))
    assert exported.args is not None
    assert exported.args[0] == str(target)
    assert exported.args[1] == f"The folder {target.parent} does not exist. Choose another folder."


def test_an_invitation_state_follows_the_recipient(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    controller = make_controller()
    start_signed_in(qtbot, controller)
    sent = Results(controller).wait(qtbot, controller.send_invitation("fresh@example.com"))
    assert sent.invitation is not None
    link = sent.invitation.link
    simulator.recipient_open(link)
    controller.sync_now()
    qtbot.waitUntil(
        lambda: (
            controller.state.invitations[0].state is InvitationState.OPENED
            and synced(controller.state)
        )
    )
    assert controller.state.invitations[0].link_opened
    assert_matches_backend(controller.state, simulator)
