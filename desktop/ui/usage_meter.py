"""One usage window as a meter: percent used, remaining, and when it resets (R7)."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import QFrame, QHBoxLayout, QProgressBar, QVBoxLayout, QWidget

from desktop.domain.usage import UsageWindow, WindowKind
from desktop.ui.formatting import window_reset_text
from desktop.ui.labels import plain_label

HIGH_PERCENT = 75  # the bar turns amber from here, red when full


class UsageMeter(QFrame):
    """`usageMeter`, told apart by its accessible name ("Weekly usage", "5-hour usage")."""

    def __init__(self, kind: WindowKind, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.setObjectName("usageMeter")
        self.setAccessibleName(f"{kind.label} usage")
        self.setProperty("role", "card")

        self.title = plain_label(f"{kind.label} window", role="sectionTitle")
        self.percent_label = plain_label(object_name="usagePercentLabel")
        self.percent_label.setAccessibleName(f"{kind.label} percent used")
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setTextVisible(False)
        self.bar.setAccessibleName(f"{kind.label} usage meter")
        self.remaining_label = plain_label(role="muted", object_name="usageRemainingLabel")
        self.reset_label = plain_label(role="muted", object_name="usageResetLabel")
        self.reset_label.setAccessibleName(f"{kind.label} reset time")

        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addStretch(1)
        header.addWidget(self.percent_label)
        footer = QHBoxLayout()
        footer.addWidget(self.remaining_label)
        footer.addStretch(1)
        footer.addWidget(self.reset_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(8)
        layout.addLayout(header)
        layout.addWidget(self.bar)
        layout.addLayout(footer)
        self.show_window(None, None)

    def show_window(self, window: UsageWindow | None, now: datetime | None) -> None:
        """Show a window as it stands at `now` (the backend's clock), or "unknown"."""
        if window is None:
            self.percent_label.setText("—")
            self.bar.setValue(0)
            self.remaining_label.setText("Not known yet: waiting for the first sync.")
            self.reset_label.setText("")
            self._set_level("normal")
            return
        current = window.at(now) if now is not None else window
        percent = current.percent_used
        self.percent_label.setText(f"{percent}% used")
        self.bar.setValue(percent)
        self.bar.setAccessibleDescription(f"{percent}% of the {self.kind.label} allowance used")
        self.remaining_label.setText(
            f"{current.remaining:,} of {current.limit:,} left ({100 - percent}%)"
        )
        self.reset_label.setText(window_reset_text(current))
        self._set_level("full" if percent >= 100 else "high" if percent >= HIGH_PERCENT else "")

    def _set_level(self, level: str) -> None:
        if self.bar.property("level") != level:
            self.bar.setProperty("level", level)
            self.bar.style().unpolish(self.bar)
            self.bar.style().polish(self.bar)
