"""Invite up to the offer's `max_recipients` peers at once: validate as you type, show the
server's offer and capacities, confirm, re-check eligibility, send each exactly once (R2,
issue 14). Each address is its own invitation with its own key and outcome."""

from __future__ import annotations

import re
from enum import Enum, auto

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.controller.state import (
    AppState,
    InvitationView,
    OperationResult,
    SyncPhase,
)
from desktop.domain.emails import InvalidEmail, is_own_address, normalise_email
from desktop.domain.offer import REPEATED_RECIPIENT, Offer, recipients_problem, send_capacity_text
from desktop.domain.outcomes import Operation, Outcome, describe
from desktop.domain.policy import ReferralPolicy
from desktop.domain.reasons import Reason, explain, fill, translated
from desktop.ui.formatting import date_time
from desktop.ui.labels import plain_label, set_role
from desktop.ui.port import ControllerPort
from desktop.ui.referral.summary import (
    cap_warning_text,
    capacity_text,
    offer_description,
    offer_rules_text,
    offer_title,
)
from desktop.ui.remembered import remember_last
from desktop.ui.theme import icon

RECHECK_TIMEOUT_MS = 10_000  # give up waiting for the eligibility re-check and use what we know
VALIDATE_AFTER_MS = 700
"""An address is checked when typing pauses this long, or when the field is left: "sam@" half
typed is not an error yet."""


class Phase(Enum):
    """Where one attempt stands. Only EDITING accepts a click on Send."""

    EDITING = auto()
    CHECKING = auto()  # sync_now requested; waiting for its result
    SENDING = auto()  # send_invitation requested; waiting for its result
    WAITING = auto()  # in the outbox (not sent yet, or its answer was lost): settles by itself
    DONE = auto()  # sent; a new address starts a new attempt
    BLOCKED = auto()  # no longer eligible: nothing can be sent


DEFAULT_MAX_RECIPIENTS = 5
"""Addresses per send when the server gave no offer (the offer's `max_recipients` otherwise)."""

_SEPARATORS = re.compile(r"[,;\s]+")


def entered_addresses(text: str) -> list[str]:
    """The addresses typed in the field, separated by commas, semicolons, spaces or lines."""
    return [part for part in _SEPARATORS.split(text.strip()) if part]


def validation_error(text: str, state: AppState) -> str:
    """Why `text` cannot be sent, one sentence per problem on its own line, or "" when it can.
    Empty text is not an error yet."""
    addresses = entered_addresses(text)
    if not addresses:
        return ""
    problems: list[str] = []
    seen: set[str] = set()
    for entered in addresses:
        problem = _address_problem(entered, state, seen)
        if problem:
            problems.append(problem)
    offer = state.offer
    limit = DEFAULT_MAX_RECIPIENTS if offer is None else offer.max_recipients
    capacity = None if offer is None else offer.send_capacity
    if capacity == 0 and offer is not None:
        problems.append(_no_capacity(offer, state))
    else:
        too_many = recipients_problem(len(addresses), limit, capacity)
        if too_many:
            problems.append(too_many)
    return "\n".join(problems)


def _no_capacity(offer: Offer, state: AppState) -> str:
    """No send capacity left: the daily limit's own sentence (the backend's, one rule, one
    sentence), naming when the next invitation frees."""
    frees_at = offer.send_capacity_frees_at
    if frees_at is None:
        return send_capacity_text(0, None)
    limit = (state.policy or ReferralPolicy()).daily_invitation_limit
    return explain(
        Reason.DAILY_LIMIT,
        {"limit": limit, "at": frees_at},
        format_time=lambda at: date_time(at, now=state.backend_now),
    )


def _address_problem(entered: str, state: AppState, seen: set[str]) -> str:
    try:
        address = normalise_email(entered)
    except InvalidEmail as error:
        return str(error)
    if state.account is not None and is_own_address(address, state.account.email):
        return explain(Reason.SELF_INVITE)
    if address in pending_recipients(state.invitations):
        return explain(Reason.DUPLICATE_PENDING, {"recipient": address})
    if address.lower() in seen:
        return fill(translated("offer", REPEATED_RECIPIENT), {"recipient": address})
    seen.add(address.lower())
    return ""


