"""The confirmation before spending a reset: the effect first, Cancel by default (R6)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from desktop.controller.state import AppState
from desktop.domain.credits import Credit
from desktop.domain.usage import UsageWindow, WindowKind
from desktop.ui.formatting import short_date
from desktop.ui.labels import plain_label
from desktop.ui.usage_meter import window_name


def _current(window: UsageWindow, state: AppState) -> UsageWindow:
    return window.at(state.backend_now) if state.backend_now is not None else window


def _windows(state: AppState, credit: Credit | None = None) -> list[UsageWindow]:
    """The windows spending `credit` resets (both without one), as they stand now."""
    kinds = credit.windows.kinds if credit is not None else set(WindowKind)
    return [
        _current(w, state)
        for w in (state.weekly, state.five_hour)
        if w is not None and w.kind in kinds
    ]


def redeem_effect(state: AppState, credit: Credit | None = None) -> str:
    """`Weekly 82% used → 0%, 5-hour 40% → 0%; the next window starts at your next use.`
    For a credit that resets the 5-hour window only, the weekly one is said to stay."""
    first = QCoreApplication.translate("RedeemDialog", "{window} {percent}% used → 0%")
    then = QCoreApplication.translate("RedeemDialog", "{window} {percent}% → 0%")
    parts = [
        (first if n == 0 else then).format(window=window_name(w.kind), percent=w.percent_used)
        for n, w in enumerate(_windows(state, credit))
    ]
    effect = (
        ", ".join(parts)
        if parts
        else QCoreApplication.translate("RedeemDialog", "Both usage windows go back to 0% used")
    )
    kept = ""
    if credit is not None and WindowKind.WEEKLY not in credit.windows.kinds:
        kept = QCoreApplication.translate("RedeemDialog", " The weekly window is not reset.")
    return QCoreApplication.translate(
        "RedeemDialog", "{effect}; the next window starts at your next use.{kept}"
    ).format(effect=effect, kept=kept)


def nothing_used(state: AppState, credit: Credit | None = None) -> bool:
    """True when spending now would restore nothing (its windows at zero)."""
    return all(w.used == 0 for w in _windows(state, credit))


class RedeemDialog(QDialog):
    """Asks before a reset is spent. Tests replace `ask`."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("redeemDialog")
        self.setWindowTitle(self.tr("Use a usage reset?"))
        self.setAccessibleName(self.tr("Use a usage reset"))
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(plain_label(self.tr("Use one usage reset now?"), role="sectionTitle"))
        tokens = state.available_tokens
        self.credit = first = tokens[0] if tokens else None  # the credit this spends, by id
        spent = None if first is None else first.credit
        self.effect_label = plain_label(
            redeem_effect(state, spent), wrap=True, object_name="redeemEffect"
        )
        layout.addWidget(self.effect_label)
        if first is not None:
            # Imported here: the wallet page imports this module.
            from desktop.ui.pages.wallet import credit_source, credit_title, credit_windows

            expiry = (
                self.tr("expires {date}").format(date=short_date(first.credit.expires_at))
                if first.credit.expires_at
                else self.tr("never expires")
            )
            layout.addWidget(
                plain_label(
                    self.tr(
                        "This uses “{title}”, the reset that expires first: {source}, granted "
                        "{granted}, {expiry}; resets: {windows}. You will have {left} left."
                    ).format(
                        title=credit_title(first),
                        source=credit_source(first).lower(),
                        granted=short_date(first.credit.granted_at),
                        expiry=expiry,
                        windows=credit_windows(first).lower(),
                        left=len(tokens) - 1,
                    ),
                    role="muted",
                    wrap=True,
                    object_name="redeemTokenLabel",
                )
            )
        self.warning_label = plain_label(
            self.tr(
                "Nothing is used right now, so this reset would give you nothing back. "
                "You may prefer to keep it for later."
            ),
            role="error",
            wrap=True,
            object_name="redeemNothingUsedWarning",
        )
        self.warning_label.setVisible(nothing_used(state, spent))
        layout.addWidget(self.warning_label)
        buttons = QDialogButtonBox()
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setObjectName("redeemCancelButton")
        self.cancel_button.setAccessibleName(self.tr("Cancel, keep the reset"))
        self.confirm_button = buttons.addButton(
            self.tr("Use reset"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.confirm_button.setObjectName("redeemConfirmButton")
        self.confirm_button.setAccessibleName(self.tr("Use the reset now"))
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
