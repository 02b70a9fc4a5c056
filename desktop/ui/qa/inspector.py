"""The eligibility inspector: why the signed-in account is or is not in the pilot cohort (R1).

Shown only in the QA window. It sets the backend's answer (deny list, then allow list, then the
rollout bucket) beside what the settings window knows, so "why don't I see it?" has an answer.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from desktop.controller.qa_state import QaAccount
from desktop.controller.state import AppState, Eligibility
from desktop.domain.cohort import CohortDecision, CohortRule
from desktop.domain.policy import COHORT_BUCKETS
from desktop.ui.formatting import ago
from desktop.ui.labels import plain_label, set_role
from desktop.ui.qa.port import QaPort


def verdict_text(decision: CohortDecision) -> str:
    """`In the cohort` / `Not in the cohort`."""
    if decision.eligible:
        return QCoreApplication.translate("EligibilityInspector", "In the cohort")
    return QCoreApplication.translate("EligibilityInspector", "Not in the cohort")


def rule_text(account: QaAccount) -> str:
    """Which step decided, and what the rollout alone would say (what "Clear lists" leads to)."""
    decision = account.cohort
    in_rollout = decision.bucket < decision.rollout_basis_points
    rollout = QCoreApplication.translate(
        "EligibilityInspector",
        "bucket {bucket} of {buckets} against a rollout of {rollout} buckets ({percent}%)",
    ).format(
        bucket=decision.bucket,
        buckets=COHORT_BUCKETS,
        rollout=decision.rollout_basis_points,
        percent=f"{decision.rollout_basis_points / 100:g}",
    )
    if decision.rule is CohortRule.ROLLOUT:
        return QCoreApplication.translate(
            "EligibilityInspector",
            "Decided by the rollout: {rollout}. The account is on neither list.",
        ).format(rollout=rollout)
    if decision.rule is CohortRule.DENY_LIST:
        template = (
            QCoreApplication.translate(
                "EligibilityInspector",
                "Decided by the deny list, which comes before the rollout. Without it the "
                "rollout would decide: {rollout}, so the account would be in.",
            )
            if in_rollout
            else QCoreApplication.translate(
                "EligibilityInspector",
                "Decided by the deny list, which comes before the rollout. Without it the "
                "rollout would decide: {rollout}, so the account would be out.",
            )
        )
    else:
        template = (
            QCoreApplication.translate(
                "EligibilityInspector",
                "Decided by the allow list, which comes before the rollout. Without it the "
                "rollout would decide: {rollout}, so the account would be in.",
            )
            if in_rollout
            else QCoreApplication.translate(
                "EligibilityInspector",
                "Decided by the allow list, which comes before the rollout. Without it the "
                "rollout would decide: {rollout}, so the account would be out.",
            )
        )
    return template.format(rollout=rollout)


def client_text(state: AppState, now: datetime) -> str:
    """What the settings window knows of the flag, and so whether it shows the module."""
    fetched = (
        QCoreApplication.translate("EligibilityInspector", " (fetched {when})").format(
            when=ago(state.eligibility_fetched_at, now)
        )
        if state.eligibility_fetched_at is not None
        else ""
    )
    if state.eligibility is Eligibility.ELIGIBLE:
        return QCoreApplication.translate(
            "EligibilityInspector",
            "Settings window: the flag is on{fetched}, so the invitation module is shown.",
        ).format(fetched=fetched)
    if state.eligibility is Eligibility.NOT_ELIGIBLE:
        return QCoreApplication.translate(
            "EligibilityInspector",
            "Settings window: the flag is off{fetched}, so there is no invitation module.",
        ).format(fetched=fetched)
    return QCoreApplication.translate(
        "EligibilityInspector",
        "Settings window: the flag is not known yet (never fetched, or offline with nothing "
        "saved), so the invitation module stays hidden.",
    )


def mismatch_text(account: QaAccount, state: AppState) -> str:
    """A note when the backend's answer and the settings window disagree (a sync is due)."""
    known = state.eligibility
    if known is Eligibility.UNKNOWN:
        return ""
    if (known is Eligibility.ELIGIBLE) != account.cohort.eligible:
        return QCoreApplication.translate(
            "EligibilityInspector", "The settings window follows on its next successful sync."
        )
    return ""