def named(addresses: list[str]) -> str:
    """`a@x`, `a@x and b@x`, `a@x, b@x and c@x`."""
    if len(addresses) < 2:
        return "".join(addresses)
    return QCoreApplication.translate("InviteDialog", "{first} and {last}").format(
        first=", ".join(addresses[:-1]), last=addresses[-1]
    )


@remember_last
def pending_recipients(invitations: tuple[InvitationView, ...]) -> frozenset[str]:
    """The recipients of the invitations that are not final, as compared: lower case.

    Recipients come normalised from the backend and the outbox, so lower case compares them
    as the backend would, without validating thousands of addresses on every keystroke.
    Remembered for the last tuple of invitations (a state's tuple is reused while unchanged).
    """
    return frozenset(i.recipient.lower() for i in invitations if not i.state.is_final)


def message_preview(invitation: InvitationView) -> str:
    """The message the backend dispatched to the peer, word for word, as plain text."""
    return QCoreApplication.translate(
        "InviteDialog", "To: {recipient}\nSubject: {subject}\n\n{body}"
    ).format(
        recipient=invitation.recipient,
        subject=invitation.message_subject,
        body=invitation.message_body,
    )


def confirmation_text(dormancy_days: int) -> str:
    """What the operator agrees to before an invitation goes (the real client asks this too)."""
    return QCoreApplication.translate(
        "InviteDialog",
        "Invite someone who is new to the product or has been away for more than {days} days, "
        "and only with their consent: they receive an email from us with a personal link.",
    ).format(days=dormancy_days)


