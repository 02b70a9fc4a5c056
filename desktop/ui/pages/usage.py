"""Usage: the 5-hour and weekly windows."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from desktop.controller.state import AppState
from desktop.domain.usage import WindowKind
from desktop.ui.formatting import plural
from desktop.ui.labels import plain_label
from desktop.ui.pages.base import SettingsPage
from desktop.ui.port import ControllerPort
from desktop.ui.usage_meter import UsageMeter


class UsagePage(SettingsPage):
    """Two meters; a spend shows at once because the controller emits the new state."""

    name = "usage"
    title = "Usage"
    order = 10
    icon_name = "usage"

    def __init__(self, controller: ControllerPort, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self.five_hour_meter = UsageMeter(WindowKind.FIVE_HOUR)
        self.weekly_meter = UsageMeter(WindowKind.WEEKLY)
        intro = plain_label(
            "Each window begins at your first use after the previous one ended, so its reset "
            "time is known once it has begun.",
            role="muted",
            wrap=True,
        )
        self.tokens_hint = plain_label(role="muted", wrap=True, object_name="usageTokensHint")
        self.body.addWidget(intro)
        self.body.addWidget(self.five_hour_meter)
        self.body.addWidget(self.weekly_meter)
        self.body.addWidget(self.tokens_hint)
        self.body.addStretch(1)

    def show_state(self, state: AppState) -> None:
        """Both windows at the backend's clock, and a pointer to the wallet when it holds resets."""
        self.five_hour_meter.show_window(state.five_hour, state.backend_now)
        self.weekly_meter.show_window(state.weekly, state.backend_now)
        available = len(state.available_tokens)
        self.tokens_hint.setVisible(available > 0)
        if available:
            self.tokens_hint.setText(
                f"You hold {plural(available, 'usage reset')}. Use one from Wallet to restore "
                "both windows to zero."
            )
