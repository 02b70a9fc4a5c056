"""Regenerate the PNGs in docs/screenshots/ from the real app (mock backend, fresh data folders).

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [NAMES...]

The 2x pictures and the pseudo-locale ones (pseudo-*.png) are taken by a second process each
(`--scale 2`, `--pseudo-locale`), started by the script itself.

Each picture starts from a freshly seeded data folder, signs a demo account in, drives the
backend through its Simulator where a state needs it, waits for the sync and saves the window.
Runs offscreen; needs no display.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keyring
import keyring.backend
import keyring.backends.fail
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

from desktop.app import App, create
from desktop.controller.state import SyncPhase
from desktop.memory_keyring import MemoryKeyring
from desktop.ui import translation
from desktop.ui.qa.invitations import InvitationPanel
from desktop.ui.qa.window import DEFAULT_SIZE as QA_WINDOW_SIZE
from desktop.ui.qa.window import QaSimulatorWindow
from desktop.ui.redeem_dialog import RedeemDialog
from desktop.ui.referral.invite_dialog import InviteDialog, confirmation_box, named
from desktop.ui.theme import ThemeChoice, apply_theme

WINDOW_SIZE = (1000, 780)


DEFAULT_OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def wait_until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    """Run the event loop until `condition()` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not reach the expected state")
        QApplication.processEvents()
        time.sleep(0.01)
    for _ in range(5):
        QApplication.processEvents()


def settled(app: App) -> bool:
    return app.state.sync.phase in (SyncPhase.SYNCED, SyncPhase.OFFLINE, SyncPhase.ERROR)


def launch(data_dir: Path, email: str | None, **options: Any) -> App:
    """The app on `data_dir` (`create()` options passed on), shown and, with `email`, signed in."""
    app = create(data_dir, **options)
    app.window.show()
    app.window.resize(*WINDOW_SIZE)
    app.start()
    if email is not None:
        app.controller.sign_in(email, "demo")
        wait_until(lambda: app.state.signed_in and app.state.sync.last_synced_at is not None)
        wait_until(lambda: settled(app))
    return app


@contextmanager
def running(start: Callable[..., App], *args: Any, **kwargs: Any) -> Iterator[App]:
    """An app started by `launch` or `launch_qa`, closed (threads joined) when the shot is taken."""
    app = start(*args, **kwargs)
    try:
        yield app
    finally:
        app.close()


def sync(app: App) -> None:
    before = app.state.sync.last_synced_at
    app.controller.sync_now()
    wait_until(
        lambda: (
            app.state.sync.phase in (SyncPhase.OFFLINE, SyncPhase.ERROR)
            or (
                app.state.sync.phase is SyncPhase.SYNCED and app.state.sync.last_synced_at != before
            )
        )
    )


def with_dialog(window: QWidget, dialog: QWidget) -> QPixmap:
    """The window dimmed, with the dialog drawn over its centre, as a user sees it."""
    dialog.adjustSize()
    shot = window.grab()
    overlay = dialog.grab()
    painter = QPainter(shot)
    painter.fillRect(shot.rect(), QColor(0, 0, 0, 90))
    x = (shot.width() - overlay.width()) // 2
    y = (shot.height() - overlay.height()) // 3
    painter.setPen(QColor(0, 0, 0, 60))
    painter.drawRect(QRect(x - 1, y - 1, overlay.width() + 1, overlay.height() + 1))
    painter.drawPixmap(x, y, overlay)
    painter.end()
    return shot


def pilot_with_invitations(app: App) -> None:
    """A few invitations at different steps, made through the simulator as QA would."""
    sim = app.simulator
    sim.invite("pilot@example.com", "sam@example.com")
    sim.invite("pilot@example.com", "recent@example.com")
    joined = sim.invite("pilot@example.com", "dormant@example.com").invitation.link
    sim.recipient_open(joined)
    sim.recipient_join(joined, "dormant@example.com")
    sim.recipient_init(joined, "dormant@example.com")
    sim.recipient_prompt(joined, "dormant@example.com", 1)
    [refused] = [
        record.invitation.link
        for record in sim.invitations("pilot@example.com")
        if record.invitation.recipient == "recent@example.com"
    ]
    sim.recipient_open(refused)
    sim.recipient_join(refused, "recent@example.com")
    sync(app)


