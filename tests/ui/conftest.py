"""UI test fixtures: QSettings in a temporary folder, the theme applied, a window on a fake."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, QSettings
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.controller.state import AppState
from desktop.ui.formatting import set_display_zone
from desktop.ui.settings_window import SettingsWindow
from desktop.ui.theme import ThemeChoice, apply_theme
from tests.ui.fakes import RecordingController

# The offscreen platform cannot raise windows or pass size hints to a window manager and says
# so at WARNING level; that is the test platform talking, not the app.
OFFSCREEN_NOISE = r"This plugin does not support (raise|propagateSizeHints)\(\)"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Ignore the offscreen platform's own warnings in UI tests (all others still fail a test)."""
    for item in items:
        if "tests/ui/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


@pytest.fixture(autouse=True)
def collect_garbage_on_the_gui_thread() -> Iterator[None]:
    """Collect each test's reference cycles here, on the GUI thread.

    Otherwise a later collection may run on a worker thread of another test and destroy Qt
    objects from there, which crashes (seen as a segfault inside an unrelated SQLAlchemy call).
    """
    yield
    gc.collect()


@pytest.fixture
def ui_settings(tmp_path: Path) -> QSettings:
    """Window settings in a temporary INI file, never the user's."""
    return QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)


@pytest.fixture(autouse=True)
def fixed_locale_and_zone() -> Iterator[None]:
    """Dates read the same on every machine: British English, shown in UTC."""
    before = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    set_display_zone(UTC)
    yield
    set_display_zone(None)
    QLocale.setDefault(before)


@pytest.fixture(autouse=True)
def light_theme(qapp: QApplication) -> None:
    """Every UI test runs with the same (light) theme and style sheet."""
    apply_theme(qapp, ThemeChoice.LIGHT)


@pytest.fixture
def fake() -> RecordingController:
    """A controller stand-in holding an empty state."""
    return RecordingController(AppState())


def shown_window(
    qtbot: QtBot, settings: QSettings, controller: RecordingController
) -> SettingsWindow:
    """A settings window on `settings`, attached to `controller`, shown."""
    win = SettingsWindow(settings)
    qtbot.addWidget(win)
    win.attach(controller)
    win.show()
    qtbot.waitExposed(win)
    return win


@pytest.fixture
def window(qtbot: QtBot, ui_settings: QSettings, fake: RecordingController) -> SettingsWindow:
    """A settings window attached to the fake, shown."""
    return shown_window(qtbot, ui_settings, fake)
