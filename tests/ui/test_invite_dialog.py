"""The invite dialog against a recording controller: validation, re-check, exactly-once feedback."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.controller.state import (
    AppState,
    Eligibility,
    InviteOutcome,
    InviteStatus,
    SyncPhase,
    SyncStatus,
)
from desktop.domain.invitations import InvitationState
from desktop.ui.referral.invite_dialog import InviteDialog, Phase, validation_error
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
        ("ANA@example.com", "You already have a pending invitation to ana@example.com"),
    ],
)
def test_refused_as_you_type(qtbot: QtBot, dialog: InviteDialog, typed: str, message: str) -> None:
    qtbot.keyClicks(dialog.email_edit, typed)
    assert dialog.error_label.isVisible()
    assert message in dialog.error_label.text()
    assert not dialog.send_button.isEnabled()
    qtbot.keyClick(dialog.email_edit, Qt.Key.Key_Return)
    assert fake_of(dialog).called("sync_now") == []
    assert fake_of(dialog).called("send_invitation") == []


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
    [(email, request_id)] = fake.called("send_invitation")
    assert email == "bea@example.com"
    assert dialog.status_label.text() == "Sending to bea@example.com…"
    qtbot.keyClick(dialog.email_edit, Qt.Key.Key_Return)
    assert len(fake.called("send_invitation")) == 1

    sent = states.invitation("bea@example.com", index=7)
    fake.inviteFinished.emit(InviteOutcome("someone-else", InviteStatus.FAILED, "x"))
    assert dialog.phase is Phase.SENDING  # another request's outcome is not ours
    fake.inviteFinished.emit(InviteOutcome(request_id, InviteStatus.SENT, "", sent))
    assert dialog.status_label.text().startswith("Invitation sent to bea@example.com")
    assert dialog.preview.isVisible()
    assert sent.link in dialog.preview_text.toPlainText()
    assert dialog.link_edit.text() == sent.link
    assert "reset" not in dialog.preview_text.toPlainText().lower()  # never promises a reward
    dialog.copy_button.click()
    assert qtbot  # clipboard use must not raise


def test_retry_after_failure_reuses_the_request_id(qtbot: QtBot, dialog: InviteDialog) -> None:
    fake = fake_of(dialog)
    qtbot.keyClicks(dialog.email_edit, "bea@example.com")
    dialog.send_button.click()
    finish_sync(fake)
    [(_, first_id)] = fake.called("send_invitation")
    fake.inviteFinished.emit(InviteOutcome(first_id, InviteStatus.FAILED, "Server error."))
    assert "Server error." in dialog.error_label.text()
    assert dialog.send_button.isEnabled()

    dialog.send_button.click()
    finish_sync(fake)
    assert [rid for _, rid in fake.called("send_invitation")] == [first_id, first_id]
    fake.inviteFinished.emit(InviteOutcome(first_id, InviteStatus.FAILED, "Server error."))

    # A different address is a different attempt, with a new key.
    dialog.email_edit.clear()
    qtbot.keyClicks(dialog.email_edit, "cy@example.com")
    dialog.send_button.click()
    finish_sync(fake)
    assert fake.called("send_invitation")[-1][1] != first_id


def test_refused_by_the_backend_shows_the_reason(qtbot: QtBot, dialog: InviteDialog) -> None:
    fake = fake_of(dialog)
    qtbot.keyClicks(dialog.email_edit, "bea@example.com")
    dialog.send_button.click()
    finish_sync(fake)
    [(_, request_id)] = fake.called("send_invitation")
    fake.inviteFinished.emit(
        InviteOutcome(request_id, InviteStatus.REFUSED, "You reached today's limit of 10.")
    )
    assert dialog.error_label.text() == "Not sent: You reached today's limit of 10."
    assert not dialog.preview.isVisible()


def test_queued_while_offline(qtbot: QtBot, dialog: InviteDialog) -> None:
    fake = fake_of(dialog)
    qtbot.keyClicks(dialog.email_edit, "bea@example.com")
    dialog.send_button.click()
    fake.emit_state(replace(fake.state, sync=SyncStatus(SyncPhase.OFFLINE, states.NOW)))
    [(_, request_id)] = fake.called("send_invitation")
    queued = states.invitation("bea@example.com", InvitationState.QUEUED, index=8)
    fake.inviteFinished.emit(InviteOutcome(request_id, InviteStatus.QUEUED, "", queued))
    assert "offline" in dialog.status_label.text().lower()
    assert "sent once, automatically" in dialog.status_label.text()
    assert not dialog.preview.isVisible()


def test_no_longer_eligible_sends_nothing(qtbot: QtBot, dialog: InviteDialog) -> None:
    fake = fake_of(dialog)
    qtbot.keyClicks(dialog.email_edit, "bea@example.com")
    dialog.send_button.click()
    finish_sync(fake, replace(fake.state, eligibility=Eligibility.NOT_ELIGIBLE))
    assert fake.called("send_invitation") == []
    assert "can no longer send invitations" in dialog.error_label.text()
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
    assert "pending invitation to bob@example.com" in validation_error("bob@EXAMPLE.com", state)
    assert "pending invitation to dee@example.com" in validation_error("dee@example.com", state)
    assert validation_error("cy@example.com", state) == ""  # revoked: final, may be invited again
    # Thousands of invitations: the answer is the same (a set built once per state).
    many = tuple(states.invitation(f"peer{n}@example.com", index=n) for n in range(5_000))
    assert validation_error("peer4999@example.com", replace(state, invitations=many))
    assert validation_error("peer5000@example.com", replace(state, invitations=many)) == ""
