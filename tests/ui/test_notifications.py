"""Notifications: a reset earned, a queued invitation sent, a reset about to expire; once each."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from PySide6.QtWidgets import QCheckBox
from pytestqt.qtbot import QtBot

from desktop.domain.invitations import InvitationState
from desktop.ui.notifications import Notifier
from desktop.ui.settings_window import SettingsWindow
from tests.ui import states
from tests.ui.fakes import RecordingController


def titles(window: SettingsWindow) -> list[str]:
    assert window.tray is not None
    return [n.title for n in window.tray.shown]


def test_what_was_there_at_start_is_not_announced(qtbot: QtBot) -> None:
    notifier = Notifier()
    assert notifier.show_state(states.capped_state()) == []
    assert notifier.show_state(states.capped_state()) == []


def test_a_reset_earned_and_a_queued_invitation_sent(
    qtbot: QtBot, window: SettingsWindow, fake: RecordingController
) -> None:
    queued = states.invitation("q@example.com", InvitationState.QUEUED)
    fake.emit_state(states.pilot_state(invitations=(queued,)))
    assert titles(window) == []

    sent = replace(states.invitation("q@example.com", InvitationState.SENT), id="inv-q")
    fake.emit_state(states.pilot_state(invitations=(sent,)))
    assert titles(window) == ["Invitation sent"]
    assert window.tray is not None
    assert window.tray.shown[-1].text == "Your invitation to q@example.com went out."

    earned = states.pilot_state(invitations=(sent,), tokens=(states.token(1),))
    fake.emit_state(earned)
    fake.emit_state(earned)  # the same state again: nothing new
    assert titles(window) == ["Invitation sent", "Usage reset earned"]


def test_a_reset_about_to_expire_is_announced_once(
    qtbot: QtBot, window: SettingsWindow, fake: RecordingController
) -> None:
    soon = states.credit_changed(states.token(1), expires_at=states.NOW + timedelta(days=2))
    fake.emit_state(states.capped_state(tokens=(soon,)))
    fake.emit_state(states.capped_state(tokens=(soon,)))
    assert titles(window) == ["A usage reset expires soon"]


def test_the_setting_turns_them_off(
    qtbot: QtBot, window: SettingsWindow, fake: RecordingController
) -> None:
    fake.emit_state(states.pilot_state())
    check = window.findChild(QCheckBox, "notificationsCheck")
    assert check is not None
    assert check.isChecked()
    check.click()
    assert window.settings.value("notifications/enabled") == "false"
    fake.emit_state(states.pilot_state(tokens=(states.token(1),)))
    assert titles(window) == []
