"""Regenerate the PNGs in docs/screenshots/ from the real app (mock backend, fresh data folders).

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Each picture starts from a freshly seeded data folder, signs a demo account in, drives the
backend through its Simulator where a state needs it, waits for the sync and saves the window.
Runs offscreen; needs no display.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keyring
import keyring.backend
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QWidget

from desktop.app import App, create
from desktop.controller.state import SyncPhase
from desktop.ui.redeem_dialog import RedeemDialog
from desktop.ui.theme import ThemeChoice, apply_theme

WINDOW_SIZE = (1000, 780)


class MemoryKeyring(keyring.backend.KeyringBackend):
    """Secrets in a dict: the pictures show a normal keyring, and nothing reaches the real one."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


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


def launch(data_dir: Path, email: str | None) -> App:
    app = create(data_dir)
    app.window.show()
    app.window.resize(*WINDOW_SIZE)
    app.start()
    if email is not None:
        app.controller.sign_in(email, "demo")
        wait_until(lambda: app.state.signed_in and app.state.sync.last_synced_at is not None)
        wait_until(lambda: settled(app))
    return app


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


def shot_pilot_eligible(folder: Path) -> QPixmap:
    app = launch(folder, "pilot@example.com")
    try:
        pilot_with_invitations(app)
        app.window.select_page("general")
        wait_until(lambda: True)
        return app.window.grab()
    finally:
        app.close()


def shot_pro_not_eligible(folder: Path) -> QPixmap:
    app = launch(folder, "pro@example.com")
    try:
        app.window.select_page("general")
        wait_until(lambda: True)
        return app.window.grab()
    finally:
        app.close()


def shot_usage(folder: Path) -> QPixmap:
    app = launch(folder, "pilot@example.com")
    try:
        app.window.select_page("usage")
        wait_until(lambda: True)
        return app.window.grab()
    finally:
        app.close()


def shot_invite_dialog(folder: Path) -> QPixmap:
    app = launch(folder, "pilot@example.com")
    try:
        section = app.window.referral_section
        assert section is not None
        dialog = section.open_invite_dialog()
        dialog.email_edit.setText("alex@example.com")
        dialog.send_button.click()
        wait_until(lambda: dialog.status_label.text().startswith("Invitation sent"))
        return with_dialog(app.window, dialog)
    finally:
        app.close()


def shot_invite_capped(folder: Path) -> QPixmap:
    app = launch(folder, "capped@example.com")
    try:
        section = app.window.referral_section
        assert section is not None
        dialog = section.open_invite_dialog()
        dialog.email_edit.setText("jo@example.com")
        wait_until(lambda: True)
        return with_dialog(app.window, dialog)
    finally:
        app.close()


def shot_wallet_capped(folder: Path) -> QPixmap:
    app = launch(folder, "capped@example.com")
    try:
        app.window.select_page("wallet")
        wait_until(lambda: True)
        return app.window.grab()
    finally:
        app.close()


def shot_redeem_confirm(folder: Path) -> QPixmap:
    app = launch(folder, "capped@example.com")
    try:
        app.simulator.set_usage("capped@example.com", weekly_percent=82, five_hour_percent=40)
        sync(app)
        app.window.select_page("wallet")
        dialog = RedeemDialog(app.state, app.window)
        dialog.show()
        wait_until(lambda: True)
        pixmap = with_dialog(app.window, dialog)
        dialog.close()
        return pixmap
    finally:
        app.close()


def shot_offline(folder: Path) -> QPixmap:
    app = launch(folder, "pilot@example.com")
    try:
        app.simulator.set_fault(offline=True)
        app.window.select_page("usage")
        sync(app)
        return app.window.grab()
    finally:
        app.close()


def shot_sign_in(folder: Path) -> QPixmap:
    app = launch(folder, None)
    try:
        wait_until(lambda: app.window.signed_out_panel.isVisible())
        dialog = app.window.open_sign_in()
        dialog.pick("pilot@example.com")
        wait_until(lambda: True)
        return with_dialog(app.window, dialog)
    finally:
        app.close()


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


SHOTS: dict[str, Shot] = {
    "pilot-eligible": shot_pilot_eligible,
    "pro-not-eligible": shot_pro_not_eligible,
    "usage": shot_usage,
    "invite-dialog": shot_invite_dialog,
    "invite-capped-warning": shot_invite_capped,
    "wallet-capped": shot_wallet_capped,
    "redeem-confirm": shot_redeem_confirm,
    "offline-banner": shot_offline,
    "sign-in": shot_sign_in,
    "dark-capped-usage": shot_dark_capped,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("names", nargs="*", help=f"only these ({', '.join(SHOTS)})")
    options = parser.parse_args(argv)
    # Keep the real keyring out of it: the demo sessions live in memory for this run only.
    keyring.set_keyring(MemoryKeyring())
    qt_app = QApplication.instance() or QApplication([])
    assert isinstance(qt_app, QApplication)
    apply_theme(qt_app, ThemeChoice.LIGHT)
    options.out.mkdir(parents=True, exist_ok=True)
    for name, shot in SHOTS.items():
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
