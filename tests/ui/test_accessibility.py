"""Keyboard use and accessible names across the window and its dialogs."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from desktop.domain.invitations import InvitationState
from desktop.ui.settings_window import SettingsWindow
from tests.ui import states
from tests.ui.fakes import RecordingController

INTERACTIVE = (QAbstractButton, QLineEdit, QComboBox, QAbstractItemView, QPlainTextEdit)


def unnamed(root: QWidget) -> list[str]:
    """Interactive widgets under `root` without an accessible name (Qt's own parts excluded)."""
    missing = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, INTERACTIVE):
            continue
        name = widget.objectName()
        if isinstance(widget.parent(), QLineEdit):
            continue  # the clear button Qt adds inside a line edit
        if not widget.accessibleName():
            missing.append(f"{type(widget).__name__}#{name}")
    return missing


def test_every_interactive_widget_has_an_accessible_name(
    qtbot: QtBot, window: SettingsWindow, fake: RecordingController
) -> None:
    invitations = (states.invitation("ana@example.com", InvitationState.PROMPTING, prompts=1),)
    fake.emit_state(states.capped_state(invitations=invitations))
    for page in ("general", "usage", "account", "wallet"):
        assert window.select_page(page)
    section = window.referral_section
    assert section is not None
    invite = section.open_invite_dialog()
    sign_in = window.open_sign_in()
    assert unnamed(window) == []
    assert unnamed(invite) == []
    assert unnamed(sign_in) == []


def test_keyboard_moves_between_pages_and_opens_the_invite_dialog(
    qtbot: QtBot, window: SettingsWindow, fake: RecordingController
) -> None:
    fake.emit_state(states.pilot_state())
    window.select_page("general")
    window.navigation.setFocus()
    qtbot.keyClick(window.navigation, Qt.Key.Key_Down)
    assert window.current_page_name() == "usage"
    assert window.page_title.text() == "Usage"
    qtbot.keyClick(window.navigation, Qt.Key.Key_Down)
    assert window.current_page_name() == "account"

    qtbot.keyClick(window, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    section = window.referral_section
    assert section is not None
    assert section.invite_dialog is not None
    assert section.invite_dialog.isVisible()

    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert fake.called("sync_now") == [()]
