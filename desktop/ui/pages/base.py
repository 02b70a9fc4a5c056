"""The shape every settings page shares: a name, a title, an order and `show_state(state)`."""

from __future__ import annotations

from typing import ClassVar

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.controller.state import AppState
from desktop.ui.port import ControllerPort


class SettingsPage(QWidget):
    """One page of the settings window. The window adds only the pages that are active."""

    name: ClassVar[str]  # stable key, used for objectNames and the saved current page
    title: ClassVar[str]  # marked QT_TRANSLATE_NOOP("SettingsPage", ...); shown translated
    order: ClassVar[int]
    icon_name: ClassVar[str]

    def __init__(self, controller: ControllerPort, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setObjectName(f"{self.name}Page")
        self.setAccessibleName(self.tr("{page} settings").format(page=self.display_title()))
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(0, 0, 0, 0)
        self.body.setSpacing(12)

    @classmethod
    def display_title(cls) -> str:
        """The title in the UI language (the navigation, the page heading)."""
        return QCoreApplication.translate("SettingsPage", cls.title)

    @classmethod
    def is_active(cls, state: AppState) -> bool:
        """Whether this page belongs in the window for `state`."""
        return True

    def show_state(self, state: AppState) -> None:
        """Show `state`. Called on every `stateChanged`; must be cheap and idempotent."""
        raise NotImplementedError
