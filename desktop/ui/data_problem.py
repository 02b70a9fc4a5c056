"""What the app says when its data folder cannot be used as it is, before or while it runs.

The sentences come from desktop.domain.reasons; these boxes only show them. `ask` and `tell` are
classmethods a test replaces (a modal box would block it).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.ui.translation import QT_TRANSLATE_NOOP

MOVE_ASIDE = QT_TRANSLATE_NOOP("DataProblemBox", "Move the file aside and start again")
QUIT = QT_TRANSLATE_NOOP("DataProblemBox", "Quit")


def _tr(source: str) -> str:
    return QCoreApplication.translate("DataProblemBox", source)


class DataProblemBox:
    """Modal boxes about the data folder: a fault with a way out, a fault, a notice."""

    @classmethod
    def ask(cls, parent: QWidget | None, sentence: str, action: str = MOVE_ASIDE) -> bool:
        """Show the fault and offer `action` beside Quit; True when the user took the action."""
        box = cls._box(parent, QMessageBox.Icon.Warning, sentence)
        take = box.addButton(_tr(action), QMessageBox.ButtonRole.AcceptRole)
        take.setObjectName("dataProblemAction")
        quit_button = box.addButton(_tr(QUIT), QMessageBox.ButtonRole.RejectRole)
        quit_button.setObjectName("dataProblemQuit")
        box.setDefaultButton(quit_button)  # nothing is moved without a deliberate choice
        box.exec()
        return box.clickedButton() is take

    @classmethod
    def fail(cls, parent: QWidget | None, sentence: str) -> None:
        """Show a fault the app cannot start with (the user chooses another folder)."""
        cls._box(parent, QMessageBox.Icon.Critical, sentence).exec()

    @classmethod
    def tell(cls, parent: QWidget | None, sentence: str) -> None:
        """Show a notice (a file was kept or moved aside)."""
        cls._box(parent, QMessageBox.Icon.Information, sentence).exec()

    @staticmethod
    def _box(parent: QWidget | None, icon: QMessageBox.Icon, sentence: str) -> QMessageBox:
        box = QMessageBox(parent)
        box.setObjectName("dataProblemBox")
        box.setIcon(icon)
        box.setWindowTitle(QCoreApplication.translate("DataProblemBox", "Referral Resets"))
        box.setTextFormat(Qt.TextFormat.PlainText)  # paths are user text
        box.setText(sentence)
        box.setAccessibleName(QCoreApplication.translate("DataProblemBox", "Data folder problem"))
        return box
