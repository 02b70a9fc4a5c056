"""The Offer tab (issue 14): the operator's offer as the backend hands it out, with the reason
when it is not offered (QA only: the product keeps the module absent, R1); the offer's copy and
switches (`sim offer set`), and a complimentary credit for the operator (`sim grant`)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.controller.qa_state import QaOffer, QaSnapshot
from desktop.domain.offer import OfferSettings, reward_capacity_text, send_capacity_text
from desktop.domain.outcomes import CREDIT_WINDOWS_WORDS
from desktop.ui.formatting import date_time
from desktop.ui.labels import plain_label
from desktop.ui.qa.port import QaPort
from desktop.ui.translation import marked


def capacity_words(capacity: int | None) -> str:
    """`3`, or `unknown` (never shown as zero)."""
    if capacity is None:
        return QCoreApplication.translate("OfferPanel", "unknown")
    return str(capacity)


def offer_facts(read: QaOffer | None) -> str:
    """The offer in lines: whether it is offered (and why not), its capacities and expiry."""
    if read is None:
        return QCoreApplication.translate("OfferPanel", "Sign in to see the operator's offer.")
    offer = read.offer
    if not offer.offered:
        return QCoreApplication.translate(
            "OfferPanel", "Not offered (the module stays absent): {reason}"
        ).format(reason=read.reason)
    lines = [
        QCoreApplication.translate("OfferPanel", "Offered: {title}").format(title=offer.title),
        QCoreApplication.translate(
            "OfferPanel",
            "Send capacity: {send}; reward capacity: {reward}; up to {most} addresses per send.",
        ).format(
            send=capacity_words(offer.send_capacity),
            reward=capacity_words(offer.reward_capacity),
            most=offer.max_recipients,
        ),
    ]
    send = send_capacity_text(
        offer.send_capacity, offer.send_capacity_frees_at, format_time=date_time
    )
    reward = reward_capacity_text(
        offer.reward_capacity, offer.rewards_resume_at, format_time=date_time
    )
    # The count is in the line above; only "none left until ..." adds something.
    lines.extend(text for text in (send if offer.send_capacity == 0 else "", reward) if text)
    confirmation = (
        QCoreApplication.translate("OfferPanel", "Confirmation required; expires {when}; id {id}…")
        if offer.requires_confirmation
        else QCoreApplication.translate(
            "OfferPanel", "Confirmation not required; expires {when}; id {id}…"
        )
    )
    lines.append(confirmation.format(when=date_time(offer.expires_at), id=offer.id[:24]))
    return "\n".join(lines)


class OfferPanel(QWidget):
    """Shows the offer; sets its copy and switches; grants a complimentary credit."""

    def __init__(self, qa: QaPort, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.qa = qa
        self._shown: OfferSettings | None = None  # the settings the inputs were filled with
        self.facts_label = plain_label(wrap=True, object_name="qaOfferFacts")
        self.facts_label.setAccessibleName(self.tr("The operator's offer"))

        self.title_edit = QLineEdit()
        self.title_edit.setObjectName("qaOfferTitle")
        self.title_edit.setAccessibleName(self.tr("Offer title (empty: the default words)"))
        self.description_edit = QLineEdit()
        self.description_edit.setObjectName("qaOfferDescription")
        self.description_edit.setAccessibleName(
            self.tr("Offer description (empty: the default words)")
        )
        self.rules_edit = QPlainTextEdit()
        self.rules_edit.setObjectName("qaOfferRules")
        self.rules_edit.setAccessibleName(
            self.tr("Offer rules, one a line (empty: the default rules)")
        )
        self.rules_edit.setFixedHeight(72)
        self.confirmation_check = QCheckBox(self.tr("Requires confirmation"))
        self.confirmation_check.setObjectName("qaOfferConfirmation")
        self.confirmation_check.setAccessibleName(self.tr("The offer requires confirmation"))
        self.paused_check = QCheckBox(self.tr("Paused (offered to nobody)"))
        self.paused_check.setObjectName("qaOfferPaused")
        self.paused_check.setAccessibleName(self.tr("The offer is paused"))
        self.capacities_check = QCheckBox(self.tr("Report capacities (off: unknown)"))
        self.capacities_check.setObjectName("qaOfferCapacities")
        self.capacities_check.setAccessibleName(self.tr("The offer reports its capacities"))
        self.apply_button = QPushButton(self.tr("Apply offer"))
        self.apply_button.setObjectName("qaOfferApplyButton")
        self.apply_button.setAccessibleName(self.tr("Apply the offer's copy and switches"))
        self.apply_button.setProperty("role", "primary")
        self.apply_button.clicked.connect(self._apply)
        offer_box = QGroupBox(self.tr("Offer copy and switches"))
        form = QFormLayout(offer_box)
        form.addRow(self.tr("Title"), self.title_edit)
        form.addRow(self.tr("Description"), self.description_edit)
        form.addRow(self.tr("Rules"), self.rules_edit)
        switches = QVBoxLayout()  # one a line: side by side they outgrow a narrow window
        for check in (self.confirmation_check, self.paused_check, self.capacities_check):
            switches.addWidget(check, 0, Qt.AlignmentFlag.AlignLeft)  # as wide as its words
        form.addRow(switches)
        form.addRow(self.apply_button)

        self.grant_title_edit = QLineEdit()
        self.grant_title_edit.setObjectName("qaGrantTitle")
        self.grant_title_edit.setAccessibleName(self.tr("Credit title (empty: the default)"))
        self.grant_days = QSpinBox()
        self.grant_days.setObjectName("qaGrantDays")
        self.grant_days.setAccessibleName(self.tr("Expires after days (0: never)"))
        self.grant_days.setRange(0, 3650)
        self.grant_days.setValue(30)
        self.grant_windows = QComboBox()
        self.grant_windows.setObjectName("qaGrantWindows")
        self.grant_windows.setAccessibleName(self.tr("Windows the credit resets"))
        for windows in ("both", "five_hour"):
            self.grant_windows.addItem(marked("outcomes", CREDIT_WINDOWS_WORDS[windows]), windows)
        self.grant_windows.view().setObjectName("qaGrantWindowsChoices")
        self.grant_windows.view().setAccessibleName(self.tr("Windows the credit resets, choices"))
        self.grant_button = QPushButton(self.tr("Grant complimentary credit"))
        self.grant_button.setObjectName("qaGrantButton")
        self.grant_button.setAccessibleName(self.tr("Grant a complimentary credit to the operator"))
        self.grant_button.clicked.connect(self._grant)
        grant_box = QGroupBox(self.tr("Complimentary credit for the operator"))
        grant_form = QFormLayout(grant_box)
        grant_form.addRow(self.tr("Title"), self.grant_title_edit)
        grant_form.addRow(self.tr("Expires after days (0: never)"), self.grant_days)
        grant_form.addRow(self.tr("Resets"), self.grant_windows)
        grant_form.addRow(self.grant_button)

        # In a scroll area: the facts, the offer's inputs and the grant are taller than the tab
        # on a short screen, and squeezed they would cut their own text.
        content = QWidget()
        content.setObjectName("qaOfferContent")
        inner = QVBoxLayout(content)
        inner.addWidget(self.facts_label)
        inner.addWidget(offer_box)
        inner.addWidget(grant_box)
        inner.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("qaOfferScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

    def show_snapshot(self, snapshot: QaSnapshot | None) -> None:
        """The offer's facts, and its settings in the inputs."""
        offer = None if snapshot is None else snapshot.offer
        self.facts_label.setText(offer_facts(offer))
        if offer is None or offer.settings == self._shown:
            return  # the inputs keep what the tester is typing until the settings change
        settings = self._shown = offer.settings
        self.title_edit.setText(settings.title or "")
        self.description_edit.setText(settings.description or "")
        self.rules_edit.setPlainText("\n".join(settings.rules or ()))
        self.confirmation_check.setChecked(settings.requires_confirmation)
        self.paused_check.setChecked(settings.paused)
        self.capacities_check.setChecked(settings.report_capacities)

    def values(self) -> dict[str, object]:
        """The offer settings as typed (empty copy: the default words)."""
        rules = [
            line.strip() for line in self.rules_edit.toPlainText().splitlines() if line.strip()
        ]
        return {
            "title": self.title_edit.text().strip() or None,
            "description": self.description_edit.text().strip() or None,
            "rules": rules or None,
            "requires_confirmation": self.confirmation_check.isChecked(),
            "paused": self.paused_check.isChecked(),
            "report_capacities": self.capacities_check.isChecked(),
        }

    @Slot()
    def _apply(self) -> None:
        self.qa.set_offer(self.values())

    @Slot()
    def _grant(self) -> None:
        days = self.grant_days.value()
        self.qa.grant_credit(
            self.grant_title_edit.text().strip() or None,
            days or None,
            str(self.grant_windows.currentData()),
        )