Shot = Callable[[Path], QPixmap]


def show_module(app: App) -> None:
    """General, scrolled down to the invitation module at its bottom."""
    app.window.select_page("general")
    wait_until(lambda: True)
    section = app.window.referral_section
    assert section is not None
    bar = app.window.page_scroll.verticalScrollBar()
    bar.setValue(bar.maximum())
    wait_until(lambda: True)


def shot_small_general(folder: Path) -> QPixmap:
    """800x500: General scrolled to the module, which sits inside the page's scroll area."""
    with running(launch, folder, "pilot@example.com") as app:
        pilot_with_invitations(app)
        app.window.resize(800, 500)
        show_module(app)
        return app.window.grab()


def shot_small_usage(folder: Path) -> QPixmap:
    """800x500: the Usage page whole, with "Use a reset…" (capped@ at 95 % weekly)."""
    with running(launch, folder, "capped@example.com") as app:
        app.simulator.set_usage("capped@example.com", weekly_percent=95, five_hour_percent=40)
        sync(app)
        app.window.resize(800, 500)
        app.window.select_page("usage")
        wait_until(lambda: True)
        return app.window.grab()


def shot_small_wallet(folder: Path) -> QPixmap:
    """800x500: the Wallet's status column and the ledger button reachable."""
    with running(launch, folder, "capped@example.com") as app:
        app.window.resize(800, 500)
        app.window.select_page("wallet")
        wait_until(lambda: True)
        return app.window.grab()


def shot_dark_general(folder: Path) -> QPixmap:
    qt_app = QApplication.instance()
    assert isinstance(qt_app, QApplication)
    apply_theme(qt_app, ThemeChoice.DARK)
    try:
        with running(launch, folder, "pilot@example.com") as app:
            pilot_with_invitations(app)
            show_module(app)
            return app.window.grab()
    finally:
        apply_theme(qt_app, ThemeChoice.LIGHT)


def shot_scale_2x(folder: Path) -> QPixmap:
    """Run with QT_SCALE_FACTOR=2 (`--scale 2`): a 1366x768 screen, 683x384 logical pixels."""
    with running(launch, folder, "pilot@example.com") as app:
        pilot_with_invitations(app)
        app.window.resize(683, 384)
        show_module(app)
        return app.window.grab()


def shot_scale_2x_usage(folder: Path) -> QPixmap:
    with running(launch, folder, "capped@example.com") as app:
        app.window.resize(683, 384)
        app.window.select_page("usage")
        wait_until(lambda: True)
        return app.window.grab()


def shot_pilot_eligible(folder: Path) -> QPixmap:
    with running(launch, folder, "pilot@example.com") as app:
        pilot_with_invitations(app)
        app.window.select_page("general")
        wait_until(lambda: True)
        return app.window.grab()


def shot_pro_not_eligible(folder: Path) -> QPixmap:
    with running(launch, folder, "pro@example.com") as app:
        app.window.select_page("general")
        wait_until(lambda: True)
        return app.window.grab()


def shot_usage(folder: Path) -> QPixmap:
    with running(launch, folder, "pilot@example.com") as app:
        app.window.select_page("usage")
        wait_until(lambda: True)
        return app.window.grab()


def shot_invite_dialog(folder: Path) -> QPixmap:
    with running(launch, folder, "pilot@example.com") as app:
        section = app.window.referral_section
        assert section is not None
        dialog = section.open_invite_dialog()
        dialog.email_edit.setText("alex@example.com")
        dialog.send_button.click()
        wait_until(lambda: dialog.status_label.text().startswith("Invitation sent"))
        return with_dialog(app.window, dialog)


def shot_invite_confirm(folder: Path) -> QPixmap:
    with running(launch, folder, "pilot@example.com") as app:
        section = app.window.referral_section
        assert section is not None
        dialog = section.open_invite_dialog()
        dialog.email_edit.setText("alex@example.com")
        box, _ = confirmation_box(dialog, "alex@example.com", app.state)
        box.show()
        wait_until(lambda: True)
        pixmap = with_dialog(app.window, box)
        box.close()
        return pixmap


def shot_invite_capped(folder: Path) -> QPixmap:
    with running(launch, folder, "capped@example.com") as app:
        section = app.window.referral_section
        assert section is not None
        dialog = section.open_invite_dialog()
        dialog.email_edit.setText("jo@example.com")
        wait_until(lambda: True)
        return with_dialog(app.window, dialog)