class EligibilityInspector(QFrame):
    """`qaInspector`: the backend's cohort answer with its reason, and the cohort buttons."""

    def __init__(self, qa: QaPort, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.qa = qa
        self.setObjectName("qaInspector")
        self.setProperty("role", "card")
        self.setAccessibleName(self.tr("Eligibility inspector"))

        title = plain_label(self.tr("Eligibility inspector"), role="sectionTitle")
        self.verdict_label = plain_label(object_name="qaInspectorVerdict")
        self.verdict_label.setAccessibleName(self.tr("Cohort answer"))
        self.reason_label = plain_label(wrap=True, object_name="qaInspectorReason")
        self.reason_label.setAccessibleName(self.tr("Why"))
        self.rule_label = plain_label(role="muted", wrap=True, object_name="qaInspectorRule")
        self.rule_label.setAccessibleName(self.tr("Which rule decided"))
        self.client_label = plain_label(role="muted", wrap=True, object_name="qaInspectorClient")
        self.client_label.setAccessibleName(self.tr("What the settings window knows"))
        self.mismatch_label = plain_label(wrap=True, object_name="qaInspectorMismatch")
        self.mismatch_label.setProperty("role", "error")

        self.allow_button = self._button(self.tr("Allow list"), "qaCohortAllowButton")
        self.allow_button.setAccessibleName(self.tr("Put the account on the allow list"))
        self.allow_button.clicked.connect(lambda: self.qa.set_cohort("allow"))
        self.deny_button = self._button(self.tr("Deny list"), "qaCohortDenyButton")
        self.deny_button.setAccessibleName(self.tr("Put the account on the deny list"))
        self.deny_button.clicked.connect(lambda: self.qa.set_cohort("deny"))
        self.clear_button = self._button(self.tr("Clear lists"), "qaCohortClearButton")
        self.clear_button.setAccessibleName(self.tr("Take the account off both lists"))
        self.clear_button.clicked.connect(lambda: self.qa.set_cohort("clear"))

        header = QHBoxLayout()
        header.addWidget(title)
        header.addStretch(1)
        header.addWidget(self.verdict_label)
        buttons = QHBoxLayout()
        buttons.addWidget(
            plain_label(self.tr("Cohort of the signed-in account:"), role="fieldLabel")
        )
        buttons.addWidget(self.allow_button)
        buttons.addWidget(self.deny_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(6)
        layout.addLayout(header)
        layout.addWidget(self.reason_label)
        layout.addWidget(self.rule_label)
        layout.addWidget(self.client_label)
        layout.addWidget(self.mismatch_label)
        layout.addLayout(buttons)
        self.show_account(None, AppState())

    @staticmethod
    def _button(text: str, name: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        return button

    def show_account(self, account: QaAccount | None, state: AppState) -> None:
        """The backend's answer for `account` (the signed-in one) beside the client's `state`."""
        for button in (self.allow_button, self.deny_button, self.clear_button):
            button.setEnabled(account is not None)
        if account is None:
            self.verdict_label.setText("")
            self.reason_label.setText(
                self.tr(
                    "Nobody is signed in. Sign in (Accounts tab) to see why an account is or is "
                    "not in the pilot cohort."
                )
            )
            self.rule_label.setText("")
            self.client_label.setText("")
            self.mismatch_label.hide()
            return
        decision = account.cohort
        self.verdict_label.setText(
            self.tr("{email}: {verdict}").format(
                email=account.email, verdict=verdict_text(decision)
            )
        )
        set_role(self.verdict_label, "success" if decision.eligible else "error")
        self.reason_label.setText(decision.reason)
        self.rule_label.setText(rule_text(account))
        self.client_label.setText(client_text(state, datetime.now(UTC)))
        mismatch = mismatch_text(account, state)
        self.mismatch_label.setText(mismatch)
        self.mismatch_label.setVisible(bool(mismatch))
