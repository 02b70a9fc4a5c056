"""The QA window against a server (`referral-desktop --backend URL --qa [--qa-token T]`): it
drives the server through its QA endpoints (RemoteSimulator), the server's own state changes,
and desktop windows on that server follow by the long poll."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.app import App, create
from desktop.backend.qa_api import QaApi
from desktop.backend.simulator import Simulator
from desktop.domain.outcomes import Outcome
from desktop.remote.qa import RemoteSimulator
from desktop.ui.qa.window import QaSimulatorWindow
from desktop.ui.theme import ThemeChoice, apply_theme
from tests.conftest import MemoryKeyring
from tests.qa.driver import act
from tests.ui.app_driver import section
from tests.ui.conftest import OFFSCREEN_NOISE
from tests.wire.support import QA_TOKEN, ServerProcess

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_NOISE)

PILOT = "pilot@example.com"
WAIT_MS = 20_000
SCREENSHOT = Path(__file__).parents[2] / "docs" / "screenshots" / "qa-window-server.png"

Launch = Callable[..., App]


@pytest.fixture
def launch(
    qtbot: QtBot,
    qapp: QApplication,
    tmp_path: Path,
    memory_keyring: MemoryKeyring,
    server: ServerProcess,
) -> Iterator[Launch]:
    """Desktop apps on the test's server (each its own cache folder), signed in as the pilot."""
    apply_theme(qapp, ThemeChoice.LIGHT)
    apps: list[App] = []

    def start(name: str, *, qa: bool = False) -> App:
        folder = tmp_path / name
        folder.mkdir()
        app = create(
            folder,
            keyring_backend=memory_keyring,
            backend_url=server.url,
            qa=qa,
            qa_token=QA_TOKEN if qa else None,
        )
        qtbot.addWidget(app.window)
        app.window.show()
        app.start()
        apps.append(app)
        with qtbot.waitSignal(app.controller.operationFinished, timeout=WAIT_MS) as blocker:
            app.controller.sign_in(PILOT, "demo")
        assert blocker.args is not None
        assert blocker.args[0].outcome is Outcome.DONE
        qtbot.waitUntil(lambda: section(app) is not None, timeout=WAIT_MS)
        return app

    yield start
    for app in apps:
        app.close()


def qa_window_of(qtbot: QtBot, app: App) -> QaSimulatorWindow:
    window = app.qa_window
    assert isinstance(window, QaSimulatorWindow)
    qtbot.addWidget(window)
    qtbot.waitUntil(
        lambda: window.snapshot is not None and window.snapshot.operator == PILOT,
        timeout=WAIT_MS,
    )
    return window


def test_the_qa_window_drives_the_server_and_other_windows_follow_by_the_long_poll(
    qtbot: QtBot, launch: Launch, qa: RemoteSimulator
) -> None:
    tester = launch("tester", qa=True)
    other = launch("other")  # no QA window: nothing in it asks for a sync
    window = qa_window_of(qtbot, tester)
    assert isinstance(tester.simulator, RemoteSimulator)
    assert not (tester.data_dir / "backend.sqlite").exists()  # no local backend was opened

    act(qtbot, window, window.inspector.deny_button)
    assert not qa.cohort_decision(PILOT).eligible  # the server's own state changed
    assert window.inspector.verdict_label.text() == f"{PILOT}: Not in the cohort"
    # The other desktop window learns it from the server's long poll alone.
    qtbot.waitUntil(lambda: section(other) is None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: section(tester) is None, timeout=WAIT_MS)

    act(qtbot, window, window.inspector.allow_button)
    qtbot.waitUntil(lambda: section(other) is not None, timeout=WAIT_MS)

    # A change from elsewhere (`sim --backend`) reaches the QA window too: the desktop's long
    # poll syncs, and the QA window reads the server again after each sync.
    qa.invite(PILOT, "outside@example.com")
    qtbot.waitUntil(
        lambda: (
            window.snapshot is not None
            and [i.view.recipient for i in window.snapshot.invitations] == ["outside@example.com"]
        ),
        timeout=WAIT_MS,
    )
    if os.environ.get("REFERRAL_SCREENSHOTS"):
        window.resize(980, 720)
        assert window.grab().save(str(SCREENSHOT))


def test_both_simulators_answer_every_qa_call() -> None:
    """The QA window and `sim` call only QaApi; mypy holds both implementations to it, and this
    says so at run time as well (a method the Protocol gains must exist on both)."""
    calls = {
        name for name in vars(QaApi) if not name.startswith("_") and callable(getattr(QaApi, name))
    }
    assert {"overview", "offer", "grant", "resend", "set_offer"} <= calls
    for implementation in (Simulator, RemoteSimulator):
        missing = {name for name in calls if not callable(getattr(implementation, name, None))}
        assert not missing, f"{implementation.__name__} lacks {missing}"


def test_a_qa_token_goes_with_a_server(capsys: pytest.CaptureFixture[str]) -> None:
    from desktop.app import main

    with pytest.raises(SystemExit) as refused:
        main(["--qa", "--qa-token", "secret"])
    assert refused.value.code == 2
    assert "--qa-token goes with --backend URL" in capsys.readouterr().err
