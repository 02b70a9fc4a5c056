"""`referralSection`: exists only while `state.show_referral_section` (decided by the window)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QItemSelectionModel, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.controller.state import AppState, InvitationCounts, InvitationView, OperationResult
from desktop.domain.offer import reset_expiry_text
from desktop.domain.outcomes import Operation, Outcome
from desktop.ui.labels import plain_label, set_role
from desktop.ui.port import ControllerPort
from desktop.ui.referral.invitation_delegate import InvitationDelegate
from desktop.ui.referral.invitations_model import InvitationListModel
from desktop.ui.referral.summary import (
    InvitationFilter,
    capacity_text,
    cycle_text,
    offer_description,
    offer_rules_text,
    offer_title,
    overview_text,
    resend_label,
    summary_text,
)
from desktop.ui.theme import icon

if TYPE_CHECKING:
    # Imported when first opened: it validates addresses with email-validator, whose import
    # (~20 ms) should not delay the cached data on screen.
    from desktop.ui.referral.invite_dialog import InviteDialog


VISIBLE_ROWS = 4  # invitations shown at once; the list scrolls beyond
FIRST_ROWS = 100
"""An empty list given more invitations than this holds these first and the rest from the
event-loop turn after the module is placed on its page (shown, if that page is): more rows than
the list can show at once at any window size (it is never taller than the page's viewport)."""


class ReferralSection(QFrame):
    """Summary, resets earned this cycle, the Invite button and the invitations list."""

    filled = Signal()
    """The list holds every invitation the filter keeps again (after a first screenful)."""

    def __init__(self, controller: ControllerPort, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.invite_dialog: InviteDialog | None = None
        self.setObjectName("referralSection")
        self.setAccessibleName(self.tr("Invite peers"))

        badge = QLabel()
        badge.setPixmap(icon("gift").pixmap(22, 22))
        self.title_label = title = plain_label(
            offer_title(None), role="sectionTitle", object_name="offerTitle"
        )
        self.invite_button = QPushButton(self.tr("Invite…"))
        self.invite_button.setObjectName("inviteButton")
        self.invite_button.setAccessibleName(self.tr("Invite a peer by email"))
        self.invite_button.setProperty("role", "primary")
        self.invite_button.clicked.connect(self.open_invite_dialog)
        header = QHBoxLayout()
        header.addWidget(badge)
        header.addWidget(title)
        header.addStretch(1)
        header.addWidget(self.invite_button)

        self.summary_label = plain_label(role="muted", wrap=True, object_name="referralSummary")
        self.rules_label = plain_label(role="muted", wrap=True, object_name="offerRules")
        self.rules_label.setAccessibleName(self.tr("The offer's rules"))
        self.expiry_label = plain_label(role="muted", wrap=True, object_name="resetExpiry")
        self.expiry_label.setAccessibleName(self.tr("When earned resets expire"))
        self.capacity_label = plain_label(wrap=True, object_name="offerCapacity")
        self.capacity_label.setAccessibleName(self.tr("Invitations left"))
        self.cycle_label = plain_label(wrap=True, object_name="cycleEarnedLabel")
        self.cycle_label.setAccessibleName(self.tr("Resets earned this cycle"))
        self.overview_label = plain_label(wrap=True, object_name="referralOverview")
        self.overview_label.setAccessibleName(self.tr("Invitations overview"))

        self.filter_combo = QComboBox()
        self.filter_combo.setObjectName("invitationsFilter")
        self.filter_combo.setAccessibleName(self.tr("Show invitations"))
        self.filter_combo.setToolTip(
            self.tr("Show all invitations, only those still under way, or ended")
        )
        for shown in InvitationFilter:
            self.filter_combo.addItem(shown.label, shown.value)
        self.filter_combo.view().setAccessibleName(self.tr("Invitation filter choices"))
        self.filter_combo.currentIndexChanged.connect(self._filter_changed)
        self._invitations: tuple[InvitationView, ...] = ()
        # (list, filter, what it keeps): the last filtered list, remade when either changes
        self._filtered: (
            tuple[tuple[InvitationView, ...], InvitationFilter, tuple[InvitationView, ...]] | None
        ) = None
        self._counts: InvitationCounts | None = None  # the whole list's, while a first screenful
        self._resending: set[str] = set()  # invitations whose resend is being settled
        self._height_limit: int | None = None
        self.state: AppState | None = None  # the state shown
        self.filling = False  # the list holds a first screenful; the rest comes next turn
        self._rest_timer = QTimer(self)  # a zero timer: the timers due and the paint go first
        self._rest_timer.setSingleShot(True)
        self._rest_timer.setInterval(0)
        self._rest_timer.timeout.connect(self._fill_rest)

        # Wraps: beside the filter and Revoke… a longer language's title would widen the page.
        self.list_title = plain_label(role="fieldLabel", wrap=True, object_name="invitationsTitle")
        self.model = InvitationListModel(self)
        self.view = QListView()
        self.view.setObjectName("invitationsView")
        self.view.setAccessibleName(self.tr("Your invitations"))
        self.view.setModel(self.model)
        self.view.setItemDelegate(InvitationDelegate(self.view))
        self.view.setUniformItemSizes(True)
        self.view.setLayoutMode(QListView.LayoutMode.Batched)
        self.view.setBatchSize(200)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        # Rows paint to the width they get (shorter words when narrow): never scroll sideways.
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        revoke_key = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.view)
        revoke_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        revoke_key.activated.connect(self.revoke_current)

        self.empty_label = plain_label(
            self.tr("No invitations yet. Invite a peer by email."),
            role="emptyState",
            object_name="invitationsEmptyState",
            wrap=True,
        )
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.revoke_button = QPushButton(self.tr("Revoke…"))
        self.revoke_button.setObjectName("revokeButton")
        self.revoke_button.setAccessibleName(self.tr("Revoke the selected invitation"))
        self.revoke_button.setToolTip(
            self.tr("Only invitations nobody has joined through can be revoked.")
        )
        self.revoke_button.clicked.connect(self.revoke_current)
        self.resend_button = QPushButton(self.tr("Resend email"))
        self.resend_button.setObjectName("resendButton")
        self.resend_button.setAccessibleName(self.tr("Send the selected invitation's email again"))
        self.resend_button.setToolTip(
            self.tr("A pending invitation's email can be sent again once its cooldown has passed.")
        )
        self.resend_button.clicked.connect(self.resend_current)
        self._now: datetime | None = None
        self.revoke_message = plain_label(role="error", wrap=True, object_name="revokeMessageLabel")
        self.revoke_message.setAccessibleName(self.tr("Revocation problem"))
        self.revoke_message.hide()
        controller.operationFinished.connect(self._revoke_finished)
        footer = QHBoxLayout()
        footer.addWidget(self.list_title)
        footer.addStretch(1)
        footer.addWidget(self.filter_combo)
        footer.addWidget(self.revoke_button)
        # Resend sits on a row of its own under the list: beside Revoke and the filter it made
        # the page wider than the smallest window (and longer words, translated, more so).
        actions = QHBoxLayout()
        actions.addStretch(1)
        actions.addWidget(self.resend_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(8)
        layout.addLayout(header)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.rules_label)
        layout.addWidget(self.expiry_label)
        layout.addWidget(self.capacity_label)
        layout.addWidget(self.cycle_label)
        layout.addWidget(self.overview_label)
        layout.addLayout(footer)
        layout.addWidget(self.revoke_message)
        layout.addWidget(self.view)
        layout.addWidget(self.empty_label)
        layout.addLayout(actions)

        self.setTabOrder(self.invite_button, self.filter_combo)
        self.setTabOrder(self.filter_combo, self.view)
        self.setTabOrder(self.view, self.resend_button)
        self.setTabOrder(self.resend_button, self.revoke_button)
        self._update_revoke_button()

    def show_state(self, state: AppState) -> None:
        """The server's offer (title, description, rules, capacities; the neutral fallback
        without one), this cycle's count, and the list (keeping the selection)."""
        self.state = state
        offer = state.offer
        self._now = state.backend_now
        self.title_label.setText(offer_title(offer))
        # Without any offer (an older server): the policy's numbers, as before the offer existed.
        self.summary_label.setText(
            summary_text(state.policy) if offer is None else offer_description(offer)
        )
        rules = offer_rules_text(offer)
        self.rules_label.setText(rules)
        self.rules_label.setVisible(bool(rules))
        # The server's words or the fallback: either way the policy's expiry is said (R6).
        expiry = reset_expiry_text(state.policy)
        self.expiry_label.setText(expiry)
        self.expiry_label.setVisible(bool(expiry))
        capacity = capacity_text(offer, state.backend_now)
        self.capacity_label.setText(capacity)
        self.capacity_label.setVisible(bool(capacity))
        self._resending = {p.target for p in state.pending if p.operation is Operation.RESEND}
        self.cycle_label.setText(cycle_text(state.cycle))
        self.overview_label.setText(overview_text(state))
        self._invitations = state.invitations
        self._counts = state.invitation_counts
        self._show_invitations()

    def _show_invitations(self) -> None:
        shown = self._shown_filter()
        invitations = self._kept(shown)
        current = self.current_invitation()
        was_filling = self.filling
        self.filling = self.model.rowCount() == 0 and len(invitations) > FIRST_ROWS
        if self.filling:  # a first screenful now, the rest (of the newest list) once placed
            self.model.set_invitations(invitations[:FIRST_ROWS])
            if self._placed():
                self._rest_timer.start()
        else:
            self.model.set_invitations(invitations)
        if current is not None and self.current_invitation() is None:
            row = self.model.row_of(current.id)
            if row >= 0:
                self.view.selectionModel().setCurrentIndex(
                    self.model.index(row), QItemSelectionModel.SelectionFlag.ClearAndSelect
                )
        total = len(self._invitations) if self._counts is None else self._counts.total
        count = len(invitations)
        self.list_title.setText(
            self.tr("Your invitations ({count})").format(count=f"{total:,}")
            if total
            else self.tr("Your invitations")
        )
        self.filter_combo.setVisible(total > 0)
        self.resend_button.setVisible(total > 0)
        self.empty_label.setText(
            self.tr("No invitations yet. Invite a peer by email.")
            if not total
            else self.tr("No active invitations.")
            if shown is InvitationFilter.ACTIVE
            else self.tr("No ended invitations.")
            if shown is InvitationFilter.ENDED
            else self.tr("No invitations.")
        )
        self.view.setVisible(count > 0)
        self.empty_label.setVisible(count == 0)
        self._fit_list(count)
        self._update_revoke_button()
        if was_filling and not self.filling:
            self.filled.emit()

    def event(self, event: QEvent) -> bool:
        """Placed on its page (and shown with it, in the same turn): the rest of a first
        screenful comes in the next turn, after this one's paint."""
        if event.type() == QEvent.Type.ParentChange and self.filling and self._placed():
            self._rest_timer.start()
        return super().event(event)

    def _placed(self) -> bool:
        """On a page: a parent that is not itself a window (the settings window holds the
        module as a hidden child between making and placing it)."""
        parent = self.parentWidget()
        return parent is not None and not parent.isWindow()

    @Slot()
    def _fill_rest(self) -> None:
        """The rest of the list after its first screenful: the newest state's and filter's
        list, inserted after the rows shown (unless a newer state or filter filled it since)."""
        if self.filling:
            self.filling = False
            self.model.set_invitations(self._kept(self._shown_filter()))
            self.filled.emit()

    def _shown_filter(self) -> InvitationFilter:
        return InvitationFilter(self.filter_combo.currentData() or InvitationFilter.ALL)

    def _kept(self, shown: InvitationFilter) -> tuple[InvitationView, ...]:
        """The invitations `shown` keeps: the state's own tuple for all of them, and a filtered
        one made once per list and filter (states come far more often than lists change)."""
        if shown is InvitationFilter.ALL:
            return self._invitations
        made = self._filtered
        if made is None or made[0] is not self._invitations or made[1] is not shown:
            kept = tuple(i for i in self._invitations if shown.keeps(i))
            self._filtered = made = (self._invitations, shown, kept)
        return made[2]

    def _fit_list(self, count: int) -> None:
        """The list is as tall as its rows, up to `VISIBLE_ROWS`; it scrolls beyond that (the
        page around it scrolls too, so a fixed height keeps both usable)."""
        row = self.view.sizeHintForRow(0) if count else 0
        frame = 2 * self.view.frameWidth()
        rows = min(count, VISIBLE_ROWS)
        if row and self._height_limit is not None:  # never taller than the page's viewport
            rows = max(min(rows, (self._height_limit - frame) // row), 1)
        self.view.setFixedHeight(max(rows * row + frame, 1))

    def set_height_limit(self, height: int) -> None:
        """The list is never taller than `height` (the scroll area's viewport): one scroll
        area inside another is usable only while the inner one fits on screen."""
        if height != self._height_limit:
            self._height_limit = height
            self._fit_list(self.model.rowCount())

    @Slot()
    def _filter_changed(self) -> None:
        self._show_invitations()

    def current_invitation(self) -> InvitationView | None:
        """The selected invitation, if any."""
        index = self.view.currentIndex()
        return self.model.invitation(index.row()) if index.isValid() else None

    @Slot()
    def open_invite_dialog(self) -> InviteDialog:
        """Show the invite dialog (non-modal; one at a time)."""
        if self.invite_dialog is None:
            from desktop.ui.referral.invite_dialog import InviteDialog

            self.invite_dialog = InviteDialog(self.controller, self)
            self.invite_dialog.finished.connect(self._invite_dialog_closed)
        self.invite_dialog.show()
        self.invite_dialog.raise_()
        self.invite_dialog.activateWindow()
        return self.invite_dialog

    @Slot()
    def _invite_dialog_closed(self) -> None:
        if self.invite_dialog is not None:
            self.invite_dialog.deleteLater()
            self.invite_dialog = None

    @classmethod
    def confirm_revoke(cls, parent: QWidget | None, recipient: str) -> bool:
        """Ask before revoking; tests replace this."""
        box = QMessageBox(parent)
        box.setObjectName("revokeConfirmDialog")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(QCoreApplication.translate("ReferralSection", "Revoke invitation?"))
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(
            QCoreApplication.translate(
                "ReferralSection", "Revoke the invitation to {recipient}?"
            ).format(recipient=recipient)
        )
        box.setInformativeText(
            QCoreApplication.translate(
                "ReferralSection", "Its link stops working at once. This cannot be undone."
            )
        )
        revoke = box.addButton(
            QCoreApplication.translate("ReferralSection", "Revoke"),
            QMessageBox.ButtonRole.DestructiveRole,
        )
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.exec()
        chosen = box.clickedButton() is revoke
        box.deleteLater()
        return chosen

    @Slot()
    def revoke_current(self) -> None:
        """Revoke the selected invitation after a confirmation, if it is still pending."""
        invitation = self.current_invitation()
        if invitation is None or not invitation.state.is_revocable:
            return
        if type(self).confirm_revoke(self.window(), invitation.recipient):
            self.revoke_message.hide()
            self.controller.revoke_invitation(invitation.id)

    @Slot()
    def resend_current(self) -> None:
        """Send the selected pending invitation's email again, once its cooldown has passed."""
        invitation = self.current_invitation()
        _, ready = resend_label(invitation, self._now)
        if invitation is None or not ready or invitation.id in self._resending:
            return
        self.revoke_message.hide()
        self._resending.add(invitation.id)
        self._update_revoke_button()
        self.controller.resend_invitation(invitation.id)

    @Slot(object)
    def _revoke_finished(self, result: OperationResult) -> None:
        if result.operation not in (Operation.REVOKE, Operation.RESEND):
            return
        # A revoke done needs no words (the row changes); a resend done says where it went;
        # anything else is said until it settles.
        resent = result.operation is Operation.RESEND and result.outcome is Outcome.DONE
        shown = result.outcome is not Outcome.DONE or resent
        roles = {Outcome.DONE: "success", Outcome.UNKNOWN: "muted"}
        set_role(self.revoke_message, roles.get(result.outcome, "error"))
        self.revoke_message.setText(result.message if shown else "")
        self.revoke_message.setVisible(shown)
        if result.operation is Operation.RESEND and result.definite:
            self._resending.discard(result.subject)
            self._update_revoke_button()

    @Slot()
    def _current_changed(self) -> None:
        self._update_revoke_button()

    def _update_revoke_button(self) -> None:
        invitation = self.current_invitation()
        self.revoke_button.setEnabled(invitation is not None and invitation.state.is_revocable)
        text, ready = resend_label(invitation, self._now)
        busy = invitation is not None and invitation.id in self._resending
        self.resend_button.setText(text)
        self.resend_button.setEnabled(ready and not busy)