def shot_wallet_capped(folder: Path) -> QPixmap:
    with running(launch, folder, "capped@example.com") as app:
        app.window.select_page("wallet")
        wait_until(lambda: True)
        return app.window.grab()


def shot_redeem_confirm(folder: Path) -> QPixmap:
    with running(launch, folder, "capped@example.com") as app:
        app.simulator.set_usage("capped@example.com", weekly_percent=82, five_hour_percent=40)
        sync(app)
        app.window.select_page("wallet")
        dialog = RedeemDialog(app.state, app.window)
        dialog.show()
        wait_until(lambda: True)
        pixmap = with_dialog(app.window, dialog)
        dialog.close()
        return pixmap


def shot_offline(folder: Path) -> QPixmap:
    with running(launch, folder, "pilot@example.com") as app:
        app.simulator.set_fault(offline=True)
        app.window.select_page("usage")
        sync(app)
        return app.window.grab()


def shot_sign_in(folder: Path) -> QPixmap:
    with running(launch, folder, None) as app:
        wait_until(lambda: app.window.signed_out_panel.isVisible())
        dialog = app.window.open_sign_in()
        dialog.pick("pilot@example.com")
        wait_until(lambda: True)
        return with_dialog(app.window, dialog)


def shot_dark_capped(folder: Path) -> QPixmap:
    qt_app = QApplication.instance()
    assert isinstance(qt_app, QApplication)
    apply_theme(qt_app, ThemeChoice.DARK)
    try:
        app = launch(folder, "capped@example.com")
        try:
            app.window.select_page("usage")
            wait_until(lambda: True)
            return app.window.grab()
        finally:
            app.close()
    finally:
        apply_theme(qt_app, ThemeChoice.LIGHT)


# -- QA mode (docs/QA.md): the QA simulator window, often beside the settings window ------------


def launch_qa(data_dir: Path, email: str | None, *, keyring_backend: object = None) -> App:
    """The app with `--qa`: the settings window and the QA simulator window, signed in."""
    app = launch(data_dir, email, qa=True, keyring_backend=keyring_backend)
    # The offscreen screen is 800 px wide: the QA window's placement narrows the settings window
    # there; the pictures put the two side by side themselves, at the usual size.
    app.window.resize(*WINDOW_SIZE)
    qa = qa_window(app)
    qa.resize(QA_WINDOW_SIZE)
    wait_until(lambda: qa.snapshot is not None and qa.snapshot.operator == email)
    return app


def qa_window(app: App) -> QaSimulatorWindow:
    window = app.qa_window
    assert isinstance(window, QaSimulatorWindow)
    return window


def qa_click(app: App, button: QAbstractButton) -> None:
    """Click a QA button and wait for its outcome, then for the settings window's sync."""
    qa = qa_window(app)
    done: list[str] = []
    qa.qa.actionFinished.connect(done.append)
    qa.qa.actionFailed.connect(done.append)
    button.click()
    wait_until(lambda: bool(done))
    sync(app)
    wait_until(lambda: not qa.busy_label.isVisible())


def side_by_side(app: App) -> QPixmap:
    """The settings window on the left, the QA simulator on the right, as on a desk."""
    left, right = app.window.grab(), qa_window(app).grab()
    gap = 16
    canvas = QPixmap(left.width() + gap + right.width(), max(left.height(), right.height()))
    canvas.fill(QColor("#c9ced6"))
    painter = QPainter(canvas)
    painter.drawPixmap(0, 0, left)
    painter.drawPixmap(left.width() + gap, 0, right)
    painter.end()
    return canvas


def invite(app: App, email: str) -> None:
    """Send an invitation as the operator does (the controller behind Invite…), and wait for
    the QA window to select it."""
    app.controller.send_invitation(email)
    panel = qa_window(app).invitations
    wait_until(lambda: panel.selected is not None and panel.selected.view.recipient == email)


def sam_with_workspace(app: App) -> InvitationPanel:
    """Invite sam@ and walk the recipient through open, join and initialise in the QA window."""
    invite(app, "sam@example.com")
    panel = qa_window(app).invitations
    for button in (panel.open_button, panel.join_button, panel.init_button):
        qa_click(app, button)
    return panel


