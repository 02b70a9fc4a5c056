"""QA mode test fixtures: the real app built with `qa=True`, its QA simulator window shown."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.app import App, create
from desktop.domain.outcomes import Outcome
from desktop.ui.qa.window import QaSimulatorWindow
from desktop.ui.theme import ThemeChoice, apply_theme
from tests.conftest import MemoryKeyring
from tests.ui.app_driver import WAIT_MS, wait_synced
from tests.ui.conftest import OFFSCREEN_NOISE

LaunchQa = Callable[..., tuple[App, QaSimulatorWindow]]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The offscreen platform's own raise()/size-hint warnings are not the app's (tests/ui does
    the same); every other Qt warning still fails a test."""
    for item in items:
        if "tests/qa/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


@pytest.fixture(autouse=True)
def light_theme(qapp: QApplication) -> None:
    """The same (light) theme and style sheet as the UI tests."""
    apply_theme(qapp, ThemeChoice.LIGHT)


@pytest.fixture
def launch_qa(qtbot: QtBot, data_dir: Path, memory_keyring: MemoryKeyring) -> Iterator[LaunchQa]:
    """Start the real app with `--qa` on a fresh data folder; shut every one down after."""
    apps: list[tuple[App, QaSimulatorWindow]] = []

    def start(email: str | None = None) -> tuple[App, QaSimulatorWindow]:
        app = create(data_dir, keyring_backend=memory_keyring, qa=True)
        qtbot.addWidget(app.window)
        app.window.show()
        app.start()
        window = app.qa_window
        assert isinstance(window, QaSimulatorWindow)
        qtbot.addWidget(window)
        apps.append((app, window))
        if email is not None:
            with qtbot.waitSignal(app.controller.operationFinished, timeout=WAIT_MS) as blocker:
                app.controller.sign_in(email, "demo")
            assert blocker.args is not None
            assert blocker.args[0].outcome is Outcome.DONE
            qtbot.waitUntil(lambda: app.state.sync.last_synced_at is not None, timeout=WAIT_MS)
            wait_synced(qtbot, app)
            qtbot.waitUntil(
                lambda: window.snapshot is not None and window.snapshot.operator == email,
                timeout=WAIT_MS,
            )
        return app, window

    yield start
    for app, window in apps:
        qa = window.qa
        app.close()
        assert not getattr(qa, "busy", True)  # closing the window waited for its calls
