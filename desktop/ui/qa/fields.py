"""Inputs that show backend values but must not be overwritten while the tester edits them."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QAbstractSpinBox, QDoubleSpinBox, QLineEdit, QSpinBox, QWidget


class EditedFields:
    """Remembers which inputs the tester changed, so a fresh snapshot never overwrites them."""

    def __init__(self) -> None:
        self._edited: set[QWidget] = set()
        self._loading = False

    def watch(self, widget: QAbstractSpinBox | QLineEdit) -> None:
        """Count user edits of `widget`."""
        if isinstance(widget, QLineEdit):
            widget.textEdited.connect(lambda _: self.mark(widget))
        elif isinstance(widget, QSpinBox | QDoubleSpinBox):
            widget.valueChanged.connect(lambda _: self.mark(widget))

    def mark(self, widget: QWidget) -> None:
        """Count `widget` as changed by the tester (unless a backend value is being shown)."""
        if not self._loading:
            self._edited.add(widget)

    def load(self, widget: QWidget, apply: Callable[[], object]) -> None:
        """Show a value from the backend unless the tester changed this input."""
        if widget in self._edited:
            return
        self._loading = True
        try:
            apply()
        finally:
            self._loading = False

    def clear(self) -> None:
        """After applying: the backend's values win again."""
        self._edited.clear()
