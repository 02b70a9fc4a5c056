"""Dates in the user's locale and time zone, and the words around them (issue 13, item 6)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QLabel, QPushButton
from pytestqt.qtbot import QtBot

from desktop.controller.state import SyncPhase, SyncStatus
from desktop.domain.invitations import InvitationState
from desktop.domain.usage import UsageWindow, WindowKind
from desktop.ui.formatting import cycle_date, date_time, set_display_zone, short_date
from desktop.ui.pages.wallet import WalletPage, token_status
from desktop.ui.redeem_dialog import RedeemDialog
from desktop.ui.referral.invitations_model import INVITATION_ROLE, describe
from desktop.ui.settings_window import SettingsWindow
from desktop.ui.status import sync_status_text
from tests.ui import states
from tests.ui.fakes import RecordingController

US = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
DE = QLocale(QLocale.Language.German, QLocale.Country.Germany)
NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def new_york() -> Iterator[None]:
    set_display_zone(ZoneInfo("America/New_York"))
    yield
    set_display_zone(UTC)


def test_dates_follow_one_locale_never_a_mix(new_york: None) -> None:
    moment = datetime(2026, 12, 1, 20, 30, tzinfo=UTC)  # 15:30 on Tue 1 Dec in New York
    assert short_date(moment, locale=US, now=NOW) == "Dec 1"
    assert short_date(moment, locale=DE, now=NOW) == "1. Dez."
    # Qt's en_US time may use a narrow no-break space before PM.
    assert date_time(moment, locale=US, now=NOW).replace("\u202f", " ") == "Tue, Dec 1, 3:30 PM"
    assert date_time(moment, locale=DE, now=NOW) == "Di., 1. Dez., 15:30"


def test_the_year_shows_when_it_is_not_this_year(new_york: None) -> None:
    last_year = datetime(2025, 12, 31, 12, tzinfo=UTC)
    next_year = datetime(2027, 1, 5, 12, tzinfo=UTC)
    assert short_date(last_year, locale=US, now=NOW) == "Dec 31, 2025"
    assert short_date(last_year, locale=DE, now=NOW) == "31. Dez. 2025"
    assert short_date(next_year, locale=DE, now=NOW) == "5. Jan. 2027"
    assert date_time(last_year, locale=DE, now=NOW) == "Mi., 31. Dez. 2025, 07:00"


def test_local_time_zone_moves_the_day(new_york: None) -> None:
    # 02:00 UTC on 14 Dec is still 13 Dec in New York...
    assert short_date(datetime(2026, 12, 14, 2, tzinfo=UTC), locale=US, now=NOW) == "Dec 13"
    # ...but a billing-cycle boundary is a UTC day (R5), so it reads as the 14th everywhere.
    assert cycle_date(datetime(2026, 12, 14, tzinfo=UTC), locale=US) == "Dec 14"


def test_wallet_status_column_reads_spent_expired_expires(
    window: SettingsWindow, fake: RecordingController
) -> None:
    now = datetime(2026, 12, 2, 10, tzinfo=UTC)
    granted = now - timedelta(days=20)
    spent = states.credit_changed(
        states.token(1), state="spent", spent_at=datetime(2026, 11, 23, 12, tzinfo=UTC)
    )
    expired = states.credit_changed(
        states.token(2), state="expired", expires_at=datetime(2025, 12, 31, 12, tzinfo=UTC)
    )
    available = states.credit_changed(
        states.token(3), granted_at=granted, expires_at=datetime(2027, 1, 5, 12, tzinfo=UTC)
    )
    assert token_status(spent, now) == "Spent 23 Nov"
    assert token_status(expired, now) == "Expired 31 Dec 2025"
    assert token_status(available, now) == "Expires 5 Jan 2027"

    fake.emit_state(states.capped_state(tokens=(spent, expired, available), backend_now=now))
    assert window.select_page("wallet")
    page = window.pages["wallet"]
    assert isinstance(page, WalletPage)
    header = page.tokens_view.headerItem()
    headers = [header.text(n) for n in range(page.tokens_view.columnCount())]
    assert headers == ["Status", "Reset", "From", "Resets"]  # no "Expires" over spent
    column = [page.tokens_view.topLevelItem(n).text(0) for n in range(3)]
    assert column == ["Expires 5 Jan 2027", "Expired 31 Dec 2025", "Spent 23 Nov"]


def test_a_warning_three_days_before_a_reset_expires(
    qtbot: QtBot, window: SettingsWindow, fake: RecordingController
) -> None:
    now = states.NOW
    later = states.credit_changed(states.token(1), expires_at=now + timedelta(days=10))
    fake.emit_state(states.capped_state(tokens=(later,)))
    assert window.select_page("wallet")
    warning = window.findChild(QLabel, "walletExpiryWarning")
    assert warning is not None
    assert not warning.isVisible()

    soon = states.credit_changed(states.token(2), expires_at=now + timedelta(days=3))
    fake.emit_state(states.capped_state(tokens=(later, soon)))
    assert warning.isVisible()
    assert warning.text() == (
        f"A reset expires on {date_time(soon.credit.expires_at or now, now=now)}. "
        "Use it before then, or it expires unused."
    )


def test_use_a_reset_on_the_usage_page_runs_the_wallet_action(
    qtbot: QtBot,
    window: SettingsWindow,
    fake: RecordingController,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[object] = []
    monkeypatch.setattr(RedeemDialog, "ask", lambda parent, state: asked.append(state) or False)
    fake.emit_state(states.capped_state())  # weekly 82 %: below 90 %, no button
    assert window.select_page("usage")
    button = window.findChild(QPushButton, "usageRedeemButton")
    assert button is not None
    assert not button.isVisible()

    weekly = UsageWindow(WindowKind.WEEKLY, 1000, 930, states.NOW - timedelta(days=2))
    fake.emit_state(states.capped_state(weekly=weekly))
    assert button.isVisible()
    assert button.accessibleName() == "Use a usage reset"
    wallet = window.pages["wallet"]
    assert isinstance(wallet, WalletPage)
    with qtbot.waitSignal(wallet.redeem_button.clicked):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.current_page_name() == "wallet"
    assert len(asked) == 1  # the Wallet's own confirmation, once

    fake.emit_state(states.pilot_state(weekly=weekly))  # nothing to spend: no button
    window.select_page("usage")
    assert not button.isVisible()


def test_sync_status_never_repeats_itself() -> None:
    now = states.NOW
    assert sync_status_text(SyncStatus(SyncPhase.SYNCED, now), now) == "Synced just now"
    assert sync_status_text(SyncStatus(SyncPhase.NEVER, now), now) == "Last synced just now"
    offline = SyncStatus(SyncPhase.OFFLINE, now - timedelta(minutes=5))
    assert sync_status_text(offline, now) == (
        "Offline: showing saved data (last synced 5 minutes ago)"
    )


def test_invitation_rows_say_when_they_were_sent_and_read_as_sentences(
    window: SettingsWindow, fake: RecordingController
) -> None:
    prompting = states.invitation("ana@example.com", InvitationState.PROMPTING, prompts=1)
    fake.emit_state(states.pilot_state(invitations=(prompting,)))
    section = window.referral_section
    assert section is not None
    index = section.model.index(0)
    assert index.data(INVITATION_ROLE) == prompting
    tooltip = index.data(Qt.ItemDataRole.ToolTipRole)
    assert tooltip == describe(prompting)
    assert "not yet" not in tooltip
    assert tooltip.startswith("ana@example.com: Prompting. Sent 2 Dec 2024.")
    assert "Still to do: prompts 1/3." in tooltip


def test_the_module_and_the_account_page_agree_on_the_cycle_date(
    new_york: None, window: SettingsWindow, fake: RecordingController
) -> None:
    fake.emit_state(states.pilot_state())  # cycle ends 14 Dec 00:00 UTC: 13 Dec in New York
    cycle = window.findChild(QLabel, "cycleEarnedLabel")
    assert cycle is not None
    assert cycle.text().endswith("the next cycle starts 14 Dec 2024.")
    assert window.select_page("account")
    billing = window.findChild(QLabel, "accountBillingLabel")
    assert billing is not None
    assert billing.text() == (
        "Starts on day 14 of each month (UTC). The next cycle starts 14 Dec 2024."
    )
