"""The QA window takes an invitation through its recipient's steps; the settings window follows."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from desktop.domain.invitations import InvitationState
from tests.qa.conftest import LaunchQa
from tests.qa.driver import (
    act,
    act_refused,
    click,
    invite_from_settings,
    label_text,
    select_invitation,
    settings_invitation,
)
from tests.ui.app_driver import WAIT_MS

PEER = "new.peer@example.com"


def test_full_conversion_updates_wallet_checklist_and_cycle(
    qtbot: QtBot, launch_qa: LaunchQa
) -> None:
    app, qa = launch_qa("pilot@example.com")
    assert label_text(app.window, "walletBalanceLabel") == "No resets to use"
    assert (label_text(app.window, "cycleEarnedLabel") or "").startswith("0 of 3 resets earned")
    invite_from_settings(qtbot, app, PEER)
    select_invitation(qtbot, qa, PEER)
    panel = qa.invitations
    assert panel.email_edit.text() == PEER  # prefilled with the invited address

    def settings_shows(check: object) -> None:
        def done() -> None:
            view = settings_invitation(app, PEER)
            assert view is not None
            assert callable(check)
            assert check(view)

        qtbot.waitUntil(done, timeout=WAIT_MS)

    act(qtbot, qa, panel.open_button)
    settings_shows(lambda v: v.link_opened and v.state is InvitationState.OPENED)

    act(qtbot, qa, panel.join_button)
    settings_shows(lambda v: v.joined_kind == "new" and v.state is InvitationState.JOINED)

    act(qtbot, qa, panel.init_button)
    settings_shows(lambda v: v.workspace_ready and v.state is InvitationState.WORKSPACE_READY)

    act(qtbot, qa, panel.prompt_button)
    settings_shows(lambda v: v.prompts == 1 and v.state is InvitationState.PROMPTING)
    assert label_text(app.window, "walletBalanceLabel") == "No resets to use"

    panel.prompts_spin.setValue(2)
    assert panel.prompt_n_button.text() == "Send 2 prompts"
    note = act(qtbot, qa, panel.prompt_n_button)
    assert note.startswith(f"{PEER}: Reset earned.")
    settings_shows(lambda v: v.state is InvitationState.CONVERTED_REWARDED and v.prompts == 3)
    qtbot.waitUntil(
        lambda: label_text(app.window, "walletBalanceLabel") == "1 usage reset available",
        timeout=WAIT_MS,
    )
    assert (label_text(app.window, "cycleEarnedLabel") or "").startswith("1 of 3 resets earned")
    # The QA window's own view of the invitation follows too.
    qtbot.waitUntil(
        lambda: qa.invitations.state_label.text() == f"{PEER}: Reset earned", timeout=WAIT_MS
    )
    assert "☑ Prompts 3/3" in qa.invitations.checklist_label.text()


def test_join_with_another_address_is_refused(qtbot: QtBot, launch_qa: LaunchQa) -> None:
    app, qa = launch_qa("pilot@example.com")
    invite_from_settings(qtbot, app, PEER)
    select_invitation(qtbot, qa, PEER)
    panel = qa.invitations
    panel.email_edit.clear()
    qtbot.keyClicks(panel.email_edit, "someone.else@example.com")

    message = act_refused(qtbot, qa, panel.join_button)

    assert message == (
        "This link was sent to another address; use it with the address it was sent to."
    )
    assert qa.status_label.property("role") == "error"
    view = settings_invitation(app, PEER)
    assert view is not None
    assert view.state is InvitationState.SENT
    assert view.joined_kind is None
    # The typed address stays for another try; the invited one comes back on reselecting.
    assert panel.email_edit.text() == "someone.else@example.com"


def test_outbox_lists_the_dispatched_message_with_a_copyable_link(
    qtbot: QtBot, launch_qa: LaunchQa
) -> None:
    app, qa = launch_qa("pilot@example.com")
    invite_from_settings(qtbot, app, PEER)
    view = settings_invitation(app, PEER)
    assert view is not None
    assert view.link.startswith("https://referrals.example/join/")
    qa.tabs.setCurrentWidget(qa.outbox)
    outbox = qa.outbox

    def newest_is_ours() -> None:
        row = outbox.view.topLevelItem(0)
        assert row is not None
        assert row.text(2) == PEER

    # The seed's three messages of capped@ come after it: newest first.
    qtbot.waitUntil(newest_is_ours, timeout=WAIT_MS)
    assert outbox.view.topLevelItemCount() == 4
    row = outbox.view.topLevelItem(0)
    assert row is not None
    assert row.text(1) == "pilot@example.com"
    assert row.text(3) == view.link
    assert view.link in outbox.body_edit.toPlainText()

    QGuiApplication.clipboard().clear()
    click(qtbot, outbox.copy_button)
    assert QGuiApplication.clipboard().text() == view.link
