"""The QA window beside the settings window, its status line, its buttons' words."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, QSize, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from desktop.ui.qa.accounts import ResetConfirmation
from desktop.ui.qa.window import side_by_side
from tests.qa.conftest import LaunchQa
from tests.qa.driver import act, invite_from_settings, select_invitation
from tests.ui.app_driver import WAIT_MS


def test_the_qa_window_opens_beside_the_settings_window_never_over_it(
    qtbot: QtBot, launch_qa: LaunchQa
) -> None:
    app, qa = launch_qa()
    qtbot.waitExposed(qa)
    settings = app.window.frameGeometry()
    beside = qa.frameGeometry()
    available = app.window.screen().availableGeometry()
    minimum = app.window.minimumWidth() + qa.minimumSizeHint().expandedTo(qa.minimumSize()).width()
    if available.width() >= minimum:  # the offscreen test screen may be too narrow for both
        assert not settings.intersects(beside), (settings, beside)
    else:
        assert beside.left() > settings.left()  # at least beside it, on its right
    assert available.contains(beside), (available, beside)
    assert available.contains(settings), (available, settings)


def test_the_status_line_belongs_to_its_tab(qtbot: QtBot, launch_qa: LaunchQa) -> None:
    app, qa = launch_qa("pilot@example.com")
    invite_from_settings(qtbot, app, "tab.peer@example.com")
    select_invitation(qtbot, qa, "tab.peer@example.com")
    note = act(qtbot, qa, qa.invitations.open_button)
    assert qa.status_label.text() == note
    qa.tabs.setCurrentWidget(qa.faults)
    assert qa.status_label.text() == ""  # not the Invitation tab's result shown under Faults


def test_the_two_prompt_buttons_never_read_the_same(qtbot: QtBot, launch_qa: LaunchQa) -> None:
    app, qa = launch_qa("pilot@example.com")
    invite_from_settings(qtbot, app, "twice@example.com")
    select_invitation(qtbot, qa, "twice@example.com")
    panel = qa.invitations
    for step in (panel.open_button, panel.join_button, panel.init_button, panel.prompt_button):
        act(qtbot, qa, step)
    act(qtbot, qa, panel.prompt_button)  # 2 of 3: one prompt left
    qtbot.waitUntil(lambda: "2/3" in panel.checklist_label.text(), timeout=WAIT_MS)
    assert panel.prompt_button.text() == "Send 1 prompt"
    assert panel.prompt_n_button.text() == "Send 2 prompts"
    width = panel.prompt_n_button.width()
    panel.prompts_spin.setValue(12)
    assert panel.prompt_n_button.text() == "Send 12 prompts"
    assert panel.prompt_n_button.width() == width  # no button moves as the count changes


def test_reset_demo_data_asks_with_its_own_words_and_cancel_by_default(qtbot: QtBot) -> None:
    seen: dict[str, object] = {}

    def answer() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen["buttons"] = sorted(button.text() for button in box.buttons())
        default = box.defaultButton()
        seen["default"] = default.text() if default is not None else None
        box.reject()

    parent = QMessageBox()  # any parent widget
    qtbot.addWidget(parent)
    QTimer.singleShot(0, answer)
    assert ResetConfirmation.ask(parent) is False
    assert seen["buttons"] == ["Cancel", "Reset demo data"]
    assert seen["default"] == "Cancel"


@pytest.mark.parametrize(
    ("screen", "settings"),
    [
        (QRect(0, 0, 1920, 1080), QRect(100, 80, 980, 760)),
        (QRect(0, 0, 1920, 1000), QRect(900, 80, 980, 900)),  # no room on its right
        (QRect(0, 0, 1366, 768), QRect(200, 0, 980, 760)),  # no room on either side
        (QRect(0, 0, 1280, 1000), QRect(0, 0, 980, 760)),
    ],
)
def test_side_by_side_never_overlaps_and_stays_on_screen(screen: QRect, settings: QRect) -> None:
    minimum = QSize(640, 560)
    moved, qa = side_by_side(screen, settings, QSize(560, 360), QSize(860, 800), minimum)
    assert not moved.intersects(qa), (moved, qa)
    assert screen.contains(moved), moved
    assert screen.contains(qa), qa
    assert qa.width() >= minimum.width()
    assert moved.width() >= 560


def test_the_qa_window_fits_a_1000_pixel_high_screen(qtbot: QtBot, launch_qa: LaunchQa) -> None:
    _, qa = launch_qa("pilot@example.com")
    needed = qa.minimumSizeHint().expandedTo(qa.minimumSize())
    assert needed.height() <= 1000 - 80  # leaves room for a title bar and a panel
    assert qa.height() <= 1000 - 80