def shot_qa_simulator(folder: Path) -> QPixmap:
    with running(launch_qa, folder, "pilot@example.com") as app:
        panel = sam_with_workspace(app)
        qa_click(app, panel.prompt_button)
        app.window.select_page("general")
        return side_by_side(app)


def shot_qa_conversion(folder: Path) -> QPixmap:
    with running(launch_qa, folder, "pilot@example.com") as app:
        panel = sam_with_workspace(app)
        qa_click(app, panel.prompt_n_button)
        app.window.select_page("wallet")
        return side_by_side(app)


def shot_qa_wrong_email(folder: Path) -> QPixmap:
    with running(launch_qa, folder, "pilot@example.com") as app:
        invite(app, "sam@example.com")
        panel = qa_window(app).invitations
        panel.email_edit.setText("someone.else@example.com")
        qa_click(app, panel.join_button)
        return qa_window(app).grab()


def shot_qa_inspector_free(folder: Path) -> QPixmap:
    with running(launch_qa, folder, "free@example.com") as app:
        app.window.select_page("general")
        return side_by_side(app)


def shot_qa_accounts(folder: Path) -> QPixmap:
    with running(launch_qa, folder, "pilot@example.com") as app:
        qa = qa_window(app)
        qa.tabs.setCurrentWidget(qa.accounts)
        qa.accounts.select("capped@example.com")
        wait_until(lambda: True)
        return qa.grab()


def shot_qa_outbox(folder: Path) -> QPixmap:
    with running(launch_qa, folder, "pilot@example.com") as app:
        invite(app, "dormant@example.com")
        qa = qa_window(app)
        qa.tabs.setCurrentWidget(qa.outbox)
        wait_until(lambda: qa.outbox.view.topLevelItemCount() == 4)
        return qa.grab()


def shot_qa_policy(folder: Path) -> QPixmap:
    with running(launch_qa, folder, "pilot@example.com") as app:
        qa = qa_window(app)
        qa.tabs.setCurrentWidget(qa.policy)
        qa.policy.edits["monthly_cap"].setText("5")
        qa_click(app, qa.policy.apply_button)
        wait_until(lambda: qa.policy.edits["monthly_cap"].text() == "5")
        app.window.select_page("general")
        return side_by_side(app)


def shot_qa_clock(folder: Path) -> QPixmap:
    with running(launch_qa, folder, "pilot@example.com") as app:
        qa = qa_window(app)
        qa.tabs.setCurrentWidget(qa.usage_and_clock)
        qa_click(app, qa.usage_and_clock.step_buttons[2])  # +7 days
        app.window.select_page("usage")
        return side_by_side(app)


def shot_qa_offline(folder: Path) -> QPixmap:
    with running(launch_qa, folder, "pilot@example.com") as app:
        qa = qa_window(app)
        qa.tabs.setCurrentWidget(qa.faults)
        qa_click(app, qa.faults.offline_check)
        app.controller.send_invitation("queued@example.com")
        wait_until(lambda: any(i.recipient == "queued@example.com" for i in app.state.invitations))
        app.window.select_page("general")
        wait_until(lambda: True)
        return side_by_side(app)


def shot_qa_end_states(folder: Path) -> QPixmap:
    """pilot@'s invitations in every end state, reached through the simulator."""
    with running(launch_qa, folder, "pilot@example.com") as app:
        sim = app.simulator
        sim.set_policy({"invitation_expiry_days": 7})
        edge = sim.invite("pilot@example.com", "edge62@example.com").invitation.link
        sim.recipient_join(edge, "edge62@example.com")  # idle exactly 62 days: not dormant
        recent = sim.invite("pilot@example.com", "recent@example.com").invitation.link
        sim.recipient_join(recent, "recent@example.com")
        sim.invite("pilot@example.com", "late@example.com")
        sim.advance_clock(timedelta(days=8))  # pending for more than 7 days: expired
        revoked = sim.invite("pilot@example.com", "changed.mind@example.com").invitation
        sim.revoke("pilot@example.com", revoked.id)
        back = sim.invite("pilot@example.com", "dormant@example.com").invitation.link
        sim.recipient_join(back, "dormant@example.com")
        sim.recipient_init(back, "dormant@example.com")
        sim.recipient_prompt(back, "dormant@example.com", 3)
        new = sim.invite("pilot@example.com", "new.peer@example.com").invitation.link
        sim.recipient_join(new, "new.peer@example.com")
        sync(app)
        app.window.resize(WINDOW_SIZE[0], 1000)
        show_module(app)
        return app.window.grab()


