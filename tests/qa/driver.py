"""Drive the QA simulator window and read the settings window, as a tester would."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget
from pytestqt.qtbot import QtBot

from desktop.app import App
from desktop.controller.state import InvitationView
from desktop.ui.qa.window import QaSimulatorWindow
from desktop.ui.referral.invitations_model import INVITATION_ROLE
from tests.ui.app_driver import WAIT_MS, open_invite_dialog, section


def click(qtbot: QtBot, button: QAbstractButton) -> None:
    """A left click in the middle of an enabled button."""
    assert button.isEnabled(), f"{button.objectName()} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def act(qtbot: QtBot, window: QaSimulatorWindow, button: QAbstractButton) -> str:
    """Click a QA button and wait for the action to succeed; returns the status line."""
    with qtbot.waitSignal(window.qa.actionFinished, timeout=WAIT_MS) as blocker:
        click(qtbot, button)
    assert blocker.args is not None
    assert window.status_label.text() == blocker.args[0]
    return window.status_label.text()


def act_refused(qtbot: QtBot, window: QaSimulatorWindow, button: QAbstractButton) -> str:
    """Click a QA button and wait for the refusal; returns the status line."""
    with qtbot.waitSignal(window.qa.actionFailed, timeout=WAIT_MS) as blocker:
        click(qtbot, button)
    assert blocker.args is not None
    assert window.status_label.text() == blocker.args[0]
    return window.status_label.text()


def invite_from_settings(qtbot: QtBot, app: App, email: str) -> None:
    """Send an invitation the way the operator does: Invite… in the settings window."""
    dialog = open_invite_dialog(qtbot, app)
    dialog.email_edit.clear()
    qtbot.keyClicks(dialog.email_edit, email)
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: dialog.status_label.text().startswith(f"Invitation sent to {email}"),
        timeout=WAIT_MS,
    )
    dialog.close()


def settings_invitation(app: App, recipient: str) -> InvitationView | None:
    """The invitation as the settings window's list shows it (`invitationsView` model data)."""
    module = section(app)
    if module is None:
        return None
    model = module.view.model()
    for row in range(model.rowCount()):
        view = model.data(model.index(row, 0), INVITATION_ROLE)
        assert isinstance(view, InvitationView)
        if view.recipient == recipient:
            return view
    return None


def label_text(root: QWidget, name: str) -> str | None:
    """The text of the QLabel `name` under `root`, or None when there is none."""
    label = root.findChild(QLabel, name)
    return label.text() if label is not None else None


def select_invitation(qtbot: QtBot, window: QaSimulatorWindow, recipient: str) -> None:
    """Click the recipient's row in the Invitation tab."""
    window.tabs.setCurrentWidget(window.invitations)
    panel = window.invitations

    def listed() -> None:
        assert any(
            panel.list.item(row).text().startswith(recipient) for row in range(panel.list.count())
        )

    qtbot.waitUntil(listed, timeout=WAIT_MS)
    [item] = [
        panel.list.item(row)
        for row in range(panel.list.count())
        if panel.list.item(row).text().startswith(recipient)
    ]
    rect = panel.list.visualItemRect(item)
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert panel.selected is not None
    assert panel.selected.view.recipient == recipient
