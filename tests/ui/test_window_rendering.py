"""The settings window rendering hand-built AppState values (no backend involved)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QFrame, QLabel, QPushButton
from pytestqt.qtbot import QtBot

from desktop.controller.state import AppState, Eligibility, SyncPhase, SyncStatus
from desktop.domain.offer import Offer
from desktop.domain.usage import UsageWindow, WindowKind
from desktop.ui.settings_window import SettingsWindow
from desktop.ui.usage_meter import UsageMeter
from tests.ui import states
from tests.ui.conftest import shown_window
from tests.ui.fakes import RecordingController


def test_module_exists_only_while_eligible(
    window: SettingsWindow, fake: RecordingController
) -> None:
    fake.emit_state(states.pro_state())
    assert window.findChild(QFrame, "referralSection") is None

    fake.emit_state(states.pilot_state())
    section = window.findChild(QFrame, "referralSection")
    assert section is not None
    assert section.isVisible()

    fake.emit_state(states.pilot_state(eligibility=Eligibility.UNKNOWN))
    assert window.findChild(QFrame, "referralSection") is None
    assert window.findChild(QPushButton, "inviteButton") is None


def test_wallet_page_follows_show_wallet(window: SettingsWindow, fake: RecordingController) -> None:
    fake.emit_state(states.pro_state())
    assert window.findChild(QLabel, "walletBalanceLabel") is None
    assert "wallet" not in window.pages

    # Tokens already earned stay visible outside the cohort (R6).
    fake.emit_state(states.pro_state(tokens=states.capped_state().tokens))
    assert window.select_page("wallet")
    balance = window.findChild(QLabel, "walletBalanceLabel")
    assert balance is not None
    assert balance.text() == "2 usage resets available"


def test_usage_meters_show_percent_remaining_and_reset(
    window: SettingsWindow, fake: RecordingController
) -> None:
    fake.emit_state(states.pilot_state(five_hour=UsageWindow(WindowKind.FIVE_HOUR, 100, 0, None)))
    window.select_page("usage")
    meters = {m.accessibleName(): m for m in window.findChildren(UsageMeter, "usageMeter")}
    assert set(meters) == {"Weekly usage", "5-hour usage"}
    weekly = meters["Weekly usage"]
    assert weekly.percent_label.text() == "82% used"
    assert weekly.remaining_label.text() == "180 of 1,000 left (18%)"
    assert weekly.reset_label.objectName() == "usageResetLabel"
    assert weekly.reset_label.text().startswith("Resets ")
    assert meters["5-hour usage"].reset_label.text() == "Starts at your next use"

    # A spend arrives as a new state: the meters follow at once.
    fake.emit_state(states.pilot_state(weekly=UsageWindow(WindowKind.WEEKLY, 1000, 0, None)))
    assert weekly.percent_label.text() == "0% used"
    assert weekly.reset_label.text() == "Starts at your next use"


def test_cycle_label_and_summary_never_promise(
    window: SettingsWindow, fake: RecordingController
) -> None:
    fake.emit_state(states.capped_state())
    cycle = window.findChild(QLabel, "cycleEarnedLabel")
    assert cycle is not None
    assert cycle.text() == (
        "3 of 3 resets earned this cycle. You can still invite, but conversions earn nothing "
        "until the next cycle starts on 14 Dec 2024."
    )
    summary = window.findChild(QLabel, "referralSummary")
    assert summary is not None
    assert "you may earn a usage reset, up to 3 per billing cycle" in summary.text()
    assert "3 prompts" in summary.text()
    assert "62 days" in summary.text()
    assert "will earn" not in summary.text()


def test_empty_states_say_what_to_do(window: SettingsWindow, fake: RecordingController) -> None:
    fake.emit_state(states.pilot_state())
    empty = window.findChild(QLabel, "invitationsEmptyState")
    assert empty is not None
    assert empty.isVisible()
    assert empty.text() == "No invitations yet. Invite a peer by email."
    window.select_page("wallet")
    wallet_empty = window.findChild(QLabel, "walletEmptyState")
    assert wallet_empty is not None
    assert wallet_empty.isVisible()
    redeem = window.findChild(QPushButton, "redeemButton")
    assert redeem is not None
    assert not redeem.isEnabled()


def test_signed_out_shows_the_sign_in_panel(
    window: SettingsWindow, fake: RecordingController
) -> None:
    fake.emit_state(AppState())
    assert window.signed_out_panel.isVisible()
    assert window.findChild(QFrame, "referralSection") is None
    window.sign_in_button.click()
    assert window.sign_in_dialog is not None
    assert window.sign_in_dialog.objectName() == "signInDialog"


def test_keyring_notice_only_when_session_only(
    window: SettingsWindow, fake: RecordingController
) -> None:
    fake.emit_state(states.pilot_state())
    notice = window.findChild(QFrame, "keyringNotice")
    assert notice is not None
    assert not notice.isVisible()
    fake.emit_state(states.pilot_state(credentials_persistent=False))
    assert notice.isVisible()


def test_error_banner_retry_and_dismiss(
    qtbot: QtBot, window: SettingsWindow, fake: RecordingController
) -> None:
    offline = SyncStatus(SyncPhase.OFFLINE, states.NOW, "unreachable", pending_operations=2)
    fake.emit_state(states.pilot_state(sync=offline))
    banner = window.findChild(QFrame, "errorBanner")
    status = window.findChild(QLabel, "syncStatus")
    assert banner is not None
    assert status is not None
    assert banner.isVisible()
    assert "Offline" in status.text()
    assert "2 invitations waiting to send" in status.text()

    retry = banner.findChild(QPushButton, "errorBannerRetry")
    assert retry is not None
    retry.click()
    assert fake.called("sync_now") == [()]

    window.error_banner.close_button.click()
    assert not banner.isVisible()
    fake.emit_state(states.pilot_state(sync=offline))  # same problem: stays dismissed
    assert not banner.isVisible()
    fake.emit_state(states.pilot_state())
    fake.emit_state(states.pilot_state(sync=offline))  # a new episode shows again
    assert banner.isVisible()


def test_user_text_is_plain(window: SettingsWindow, fake: RecordingController) -> None:
    hostile = replace(states.account(), display_name="<b>Bold</b> <img src=x>")
    fake.emit_state(states.pilot_state(account=hostile))
    name = window.findChild(QLabel, "generalNameLabel")
    assert name is not None
    assert name.text() == "<b>Bold</b> <img src=x>"
    for label in window.findChildren(QLabel):
        if label.text() == hostile.display_name:
            assert label.textFormat().name == "PlainText"


def test_geometry_and_page_are_kept(
    qtbot: QtBot, ui_settings: QSettings, fake: RecordingController
) -> None:
    fake.emit_state(states.pilot_state())
    first = SettingsWindow(ui_settings)
    qtbot.addWidget(first)
    first.attach(fake)
    first.resize(760, 580)
    first.select_page("account")
    first.close()

    second = SettingsWindow(ui_settings)
    qtbot.addWidget(second)
    second.attach(fake)
    assert (second.width(), second.height()) == (760, 580)
    assert second.current_page_name() == "account"


def _window_saved_on(
    qtbot: QtBot, ui_settings: QSettings, fake: RecordingController, page: str
) -> SettingsWindow:
    """A window whose last close was on `page`, attached to `fake`'s state and shown."""
    ui_settings.setValue("window/page", page)
    return shown_window(qtbot, ui_settings, fake)