def shot_qa_capped_conversion(folder: Path) -> QPixmap:
    with running(launch_qa, folder, "capped@example.com") as app:
        invite(app, "fourth.peer@example.com")
        panel = qa_window(app).invitations
        for button in (panel.join_button, panel.init_button, panel.prompt_n_button):
            qa_click(app, button)
        show_module(app)
        return side_by_side(app)


def shot_qa_token_expired(folder: Path) -> QPixmap:
    with running(launch_qa, folder, "pilot@example.com") as app:
        invite(app, "sam@example.com")
        panel = qa_window(app).invitations
        for button in (panel.join_button, panel.init_button, panel.prompt_n_button):
            qa_click(app, button)
        clock = qa_window(app).usage_and_clock
        qa_window(app).tabs.setCurrentWidget(clock)
        clock.custom_edit.setText("30d")
        qa_click(app, clock.custom_button)
        app.window.select_page("wallet")
        return side_by_side(app)


def shot_qa_keyring_notice(folder: Path) -> QPixmap:
    with running(
        launch_qa, folder, "pilot@example.com", keyring_backend=keyring.backends.fail.Keyring()
    ) as app:
        app.window.select_page("account")
        wait_until(lambda: app.window.keyring_notice.isVisible() and settled(app))
        return app.window.grab()


# -- issue 14: the server's offer, several recipients, resend, named credits ------------------

OFFER_COPY = {
    "title": "Bring a colleague",
    "description": "Share the tool with people you work with. Each gets a personal link by email.",
    "rules": [
        "One address per invitation; its link works only with that address.",
        "A usage reset can be earned once the person sends 3 prompts in a new workspace.",
    ],
}


def with_offer(app: App) -> None:
    """QA sets the server's offer copy (`sim offer set`), and the app syncs it."""
    app.simulator.set_offer(OFFER_COPY)
    app.simulator.set_policy({"daily_invitation_limit": 4})
    sync(app)


def shot_offer_module(folder: Path) -> QPixmap:
    """The module rendering the server's offer: title, description, rules, capacity."""
    with running(launch, folder, "pilot@example.com") as app:
        with_offer(app)
        app.simulator.invite("pilot@example.com", "dana@example.com")
        sync(app)
        show_module(app)
        return app.window.grab()


def shot_offer_no_reward(folder: Path) -> QPixmap:
    """capped@: no reward capacity left this cycle, said in plain words."""
    with running(launch, folder, "capped@example.com") as app:
        show_module(app)
        return app.window.grab()


def shot_offer_no_send(folder: Path) -> QPixmap:
    """Send capacity 0: none left, and when the next one frees."""
    with running(launch, folder, "pilot@example.com") as app:
        app.simulator.set_policy({"daily_invitation_limit": 1})
        app.simulator.invite("pilot@example.com", "dana@example.com")
        sync(app)
        show_module(app)
        return app.window.grab()


THREE = "ana@example.com, ben@example.com, cy@example.com"


def shot_offer_invite_three(folder: Path) -> QPixmap:
    """The invite dialog after sending to three addresses at once: one outcome each."""
    with running(launch, folder, "pilot@example.com") as app:
        with_offer(app)
        section = app.window.referral_section
        assert section is not None
        dialog = section.open_invite_dialog()
        dialog.email_edit.setText(THREE)
        dialog.send_button.click()
        # Every address settled (any language: the sentences may be pseudo-translated).
        wait_until(lambda: len(dialog.results) == 3 and dialog.status_label.text().count("\n") == 2)
        return with_dialog(app.window, dialog)


def shot_offer_confirm_three(folder: Path) -> QPixmap:
    """The confirmation the offer requires, naming the three addresses and its rules."""
    with running(launch, folder, "pilot@example.com") as app:
        with_offer(app)
        section = app.window.referral_section
        assert section is not None
        dialog = section.open_invite_dialog()
        dialog.email_edit.setText(THREE)
        box, _ = confirmation_box(
            dialog, named(["ana@example.com", "ben@example.com", "cy@example.com"]), app.state
        )
        box.show()
        wait_until(lambda: True)
        pixmap = with_dialog(app.window, box)
        box.close()
        return pixmap


