"""General: who is signed in, sync, appearance."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.controller.state import AppState, SyncPhase
from desktop.ui.formatting import date_time, plan_name
from desktop.ui.labels import plain_label
from desktop.ui.pages.base import SettingsPage
from desktop.ui.port import ControllerPort
from desktop.ui.theme import ThemeChoice
from desktop.ui.translation import QT_TRANSLATE_NOOP, marked

_THEME_LABELS = {
    ThemeChoice.SYSTEM: QT_TRANSLATE_NOOP("GeneralPage", "Follow the system"),
    ThemeChoice.LIGHT: QT_TRANSLATE_NOOP("GeneralPage", "Light"),
    ThemeChoice.DARK: QT_TRANSLATE_NOOP("GeneralPage", "Dark"),
}


class GeneralPage(SettingsPage):
    """Account summary, a Sync now button and the light/dark choice."""

    name = "general"
    title = QT_TRANSLATE_NOOP("SettingsPage", "General")
    order = 0
    icon_name = "general"

    themeChosen = Signal(str)
    """The user picked a `ThemeChoice` value in Appearance."""

    notificationsToggled = Signal(bool)
    """The user turned desktop notifications on or off."""

    def __init__(self, controller: ControllerPort, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        card = QFrame()
        card.setProperty("role", "card")
        form = QFormLayout(card)
        form.setContentsMargins(16, 14, 16, 14)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        form.setHorizontalSpacing(18)
        form.setVerticalSpacing(10)
        # A field too wide to sit beside its label goes under it (a narrow window, a long
        # translation) instead of widening the page past its scroll area.
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.name_label = plain_label(object_name="generalNameLabel")
        self.email_label = plain_label(object_name="generalEmailLabel")
        self.plan_label = plain_label(object_name="generalPlanLabel")
        form.addRow(plain_label(self.tr("Signed in as"), role="fieldLabel"), self.name_label)
        form.addRow(plain_label(self.tr("Email"), role="fieldLabel"), self.email_label)
        form.addRow(plain_label(self.tr("Plan"), role="fieldLabel"), self.plan_label)

        self.sync_label = plain_label(wrap=True, object_name="generalSyncLabel")
        # Two lines reserved: the text changes while syncing, the rows below must not move.
        self.sync_label.setMinimumHeight(2 * self.sync_label.fontMetrics().lineSpacing() + 6)
        # Never squeezed beside the button into a third line: narrower than this, the row goes
        # under its "Sync" label (WrapLongRows) and the text gets the card's whole width.
        self.sync_label.setMinimumWidth(24 * self.sync_label.fontMetrics().averageCharWidth())
        self.sync_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.sync_button = QPushButton(self.tr("Sync now"))
        self.sync_button.setObjectName("syncNowButton")
        self.sync_button.setAccessibleName(self.tr("Sync now"))
        self.sync_button.clicked.connect(self._sync_now)
        sync_row = QHBoxLayout()
        sync_row.addWidget(self.sync_label, 1)
        sync_row.addWidget(self.sync_button)
        form.addRow(plain_label(self.tr("Sync"), role="fieldLabel"), sync_row)

        self.theme_combo = QComboBox()
        self.theme_combo.setObjectName("themeCombo")
        self.theme_combo.setAccessibleName(self.tr("Appearance"))
        self.theme_combo.view().setAccessibleName(self.tr("Appearance choices"))
        self.theme_combo.setMinimumWidth(200)
        for choice, label in _THEME_LABELS.items():
            self.theme_combo.addItem(marked("GeneralPage", label), choice.value)
        self.theme_combo.activated.connect(self._theme_activated)
        theme_row = QHBoxLayout()
        theme_row.addWidget(self.theme_combo)
        theme_row.addStretch(1)
        form.addRow(plain_label(self.tr("Appearance"), role="fieldLabel"), theme_row)

        self.notifications_check = QCheckBox(self.tr("Show desktop notifications"))
        self.notifications_check.setObjectName("notificationsCheck")
        self.notifications_check.setAccessibleName(self.tr("Desktop notifications"))
        self.notifications_check.toggled.connect(self.notificationsToggled)
        self.notifications_hint = plain_label(role="muted", wrap=True)
        notifications = QVBoxLayout()
        notifications.setSpacing(2)
        notifications.addWidget(self.notifications_check)
        notifications.addWidget(self.notifications_hint)
        form.addRow(plain_label(self.tr("Notifications"), role="fieldLabel"), notifications)
        self._form = form
        self._notifications_row = form.rowCount() - 1

        self.body.addWidget(card)
        self.referral_slot = QVBoxLayout()  # the invitation module, when the window places one
        self.referral_slot.setContentsMargins(0, 6, 0, 0)
        self.body.addLayout(self.referral_slot)
        self.body.addStretch(1)

    def set_referral_section(self, section: QWidget | None) -> None:
        """Host the invitation module at the bottom (the window decides whether it exists)."""
        while self.referral_slot.count():
            item = self.referral_slot.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None and widget is not section:
                widget.setParent(None)
        if section is not None:
            self.referral_slot.addWidget(section)
            section.show()  # now, not on the layout's queued show: no late jump

    def set_notifications(self, enabled: bool) -> None:
        """Show the saved notifications setting (without emitting a change)."""
        self.notifications_check.blockSignals(True)
        self.notifications_check.setChecked(enabled)
        self.notifications_check.blockSignals(False)

    def set_theme(self, choice: ThemeChoice) -> None:
        """Show the saved theme choice."""
        self.theme_combo.setCurrentIndex(max(self.theme_combo.findData(choice.value), 0))

    def show_state(self, state: AppState) -> None:
        """Fill in the account and the sync status."""
        account = state.account
        self.name_label.setText(account.display_name if account else self.tr("Not signed in"))
        self.email_label.setText(account.email if account else "—")
        self.plan_label.setText(plan_name(account.plan) if account else "—")
        sync = state.sync
        if sync.phase is SyncPhase.SYNCING:
            text = self.tr("Syncing with the server…")
        elif sync.last_synced_at is not None:
            text = self.tr("Last synced {when}.").format(when=date_time(sync.last_synced_at))
        else:
            text = self.tr("Not synced yet in this session.")
        if sync.phase in (SyncPhase.OFFLINE, SyncPhase.ERROR):
            text += " " + self.tr("Showing saved data until the server can be reached.")
        self.sync_label.setText(text)
        self.sync_button.setEnabled(state.signed_in and sync.phase is not SyncPhase.SYNCING)
        # Outside the cohort with no reset there is nothing to notify about: no row (and no
        # word of invitations, R1).
        if state.show_referral_section:
            hint = self.tr(
                "When you earn a reset, an invitation waiting to send goes out, or a reset is "
                "about to expire."
            )
        elif state.show_wallet:
            hint = self.tr("When a reset is about to expire.")
        else:
            hint = ""
        self.notifications_hint.setText(hint)
        self._form.setRowVisible(self._notifications_row, bool(hint))

    @Slot()
    def _sync_now(self) -> None:
        self.controller.sync_now()

    @Slot(int)
    def _theme_activated(self, index: int) -> None:
        self.themeChosen.emit(str(self.theme_combo.itemData(index)))