def confirmation_box(
    parent: QWidget | None, address: str, state: AppState
) -> tuple[QMessageBox, QPushButton]:
    """The "Send an invitation to …?" box (not yet shown) and its Send button. `address` names
    every recipient ("a@x, b@x and c@x"). When the offer requires confirmation, its rules are
    part of what the operator agrees to; a reward capacity of 0 is said here too."""
    days = (state.policy or ReferralPolicy()).dormancy_days
    several = address.count("@") > 1  # every address has exactly one
    box = QMessageBox(parent)
    box.setObjectName("inviteConfirmDialog")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(
        QCoreApplication.translate("InviteDialog", "Send invitations?")
        if several
        else QCoreApplication.translate("InviteDialog", "Send invitation?")
    )
    box.setTextFormat(Qt.TextFormat.PlainText)
    question = (
        QCoreApplication.translate("InviteDialog", "Send an invitation each to {address}?")
        if several
        else QCoreApplication.translate("InviteDialog", "Send an invitation to {address}?")
    )
    box.setText(question.format(address=address))
    informative = [confirmation_text(days)]
    offer = state.offer
    if offer is not None and offer.requires_confirmation and offer.rules:
        informative.append(offer_rules_text(offer))
    if offer is not None and offer.reward_capacity == 0:
        informative.append(capacity_text(offer, state.backend_now))
    box.setInformativeText("\n\n".join(informative))
    label = (
        QCoreApplication.translate("InviteDialog", "Send invitations")
        if several
        else QCoreApplication.translate("InviteDialog", "Send invitation")
    )
    send = box.addButton(label, QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    return box, send


class InviteDialog(QDialog):
    """`inviteDialog`. One intent per address: the controller's keys follow them until settled."""

    def __init__(self, controller: ControllerPort, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.state = controller.state
        self.phase = Phase.EDITING
        self.key: str | None = None  # the first address's intent, from the controller
        self.keys: dict[str, str] = {}  # intent key -> address, for every address of a send
        self.results: dict[str, OperationResult] = {}  # the latest result of each key
        self._addresses: list[str] = []
        self._offer_id: str | None = None  # the offer the operator confirmed against
        self._address = ""
        self._check_baseline: object = None
        self._saw_syncing = False
        self._server_error = ""  # the last refusal or failure, kept until the address changes

        self.setObjectName("inviteDialog")
        self.setWindowTitle(self.tr("Invite a peer"))
        self.setAccessibleName(self.tr("Invite a peer"))
        self.setMinimumWidth(480)

        self.heading = heading = plain_label(
            offer_title(self.state.offer), role="sectionTitle", object_name="inviteOfferTitle"
        )
        self.intro = intro = plain_label(
            offer_description(self.state.offer),
            role="muted",
            wrap=True,
            object_name="inviteOfferDescription",
        )
        self.rules_label = plain_label(role="muted", wrap=True, object_name="inviteOfferRules")
        self.rules_label.setAccessibleName(self.tr("The offer's rules"))
        self.capacity_label = plain_label(wrap=True, object_name="inviteCapacityLabel")
        self.capacity_label.setAccessibleName(self.tr("Invitations left"))
        self.email_edit = QLineEdit()
        self.email_edit.setObjectName("inviteEmailEdit")
        self.email_edit.setAccessibleName(self.tr("Email addresses, separated by commas"))
        self.email_edit.setPlaceholderText(self.tr("name@example.com, another@example.com"))
        self.email_edit.setClearButtonEnabled(True)
        self.email_edit.textChanged.connect(self._text_edited)
        self.email_edit.returnPressed.connect(self._send_clicked)
        self.email_edit.editingFinished.connect(self._check_now)
        self._checked = False  # the address on screen has been checked (pause, leave, Send)
        self._pause = QTimer(self)
        self._pause.setSingleShot(True)
        self._pause.setInterval(VALIDATE_AFTER_MS)
        self._pause.timeout.connect(self._check_now)

        self.error_label = plain_label(role="error", wrap=True, object_name="inviteErrorLabel")
        self.error_label.setAccessibleName(self.tr("Invitation error"))
        self.cap_label = plain_label(wrap=True, object_name="capWarningLabel")
        self.cap_label.setAccessibleName(self.tr("Cap warning"))
        self.status_label = plain_label(wrap=True, object_name="inviteStatusLabel")
        self.status_label.setAccessibleName(self.tr("Invitation status"))

        self.preview = QFrame()
        self.preview.setObjectName("invitePreviewFrame")
        preview_layout = QVBoxLayout(self.preview)
        preview_layout.setContentsMargins(0, 0, 0, 0)
        self.preview_text = QPlainTextEdit()
        self.preview_text.setObjectName("invitePreview")
        self.preview_text.setAccessibleName(self.tr("Message preview"))
        self.preview_text.setReadOnly(True)
        self.preview_text.setFixedHeight(150)
        self.link_edit = QLineEdit()
        self.link_edit.setObjectName("inviteLinkEdit")
        self.link_edit.setAccessibleName(self.tr("Personal link"))
        self.link_edit.setReadOnly(True)
        self.copy_button = QPushButton(self.tr("Copy link"))
        self.copy_button.setObjectName("copyLinkButton")
        self.copy_button.setAccessibleName(self.tr("Copy the personal link"))
        self.copy_button.setIcon(icon("copy"))
        self.copy_button.clicked.connect(self._copy_link)
        link_row = QHBoxLayout()
        link_row.addWidget(self.link_edit, 1)
        link_row.addWidget(self.copy_button)
        preview_layout.addWidget(plain_label(self.tr("Message preview"), role="fieldLabel"))
        preview_layout.addWidget(self.preview_text)
        preview_layout.addLayout(link_row)
        self.preview.hide()

        self.close_button = QPushButton(self.tr("Close"))
        self.close_button.setObjectName("inviteCloseButton")
        self.close_button.setAccessibleName(self.tr("Close"))
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.close)
        self.send_button = QPushButton(self.tr("Send invitation"))
        self.send_button.setObjectName("inviteSendButton")
        self.send_button.setAccessibleName(self.tr("Send invitation"))
        self.send_button.setProperty("role", "primary")
        self.send_button.setIcon(icon("mail", "#ffffff"))
        self.send_button.setAutoDefault(False)
        self.send_button.clicked.connect(self._send_clicked)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.send_button)

        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addWidget(self.rules_label)
        layout.addWidget(self.capacity_label)
        layout.addWidget(self.email_edit)
        layout.addWidget(self.error_label)
        layout.addWidget(self.cap_label)
        layout.addWidget(self.status_label)
        layout.addWidget(self.preview)
        layout.addStretch(1)
        layout.addLayout(buttons)

        self.setTabOrder(self.email_edit, self.send_button)
        self.setTabOrder(self.send_button, self.close_button)
        self.setTabOrder(self.close_button, self.copy_button)

        self._recheck_timer = QTimer(self)
        self._recheck_timer.setSingleShot(True)
        self._recheck_timer.setInterval(RECHECK_TIMEOUT_MS)
        self._recheck_timer.timeout.connect(self._finish_check)

        controller.stateChanged.connect(self._state_changed)
        controller.operationFinished.connect(self._invite_finished)
        self._set_status("", "muted")
        self._refresh()
        self.email_edit.setFocus()

    # -- rendering ------------------------------------------------------------------------------

    def _refresh(self) -> None:
        offer = self.state.offer
        self.heading.setText(offer_title(offer))
        self.intro.setText(offer_description(offer))
        rules = offer_rules_text(offer)
        self.rules_label.setText(rules)
        self.rules_label.setVisible(bool(rules))
        capacity = capacity_text(offer, self.state.backend_now)
        self.capacity_label.setText(capacity)
        self.capacity_label.setVisible(bool(capacity))
        cycle = self.state.cycle
        capped = cycle is not None and cycle.capped
        self.cap_label.setVisible(capped)
        if cycle is not None and capped:
            self.cap_label.setText(cap_warning_text(cycle))
        error = ""
        if self.phase is Phase.EDITING:
            error = validation_error(self.email_edit.text(), self.state) if self._checked else ""
            self._show_error(error or self._server_error)
        self.send_button.setEnabled(
            self.phase is Phase.EDITING and bool(self.email_edit.text().strip()) and not error
        )
        several = len(entered_addresses(self.email_edit.text())) > 1
        self.send_button.setText(
            self.tr("Send invitations") if several else self.tr("Send invitation")
        )
        self.email_edit.setReadOnly(self.phase in (Phase.CHECKING, Phase.SENDING))

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    def _set_status(self, text: str, role: str) -> None:
        self.status_label.setText(text)
        set_role(self.status_label, role)
        self.status_label.setVisible(bool(text))

    # -- user actions ---------------------------------------------------------------------------

    @Slot(str)
    def _text_edited(self, _text: str) -> None:
        if self.phase in (Phase.CHECKING, Phase.SENDING, Phase.BLOCKED):
            return
        # A different address is a different intent (the one waiting goes out by itself).
        self.key = None
        self.keys = {}
        self.results = {}
        self._server_error = ""
        self.phase = Phase.EDITING
        self._checked = False
        self._pause.start()
        self.preview.hide()
        self._set_status("", "muted")
        self._refresh()

    @Slot()
    def _check_now(self) -> None:
        """Typing paused or the field was left: say what is wrong with the address, if anything."""
        self._pause.stop()
        if not self._checked and self.phase is Phase.EDITING:
            self._checked = True
            self._refresh()

    @classmethod
    def confirm_send(cls, parent: QWidget | None, address: str, state: AppState) -> bool:
        """Ask before sending, naming the address; Cancel is the default. Tests replace this."""
        box, send = confirmation_box(parent, address, state)
        box.exec()
        return box.clickedButton() is send

    @Slot()
    def _send_clicked(self) -> None:
        if self.phase is not Phase.EDITING:
            return  # a second click while in flight reuses the one request
        self._checked = True
        self._pause.stop()
        error = validation_error(self.email_edit.text(), self.state)
        if error or not self.email_edit.text().strip():
            self._show_error(error or explain(Reason.EMPTY_EMAIL))
            return
        self._addresses = [normalise_email(a) for a in entered_addresses(self.email_edit.text())]
        self._address = self._addresses[0]
        offer = self.state.offer
        self._offer_id = None if offer is None else offer.id  # the terms on screen now
        if not type(self).confirm_send(self, named(self._addresses), self.state):
            self._set_status(self.tr("Not sent: you cancelled."), "muted")
            return
        self.phase = Phase.CHECKING
        self._server_error = ""
        self._show_error("")
        self._set_status(self.tr("Checking that you can still send invitations…"), "muted")
        self._check_baseline = self.state.sync.last_synced_at
        self._saw_syncing = False
        self._refresh()
        self._recheck_timer.start()
        self.controller.sync_now()

    @Slot()
    def _copy_link(self) -> None:
        QGuiApplication.clipboard().setText(self.link_edit.text())
        self._set_status(self.tr("Link copied to the clipboard."), "success")

    # -- controller signals ---------------------------------------------------------------------

    @Slot(object)
    def _state_changed(self, state: AppState) -> None:
        self.state = state
        if self.phase is Phase.CHECKING:
            phase = state.sync.phase
            if phase is SyncPhase.SYNCING:
                self._saw_syncing = True
            elif (
                self._saw_syncing
                or phase in (SyncPhase.OFFLINE, SyncPhase.ERROR)
                or state.sync.last_synced_at != self._check_baseline
            ):
                self._finish_check()
                return
        self._refresh()

    @Slot()
    def _finish_check(self) -> None:
        if self.phase is not Phase.CHECKING:
            return
        self._recheck_timer.stop()
        if not self.state.show_referral_section:
            self.phase = Phase.BLOCKED
            self._set_status("", "muted")
            self._refresh()
            self._show_error(describe(Operation.SEND, Outcome.REFUSED, Reason.NOT_IN_COHORT))
            return
        self.phase = Phase.SENDING
        self._set_status(
            self.tr("Sending to {addresses}…").format(addresses=named(self._addresses)), "muted"
        )
        self._refresh()
        keys = self.controller.send_invitations(self._addresses, self._offer_id)
        self.keys = dict(zip(keys, self._addresses, strict=True))
        self.results = {}
        self.key = keys[0]

    @Slot(object)
    def _invite_finished(self, result: OperationResult) -> None:
        if result.operation is not Operation.SEND or result.key not in self.keys:
            return
        if self.phase not in (Phase.SENDING, Phase.WAITING):
            return
        self.results[result.key] = result
        if len(self.keys) == 1:
            self._single_finished(result)
        else:
            self._several_finished()
        self._refresh()

    def _single_finished(self, result: OperationResult) -> None:
        if result.outcome is Outcome.DONE:
            self.phase = Phase.DONE
            self._set_status(
                self.tr("{message} Follow its progress in your invitations.").format(
                    message=result.message
                ),
                "success",
            )
            invitation = result.invitation or self._sent_invitation()
            if invitation is not None:
                self._show_preview(invitation)
        elif result.outcome is Outcome.REFUSED:
            self.phase = Phase.EDITING
            self.key = None  # a rule said no and nothing was created
            self.keys = {}
            self._server_error = result.message
            self._set_status("", "muted")
        else:  # NOT_SENT or UNKNOWN: in the outbox under its key; the result settles it here
            self.phase = Phase.WAITING
            self._set_status(result.message, "muted")

    def _several_finished(self) -> None:
        """One line per recipient, in the order typed: each its own outcome."""
        lines = []
        for key, address in self.keys.items():
            result = self.results.get(key)
            if result is None:
                lines.append(self.tr("{address}: sending…").format(address=address))
            elif result.outcome is Outcome.DONE:
                lines.append(result.message)
            else:
                lines.append(
                    self.tr("{address}: {message}").format(address=address, message=result.message)
                )
        results = [self.results.get(key) for key in self.keys]
        # Done or refused is the end; not sent or unknown waits in the outbox and settles.
        ended = (Outcome.DONE, Outcome.REFUSED)
        settled = [r for r in results if r is not None and r.outcome in ended]
        if len(settled) < len(self.keys):
            self.phase = Phase.WAITING if len(self.results) == len(self.keys) else Phase.SENDING
            role = "muted"
        elif any(r.outcome is Outcome.DONE for r in settled):
            self.phase = Phase.DONE
            role = "success" if all(r.outcome is Outcome.DONE for r in settled) else "muted"
            sent = next(r.invitation for r in settled if r.outcome is Outcome.DONE)
            if sent is not None:
                self._show_preview(sent)
        else:  # every one refused: nothing was created; fix the list and send again
            self.phase = Phase.EDITING
            self.key = None
            self.keys = {}
            self._server_error = "\n".join(lines)
            self._set_status("", "muted")
            return
        self._set_status("\n".join(lines), role)

    def _sent_invitation(self) -> InvitationView | None:
        """The newest invitation to this address in the latest state (when the outcome has none)."""
        address = self._address.lower()  # normalised; recipients are too (see pending_recipients)
        matches = [
            invitation
            for invitation in self.state.invitations
            if invitation.link and invitation.recipient.lower() == address
        ]
        return max(matches, key=lambda i: i.created_at, default=None)

    def _show_preview(self, invitation: InvitationView) -> None:
        self.preview_text.setPlainText(message_preview(invitation))
        self.preview_text.setVisible(bool(invitation.message_body))
        self.link_edit.setText(invitation.link)
        self.link_edit.setCursorPosition(0)
        self.preview.setVisible(bool(invitation.link))
