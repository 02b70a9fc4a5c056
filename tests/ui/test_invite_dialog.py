"""The invite dialog against a recording controller: validation, re-check, exactly-once feedback."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.controller.state import AppState, Eligibility, SyncPhase, SyncStatus
from desktop.domain.invitations import InvitationState
from desktop.domain.outcomes import Operation, Outcome
from desktop.domain.reasons import Reason
from desktop.ui.referral.invite_dialog import (
    InviteDialog,
    Phase,
    confirmation_box,
    validation_error,
)
from tests.ui import states
from tests.ui.fakes import RecordingController


@pytest.fixture
def dialog(qtbot: QtBot) -> InviteDialog:
    fake = RecordingController(
        states.pilot_state(invitations=(states.invitation("ana@example.com"),))
    )
    widget = InviteDialog(fake)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def fake_of(dialog: InviteDialog) -> RecordingController:
    assert isinstance(dialog.controller, RecordingController)
    return dialog.controller


def finish_sync(fake: RecordingController, state: AppState | None = None) -> None:
    """What the controller does after sync_now: syncing, then synced a moment later."""
    base = state or fake.state
    fake.emit_state(replace(base, sync=SyncStatus(SyncPhase.SYNCING, base.sync.last_synced_at)))
    later = states.NOW.replace(minute=5)
    fake.emit_state(replace(base, sync=SyncStatus(SyncPhase.SYNCED, later)))


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("not-an-email", "That is not a valid email address"),
        ("Pilot@Example.com", "That is your own address"),
        ("ANA@example.com", "You already have a pending invitation for ana@example.com."),
    ],
)
def test_refused_when_typing_pauses(
    qtbot: QtBot, dialog: InviteDialog, typed: str, message: str
) -> None:
    qtbot.keyClicks(dialog.email_edit, typed)
    qtbot.waitUntil(lambda: dialog.error_label.isVisible())  # after the pause, by itself
    assert message in dialog.error_label.text()
    assert not dialog.send_button.isEnabled()
    qtbot.keyClick(dialog.email_edit, Qt.Key.Key_Return)
    assert fake_of(dialog).called("sync_now") == []
    assert fake_of(dialog).called("send_invitation") == []


def test_a_half_typed_address_is_no_error_until_the_field_is_left(
    qtbot: QtBot, dialog: InviteDialog
) -> None:
    qtbot.keyClicks(dialog.email_edit, "sam@")
    assert not dialog.error_label.isVisible()  # still typing
    assert dialog.send_button.isEnabled()
    dialog.close_button.setFocus()  # leaving the field checks it at once
    assert dialog.error_label.isVisible()
    text = dialog.error_label.text()
    assert text.startswith("That is not a valid email address: ")
    assert "\n" not in text  # one line, no glued sentences


def test_send_asks_first_naming_the_address_and_cancel_sends_nothing(
    qtbot: QtBot, dialog: InviteDialog, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def cancel(cls: type, parent: object, address: str, state: AppState) -> bool:
        asked.append(address)
        return False

    monkeypatch.setattr(InviteDialog, "confirm_send", classmethod(cancel))
    qtbot.keyClicks(dialog.email_edit, "Bea@Example.com")
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    assert asked == ["bea@example.com"]
    assert fake_of(dialog).called("sync_now") == []
    assert fake_of(dialog).called("send_invitation") == []
    assert dialog.status_label.text() == "Not sent: you cancelled."
    assert dialog.send_button.isEnabled()


def test_the_confirmation_names_the_address_the_rule_and_consent_with_cancel_default(
    qtbot: QtBot, dialog: InviteDialog
) -> None:
    box, send = confirmation_box(dialog, "bea@example.com", fake_of(dialog).state)
    qtbot.addWidget(box)
    assert box.text() == "Send an invitation to bea@example.com?"
    assert "more than 62 days" in box.informativeText()
    assert "consent" in box.informativeText()
    assert "reset" not in box.informativeText().lower()  # never promises a reward
    assert box.defaultButton() is not send
    assert box.defaultButton() is box.escapeButton()  # Enter and Escape both cancel
    assert box.textFormat() is Qt.TextFormat.PlainText


def test_valid_address_rechecks_then_sends_once(qtbot: QtBot, dialog: InviteDialog) -> None:
    fake = fake_of(dialog)
    qtbot.keyClicks(dialog.email_edit, "  Bea@Example.COM ")
    assert not dialog.error_label.isVisible()
    assert dialog.send_button.isEnabled()

    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)  # a double click
    assert fake.called("sync_now") == [()]
    assert fake.called("send_invitation") == []  # not before the eligibility re-check
    assert not dialog.send_button.isEnabled()

    finish_sync(fake)
    [(email, key)] = fake.called("send_invitation")
    assert email == "bea@example.com"
    assert dialog.status_label.text() == "Sending to bea@example.com…"
    qtbot.keyClick(dialog.email_edit, Qt.Key.Key_Return)
    assert len(fake.called("send_invitation")) == 1

    sent = states.invitation("bea@example.com", index=7)
    fake.finish(Operation.SEND, "someone-else", Outcome.REFUSED, Reason.SELF_INVITE)
    assert dialog.phase is Phase.SENDING  # another intent's result is not ours
    fake.finish(
        Operation.SEND,
        key,
        Outcome.DONE,
        details={"recipient": "bea@example.com"},
        invitation=sent,
    )
    assert dialog.status_label.text().startswith("Invitation sent to bea@example.com.")
    assert dialog.preview.isVisible()
    assert sent.link in dialog.preview_text.toPlainText()
    assert dialog.link_edit.text() == sent.link
    assert "reset" not in dialog.preview_text.toPlainText().lower()  # never promises a reward
    dialog.copy_button.click()
    assert qtbot  # clipboard use must not raise


def test_a_lost_answer_is_shown_as_unknown_then_replaced_by_the_settled_result(
    qtbot: QtBot, dialog: InviteDialog
) -> None:
    fake = fake_of(dialog)
    qtbot.keyClicks(dialog.email_edit, "bea@example.com")
    dialog.send_button.click()
    finish_sync(fake)
    [(_, key)] = fake.called("send_invitation")
    fake.finish(Operation.SEND, key, Outcome.UNKNOWN, Reason.ANSWER_LOST)
    shown = dialog.status_label.text()
    assert "may already have been sent" in shown
    assert "never sent twice" in shown
    assert "not sent" not in shown.lower()  # never "nothing happened" for an unknown outcome
    assert not dialog.send_button.isEnabled()  # nothing to retry: the app settles it
    assert not dialog.error_label.isVisible()

    sent = states.invitation("bea@example.com", index=7)
    fake.finish(
        Operation.SEND, key, Outcome.DONE, details={"recipient": "bea@example.com"}, invitation=sent
    )
    assert dialog.status_label.text().startswith("Invitation sent to bea@example.com.")
    assert dialog.link_edit.text() == sent.link
    assert len(fake.called("send_invitation")) == 1


def test_a_different_address_is_a_new_intent(qtbot: QtBot, dialog: InviteDialog) -> None:
    fake = fake_of(dialog)
    qtbot.keyClicks(dialog.email_edit, "bea@example.com")
    dialog.send_button.click()
    finish_sync(fake)
    fake.finish(
        Operation.SEND, fake.called("send_invitation")[0][1], Outcome.NOT_SENT, Reason.OFFLINE
    )
    dialog.email_edit.clear()
    qtbot.keyClicks(dialog.email_edit, "cy@example.com")
    dialog.send_button.click()
    finish_sync(fake)
    [first, second] = fake.called("send_invitation")
    assert (first[0], second[0]) == ("bea@example.com", "cy@example.com")
    assert first[1] != second[1]


def test_refused_by_the_backend_shows_the_reason(qtbot: QtBot, dialog: InviteDialog) -> None:
    fake = fake_of(dialog)
    qtbot.keyClicks(dialog.email_edit, "bea@example.com")
    dialog.send_button.click()
    finish_sync(fake)
    [(_, key)] = fake.called("send_invitation")
    limit_at = states.NOW.replace(hour=23)
    fake.finish(
        Operation.SEND,
        key,
        Outcome.REFUSED,
        Reason.DAILY_LIMIT,
        details={"limit": 10, "at": limit_at},
    )
    text = dialog.error_label.text()
    assert text.startswith("You have sent 10 invitations in the last 24 hours, the most allowed.")
    assert "You can send the next one from" in text
    assert text.endswith("The invitation was not sent.")
    assert not dialog.preview.isVisible()
    assert dialog.send_button.isEnabled()  # a rule said no; another address may be fine


def test_not_sent_while_offline_waits_in_the_outbox(qtbot: QtBot, dialog: InviteDialog) -> None:
    fake = fake_of(dialog)
    qtbot.keyClicks(dialog.email_edit, "bea@example.com")
    dialog.send_button.click()
    fake.emit_state(replace(fake.state, sync=SyncStatus(SyncPhase.OFFLINE, states.NOW)))
    [(_, key)] = fake.called("send_invitation")
    fake.finish(Operation.SEND, key, Outcome.NOT_SENT, Reason.OFFLINE)
    assert "offline" in dialog.status_label.text().lower()
    assert "goes out once, automatically" in dialog.status_label.text()
    assert not dialog.preview.isVisible()


def test_no_longer_eligible_sends_nothing(qtbot: QtBot, dialog: InviteDialog) -> None:
    fake = fake_of(dialog)
    qtbot.keyClicks(dialog.email_edit, "bea@example.com")
    dialog.send_button.click()
    finish_sync(fake, replace(fake.state, eligibility=Eligibility.NOT_ELIGIBLE))
    assert fake.called("send_invitation") == []
    assert dialog.error_label.text() == (
        "Invitations are available only to accounts in the referral pilot. "
        "The invitation was not sent."
    )
    assert not dialog.send_button.isEnabled()


def test_cap_warning_only_when_capped(qtbot: QtBot) -> None:
    for state, expected in ((states.pilot_state(), False), (states.capped_state(), True)):
        widget = InviteDialog(RecordingController(state))
        qtbot.addWidget(widget)
        widget.show()
        assert widget.cap_label.isVisible() is expected
        if expected:
            assert "a conversion before 14 Dec" in widget.cap_label.text()
            assert "will earn nothing" in widget.cap_label.text()


def test_only_pending_invitations_block_an_address() -> None:
    invitations = (
        states.invitation("ana@example.com", index=1),
        states.invitation("Bob@Example.com", InvitationState.OPENED, index=2),
        states.invitation("cy@example.com", InvitationState.REVOKED, index=3),
        states.invitation("dee@example.com", InvitationState.QUEUED, index=4),
    )
    state = states.pilot_state(invitations=invitations)
    assert "pending invitation for bob@example.com" in validation_error("bob@EXAMPLE.com", state)
    assert "pending invitation for dee@example.com" in validation_error("dee@example.com", state)
    assert validation_error("cy@example.com", state) == ""  # revoked: final, may be invited again
    # Thousands of invitations: the answer is the same (a set built once per state).
    many = tuple(states.invitation(f"peer{n}@example.com", index=n) for n in range(5_000))
    assert validation_error("peer4999@example.com", replace(state, invitations=many))
    assert validation_error("peer5000@example.com", replace(state, invitations=many)) == ""
