"""The module's overview: a date on every row, active and ended apart, all-time counts."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel
from pytestqt.qtbot import QtBot

from desktop.controller.state import InvitationCounts
from desktop.domain.invitations import InvitationState
from desktop.ui.referral.invitations_model import sent_text
from desktop.ui.settings_window import SettingsWindow
from tests.ui import states
from tests.ui.fakes import RecordingController


def mixed() -> states.AppState:
    invitations = (
        states.invitation("ana@example.com", InvitationState.PROMPTING, prompts=1, index=0),
        states.invitation("bo@example.com", InvitationState.NOT_ELIGIBLE, index=1),
        states.invitation("cy@example.com", InvitationState.SENT, index=2),
        states.invitation("di@example.com", InvitationState.CONVERTED_REWARDED, index=3),
    )
    return states.capped_state(invitations=invitations)


def shown(window: SettingsWindow) -> set[str]:
    section = window.referral_section
    assert section is not None
    return {section.model.invitation(row).recipient for row in range(section.model.rowCount())}


def test_the_list_shows_active_and_ended_apart(
    qtbot: QtBot, window: SettingsWindow, fake: RecordingController
) -> None:
    fake.emit_state(mixed())
    combo = window.findChild(QComboBox, "invitationsFilter")
    assert combo is not None
    assert combo.accessibleName() == "Show invitations"
    assert shown(window) == {
        "ana@example.com",
        "bo@example.com",
        "cy@example.com",
        "di@example.com",
    }

    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)  # All -> Active
    assert combo.currentText() == "Active"
    assert shown(window) == {"ana@example.com", "cy@example.com"}
    qtbot.keyClick(combo, Qt.Key.Key_Down)  # Active -> Ended
    assert shown(window) == {"bo@example.com", "di@example.com"}

    # A new state keeps the filter: an invitation that ends moves over to Ended.
    ended = replace(mixed().invitations[0], state=InvitationState.CONVERTED_CAPPED)
    fake.emit_state(replace(mixed(), invitations=(ended, *mixed().invitations[1:])))
    assert shown(window) == {"ana@example.com", "bo@example.com", "di@example.com"}

    # Nothing under a filter says so, in words.
    fake.emit_state(replace(mixed(), invitations=mixed().invitations[:1]))
    section = window.referral_section
    assert section is not None
    assert section.empty_label.isVisible()
    assert section.empty_label.text() == "No ended invitations."


def test_the_summary_counts_resets_all_time_and_pending_invitations(
    window: SettingsWindow, fake: RecordingController
) -> None:
    spent = states.credit_changed(states.token(3), state="spent", spent_at=states.NOW)
    state = mixed()
    fake.emit_state(replace(state, tokens=(*state.tokens, spent)))
    overview = window.findChild(QLabel, "referralOverview")
    assert overview is not None
    assert overview.text() == "Resets earned all time: 3 · Pending invitations: 2"


def test_each_row_says_when_it_was_sent(window: SettingsWindow, fake: RecordingController) -> None:
    fake.emit_state(mixed())
    section = window.referral_section
    assert section is not None
    first = section.model.invitation(0)
    assert sent_text(first) == "Sent 2 Dec 2024"
    queued = states.invitation("q@example.com", InvitationState.QUEUED)
    assert sent_text(queued) == "Queued 2 Dec 2024"
    tooltip = section.model.index(0).data(Qt.ItemDataRole.ToolTipRole)
    assert "Sent 2 Dec 2024." in tooltip


def test_a_first_screenful_counts_the_whole_list(
    qtbot: QtBot, window: SettingsWindow, fake: RecordingController
) -> None:
    # At start-up with many invitations cached, the newest come first with the counts of all;
    # the title and the overview count the whole list, not the rows shown so far.
    first = replace(mixed(), invitation_counts=InvitationCounts(total=10_004, pending=6_002))
    fake.emit_state(first)
    title = window.findChild(QLabel, "invitationsTitle")
    overview = window.findChild(QLabel, "referralOverview")
    assert title is not None
    assert overview is not None
    assert title.text() == "Your invitations (10,004)"
    assert overview.text().endswith("Pending invitations: 6002")
    assert len(shown(window)) == 4
    # The whole list follows: the counts are the list's own again.
    fake.emit_state(mixed())
    assert title.text() == "Your invitations (4)"
    assert overview.text().endswith("Pending invitations: 2")
