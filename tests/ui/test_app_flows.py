"""End-to-end flows on the real app: mock backend, cache, credentials, controller and window.

The backend is changed only through its Simulator (cohort, faults), as QA would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QPushButton
from pytestqt.qtbot import QtBot

from desktop.app import App, create
from desktop.controller.state import AppState, SyncPhase
from desktop.domain.invitations import InvitationState
from desktop.domain.outcomes import Outcome
from desktop.ui.pages.wallet import WalletPage
from desktop.ui.redeem_dialog import RedeemDialog
from desktop.ui.usage_meter import UsageMeter
from tests.conftest import MemoryKeyring
from tests.ui.app_driver import (
    WAIT_MS,
    open_invite_dialog,
    section,
    sign_in_through_dialog,
    sync_and_wait,
    wait_synced,
)

Launch = Callable[..., App]


@pytest.fixture
def launch(qtbot: QtBot, data_dir: Path, memory_keyring: MemoryKeyring) -> Iterator[Launch]:
    """Start the real app on a fresh data folder; shut every one down after the test."""
    apps: list[App] = []

    def start(email: str | None = None, *, keyring_backend: object = memory_keyring) -> App:
        app = create(data_dir, keyring_backend=keyring_backend)  # type: ignore[arg-type]
        apps.append(app)
        app.window.show()  # App.close() destroys it (not qtbot: it would close it twice)
        app.start()
        if email is not None:
            with qtbot.waitSignal(app.controller.operationFinished, timeout=WAIT_MS) as blocker:
                app.controller.sign_in(email, "demo")
            assert blocker.args is not None
            assert blocker.args[0].outcome is Outcome.DONE
            qtbot.waitUntil(lambda: app.state.sync.last_synced_at is not None, timeout=WAIT_MS)
            wait_synced(qtbot, app)
        return app

    yield start
    for app in apps:
        app.close()


@pytest.mark.parametrize(
    ("email", "has_module"),
    [
        ("pilot@example.com", True),
        ("capped@example.com", True),
        ("pro@example.com", False),
        ("free@example.com", False),
    ],
)
def test_module_visibility_per_demo_account(
    qtbot: QtBot, launch: Launch, email: str, has_module: bool
) -> None:
    app = launch()
    sign_in_through_dialog(qtbot, app, email)
    assert app.state.account is not None
    assert app.state.account.email == email
    module = section(app)
    if has_module:
        assert module is not None
        assert module.isVisible()
        assert app.window.findChild(QPushButton, "inviteButton") is not None
    else:
        assert module is None
        assert app.window.findChild(QPushButton, "inviteButton") is None
        assert app.window.findChild(QLabel, "cycleEarnedLabel") is None


def test_flag_flips_on_and_off_while_open(qtbot: QtBot, launch: Launch) -> None:
    app = launch("pro@example.com")
    assert section(app) is None

    app.simulator.cohort("pro@example.com", "allow")
    sync_and_wait(qtbot, app)
    qtbot.waitUntil(lambda: section(app) is not None, timeout=WAIT_MS)

    app.simulator.cohort("pro@example.com", "deny")
    sync_and_wait(qtbot, app)
    qtbot.waitUntil(lambda: section(app) is None, timeout=WAIT_MS)
    assert app.window.findChild(QPushButton, "inviteButton") is None


def test_invite_valid_then_duplicate_self_and_invalid(
    qtbot: QtBot, launch: Launch, invite_confirmations: list[str]
) -> None:
    app = launch("pilot@example.com")
    module = section(app)
    assert module is not None
    empty = module.findChild(QLabel, "invitationsEmptyState")
    assert empty is not None
    assert empty.isVisible()

    dialog = open_invite_dialog(qtbot, app)
    qtbot.keyClicks(dialog.email_edit, "New.Peer@Example.com")
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)  # double click
    qtbot.waitUntil(
        lambda: dialog.status_label.text().startswith("Invitation sent to new.peer@example.com"),
        timeout=WAIT_MS,
    )
    assert invite_confirmations == ["new.peer@example.com"]  # asked once, naming the address
    assert dialog.preview.isVisible()
    assert dialog.link_edit.text().startswith("http")
    assert dialog.link_edit.text() in dialog.preview_text.toPlainText()
    # The preview is the message the backend dispatched, word for word.
    (dispatched,) = [m for m in app.simulator.outbox() if m.recipient == "new.peer@example.com"]
    assert dialog.preview_text.toPlainText() == (
        f"To: new.peer@example.com\nSubject: {dispatched.subject}\n\n{dispatched.body}"
    )
    sent = app.simulator.invitations("pilot@example.com")
    assert [i.invitation.recipient for i in sent] == ["new.peer@example.com"]
    qtbot.waitUntil(lambda: module.model.rowCount() == 1, timeout=WAIT_MS)
    assert not empty.isVisible()

    for typed, message in (
        ("new.peer@EXAMPLE.com", "You already have a pending invitation"),
        ("PILOT@example.com", "That is your own address"),
        ("a@b@c", "That is not a valid email address"),
    ):
        dialog.email_edit.clear()
        qtbot.keyClicks(dialog.email_edit, typed)
        qtbot.waitUntil(lambda m=message: m in dialog.error_label.text())  # when typing pauses
        assert not dialog.send_button.isEnabled()
    assert len(app.simulator.invitations("pilot@example.com")) == 1


def test_invite_while_offline_is_queued_then_sent_once(qtbot: QtBot, launch: Launch) -> None:
    app = launch("pilot@example.com")
    app.simulator.set_fault(offline=True)
    dialog = open_invite_dialog(qtbot, app)
    qtbot.keyClicks(dialog.email_edit, "later@example.com")
    qtbot.keyClick(dialog.email_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "offline" in dialog.status_label.text().lower(), timeout=WAIT_MS)
    module = section(app)
    assert module is not None
    assert module.model.invitation(0).state is InvitationState.QUEUED
    status = app.window.findChild(QLabel, "syncStatus")
    assert status is not None
    assert "1 invitation waiting to send" in status.text()
    banner = app.window.findChild(QFrame, "errorBanner")
    assert banner is not None
    assert banner.isVisible()
    assert app.simulator.invitations("pilot@example.com") == ()

    app.simulator.set_fault(offline=False)
    retry = banner.findChild(QPushButton, "errorBannerRetry")
    assert retry is not None
    qtbot.mouseClick(retry, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: len(app.simulator.invitations("pilot@example.com")) == 1, timeout=WAIT_MS
    )
    qtbot.waitUntil(lambda: not banner.isVisible(), timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: (
            module.model.rowCount() == 1
            and module.model.invitation(0).state is InvitationState.SENT
        ),
        timeout=WAIT_MS,
    )
    sync_and_wait(qtbot, app)
    assert len(app.simulator.invitations("pilot@example.com")) == 1


def test_cap_warning_for_capped_account(qtbot: QtBot, launch: Launch) -> None:
    app = launch("capped@example.com")
    dialog = open_invite_dialog(qtbot, app)
    assert dialog.cap_label.isVisible()
    assert "will earn nothing" in dialog.cap_label.text()
    assert app.state.cycle is not None
    assert app.state.cycle.capped


def go_to_wallet(app: App) -> WalletPage:
    assert app.window.select_page("wallet")
    page = app.window.pages["wallet"]
    assert isinstance(page, WalletPage)
    return page


def weekly_percent(app: App) -> int:
    meters = app.window.findChildren(UsageMeter, "usageMeter")
    [weekly] = [m for m in meters if m.accessibleName() == "Weekly usage"]
    return weekly.bar.value()


def test_redeem_confirmed_spends_one_and_resets_usage(
    qtbot: QtBot, launch: Launch, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = launch("capped@example.com")
    app.simulator.set_usage("capped@example.com", weekly_percent=82, five_hour_percent=40)
    sync_and_wait(qtbot, app)
    assert weekly_percent(app) == 82
    page = go_to_wallet(app)
    assert page.balance_label.text() == "2 usage resets available"
    effects: list[str] = []

    def confirm(parent: object, state: AppState) -> bool:
        dialog = RedeemDialog(state)
        effects.append(dialog.effect_label.text())
        dialog.deleteLater()
        return True

    monkeypatch.setattr(RedeemDialog, "ask", confirm)
    redeem = app.window.findChild(QPushButton, "redeemButton")
    assert redeem is not None
    qtbot.mouseClick(redeem, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(redeem, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            page.message_label.text()
            == "Reset spent: your weekly and 5-hour usage are back to zero used."
        ),
        timeout=WAIT_MS,
    )
    sync_and_wait(qtbot, app)  # count the effects once everything has settled
    assert effects == [
        "Weekly 82% used → 0%, 5-hour 40% → 0%; the next window starts at your next use."
    ]
    assert page.balance_label.text() == "1 usage reset available"
    assert weekly_percent(app) == 0
    assert app.simulator.wallet("capped@example.com").available == 1


def test_redeem_cancel_and_offline_keep_the_tokens(
    qtbot: QtBot, launch: Launch, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = launch("capped@example.com")
    page = go_to_wallet(app)
    monkeypatch.setattr(RedeemDialog, "ask", lambda parent, state: False)
    qtbot.mouseClick(page.redeem_button, Qt.MouseButton.LeftButton)
    assert page.message_label.text() == "Cancelled. Your reset is kept."

    app.simulator.set_fault(offline=True)
    monkeypatch.setattr(RedeemDialog, "ask", lambda parent, state: True)
    qtbot.mouseClick(page.redeem_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "offline" in page.message_label.text(), timeout=WAIT_MS)
    assert "reset is kept" in page.message_label.text()
    assert page.balance_label.text() == "2 usage resets available"
    app.simulator.set_fault(offline=False)
    assert app.simulator.wallet("capped@example.com").available == 2


def test_no_tokens_and_empty_states(qtbot: QtBot, launch: Launch) -> None:
    app = launch("pilot@example.com")
    page = go_to_wallet(app)
    assert page.balance_label.text() == "No resets to use"
    assert not page.redeem_button.isEnabled()
    empty = app.window.findChild(QLabel, "walletEmptyState")
    assert empty is not None
    assert empty.isVisible()
    invitations_empty = app.window.findChild(QLabel, "invitationsEmptyState")
    assert invitations_empty is not None
    assert invitations_empty.text() == "No invitations yet. Invite a peer by email."


def test_sign_out_removes_everything(qtbot: QtBot, launch: Launch) -> None:
    app = launch("pilot@example.com")
    app.window.select_page("account")
    sign_out = app.window.findChild(QPushButton, "signOutButton")
    assert sign_out is not None
    qtbot.mouseClick(sign_out, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.window.signed_out_panel.isVisible(), timeout=WAIT_MS)
    assert section(app) is None
    assert app.window.findChild(QLabel, "walletBalanceLabel") is None


def test_keyring_notice_when_no_usable_keyring(qtbot: QtBot, launch: Launch) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        app = launch("pilot@example.com", keyring_backend=None)
        notice = app.window.findChild(QFrame, "keyringNotice")
        assert notice is not None
        assert notice.isVisible()
        assert "only until you close the app" in notice.accessibleName()
    finally:
        keyring.set_keyring(previous)


def test_session_is_restored_from_the_keyring(
    qtbot: QtBot, launch: Launch, memory_keyring: MemoryKeyring
) -> None:
    first = launch("capped@example.com")
    assert memory_keyring.secrets  # the token went to the keyring only
    first.close()
    second = launch()
    qtbot.waitUntil(lambda: second.state.signed_in, timeout=WAIT_MS)
    wait_synced(qtbot, second)
    assert second.state.sync.phase is SyncPhase.SYNCED
    assert section(second) is not None
    notice = second.window.findChild(QFrame, "keyringNotice")
    assert notice is not None
    assert not notice.isVisible()


def test_revoke_a_pending_invitation(
    qtbot: QtBot, launch: Launch, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = launch("pilot@example.com")
    app.simulator.invite("pilot@example.com", "maybe@example.com")
    sync_and_wait(qtbot, app)
    module = section(app)
    assert module is not None
    qtbot.waitUntil(lambda: module.model.rowCount() == 1, timeout=WAIT_MS)
    asked: list[str] = []
    monkeypatch.setattr(
        type(module), "confirm_revoke", classmethod(lambda cls, p, r: asked.append(r) or True)
    )
    module.view.setFocus()
    module.view.setCurrentIndex(module.model.index(0, 0))
    qtbot.keyClick(module.view, Qt.Key.Key_Delete)
    assert asked == ["maybe@example.com"]
    qtbot.waitUntil(
        lambda: module.model.invitation(0).state is InvitationState.REVOKED, timeout=WAIT_MS
    )
    [record] = app.simulator.invitations("pilot@example.com")
    assert record.invitation.state is InvitationState.REVOKED
    assert not module.revoke_button.isEnabled()
