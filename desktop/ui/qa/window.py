"""`qaSimulator`: the QA simulator window (`referral-desktop --qa`).

Beside the settings window, it drives everything around the signed-in operator through the QA
controller: the recipient of an invitation, the cohort (with the eligibility inspector), usage,
the backend clock, faults, policy values, the outbox, accounts and the demo data. It talks to the
QA controller and reads the main controller's state; the settings window itself is untouched and
follows through its own syncs.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, Slot
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QStyle, QTabWidget, QVBoxLayout, QWidget

from desktop.controller.qa_state import QaSnapshot
from desktop.controller.state import AppState
from desktop.ui.formatting import date_time, plan_name
from desktop.ui.labels import plain_label, set_role
from desktop.ui.port import ControllerPort
from desktop.ui.qa.accounts import AccountsPanel
from desktop.ui.qa.inspector import EligibilityInspector
from desktop.ui.qa.invitations import InvitationPanel
from desktop.ui.qa.offer import OfferPanel
from desktop.ui.qa.outbox import OutboxPanel
from desktop.ui.qa.policy import PolicyPanel
from desktop.ui.qa.port import QaPort
from desktop.ui.qa.world import FaultsPanel, UsageAndClockPanel, faults_text

DEFAULT_SIZE = QSize(860, 800)
MINIMUM_WIDTH = 640


def side_by_side(
    screen: QRect, settings: QRect, settings_minimum: QSize, wanted: QSize, minimum: QSize
) -> tuple[QRect, QRect]:
    """Frames for (the settings window, the QA window) on `screen`, never overlapping when the
    screen is wide enough for both minimum widths: the QA window right of the settings window,
    else left of it, else the settings window moves to the left edge (narrowed down to its
    minimum if need be) and the QA window takes the rest. Both stay fully on the screen."""
    height = min(wanted.height(), screen.height())
    top = min(max(settings.top(), screen.top()), screen.bottom() + 1 - height)
    right_room = screen.right() - settings.right()
    left_room = settings.left() - screen.left()
    if right_room >= minimum.width():
        width = min(wanted.width(), right_room)
        return settings, QRect(settings.right() + 1, top, width, height)
    if left_room >= minimum.width():
        width = min(wanted.width(), left_room)
        return settings, QRect(settings.left() - width, top, width, height)
    room_for_settings = max(screen.width() - minimum.width(), settings_minimum.width())
    settings_width = min(settings.width(), room_for_settings, screen.width())
    moved = QRect(screen.left(), settings.top(), settings_width, settings.height())
    width = max(min(wanted.width(), screen.right() - moved.right()), minimum.width())
    left = min(moved.right() + 1, screen.right() + 1 - width)  # on screen, even if it overlaps
    return moved, QRect(max(left, screen.left()), top, min(width, screen.width()), height)


class QaSimulatorWindow(QWidget):
    """The QA simulator. Hidden = paused (no simulator calls); shown again = refreshed."""

    def __init__(self, qa: QaPort, controller: ControllerPort, parent: QWidget | None = None):
        super().__init__(parent)
        self.qa = qa
        self.controller = controller
        self.snapshot: QaSnapshot | None = None
        self.setObjectName("qaSimulator")
        self.setWindowTitle(self.tr("QA simulator"))
        self.setAccessibleName(self.tr("QA simulator"))
        self.resize(DEFAULT_SIZE)
        self.setMinimumSize(MINIMUM_WIDTH, 560)

        header = QFrame()
        header.setObjectName("qaHeader")
        header.setProperty("role", "card")
        self.operator_label = plain_label(role="sectionTitle", object_name="qaOperatorLabel")
        self.operator_label.setAccessibleName(self.tr("Signed-in operator"))
        self.busy_label = plain_label(self.tr("Working…"), role="muted", object_name="qaBusyLabel")
        self.busy_label.hide()
        self.clock_label = plain_label(object_name="qaClockLabel")
        self.clock_label.setAccessibleName(self.tr("Backend clock"))
        self.faults_label = plain_label(object_name="qaFaultsLabel")
        self.faults_label.setAccessibleName(self.tr("Faults"))
        top = QHBoxLayout()
        top.addWidget(self.operator_label, 1)
        top.addWidget(self.busy_label)
        facts = QHBoxLayout()
        facts.addWidget(self.clock_label, 1)
        facts.addWidget(self.faults_label)
        header_layout = QVBoxLayout(header)
        header_layout.setContentsMargins(14, 10, 14, 10)
        header_layout.addLayout(top)
        header_layout.addLayout(facts)

        self.inspector = EligibilityInspector(qa)
        self.invitations = InvitationPanel(qa)
        self.usage_and_clock = UsageAndClockPanel(qa)
        self.faults = FaultsPanel(qa)
        self.policy = PolicyPanel(qa)
        self.offer = OfferPanel(qa)
        self.outbox = OutboxPanel()
        self.accounts = AccountsPanel(qa)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("qaTabs")
        self.tabs.setAccessibleName(self.tr("Simulator sections"))
        self.tabs.tabBar().setAccessibleName(self.tr("Simulator sections"))
        for page, title, name in (
            (self.invitations, self.tr("Invitation"), "qaInvitationTab"),
            (self.usage_and_clock, self.tr("Usage && clock"), "qaUsageClockTab"),
            (self.faults, self.tr("Faults"), "qaFaultsTab"),
            (self.policy, self.tr("Policy"), "qaPolicyTab"),
            (self.offer, self.tr("Offer"), "qaOfferTab"),
            (self.outbox, self.tr("Outbox"), "qaOutboxTab"),
            (self.accounts, self.tr("Accounts"), "qaAccountsTab"),
        ):
            page.setObjectName(name)
            self.tabs.addTab(page, title)  # "&&" shows one "&"
        # Every tab in sight (no scroll buttons), in any language: at least as wide as the tab bar.
        chrome = 2 * 16 + 2 * self.tabs.style().pixelMetric(QStyle.PixelMetric.PM_DefaultFrameWidth)
        self.setMinimumWidth(max(MINIMUM_WIDTH, self.tabs.tabBar().sizeHint().width() + chrome))

        self.status_label = plain_label(wrap=True, object_name="qaStatusLabel")
        self.status_label.setAccessibleName(self.tr("Result of the last action"))
        # Two lines reserved, so a message coming or going never moves the tabs' buttons.
        self.status_label.setMinimumHeight(2 * self.status_label.fontMetrics().lineSpacing())
        self.status_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self._status_tab = -1
        self.tabs.currentChanged.connect(self._tab_changed)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(10)
        layout.addWidget(header)
        layout.addWidget(self.inspector)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status_label)

        qa.snapshotChanged.connect(self.show_snapshot)
        qa.actionFinished.connect(self._action_finished)
        qa.actionFailed.connect(self._action_failed)
        qa.busyChanged.connect(self.busy_label.setVisible)
        controller.stateChanged.connect(self._state_changed)
        self.show_snapshot(qa.snapshot)

    @Slot(object)
    def show_snapshot(self, snapshot: QaSnapshot | None) -> None:
        """Render a snapshot in every section."""
        self.snapshot = snapshot
        state = self.controller.state
        if snapshot is None:
            self.clock_label.setText(self.tr("Backend clock: reading…"))
            self.faults_label.setText("")
        else:
            clock = snapshot.clock
            self.clock_label.setText(
                (
                    self.tr("Backend clock: {when} (running)")
                    if clock.running
                    else self.tr("Backend clock: {when} (frozen)")
                ).format(when=date_time(clock.now))
            )
            self.faults_label.setText(
                self.tr("Faults: {faults}").format(faults=faults_text(snapshot.faults))
            )
            set_role(self.faults_label, "error" if snapshot.faults.any else "muted")
        self._show_operator(state)
        for panel in (
            self.invitations,
            self.usage_and_clock,
            self.faults,
            self.policy,
            self.offer,
            self.outbox,
            self.accounts,
        ):
            panel.show_snapshot(snapshot)

    @Slot(object)
    def _state_changed(self, state: AppState) -> None:
        self._show_operator(state)

    def _show_operator(self, state: AppState) -> None:
        account = state.account
        if account is None:
            self.operator_label.setText(self.tr("Nobody is signed in"))
        else:
            self.operator_label.setText(
                self.tr("Signed in: {email} ({plan})").format(
                    email=account.email, plan=plan_name(account.plan)
                )
            )
        snapshot = self.snapshot
        # The backend's answer is shown only once it was read for this operator.
        current = (
            snapshot.operator_account
            if snapshot is not None
            and account is not None
            and snapshot.operator is not None
            and snapshot.operator.casefold() == account.email.casefold()
            else None
        )
        self.inspector.show_account(current, state)

    @Slot(str)
    def _action_finished(self, message: str) -> None:
        self._show_status(message, "success")

    @Slot(str)
    def _action_failed(self, message: str) -> None:
        self._show_status(message, "error")

    def _show_status(self, message: str, role: str) -> None:
        self.status_label.setText(message)
        set_role(self.status_label, role)
        self._status_tab = self.tabs.currentIndex()

    @Slot(int)
    def _tab_changed(self, index: int) -> None:
        # The result belongs to the tab it came from: not shown as if it were this tab's.
        if index != self._status_tab:
            self.status_label.clear()

    def place_beside(self, anchor: QWidget) -> None:
        """Put this window beside `anchor` (the settings window) on its screen, never over it."""
        frame = anchor.frameGeometry()
        decoration = QSize(
            max(frame.width() - anchor.width(), 0), max(frame.height() - anchor.height(), 0)
        )
        minimum = self.minimumSizeHint().expandedTo(self.minimumSize()) + decoration
        anchor_minimum = anchor.minimumSizeHint().expandedTo(anchor.minimumSize()) + decoration
        settings, qa = side_by_side(
            anchor.screen().availableGeometry(),
            frame,
            anchor_minimum,
            self.size() + decoration,
            minimum,
        )
        if settings != frame:
            anchor.resize(settings.size() - decoration)
            anchor.move(settings.topLeft())
        self.resize(qa.size() - decoration)
        self.move(qa.topLeft())

    def showEvent(self, event: QShowEvent) -> None:
        """Resume and read the backend again."""
        super().showEvent(event)
        self.qa.set_active(True)
        self.qa.refresh()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Pause: wait for the simulator call in progress; nothing runs while hidden."""
        self.qa.set_active(False)
        super().closeEvent(event)
