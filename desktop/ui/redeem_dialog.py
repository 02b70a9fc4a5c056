"""The confirmation before spending a reset: the effect first, Cancel by default (R6)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from desktop.controller.state import AppState
from desktop.domain.usage import UsageWindow
from desktop.ui.formatting import short_date
from desktop.ui.labels import plain_label


def _current(window: UsageWindow, state: AppState) -> UsageWindow:
    return window.at(state.backend_now) if state.backend_now is not None else window


def _windows(state: AppState) -> list[UsageWindow]:
    return [_current(w, state) for w in (state.weekly, state.five_hour) if w is not None]


def redeem_effect(state: AppState) -> str:
    """`Weekly 82% used → 0%, 5-hour 40% → 0%; the next window starts at your next use.`"""
    parts = [
        f"{w.kind.label} {w.percent_used}%{' used' if n == 0 else ''} → 0%"
        for n, w in enumerate(_windows(state))
    ]
    effect = ", ".join(parts) if parts else "Both usage windows go back to 0% used"
    return f"{effect}; the next window starts at your next use."


def nothing_used(state: AppState) -> bool:
    """True when spending now would restore nothing (both windows at zero)."""
    return all(w.used == 0 for w in _windows(state))


class RedeemDialog(QDialog):
    """Asks before a reset is spent. Tests replace `ask`."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("redeemDialog")
        self.setWindowTitle("Use a usage reset?")
        self.setAccessibleName("Use a usage reset")
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(plain_label("Use one usage reset now?", role="sectionTitle"))
        self.effect_label = plain_label(redeem_effect(state), wrap=True, object_name="redeemEffect")
        layout.addWidget(self.effect_label)
        tokens = state.available_tokens
        if tokens:
            first = tokens[0]
            source = f" by inviting {first.recipient}" if first.recipient else ""
            expiry = (
                f", expires {short_date(first.expires_at)}" if first.expires_at else ", no expiry"
            )
            layout.addWidget(
                plain_label(
                    f"This uses the reset that expires first: earned {short_date(first.granted_at)}"
                    f"{source}{expiry}. You will have {len(tokens) - 1} left.",
                    role="muted",
                    wrap=True,
                    object_name="redeemTokenLabel",
                )
            )
        self.warning_label = plain_label(
            "Nothing is used right now, so this reset would give you nothing back. "
            "You may prefer to keep it for later.",
            role="error",
            wrap=True,
            object_name="redeemNothingUsedWarning",
        )
        self.warning_label.setVisible(nothing_used(state))
        layout.addWidget(self.warning_label)
        buttons = QDialogButtonBox()
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setObjectName("redeemCancelButton")
        self.cancel_button.setAccessibleName("Cancel, keep the reset")
        self.confirm_button = buttons.addButton("Use reset", QDialogButtonBox.ButtonRole.AcceptRole)
        self.confirm_button.setObjectName("redeemConfirmButton")
        self.confirm_button.setAccessibleName("Use the reset now")
        self.confirm_button.setAutoDefault(False)
        self.cancel_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.cancel_button.setFocus()
        self.setMinimumWidth(420)

    @classmethod
    def ask(cls, parent: QWidget | None, state: AppState) -> bool:
        """Show the confirmation modally; True only when the user chose "Use reset"."""
        dialog = cls(state, parent)
        try:
            return dialog.exec() == QDialog.DialogCode.Accepted
        finally:
            dialog.deleteLater()