def _saved_page(window: SettingsWindow) -> str:
    window.save_settings()
    return str(window.settings.value("window/page"))


def test_the_saved_page_comes_back_once_a_state_has_it(
    qtbot: QtBot, ui_settings: QSettings, fake: RecordingController
) -> None:
    # Closed on the Wallet; the first states have no Wallet (outside the cohort, no tokens):
    # the window shows another page meanwhile, which is not the user's choice.
    fake.emit_state(states.pro_state())
    window = _window_saved_on(qtbot, ui_settings, fake, "wallet")
    assert "wallet" not in window.pages
    assert window.current_page_name() == "general"
    fake.emit_state(states.pro_state(sync=SyncStatus(SyncPhase.SYNCING, states.NOW)))
    assert _saved_page(window) == "wallet"  # closed now, the Wallet would still come back
    fake.emit_state(states.capped_state())
    assert window.current_page_name() == "wallet"
    assert _saved_page(window) == "wallet"


def test_a_page_chosen_while_waiting_wins_over_the_saved_one(
    qtbot: QtBot, ui_settings: QSettings, fake: RecordingController
) -> None:
    fake.emit_state(states.pro_state())
    window = _window_saved_on(qtbot, ui_settings, fake, "wallet")
    assert window.current_page_name() == "general"
    navigation = window.navigation
    usage = next(
        navigation.item(row)
        for row in range(navigation.count())
        if navigation.item(row).data(Qt.ItemDataRole.UserRole) == "usage"
    )
    qtbot.mouseClick(
        navigation.viewport(),
        Qt.MouseButton.LeftButton,
        pos=navigation.visualItemRect(usage).center(),
    )
    assert window.current_page_name() == "usage"
    fake.emit_state(states.capped_state())
    assert "wallet" in window.pages
    assert window.current_page_name() == "usage"  # the user's choice stays
    assert _saved_page(window) == "usage"


def module_expiry(window: SettingsWindow) -> QLabel:
    label = window.findChild(QLabel, "resetExpiry")
    assert label is not None
    return label


def test_the_module_says_when_earned_resets_expire_with_any_offer(
    window: SettingsWindow, fake: RecordingController
) -> None:
    """A new operator learns that a reset expires (R6), with the server's words and without
    them, by the policy's number of days; the policy's `none` is said too, never a guess."""
    server_offer = Offer(
        id="offer-1",
        offered=True,
        title="Bring a colleague",
        description="Share the tool with people you work with.",
        rules=("Be kind.",),
        requires_confirmation=True,
        send_capacity=4,
        reward_capacity=3,
        send_capacity_frees_at=None,
        rewards_resume_at=None,
        max_recipients=5,
        issued_at=states.NOW,
        expires_at=states.NOW + timedelta(minutes=30),
    )
    expected = "A reset you earn expires 30 days after it is earned if you do not use it."
    for offer in (None, server_offer):  # the fallback words, then the server's
        fake.emit_state(states.pilot_state(offer=offer))
        assert module_expiry(window).isVisible()
        assert module_expiry(window).text() == expected
    shown = window.findChild(QLabel, "referralSummary")
    assert shown is not None
    assert shown.text() == "Share the tool with people you work with."

    one_day = replace(states.POLICY, token_expiry_days=1)
    fake.emit_state(states.pilot_state(policy=one_day, offer=server_offer))
    assert module_expiry(window).text() == (
        "A reset you earn expires 1 day after it is earned if you do not use it."
    )
    never = replace(states.POLICY, token_expiry_days=None)
    fake.emit_state(states.pilot_state(policy=never))
    assert module_expiry(window).text() == "A reset you earn does not expire."
    fake.emit_state(states.pilot_state(policy=None))  # not known yet: no number is guessed
    assert not module_expiry(window).isVisible()
