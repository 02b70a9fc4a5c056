"""The Policy tab: every value the backend enforces, editable (the cap 3 -> 5, prompts N...)."""

from __future__ import annotations

import dataclasses
from functools import partial

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from desktop.controller.qa_state import QaSnapshot
from desktop.domain.policy import ReferralPolicy
from desktop.ui.labels import plain_label
from desktop.ui.qa.fields import EditedFields
from desktop.ui.qa.port import QaPort
from desktop.ui.translation import QT_TRANSLATE_NOOP, marked

POLICY_LABELS = {
    "monthly_cap": QT_TRANSLATE_NOOP(
        "PolicyPanel", "Monthly cap (resets earned per billing cycle)"
    ),
    "prompts_required": QT_TRANSLATE_NOOP("PolicyPanel", "Prompts required after initialising (N)"),
    "token_expiry_days": QT_TRANSLATE_NOOP("PolicyPanel", "Reset token expiry, days after grant"),
    "invitation_expiry_days": QT_TRANSLATE_NOOP(
        "PolicyPanel", "Pending invitation expiry, days after sending"
    ),
    "dormancy_days": QT_TRANSLATE_NOOP(
        "PolicyPanel", "Dormancy, days idle (strictly more) to come back"
    ),
    "daily_invitation_limit": QT_TRANSLATE_NOOP(
        "PolicyPanel", "Invitations per operator in 24 hours"
    ),
    "rollout_basis_points": QT_TRANSLATE_NOOP(
        "PolicyPanel", "Rollout, buckets of 10,000 in the cohort"
    ),
    "five_hour_limit": QT_TRANSLATE_NOOP("PolicyPanel", "5-hour usage limit"),
    "weekly_limit": QT_TRANSLATE_NOOP("PolicyPanel", "Weekly usage limit"),
    "join_attempts_per_link": QT_TRANSLATE_NOOP(
        "PolicyPanel", "Join page sign-in attempts per link"
    ),
    "join_attempts_per_client": QT_TRANSLATE_NOOP(
        "PolicyPanel", "Join page sign-in attempts per client address"
    ),
    "join_attempts_window_minutes": QT_TRANSLATE_NOOP(
        "PolicyPanel", "Join page attempt window, minutes"
    ),
}
"""Every `ReferralPolicy` field, in the order a tester reaches for them."""


def value_text(value: int | None) -> str:
    """`30`, or `none` for an optional value that is off."""
    return "none" if value is None else str(value)


class PolicyPanel(QWidget):
    """One line edit per policy value; Apply sends only the values that differ from the backend."""

    def __init__(self, qa: QaPort, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.qa = qa
        self._policy: ReferralPolicy | None = None
        self._fields = EditedFields()
        self.edits: dict[str, QLineEdit] = {}
        form = QFormLayout()
        for name, source in POLICY_LABELS.items():
            label = marked("PolicyPanel", source)
            edit = QLineEdit()
            edit.setObjectName(f"qaPolicy_{name}")
            edit.setAccessibleName(label)
            edit.returnPressed.connect(self._apply)
            self._fields.watch(edit)
            self.edits[name] = edit
            form.addRow(label, edit)
        self.apply_button = QPushButton(self.tr("Apply policy"))
        self.apply_button.setObjectName("qaPolicyApplyButton")
        self.apply_button.setAccessibleName(self.tr("Apply the changed policy values"))
        self.apply_button.setProperty("role", "primary")
        self.apply_button.clicked.connect(self._apply)
        self.defaults_button = QPushButton(self.tr("Fill in defaults"))
        self.defaults_button.setObjectName("qaPolicyDefaultsButton")
        self.defaults_button.setAccessibleName(self.tr("Fill in the default policy values"))
        self.defaults_button.clicked.connect(self._fill_defaults)
        buttons = QHBoxLayout()
        buttons.addWidget(self.defaults_button)
        buttons.addStretch(1)
        buttons.addWidget(self.apply_button)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(
            plain_label(
                self.tr(
                    "Type none (or leave empty) for no expiry. Values apply from the app's next "
                    "call; a new prompt count applies to invitations not yet converted, a new "
                    "token expiry to tokens granted afterwards."
                ),
                role="muted",
                wrap=True,
            )
        )
        layout.addLayout(buttons)
        layout.addStretch(1)

    def changed_values(self) -> dict[str, str]:
        """The typed values that differ from the backend's policy."""
        current = self._policy.to_mapping() if self._policy is not None else {}
        changed = {}
        for name, edit in self.edits.items():
            typed = edit.text().strip()
            if typed.lower() != value_text(current.get(name)).lower():
                changed[name] = typed or "none"
        return changed

    def show_snapshot(self, snapshot: QaSnapshot | None) -> None:
        """The backend's values, except in fields the tester is changing."""
        if snapshot is None:
            return
        self._policy = snapshot.policy
        values = snapshot.policy.to_mapping()
        for name, edit in self.edits.items():
            self._fields.load(edit, partial(edit.setText, value_text(values[name])))

    @Slot()
    def _apply(self) -> None:
        values = self.changed_values()
        self._fields.clear()
        self.qa.set_policy(values)

    @Slot()
    def _fill_defaults(self) -> None:
        defaults = dataclasses.asdict(ReferralPolicy())
        for name, edit in self.edits.items():
            edit.setText(value_text(defaults[name]))
            self._fields.mark(edit)
