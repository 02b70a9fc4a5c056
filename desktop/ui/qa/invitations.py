"""The Invitation tab: pick one of the signed-in operator's invitations and act as its recipient.

Open the link, join (the email is prefilled with the invited address and editable, to test the
wrong-address refusal), initialise the workspace, send one prompt or N.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QCoreApplication, QSize, Qt, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QSpacerItem,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.controller.qa_state import QaInvitation, QaSnapshot
from desktop.controller.state import InvitationView
from desktop.ui.formatting import counted, date_time, state_name
from desktop.ui.labels import plain_label
from desktop.ui.qa.fields import EditedFields
from desktop.ui.qa.port import QaPort
from desktop.ui.referral.invitations_model import checklist, describe

ID_ROLE = Qt.ItemDataRole.UserRole
MAX_PROMPTS = 100


def item_text(invitation: InvitationView) -> str:
    """`ana@example.com` over `Prompting` over `1/3 prompts`, for the list (three lines: on
    two, a longer language's state and count outgrew the list's width)."""
    progress = QCoreApplication.translate("InvitationPanel", "{prompts}/{required} prompts").format(
        prompts=invitation.prompts, required=invitation.prompts_required
    )
    return f"{invitation.recipient}\n{state_name(invitation.state)}\n{progress}"


def checklist_text(invitation: InvitationView) -> str:
    """The checklist the referrer sees, one step a line, then the reason."""
    steps = "\n".join(f"{'☑' if done else '☐'} {step}" for step, done in checklist(invitation))
    return f"{steps}\n{invitation.reason}"


class InvitationPanel(QWidget):
    """The operator's invitations (newest first) and the recipient's actions on the selected one."""

    def __init__(self, qa: QaPort, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.qa = qa
        self._invitations: dict[str, QaInvitation] = {}
        self._selected_id: str | None = None

        self.list = QListWidget()
        self.list.setObjectName("qaInvitationsList")
        self.list.setAccessibleName(self.tr("Invitations of the signed-in operator"))
        self.list.setUniformItemSizes(True)
        self.list.currentItemChanged.connect(self._selection_changed)
        self.empty_label = plain_label(
            role="emptyState", wrap=True, object_name="qaInvitationsEmpty"
        )

        self.state_label = plain_label(
            role="sectionTitle", wrap=True, object_name="qaInvitationState"
        )
        self.state_label.setAccessibleName(self.tr("Invitation state"))
        self.checklist_label = plain_label(wrap=True, object_name="qaInvitationChecklist")
        self.checklist_label.setAccessibleName(self.tr("Invitation checklist"))
        self.link_edit = QLineEdit()
        self.link_edit.setObjectName("qaInvitationLinkEdit")
        self.link_edit.setAccessibleName(self.tr("Personal link"))
        self.link_edit.setReadOnly(True)
        self.copy_link_button = QPushButton(self.tr("Copy link"))
        self.copy_link_button.setObjectName("qaCopyLinkButton")
        self.copy_link_button.setAccessibleName(self.tr("Copy the personal link"))
        self.copy_link_button.clicked.connect(self._copy_link)
        link_row = QHBoxLayout()
        link_row.addWidget(self.link_edit, 1)
        link_row.addWidget(self.copy_link_button)

        self.email_edit = QLineEdit()
        self.email_edit.setObjectName("qaRecipientEmailEdit")
        self.email_edit.setAccessibleName(self.tr("Recipient email used through the link"))
        self.email_edit.setToolTip(
            self.tr(
                "Prefilled with the invited address. Type another address to check that the "
                "link refuses it."
            )
        )
        self.open_button = self._button(
            self.tr("Open link"), "qaOpenLinkButton", self.tr("The recipient opens it")
        )
        self.open_button.clicked.connect(self._open)
        self.join_button = self._button(
            self.tr("Join"),
            "qaJoinButton",
            self.tr("Sign up or sign in through the link with this email"),
        )
        self.join_button.clicked.connect(self._join)
        self.init_button = self._button(
            self.tr("Initialise workspace"),
            "qaInitButton",
            self.tr("The recipient initialises a workspace"),
        )
        self.init_button.clicked.connect(self._initialise)
        self.prompt_button = self._button(
            self.tr("Send 1 prompt"), "qaPromptButton", self.tr("The recipient sends one prompt")
        )
        self.prompt_button.clicked.connect(self._prompt_once)
        self.prompts_spin = QSpinBox()
        self.prompts_spin.setObjectName("qaPromptsSpin")
        self.prompts_spin.setAccessibleName(self.tr("Number of prompts to send"))
        # From 2: one prompt has its own button, so the two never read the same.
        self.prompts_spin.setRange(2, MAX_PROMPTS)
        self.prompts_spin.valueChanged.connect(self._update_prompt_n_text)
        self._fields = EditedFields()  # a count the tester typed stays; otherwise "what is left"
        self._fields.watch(self.prompts_spin)
        self.prompt_n_button = self._button(
            self._prompts_text(3),
            "qaPromptNButton",
            self.tr("The recipient sends that many prompts"),
        )
        self.prompt_n_button.clicked.connect(self._prompt_n)
        # As wide as its widest text: the buttons beside it never move as the count changes.
        widest = max(
            self.prompt_n_button.fontMetrics().horizontalAdvance(self._prompts_text(n))
            for n in (MAX_PROMPTS, 88)
        )
        self.prompt_n_button.setMinimumWidth(widest + 40)

        # The recipient's steps in their order, two a row (three in one row outgrew the panel
        # in a longer language): Open link, Join / Initialise workspace, Send 1 prompt / N.
        steps = QGridLayout()
        steps.addWidget(self.open_button, 0, 0)
        steps.addWidget(self.join_button, 0, 1)
        steps.addWidget(self.init_button, 1, 0)
        steps.addWidget(self.prompt_button, 1, 1)
        steps.setColumnStretch(2, 1)
        prompts = QHBoxLayout()
        prompts.addWidget(self.prompts_spin)
        prompts.addWidget(self.prompt_n_button)
        prompts.addStretch(1)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        form.addRow(self.tr("Link"), link_row)
        form.addRow(self.tr("Recipient email"), self.email_edit)

        self.details = QWidget()
        details = QVBoxLayout(self.details)
        details.setContentsMargins(0, 0, 0, 0)
        details.addWidget(self.state_label)
        details.addWidget(self.checklist_label)
        details.addLayout(form)
        details.addWidget(plain_label(self.tr("As the recipient:"), role="fieldLabel"))
        details.addLayout(steps)
        details.addLayout(prompts)
        details.addStretch(1)

        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        left.addWidget(
            plain_label(
                self.tr("Invitations of the signed-in operator"), role="fieldLabel", wrap=True
            )
        )
        left.addWidget(self.list, 1)
        left.addWidget(self.empty_label)
        # Takes the height the hidden list leaves, so the empty state sits at the top.
        self._filler = QSpacerItem(0, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)
        left.addItem(self._filler)
        self._left = left
        layout.addLayout(left, 2)
        layout.addWidget(self.details, 3)
        self.setTabOrder(self.list, self.email_edit)
        self.setTabOrder(self.email_edit, self.open_button)
        self.show_snapshot(None)

    @staticmethod
    def _button(text: str, name: str, accessible: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAccessibleName(accessible)
        return button

    @property
    def selected(self) -> QaInvitation | None:
        """The invitation acted on."""
        return self._invitations.get(self._selected_id or "")

    def select(self, invitation_id: str) -> bool:
        """Select an invitation by id (as a click would)."""
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(ID_ROLE) == invitation_id:
                self.list.setCurrentItem(item)
                return True
        return False

    def show_snapshot(self, snapshot: QaSnapshot | None) -> None:
        """Rows for the operator's invitations. The selection (and a typed email) stays, unless an
        invitation was just sent: then the newest is selected."""
        invitations = snapshot.invitations if snapshot is not None else ()
        arrived = [i.view.id for i in invitations if i.view.id not in self._invitations]
        known_before = bool(self._invitations)
        self._invitations = {i.view.id: i for i in invitations}
        keep = self._selected_id if self._selected_id in self._invitations else None
        if arrived and known_before:
            keep = arrived[0]  # an invitation was just sent: select it (newest first)
        row_height = 3 * self.list.fontMetrics().height() + 12
        self.list.blockSignals(True)
        self.list.clear()
        for invitation in invitations:
            item = QListWidgetItem(item_text(invitation.view))
            item.setSizeHint(QSize(0, row_height))
            item.setData(ID_ROLE, invitation.view.id)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, describe(invitation.view))
            self.list.addItem(item)
            if invitation.view.id == keep:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        operator = snapshot.operator if snapshot is not None else None
        self.empty_label.setText(
            self.tr("Nobody is signed in.")
            if operator is None
            else self.tr(
                "No invitations from {operator} yet. Send one from the settings window "
                "(Invite…), then pick it here."
            ).format(operator=operator)
        )
        self.empty_label.setVisible(not invitations)
        self.list.setVisible(bool(invitations))
        filler = QSizePolicy.Policy.Minimum if invitations else QSizePolicy.Policy.Expanding
        self._filler.changeSize(0, 0, QSizePolicy.Policy.Minimum, filler)
        self._left.invalidate()
        if keep is None and invitations:
            self.list.setCurrentRow(0)  # the newest: what was just sent
        elif keep is None:
            self._show_selected(None)
        elif keep == self._selected_id:
            self._show_selected(self._invitations[keep], reset_email=False)
        else:
            self._selected_id = keep
            self._show_selected(self._invitations[keep], reset_email=True)

    @Slot(QListWidgetItem, QListWidgetItem)
    def _selection_changed(self, current: QListWidgetItem | None, _: object = None) -> None:
        invitation_id = current.data(ID_ROLE) if current is not None else None
        self._selected_id = invitation_id
        self._show_selected(self._invitations.get(invitation_id or ""), reset_email=True)

    def _show_selected(self, invitation: QaInvitation | None, *, reset_email: bool = True) -> None:
        acting = (
            self.open_button,
            self.join_button,
            self.init_button,
            self.prompt_button,
            self.prompt_n_button,
            self.prompts_spin,
            self.email_edit,
            self.copy_link_button,
        )
        for widget in acting:
            widget.setEnabled(invitation is not None)
        self.details.setVisible(invitation is not None)
        if invitation is None:
            self.link_edit.clear()
            self.email_edit.clear()
            return
        view = invitation.view
        self.state_label.setText(
            self.tr("{recipient}: {state}").format(
                recipient=view.recipient, state=state_name(view.state)
            )
        )
        sent = self.tr("Sent {when}.").format(when=date_time(view.created_at))
        self.checklist_label.setText(f"{sent}\n{checklist_text(view)}")
        self.link_edit.setText(view.link)
        self.link_edit.setCursorPosition(0)
        if reset_email:
            self.email_edit.setText(view.recipient)
            self._fields.clear()
        left = max(2, view.prompts_required - view.prompts)
        self._fields.load(self.prompts_spin, partial(self.prompts_spin.setValue, left))

    @Slot(int)
    def _update_prompt_n_text(self, count: int) -> None:
        self.prompt_n_button.setText(self._prompts_text(count))

    def _prompts_text(self, count: int) -> str:
        """`Send 3 prompts` (the spin box starts at 2; "Send 1 prompt" has its own button)."""
        return counted(count, self.tr("Send {count} prompt"), self.tr("Send {count} prompts"))

    def _link(self) -> str | None:
        invitation = self.selected
        return invitation.view.link if invitation is not None else None

    @Slot()
    def _open(self) -> None:
        if (link := self._link()) is not None:
            self.qa.open_link(link)

    @Slot()
    def _join(self) -> None:
        if (link := self._link()) is not None:
            self.qa.join(link, self.email_edit.text().strip())

    @Slot()
    def _initialise(self) -> None:
        if (link := self._link()) is not None:
            self.qa.initialise(link, self.email_edit.text().strip())

    @Slot()
    def _prompt_once(self) -> None:
        if (link := self._link()) is not None:
            self.qa.prompt(link, self.email_edit.text().strip(), 1)

    @Slot()
    def _prompt_n(self) -> None:
        if (link := self._link()) is not None:
            self._fields.clear()
            self.qa.prompt(link, self.email_edit.text().strip(), self.prompts_spin.value())

    @Slot()
    def _copy_link(self) -> None:
        if self.link_edit.text():
            QGuiApplication.clipboard().setText(self.link_edit.text())
