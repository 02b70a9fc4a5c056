"""Wallet, redeem confirmation and the invitations list, rendering hand-built states."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from random import Random

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QListView, QPushButton
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from desktop.controller.state import AppState, InvitationCounts, InvitationView, PendingView
from desktop.domain.invitations import InvitationState
from desktop.domain.outcomes import Operation, Outcome
from desktop.domain.reasons import Reason
from desktop.domain.usage import UsageWindow, WindowKind
from desktop.ui.pages.wallet import WalletPage
from desktop.ui.redeem_dialog import RedeemDialog, redeem_effect
from desktop.ui.referral.invitations_model import INVITATION_ROLE, InvitationListModel
from desktop.ui.referral.section import ReferralSection
from desktop.ui.settings_window import SettingsWindow
from tests.ui import states
from tests.ui.fakes import RecordingController


def wallet(window: SettingsWindow) -> WalletPage:
    assert window.select_page("wallet")
    page = window.pages["wallet"]
    assert isinstance(page, WalletPage)
    return page


def test_redeem_confirm_spends_with_one_intent(
    window: SettingsWindow, fake: RecordingController, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.emit_state(states.capped_state())
    page = wallet(window)
    asked: list[AppState] = []

    def confirm(parent: object, state: AppState) -> bool:
        asked.append(state)
        return True

    monkeypatch.setattr(RedeemDialog, "ask", confirm)
    redeem = window.findChild(QPushButton, "redeemButton")
    assert redeem is not None
    redeem.click()
    redeem.click()  # disabled while in flight: no second request
    assert len(asked) == 1
    [(key,)] = fake.called("redeem")
    assert not redeem.isEnabled()

    spent = states.credit_changed(
        states.capped_state().tokens[1], state="spent", spent_at=states.NOW
    )
    fake.emit_state(
        states.capped_state(
            tokens=(states.capped_state().tokens[0], spent),
            weekly=UsageWindow(WindowKind.WEEKLY, 1000, 0, None),
        )
    )
    fake.finish(Operation.REDEEM, key, Outcome.DONE, token=spent)
    assert page.message_label.text() == "Reset spent: your usage is back to zero used."
    balance = window.findChild(QLabel, "walletBalanceLabel")
    assert balance is not None
    assert balance.text() == "1 usage reset available"
    assert redeem.isEnabled()


def test_redeem_cancel_spends_nothing(
    window: SettingsWindow, fake: RecordingController, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.emit_state(states.capped_state())
    page = wallet(window)
    monkeypatch.setattr(RedeemDialog, "ask", lambda parent, state: False)
    page.redeem_button.click()
    assert fake.called("redeem") == []
    assert page.message_label.text() == "Cancelled. Your reset is kept."


def test_redeem_offline_keeps_the_token(
    window: SettingsWindow, fake: RecordingController, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.emit_state(states.capped_state())
    page = wallet(window)
    monkeypatch.setattr(RedeemDialog, "ask", lambda parent, state: True)
    page.redeem_button.click()
    [(key,)] = fake.called("redeem")
    fake.finish(Operation.REDEEM, key, Outcome.NOT_SENT, Reason.OFFLINE)
    assert "offline" in page.message_label.text()
    assert "reset is kept" in page.message_label.text()
    assert page.redeem_button.isEnabled()


def test_a_lost_redeem_answer_never_invites_a_second_spend(
    window: SettingsWindow, fake: RecordingController, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.emit_state(states.capped_state())
    page = wallet(window)
    monkeypatch.setattr(RedeemDialog, "ask", lambda parent, state: True)
    page.redeem_button.click()
    [(key,)] = fake.called("redeem")
    settling = replace(
        states.capped_state(), pending=(PendingView(key, Operation.REDEEM, "", True),)
    )
    fake.emit_state(settling)
    fake.finish(Operation.REDEEM, key, Outcome.UNKNOWN, Reason.ANSWER_LOST)
    text = page.message_label.text()
    assert "may have been spent" in text
    assert "never spends a second reset" in text
    assert "try again" not in text.lower()
    # While the app settles it, the button cannot start another spend.
    assert not page.redeem_button.isEnabled()
    assert page.redeem_button.text() == "Checking the last reset…"
    page.redeem_button.click()
    assert len(fake.called("redeem")) == 1

    fake.emit_state(states.capped_state())
    fake.finish(Operation.REDEEM, key, Outcome.DONE)
    assert page.message_label.text() == "Reset spent: your usage is back to zero used."
    assert page.redeem_button.isEnabled()


def test_no_tokens_means_nothing_to_redeem(
    window: SettingsWindow, fake: RecordingController
) -> None:
    expired = states.token(1, "expired", expires_in_days=-1)
    fake.emit_state(states.pilot_state(tokens=(expired,)))
    page = wallet(window)
    assert page.balance_label.text() == "No resets to use"
    assert not page.redeem_button.isEnabled()
    # An expired token is shown as expired, never dropped (R6).
    assert page.tokens_view.topLevelItemCount() == 1
    assert page.tokens_view.topLevelItem(0).text(0) == "Expired 1 Dec"


def test_redeem_dialog_shows_effect_and_defaults_to_cancel(qtbot: QtBot) -> None:
    state = states.capped_state()
    dialog = RedeemDialog(state)
    qtbot.addWidget(dialog)
    assert redeem_effect(state) == (
        "Weekly 82% used → 0%, 5-hour 40% → 0%; the next window starts at your next use."
    )
    assert dialog.effect_label.text() == redeem_effect(state)
    assert dialog.cancel_button.isDefault()
    assert not dialog.confirm_button.isDefault()
    assert dialog.warning_label.isHidden()
    dialog.show()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # Enter takes the default: Cancel
    assert dialog.result() == RedeemDialog.DialogCode.Rejected


def test_redeem_dialog_warns_when_nothing_is_used(qtbot: QtBot) -> None:
    state = states.capped_state(
        weekly=UsageWindow(WindowKind.WEEKLY, 1000, 0, None),
        five_hour=UsageWindow(WindowKind.FIVE_HOUR, 100, 0, None),
    )
    dialog = RedeemDialog(state)
    qtbot.addWidget(dialog)
    assert not dialog.warning_label.isHidden()
    assert "nothing back" in dialog.warning_label.text()


def test_export_ledger_through_the_replaceable_chooser(
    window: SettingsWindow,
    fake: RecordingController,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    fake.emit_state(states.capped_state())
    page = wallet(window)
    target = str(tmp_path / "ledger.csv")
    monkeypatch.setattr(WalletPage, "choose_export_path", classmethod(lambda cls, p: target))
    page.export_button.click()
    assert fake.called("export_ledger") == [(target,)]
    fake.exportFinished.emit(target, "")
    assert page.message_label.text() == f"Ledger saved to {target}"


def test_invitation_checklist_and_revoke(
    window: SettingsWindow, fake: RecordingController, monkeypatch: pytest.MonkeyPatch
) -> None:
    pending = states.invitation("ana@example.com", InvitationState.SENT, index=1, minutes_ago=1)
    stuck = states.invitation(
        "bo@example.com", InvitationState.NOT_ELIGIBLE, index=2, minutes_ago=5
    )
    fake.emit_state(states.pilot_state(invitations=(pending, stuck)))
    section = window.findChild(ReferralSection, "referralSection")
    assert section is not None
    view = section.findChild(QListView, "invitationsView")
    assert view is not None
    model = view.model()
    assert model.rowCount() == 2
    text = model.index(1, 0).data(Qt.ItemDataRole.AccessibleTextRole)
    assert "bo@example.com: Not eligible" in text
    assert "active within the last 62 days" in text

    asked: list[str] = []
    monkeypatch.setattr(
        ReferralSection, "confirm_revoke", classmethod(lambda cls, p, r: asked.append(r) or True)
    )
    view.setCurrentIndex(model.index(1, 0))  # not pending: cannot be revoked
    assert not section.revoke_button.isEnabled()
    view.setFocus()
    view.setCurrentIndex(model.index(0, 0))
    assert section.revoke_button.isEnabled()
    section.revoke_button.click()
    assert asked == ["ana@example.com"]
    [(revoked, key)] = fake.called("revoke_invitation")
    assert revoked == pending.id
    fake.finish(Operation.REVOKE, key, Outcome.NOT_SENT, Reason.OFFLINE, subject=pending.id)
    assert section.revoke_message.isVisible()
    assert section.revoke_message.text() == (
        "The referral service cannot be reached: you are offline. The invitation was not "
        "revoked. Try again once the referral service can be reached."
    )


def test_ten_thousand_invitations_fill_once_then_update_in_place(
    qtbot: QtBot, window: SettingsWindow, fake: RecordingController
) -> None:
    many = tuple(
        states.invitation(f"peer{n}@example.com", index=n, minutes_ago=n) for n in range(10_000)
    )
    fake.emit_state(states.pilot_state(invitations=many))
    section = window.referral_section
    assert section is not None
    assert section.view.uniformItemSizes()
    assert section.model.rowCount() == 10_000
    assert section.list_title.text() == "Your invitations (10,000)"

    # One invitation moving on is a dataChanged, not a reset of 10,000 rows.
    resets: list[bool] = []
    section.model.modelReset.connect(lambda: resets.append(True))
    moved = replace(many[500], state=InvitationState.OPENED, link_opened=True)
    changed = (*many[:500], moved, *many[501:])
    changes: list[tuple[int, int]] = []
    section.model.dataChanged.connect(lambda top, bottom: changes.append((top.row(), bottom.row())))
    fake.emit_state(states.pilot_state(invitations=changed))
    assert resets == []
    assert any(top <= 500 <= bottom for top, bottom in changes), changes
    assert section.model.rowCount() == 10_000
    # Speed of this path is measured in bench/scale.py (docs/PERFORMANCE.md), not asserted here.


def test_model_keeps_the_controllers_order() -> None:
    # The controller orders the list once (desktop.controller.mapping.newest_first: queued first,
    # then the backend's creation sequence, newest first), as the QA window does; the model never
    # re-sorts, so no timestamp can reorder it (issue 13).
    model = InvitationListModel()
    queued = states.invitation("queued@example.com", InvitationState.QUEUED, minutes_ago=90)
    newer = replace(states.invitation("new@example.com", index=2, minutes_ago=60), sequence=2)
    # Created first, but with a later timestamp (a host clock stepped back meanwhile).
    older = replace(states.invitation("old@example.com", index=1, minutes_ago=5), sequence=1)
    model.set_invitations((queued, newer, older))
    assert [model.invitation(r).recipient for r in range(3)] == [
        "queued@example.com",
        "new@example.com",
        "old@example.com",
    ]


def _many(count: int, start: int = 0) -> tuple[InvitationView, ...]:
    """`count` invitations, newest first, as the controller orders them."""
    return tuple(
        replace(
            states.invitation(f"peer{n}@example.com", index=n, minutes_ago=n), sequence=100_000 - n
        )
        for n in range(start, start + count)
    )


def test_a_sent_invitation_shows_at_the_top_keeping_the_selection_and_the_scroll_position(
    qtbot: QtBot, window: SettingsWindow, fake: RecordingController
) -> None:
    many = _many(2_000, start=1)
    fake.emit_state(states.pilot_state(invitations=many))
    section = window.referral_section
    assert section is not None
    view = section.view
    view.setCurrentIndex(section.model.index(40, 0))
    view.scrollTo(section.model.index(40, 0))
    scrolled = view.verticalScrollBar().value()
    assert scrolled > 0
    resets: list[bool] = []
    section.model.modelReset.connect(lambda: resets.append(True))

    sent = replace(states.invitation("new@example.com", index=0, minutes_ago=0), sequence=100_000)
    fake.emit_state(states.pilot_state(invitations=(sent, *many)))
    assert section.model.invitation(0).recipient == "new@example.com"
    assert section.model.rowCount() == 2_001
    assert section.list_title.text() == "Your invitations (2,001)"
    assert section.current_invitation() == many[40]  # still the row the user chose
    assert view.verticalScrollBar().value() == scrolled  # not thrown back to the top
    assert resets == []


def test_a_queued_invitation_replaced_by_the_sent_one_keeps_the_rest_in_place(
    qtbot: QtBot, window: SettingsWindow, fake: RecordingController
) -> None:
    many = _many(500, start=1)
    queued = states.invitation("q@example.com", InvitationState.QUEUED, index=0, minutes_ago=0)
    fake.emit_state(states.pilot_state(invitations=(queued, *many)))
    section = window.referral_section
    assert section is not None
    section.view.setCurrentIndex(section.model.index(7, 0))
    resets: list[bool] = []
    section.model.modelReset.connect(lambda: resets.append(True))
    sent = replace(states.invitation("q@example.com", index=9_999, minutes_ago=0), sequence=10**6)
    moved = replace(many[3], state=InvitationState.OPENED, link_opened=True)
    fake.emit_state(states.pilot_state(invitations=(sent, *many[:3], moved, *many[4:])))
    rows = [section.model.invitation(r) for r in range(section.model.rowCount())]
    assert rows == [sent, *many[:3], moved, *many[4:]]
    assert section.model.index(4, 0).data(INVITATION_ROLE).state is InvitationState.OPENED
    assert section.current_invitation() == many[6]
    assert resets == []


def test_the_whole_list_after_a_first_screenful_keeps_the_selection_and_counts_all(
    qtbot: QtBot, window: SettingsWindow, fake: RecordingController
) -> None:
    # At start-up the newest 100 come first, the whole list once read (docs/PERFORMANCE.md).
    whole = _many(10_000)
    counts = InvitationCounts(total=10_000, pending=10_000)
    fake.emit_state(states.pilot_state(invitations=whole[:100], invitation_counts=counts))
    section = window.referral_section
    assert section is not None
    assert section.list_title.text() == "Your invitations (10,000)"
    section.view.setCurrentIndex(section.model.index(12, 0))
    fake.emit_state(states.pilot_state(invitations=whole))
    assert section.model.rowCount() == 10_000
    assert section.model.invitation(9_999) == whole[-1]
    assert section.list_title.text() == "Your invitations (10,000)"
    assert section.current_invitation() == whole[12]


def test_the_list_model_stays_consistent_through_any_change(qtmodeltester: ModelTester) -> None:
    # Qt's own model checker watches every signal while rows come, go, change and move.
    model = InvitationListModel()
    qtmodeltester.check(model)
    rows = list(_many(60))
    random = Random(15)
    for _ in range(200):
        change = random.choice(("insert", "remove", "update", "replace", "shuffle"))
        at = random.randrange(len(rows) + 1)
        if change == "insert":
            fresh = _many(random.randint(1, 3), start=1_000 + random.randrange(10**6))
            rows[at:at] = fresh
        elif change == "remove" and rows:
            del rows[at : at + random.randint(1, 3)]
        elif change == "update" and rows:
            n = min(at, len(rows) - 1)
            rows[n] = replace(rows[n], prompts=rows[n].prompts + 1)
        elif change == "replace" and rows:
            rows[at : at + 1] = _many(1, start=2_000_000 + random.randrange(10**6))
        elif change == "shuffle":
            random.shuffle(rows)
        model.set_invitations(tuple(rows))
        assert [model.invitation(r) for r in range(model.rowCount())] == rows