def shot_offer_wallet(folder: Path) -> QPixmap:
    """The wallet with referral credits and a complimentary 5-hour one, in plain words."""
    with running(launch, folder, "capped@example.com") as app:
        app.simulator.grant(
            "capped@example.com",
            title="Sorry for the outage",
            expires_days=None,
            windows="five_hour",
        )
        sync(app)
        app.window.select_page("wallet")
        wait_until(lambda: True)
        return app.window.grab()


def shot_offer_resend(folder: Path) -> QPixmap:
    """A pending invitation selected after its cooldown: Resend email works."""
    with running(launch, folder, "pilot@example.com") as app:
        record = app.simulator.invite("pilot@example.com", "dana@example.com")
        assert record.invitation.resend_available_at is not None
        app.simulator.advance_clock(record.invitation.resend_available_at - app.simulator.now())
        sync(app)
        show_module(app)
        section = app.window.referral_section
        assert section is not None
        section.view.setCurrentIndex(section.model.index(0))
        wait_until(section.resend_button.isEnabled)
        section.resend_button.click()
        wait_until(lambda: "again" in section.revoke_message.text())
        show_module(app)
        return app.window.grab()


def shot_qa_offer(folder: Path) -> QPixmap:
    """The QA window's Offer tab beside the module."""
    with running(launch_qa, folder, "pilot@example.com") as app:
        with_offer(app)
        qa = qa_window(app)
        qa.tabs.setCurrentWidget(qa.offer)
        qa.qa.refresh()
        wait_until(
            lambda: (
                qa.snapshot is not None
                and qa.snapshot.offer is not None
                and qa.snapshot.offer.offer.title == "Bring a colleague"
            )
        )
        show_module(app)
        return side_by_side(app)


SHOTS: dict[str, Shot] = {
    "pilot-eligible": shot_pilot_eligible,
    "pro-not-eligible": shot_pro_not_eligible,
    "invite-confirm": shot_invite_confirm,
    "usage": shot_usage,
    "invite-dialog": shot_invite_dialog,
    "invite-capped-warning": shot_invite_capped,
    "wallet-capped": shot_wallet_capped,
    "redeem-confirm": shot_redeem_confirm,
    "offline-banner": shot_offline,
    "sign-in": shot_sign_in,
    "dark-capped-usage": shot_dark_capped,
    "qa-simulator": shot_qa_simulator,
    "qa-conversion": shot_qa_conversion,
    "qa-wrong-email": shot_qa_wrong_email,
    "qa-inspector-free": shot_qa_inspector_free,
    "qa-accounts": shot_qa_accounts,
    "qa-outbox": shot_qa_outbox,
    "qa-policy-cap": shot_qa_policy,
    "qa-clock": shot_qa_clock,
    "qa-offline": shot_qa_offline,
    "qa-end-states": shot_qa_end_states,
    "qa-capped-conversion": shot_qa_capped_conversion,
    "qa-token-expired": shot_qa_token_expired,
    "qa-keyring-notice": shot_qa_keyring_notice,
    "small-800x500-general": shot_small_general,
    "small-800x500-usage": shot_small_usage,
    "small-800x500-wallet": shot_small_wallet,
    "dark-general": shot_dark_general,
    "offer-module": shot_offer_module,
    "offer-module-no-reward": shot_offer_no_reward,
    "offer-module-no-send": shot_offer_no_send,
    "offer-invite-three": shot_offer_invite_three,
    "offer-confirm-three": shot_offer_confirm_three,
    "offer-wallet-credits": shot_offer_wallet,
    "offer-resend": shot_offer_resend,
    "qa-offer": shot_qa_offer,
}


def shot_pseudo_signed_out(folder: Path) -> QPixmap:
    with running(launch, folder, None) as app:
        wait_until(lambda: app.window.signed_out_panel.isVisible())
        return app.window.grab()


