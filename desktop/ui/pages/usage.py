"""Usage: the 5-hour and weekly windows."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from desktop.controller.state import AppState
from desktop.domain.usage import WindowKind
from desktop.ui.formatting import counted
from desktop.ui.labels import plain_label
from desktop.ui.pages.base import SettingsPage
from desktop.ui.port import ControllerPort
from desktop.ui.translation import QT_TRANSLATE_NOOP
from desktop.ui.usage_meter import UsageMeter

NEARLY_FULL_PERCENT = 90  # from here the page offers "Use a reset…" itself


class UsagePage(SettingsPage):
    """Two meters; a spend shows at once because the controller emits the new state."""

    redeemRequested = Signal()
    """"Use a reset…" was pressed here; the window runs the Wallet's own redeem action."""

    name = "usage"
    title = QT_TRANSLATE_NOOP("SettingsPage", "Usage")
    order = 10
    icon_name = "usage"

    def __init__(self, controller: ControllerPort, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self.five_hour_meter = UsageMeter(WindowKind.FIVE_HOUR)
        self.weekly_meter = UsageMeter(WindowKind.WEEKLY)
        intro = plain_label(
            self.tr(
                "Each window begins at your first use after the previous one ended, so its reset "
                "time is known once it has begun."
            ),
            role="muted",
            wrap=True,
        )
        self.tokens_hint = plain_label(role="muted", wrap=True, object_name="usageTokensHint")
        self.redeem_button = QPushButton(self.tr("Use a reset…"))
        self.redeem_button.setObjectName("usageRedeemButton")
        self.redeem_button.setAccessibleName(self.tr("Use a usage reset"))
        self.redeem_button.setProperty("role", "primary")
        self.redeem_button.clicked.connect(self.redeemRequested)
        self.redeem_button.hide()
        hint_row = QHBoxLayout()
        hint_row.addWidget(self.tokens_hint, 1)
        hint_row.addWidget(self.redeem_button, 0, Qt.AlignmentFlag.AlignTop)
        self.body.addWidget(intro)
        self.body.addWidget(self.five_hour_meter)
        self.body.addWidget(self.weekly_meter)
        self.body.addLayout(hint_row)
        self.body.addStretch(1)

    def show_state(self, state: AppState) -> None:
        """Both windows at the backend's clock, a pointer to the wallet when it holds resets, and
        "Use a reset…" here when a window is nearly used up."""
        self.five_hour_meter.show_window(state.five_hour, state.backend_now)
        self.weekly_meter.show_window(state.weekly, state.backend_now)
        available = len(state.available_tokens)
        self.tokens_hint.setVisible(available > 0)
        nearly_full = highest_percent(state) >= NEARLY_FULL_PERCENT
        self.redeem_button.setVisible(available > 0 and nearly_full)
        self.redeem_button.setEnabled(state.redeem_pending is None)  # as the Wallet's own
        held = counted(available, self.tr("{count} usage reset"), self.tr("{count} usage resets"))
        if available and nearly_full:
            self.tokens_hint.setText(
                self.tr(
                    "You hold {resets}. Using one sets both windows back to zero at once."
                ).format(resets=held)
            )
        elif available:
            self.tokens_hint.setText(
                self.tr(
                    "You hold {resets}. Use one from Wallet to restore both windows to zero."
                ).format(resets=held)
            )


def highest_percent(state: AppState) -> int:
    """The higher of the two windows' percent used, as they stand at the backend's clock."""
    percents = [
        (window.at(state.backend_now) if state.backend_now else window).percent_used
        for window in (state.five_hour, state.weekly)
        if window is not None
    ]
    return max(percents, default=0)
