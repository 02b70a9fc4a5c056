"""Changes made by another process (`referral-desktop sim` in another terminal) show at once."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.backend.simulator import Simulator
from desktop.controller.qa import BackendChangeWatcher
from desktop.paths import BACKEND_DB
from tests.qa.conftest import LaunchQa
from tests.qa.driver import settings_invitation
from tests.ui.app_driver import WAIT_MS, section


def test_a_separate_simulator_changes_show_without_waiting_for_the_periodic_sync(
    qtbot: QtBot, launch_qa: LaunchQa, data_dir: Path
) -> None:
    app, qa = launch_qa("pilot@example.com")
    synced_at = app.state.sync.last_synced_at
    # The periodic sync is 30 s away: only noticing the write can bring these in time.
    with Simulator(data_dir) as other:  # its own connections, as `sim` in a terminal has
        other.cohort("pilot@example.com", "deny")
        qtbot.waitUntil(lambda: section(app) is None, timeout=WAIT_MS)
        qtbot.waitUntil(
            lambda: (
                qa.inspector.reason_label.text()
                == "Excluded: the account is on the pilot's deny list."
            ),
            timeout=WAIT_MS,
        )

        other.cohort("pilot@example.com", "allow")
        other.invite("pilot@example.com", "from.terminal@example.com")
        qtbot.waitUntil(
            lambda: settings_invitation(app, "from.terminal@example.com") is not None,
            timeout=WAIT_MS,
        )
        qtbot.waitUntil(
            lambda: (
                qa.invitations.list.count() == 1
                and qa.invitations.list.item(0).text().startswith("from.terminal@example.com")
            ),
            timeout=WAIT_MS,
        )
    assert app.state.sync.last_synced_at != synced_at


def test_the_watcher_fires_on_writes_only(qtbot: QtBot, data_dir: Path) -> None:
    with Simulator(data_dir) as simulator:  # creates and seeds the database
        watcher = BackendChangeWatcher(data_dir / BACKEND_DB, debounce_ms=20)
        try:
            with qtbot.assertNotEmitted(watcher.changed, wait=300):
                simulator.status()
                simulator.invitations()
                simulator.outbox()
            with qtbot.waitSignal(watcher.changed, timeout=WAIT_MS):
                simulator.set_usage("pro@example.com", weekly_percent=5)
            with qtbot.waitSignal(watcher.changed, timeout=WAIT_MS):
                simulator.set_fault(latency_ms=10)
        finally:
            watcher.stop()
            watcher.deleteLater()
