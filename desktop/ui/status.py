"""Connection status, the non-modal error banner and informational notices.

The window's first ("Loading") paint builds these before any state exists, so the state's module
(and the domain under it) is imported where a state is shown, not here (docs/PERFORMANCE.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QSize, Qt, Signal, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from desktop.ui.formatting import ago, counted
from desktop.ui.labels import plain_label
from desktop.ui.theme import icon

if TYPE_CHECKING:
    from desktop.controller.state import SyncStatus


def sync_status_text(sync: SyncStatus, now: datetime) -> str:
    """`Synced just now`, `Syncing…`, `Offline: showing saved data · 2 waiting to send`."""
    from desktop.controller.state import SyncPhase

    if sync.phase is SyncPhase.SYNCING:
        text = QCoreApplication.translate("SyncStatusLabel", "Syncing…")
    elif sync.phase is SyncPhase.OFFLINE:
        text = QCoreApplication.translate("SyncStatusLabel", "Offline: showing saved data")
    elif sync.phase is SyncPhase.ERROR:
        text = QCoreApplication.translate("SyncStatusLabel", "Sync failed: showing saved data")
    elif sync.last_synced_at is not None and sync.phase is SyncPhase.SYNCED:
        text = QCoreApplication.translate("SyncStatusLabel", "Synced {when}").format(
            when=ago(sync.last_synced_at, now)
        )
    elif sync.last_synced_at is not None:  # saved data, not synced yet in this session
        text = QCoreApplication.translate("SyncStatusLabel", "Last synced {when}").format(
            when=ago(sync.last_synced_at, now)
        )
    else:
        text = QCoreApplication.translate("SyncStatusLabel", "Not synced yet")
    if sync.phase in (SyncPhase.OFFLINE, SyncPhase.ERROR) and sync.last_synced_at is not None:
        text += " " + QCoreApplication.translate("SyncStatusLabel", "(last synced {when})").format(
            when=ago(sync.last_synced_at, now)
        )
    if sync.pending_operations:
        text += " · " + counted(
            sync.pending_operations,
            QCoreApplication.translate("SyncStatusLabel", "{count} invitation waiting to send"),
            QCoreApplication.translate("SyncStatusLabel", "{count} invitations waiting to send"),
        )
    return text


class SyncStatusLabel(QLabel):
    """`syncStatus`, in the status bar."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self.setAccessibleName(self.tr("Sync status"))
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.sync: SyncStatus | None = None  # none shown yet

    def show_sync(self, sync: SyncStatus, now: datetime) -> None:
        """Show a sync status; `now` is the local clock (the label counts minutes since)."""
        self.sync = sync
        self.setText(sync_status_text(sync, now))


class ErrorBanner(QFrame):
    """`errorBanner`: a message, Retry and a close button. Never a modal box for network trouble."""

    retryRequested = Signal()
    """The user pressed Retry."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorBanner")
        self.setAccessibleName(self.tr("Connection problem"))
        self._dismissed_message: str | None = None
        badge = QLabel()
        badge.setPixmap(icon("offline").pixmap(20, 20))
        self.badge = badge
        self.message_label = plain_label(wrap=True, object_name="errorBannerMessage")
        self.retry_button = QPushButton(self.tr("Retry"))
        self.retry_button.setObjectName("errorBannerRetry")
        self.retry_button.setAccessibleName(self.tr("Retry the connection"))
        self.retry_button.clicked.connect(self.retryRequested)
        self.close_button = QToolButton()
        self.close_button.setObjectName("errorBannerClose")
        self.close_button.setAccessibleName(self.tr("Dismiss the message"))
        self.close_button.setToolTip(self.tr("Dismiss"))
        self.close_button.setProperty("role", "flat")
        self.close_button.setIcon(icon("close"))
        self.close_button.setIconSize(QSize(14, 14))
        self.close_button.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 8)
        layout.addWidget(badge)
        layout.addWidget(self.message_label, 1)
        layout.addWidget(self.retry_button)
        layout.addWidget(self.close_button)
        self.hide()

    def show_sync(self, sync: SyncStatus) -> None:
        """Visible while offline or failing, unless the user dismissed this same message."""
        from desktop.controller.state import SyncPhase

        if sync.phase is SyncPhase.OFFLINE:
            message = self.tr(
                "You are offline. Showing saved data; changes sync when the server is back."
            )
        elif sync.phase is SyncPhase.ERROR and sync.fault_here:
            # This computer's disk or the app's own files (the embedded service's too): its
            # sentence names the folder; no server is involved.
            message = sync.message
            if sync.has_saved_data:
                message += " " + self.tr("Showing saved data.")
        elif sync.phase is SyncPhase.ERROR:
            message = (
                self.tr("The server reported a problem. Showing saved data.") + " " + sync.message
            ).strip()
        else:
            self._dismissed_message = None
            self.hide()
            return
        if sync.pending_operations:
            message += " " + counted(
                sync.pending_operations,
                self.tr("{count} invitation will be sent then."),
                self.tr("{count} invitations will be sent then."),
            )
        self.message_label.setText(message)
        self.setVisible(message != self._dismissed_message)

    @Slot()
    def dismiss(self) -> None:
        """Hide until a different problem comes up."""
        self._dismissed_message = self.message_label.text()
        self.hide()


class Notice(QFrame):
    """An informational strip (keyring notice, cache rebuilt...)."""

    def __init__(
        self, object_name: str, text: str, icon_name: str = "info", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setProperty("role", "notice")
        badge = QLabel()
        badge.setPixmap(icon(icon_name).pixmap(18, 18))
        self.message_label = plain_label(text, wrap=True)
        self.setAccessibleName(text)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(badge)
        layout.addWidget(self.message_label, 1)
        self.hide()
