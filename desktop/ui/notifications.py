"""Desktop notifications: a reset earned, a queued invitation sent, a reset about to expire.

`Notifier` compares each `AppState` with the one before and says what happened worth a
notification; the window shows it through the system tray where there is one. The first state of
a session is only remembered (nothing that was already there is announced), and each event is
announced once. A setting (General > Notifications) turns them off.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QSystemTrayIcon, QWidget

from desktop.controller.state import AppState, InvitationView
from desktop.domain.invitations import InvitationState
from desktop.ui.formatting import counted, date_time
from desktop.ui.pages.wallet import expiring_soon
from desktop.ui.remembered import remember_last


@remember_last
def queued_recipients(invitations: tuple[InvitationView, ...]) -> frozenset[str]:
    """The recipients (case-folded) of the invitations waiting in the outbox."""
    return frozenset(
        i.recipient.casefold() for i in invitations if i.state is InvitationState.QUEUED
    )


@dataclass(frozen=True)
class Notification:
    """One message for the operator."""

    title: str
    text: str


class Notifier(QObject):
    """Turns state changes into notifications (`notified`), once each."""

    notified = Signal(object)
    """A `Notification` to show."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.enabled = True
        self._account: str | None = None
        self._known_tokens: set[str] = set()
        self._queued: frozenset[str] = frozenset()  # recipients waiting in the outbox
        self._warned_expiry: set[str] = set()

    def show_state(self, state: AppState) -> list[Notification]:
        """Remember `state`; emit (and return) what changed since the last one."""
        account = state.account.email if state.account else None
        first = account != self._account
        self._account = account
        found: list[Notification] = []
        if account is None:
            self._known_tokens, self._queued, self._warned_expiry = set(), frozenset(), set()
            return found
        tokens = {token.credit.id for token in state.tokens}
        earned = [
            token
            for token in state.tokens
            if token.credit.id not in self._known_tokens and token.credit.state == "available"
        ]
        queued_now = queued_recipients(state.invitations)
        sent = sorted(
            {
                i.recipient
                for i in state.invitations
                if i.recipient.casefold() in self._queued
                and i.recipient.casefold() not in queued_now
                and i.state is not InvitationState.QUEUED
            }
            if self._queued - queued_now  # an address left the outbox: was it sent?
            else ()
        )
        soon = [t for t in expiring_soon(state) if t.credit.id not in self._warned_expiry]
        if not first:
            if earned:
                found.append(
                    Notification(
                        self.tr("Usage reset earned"),
                        counted(
                            len(earned),
                            self.tr(
                                "You earned {count} usage reset. Use it from Wallet whenever "
                                "you choose."
                            ),
                            self.tr(
                                "You earned {count} usage resets. Use them from Wallet whenever "
                                "you choose."
                            ),
                        ),
                    )
                )
            for recipient in sent:
                found.append(
                    Notification(
                        self.tr("Invitation sent"),
                        self.tr("Your invitation to {recipient} went out.").format(
                            recipient=recipient
                        ),
                    )
                )
        for token in soon:
            assert token.credit.expires_at is not None
            found.append(
                Notification(
                    self.tr("A usage reset expires soon"),
                    self.tr(
                        "A reset expires on {date}. Use it before then, or it expires unused."
                    ).format(date=date_time(token.credit.expires_at, now=state.backend_now)),
                )
            )
        self._known_tokens = tokens
        self._queued = queued_now
        self._warned_expiry |= {t.credit.id for t in soon}
        if self.enabled:
            for notification in found:
                self.notified.emit(notification)
        return found


class TrayNotifications(QObject):
    """Shows notifications as system tray messages, where the platform has a tray."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.tray: QSystemTrayIcon | None = None
        self.shown: list[Notification] = []  # what was shown, for tests and --smoke-test
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(window.windowIcon(), self)
            self.tray.setToolTip(self.tr("Referral Resets"))

    def show(self, notification: object) -> None:
        """Show one notification (a message from the tray icon, if there is a tray)."""
        assert isinstance(notification, Notification)
        self.shown.append(notification)
        if self.tray is not None:
            self.tray.show()
            self.tray.showMessage(notification.title, notification.text)
