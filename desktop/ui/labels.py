"""Small building blocks every page uses: plain-text labels and style roles."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget


def set_role(widget: QWidget, role: str) -> None:
    """Tag a widget for the style sheet (`[role="..."]`) and refresh its style."""
    widget.setProperty("role", role)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def plain_label(
    text: str = "", *, role: str | None = None, object_name: str | None = None, wrap: bool = False
) -> QLabel:
    """A label that never interprets rich text: user input (emails, names) goes through here."""
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    label.setWordWrap(wrap)
    if role is not None:
        label.setProperty("role", role)
    if object_name is not None:
        label.setObjectName(object_name)
    return label
