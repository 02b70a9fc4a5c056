"""The Offer tab (issue 14): the operator's offer as the backend hands it out, with the reason
when it is not offered (QA only: the product keeps the module absent, R1); the offer's copy and
switches (`sim offer set`), and a complimentary credit for the operator (`sim grant`)."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.controller.qa_state import QaOffer, QaSnapshot
from desktop.domain.offer import OfferSettings, reward_capacity_text, send_capacity_text
from desktop.ui.formatting import date_time
from desktop.ui.labels import plain_label
from desktop.ui.qa.port import QaPort


def capacity_words(capacity: int | None) -> str:
    """`3`, or `unknown` (never shown as zero)."""
    return "unknown" if capacity is None else str(capacity)


def offer_facts(offer: QaOffer | None) -> str:
    """The offer in lines: whether it is offered (and why not), its capacities and expiry."""
    if offer is None:
        return "Sign in to see the operator's offer."
    if not offer.offered:
        return f"Not offered (the module stays absent): {offer.unavailable_reason}"
    lines = [
        f"Offered: {offer.title}",
        f"Send capacity: {capacity_words(offer.send_capacity)}; reward capacity: "
        f"{capacity_words(offer.reward_capacity)}; "
        f"up to {offer.max_recipients} addresses per send.",
    ]
    send = send_capacity_text(
        offer.send_capacity, offer.send_capacity_frees_at, format_time=date_time
    )
    reward = reward_capacity_text(
        offer.reward_capacity, offer.rewards_resume_at, format_time=date_time
    )
    lines.extend(text for text in (send, reward) if text and not text[0].isdigit())
    lines.append(
        f"Confirmation {'required' if offer.requires_confirmation else 'not required'}; "
        f"expires {date_time(offer.expires_at)}; id {offer.id[:24]}…"
    )
    return "\n".join(lines)


class OfferPanel(QWidget):
    """Shows the offer; sets its copy and switches; grants a complimentary credit."""

    def __init__(self, qa: QaPort, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.qa = qa
        self._shown: OfferSettings | None = None  # the settings the inputs were filled with
        self.facts_label = plain_label(wrap=True, object_name="qaOfferFacts")
        self.facts_label.setAccessibleName("The operator's offer")

        self.title_edit = QLineEdit()
        self.title_edit.setObjectName("qaOfferTitle")
        self.title_edit.setAccessibleName("Offer title (empty: the default words)")
        self.description_edit = QLineEdit()
        self.description_edit.setObjectName("qaOfferDescription")
        self.description_edit.setAccessibleName("Offer description (empty: the default words)")
        self.rules_edit = QPlainTextEdit()
        self.rules_edit.setObjectName("qaOfferRules")
        self.rules_edit.setAccessibleName("Offer rules, one a line (empty: the default rules)")
        self.rules_edit.setFixedHeight(72)
        self.confirmation_check = QCheckBox("Requires confirmation")
        self.confirmation_check.setObjectName("qaOfferConfirmation")
        self.confirmation_check.setAccessibleName("The offer requires confirmation")
        self.paused_check = QCheckBox("Paused (offered to nobody)")
        self.paused_check.setObjectName("qaOfferPaused")
        self.paused_check.setAccessibleName("The offer is paused")
        self.capacities_check = QCheckBox("Report capacities (off: unknown)")
        self.capacities_check.setObjectName("qaOfferCapacities")
        self.capacities_check.setAccessibleName("The offer reports its capacities")
        self.apply_button = QPushButton("Apply offer")
        self.apply_button.setObjectName("qaOfferApplyButton")
        self.apply_button.setAccessibleName("Apply the offer's copy and switches")
        self.apply_button.setProperty("role", "primary")
        self.apply_button.clicked.connect(self._apply)
        offer_box = QGroupBox("Offer copy and switches")
        form = QFormLayout(offer_box)
        form.addRow("Title", self.title_edit)
        form.addRow("Description", self.description_edit)
        form.addRow("Rules", self.rules_edit)
        switches = QHBoxLayout()
        for check in (self.confirmation_check, self.paused_check, self.capacities_check):
            switches.addWidget(check)
        form.addRow(switches)
        form.addRow(self.apply_button)

        self.grant_title_edit = QLineEdit()
        self.grant_title_edit.setObjectName("qaGrantTitle")
        self.grant_title_edit.setAccessibleName("Credit title (empty: the default)")
        self.grant_days = QSpinBox()
        self.grant_days.setObjectName("qaGrantDays")
        self.grant_days.setAccessibleName("Expires after days (0: never)")
        self.grant_days.setRange(0, 3650)
        self.grant_days.setValue(30)
        self.grant_windows = QComboBox()
        self.grant_windows.setObjectName("qaGrantWindows")
        self.grant_windows.setAccessibleName("Windows the credit resets")
        self.grant_windows.addItem("Weekly and 5-hour", "both")
        self.grant_windows.addItem("5-hour only", "five_hour")
        self.grant_windows.view().setObjectName("qaGrantWindowsChoices")
        self.grant_windows.view().setAccessibleName("Windows the credit resets, choices")
        self.grant_button = QPushButton("Grant complimentary credit")
        self.grant_button.setObjectName("qaGrantButton")
        self.grant_button.setAccessibleName("Grant a complimentary credit to the operator")
        self.grant_button.clicked.connect(self._grant)
        grant_box = QGroupBox("Complimentary credit for the operator")
        grant_form = QFormLayout(grant_box)
        grant_form.addRow("Title", self.grant_title_edit)
        grant_form.addRow("Expires after days (0: never)", self.grant_days)
        grant_form.addRow("Resets", self.grant_windows)
        grant_form.addRow(self.grant_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.facts_label)
        layout.addWidget(offer_box)
        layout.addWidget(grant_box)
        layout.addStretch(1)

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
