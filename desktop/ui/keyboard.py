"""Keyboard behaviour shared by every window: Enter presses the focused button."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractButton, QPushButton, QWidget


class EnterPressesFocusedButton(QObject):
    """Outside dialogs Qt presses a focused button with Space only; users expect Enter too.

    Buttons that already handle Enter (a dialog's default and auto-default push buttons) are
    left to Qt, so a dialog's default button keeps working as before.
    """

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Click a focused, enabled button on Enter/Return (no modifiers, not auto-repeated)."""
        if event.type() != QEvent.Type.KeyPress or not isinstance(watched, QAbstractButton):
            return False
        assert isinstance(event, QKeyEvent)
        # Qt.Key is read here, not at import: PySide6 builds its 471-member enum on first use
        # (about 5 ms), which a start that presses no key need not pay.
        if event.key() not in (Qt.Key.Key_Return, Qt.Key.Key_Enter) or event.isAutoRepeat():
            return False
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        if isinstance(watched, QPushButton) and (watched.autoDefault() or watched.isDefault()):
            return False  # Qt clicks these itself
        if watched.isEnabled() and watched.isVisible():
            watched.animateClick()
            return True
        return False


def enter_presses_buttons(root: QWidget) -> None:
    """Make Enter press every button under `root` (a filter on each button, not on the whole
    application, so no other event pays for it). Safe to call again after adding widgets."""
    shared = _shared_filter()
    for button in root.findChildren(QAbstractButton):
        if not button.property(_MARK):
            button.setProperty(_MARK, True)
            button.installEventFilter(shared)


_MARK = "enterPressesButton"
_filter: EnterPressesFocusedButton | None = None


def _shared_filter() -> EnterPressesFocusedButton:
    global _filter
    if _filter is None:
        _filter = EnterPressesFocusedButton(QCoreApplication.instance())
    return _filter