def shot_page(name: str, email: str = "pilot@example.com") -> Shot:
    """One page of the settings window, signed in as `email` (pilot@ with three invitations)."""

    def shot(folder: Path) -> QPixmap:
        with running(launch, folder, email) as app:
            if email == "pilot@example.com":
                pilot_with_invitations(app)
            app.window.select_page(name)
            wait_until(lambda: True)
            return app.window.grab()

    return shot


def shot_pseudo_invite_dialog(folder: Path) -> QPixmap:
    """The invite dialog after a send (its feedback sentence comes from desktop.domain)."""
    with running(launch, folder, "pilot@example.com") as app:
        section = app.window.referral_section
        assert section is not None
        dialog = section.open_invite_dialog()
        dialog.email_edit.setText("alex@example.com")
        dialog.send_button.click()
        sent = translation.pseudo("Invitation sent to {recipient}.").split("{")[0]
        wait_until(lambda: sent in dialog.status_label.text())  # inside "{message} Follow…"
        return with_dialog(app.window, dialog)


SHOTS_PSEUDO: dict[str, Shot] = {
    "pseudo-signed-out": shot_pseudo_signed_out,
    "pseudo-sign-in": shot_sign_in,
    "pseudo-general": shot_page("general"),
    "pseudo-module": shot_small_general,
    "pseudo-usage": shot_small_usage,
    "pseudo-account": shot_page("account"),
    "pseudo-wallet": shot_page("wallet", "capped@example.com"),
    "pseudo-invite-dialog": shot_pseudo_invite_dialog,
    "pseudo-invite-confirm": shot_invite_confirm,
    "pseudo-redeem-confirm": shot_redeem_confirm,
    "pseudo-offline-banner": shot_offline,
    "pseudo-qa-simulator": shot_qa_simulator,
    "pseudo-wallet-credits": shot_offer_wallet,
    "pseudo-invite-three": shot_offer_invite_three,
    "pseudo-qa-offer": shot_qa_offer,
}
"""Under `--pseudo-locale` (docs/UI.md, "Translation"): every string accented, 40 % longer."""

SHOTS_AT_2X: dict[str, Shot] = {
    "scale-2x-general": shot_scale_2x,
    "scale-2x-usage": shot_scale_2x_usage,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--scale", type=float, default=None, help="QT_SCALE_FACTOR (only the 2x shots run)"
    )
    parser.add_argument(
        "--pseudo-locale", action="store_true", help="only the pseudo-locale shots, under it"
    )
    parser.add_argument(
        "names",
        nargs="*",
        help=f"only these ({', '.join([*SHOTS, *SHOTS_AT_2X, *SHOTS_PSEUDO])})",
    )
    options = parser.parse_args(argv)
    if options.pseudo_locale:
        shots = SHOTS_PSEUDO
    elif options.scale is None:
        command = [sys.executable, __file__, "--out", str(options.out)]
        wanted_2x = [n for n in SHOTS_AT_2X if not options.names or n in options.names]
        if wanted_2x:  # the scale factor must be set before the QApplication exists
            subprocess.run([*command, "--scale", "2", *wanted_2x], check=True)
        wanted_pseudo = [n for n in SHOTS_PSEUDO if not options.names or n in options.names]
        if wanted_pseudo:  # its own process: a translator changes every string built after it
            subprocess.run([*command, "--pseudo-locale", *wanted_pseudo], check=True)
        shots = SHOTS
    else:
        os.environ["QT_SCALE_FACTOR"] = str(options.scale)
        shots = SHOTS_AT_2X
    # The operator answers "Send invitation" in the confirmation box (shot on its own).
    InviteDialog.confirm_send = classmethod(  # type: ignore[method-assign,assignment]
        lambda cls, parent, address, state: True
    )
    # Keep the real keyring out of it: the demo sessions live in memory for this run only.
    keyring.set_keyring(MemoryKeyring())
    qt_app = QApplication.instance() or QApplication([])
    assert isinstance(qt_app, QApplication)
    if options.pseudo_locale:
        translation.install(qt_app, pseudo_locale=True)
    apply_theme(qt_app, ThemeChoice.LIGHT)
    options.out.mkdir(parents=True, exist_ok=True)
    for name, shot in shots.items():
        if options.names and name not in options.names:
            continue
        with tempfile.TemporaryDirectory(prefix="referral-shot-") as folder:
            pixmap = shot(Path(folder))
            target = options.out / f"{name}.png"
            pixmap.save(str(target))
            print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
