"""Drive the real app (desktop.app.create) the way a user would, for the flow tests."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QPushButton
from pytestqt.qtbot import QtBot

from desktop.app import App
from desktop.controller.state import SyncPhase
from desktop.domain.outcomes import Outcome
from desktop.ui.referral.invite_dialog import InviteDialog
from desktop.ui.referral.section import ReferralSection
from desktop.ui.sign_in_dialog import SignInDialog

WAIT_MS = 10_000


def wait_synced(qtbot: QtBot, app: App) -> None:
    """Until the last sync has finished (synced, offline or failed) and the window shows it
    all (what a state needs is built in event-loop turns of its own)."""

    def done() -> None:
        assert app.state.sync.phase in (SyncPhase.SYNCED, SyncPhase.OFFLINE, SyncPhase.ERROR)
        assert app.window.is_settled()

    qtbot.waitUntil(done, timeout=WAIT_MS)


def sync_and_wait(qtbot: QtBot, app: App) -> None:
    """Ask for a sync (as F5 would) and wait for it to end."""
    before = app.state.sync.last_synced_at
    app.controller.sync_now()

    def done() -> None:
        sync = app.state.sync
        assert sync.phase in (SyncPhase.OFFLINE, SyncPhase.ERROR) or (
            sync.phase is SyncPhase.SYNCED and sync.last_synced_at != before
        )
        assert app.window.is_settled()

    qtbot.waitUntil(done, timeout=WAIT_MS)


def sign_in_through_dialog(qtbot: QtBot, app: App, email: str) -> None:
    """Open the sign-in dialog from the window, click the demo account, press Sign in."""
    button = app.window.findChild(QPushButton, "signedOutSignInButton")
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = app.window.findChild(SignInDialog, "signInDialog")
    assert dialog is not None
    accounts = dialog.accounts_list
    [item] = [
        accounts.item(row)
        for row in range(accounts.count())
        if accounts.item(row).data(Qt.ItemDataRole.UserRole) == email
    ]
    rect = accounts.visualItemRect(item)
    qtbot.mouseClick(accounts.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert dialog.email_edit.text() == email
    with qtbot.waitSignal(app.controller.operationFinished, timeout=WAIT_MS) as blocker:
        qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    assert blocker.args is not None
    assert blocker.args[0].outcome is Outcome.DONE, blocker.args[0].message
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    wait_synced(qtbot, app)


def section(app: App) -> ReferralSection | None:
    """The invitation module, if it exists."""
    found = app.window.findChild(QFrame, "referralSection")
    assert found is None or isinstance(found, ReferralSection)
    return found


def open_invite_dialog(qtbot: QtBot, app: App) -> InviteDialog:
    """Click Invite… in the module."""
    module = section(app)
    assert module is not None
    app.window.select_page("general")  # the module sits at the bottom of General
    app.window.page_scroll.ensureWidgetVisible(module.invite_button)
    qtbot.waitUntil(module.invite_button.isVisible, timeout=WAIT_MS)
    qtbot.mouseClick(module.invite_button, Qt.MouseButton.LeftButton)
    dialog = app.window.findChild(InviteDialog, "inviteDialog")
    assert dialog is not None
    assert dialog.isVisible()
    return dialog
