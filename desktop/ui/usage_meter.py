"""One usage window as a meter: percent used, remaining, and when it resets (R7)."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QProgressBar, QVBoxLayout, QWidget

from desktop.domain.usage import UsageWindow, WindowKind
from desktop.ui.formatting import window_reset_text
from desktop.ui.labels import plain_label
from desktop.ui.translation import QT_TRANSLATE_NOOP, marked

HIGH_PERCENT = 75  # the bar turns amber from here, red when full
_WINDOW_NAMES = {
    WindowKind.FIVE_HOUR: QT_TRANSLATE_NOOP("UsageMeter", "5-hour"),
    WindowKind.WEEKLY: QT_TRANSLATE_NOOP("UsageMeter", "Weekly"),
}


def window_name(kind: WindowKind) -> str:
    """`Weekly`, `5-hour` in the UI language (the domain's `WindowKind.label` is English)."""
    return marked("UsageMeter", _WINDOW_NAMES.get(kind, kind.label))


class UsageMeter(QFrame):
    """`usageMeter`, told apart by its accessible name ("Weekly usage", "5-hour usage")."""

    def __init__(self, kind: WindowKind, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self._label = ""
        self.setObjectName("usageMeter")
        label = self._label = window_name(kind)
        self.setAccessibleName(self.tr("{window} usage").format(window=label))
        self.setProperty("role", "card")

        self.title = plain_label(
            self.tr("{window} window").format(window=label), role="sectionTitle", wrap=True
        )
        self.percent_label = plain_label(object_name="usagePercentLabel", wrap=True)
        self.percent_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.percent_label.setAccessibleName(self.tr("{window} percent used").format(window=label))
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setTextVisible(False)
        self.bar.setAccessibleName(self.tr("{window} usage meter").format(window=label))
        # Wrapped, so a long translation or a narrow window takes a second line, not the width.
        self.remaining_label = plain_label(
            role="muted", object_name="usageRemainingLabel", wrap=True
        )
        self.reset_label = plain_label(role="muted", object_name="usageResetLabel", wrap=True)
        self.reset_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.reset_label.setAccessibleName(self.tr("{window} reset time").format(window=label))

        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.percent_label)
        footer = QHBoxLayout()
        footer.addWidget(self.remaining_label, 1, Qt.AlignmentFlag.AlignTop)
        footer.addWidget(self.reset_label, 1, Qt.AlignmentFlag.AlignTop)
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
            self.remaining_label.setText(self.tr("Not known yet: waiting for the first sync."))
            self.reset_label.setText("")
            self._set_level("normal")
            return
        current = window.at(now) if now is not None else window
        percent = current.percent_used
        self.percent_label.setText(self.tr("{percent}% used").format(percent=percent))
        self.bar.setValue(percent)
        self.bar.setAccessibleDescription(
            self.tr("{percent}% of the {window} allowance used").format(
                percent=percent, window=self._label
            )
        )
        locale = self.locale()
        self.remaining_label.setText(
            self.tr("{remaining} of {limit} left ({percent}%)").format(
                remaining=locale.toString(current.remaining),
                limit=locale.toString(current.limit),
                percent=100 - percent,
            )
        )
        self.reset_label.setText(window_reset_text(current))
        self._set_level("full" if percent >= 100 else "high" if percent >= HIGH_PERCENT else "")

    def _set_level(self, level: str) -> None:
        if self.bar.property("level") != level:
            self.bar.setProperty("level", level)
            self.bar.style().unpolish(self.bar)
            self.bar.style().polish(self.bar)
