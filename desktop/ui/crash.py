"""The running app's last line of defence: log an unexpected exception and tell the user.

PySide6 prints an exception raised in a slot and carries on; without this hook the user would
never know something failed. Network trouble never comes here (the controller reports it as
state); this is for bugs.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.environment import is_local, local_fault

log = logging.getLogger("desktop")

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


def install_excepthook(parent: Callable[[], QWidget | None]) -> ExceptHook:
    """Replace `sys.excepthook`; returns the previous hook so it can be put back."""
    previous = sys.excepthook
    showing: list[QMessageBox] = []

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, error, tb)
            return
        log.error("Unexpected error", exc_info=(kind, error, tb))
        if showing:  # one box at a time; the log has every occurrence
            return
        box = QMessageBox(parent())
        box.setObjectName("unexpectedErrorBox")
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle(QCoreApplication.translate("crash", "Something went wrong"))
        box.setTextFormat(Qt.TextFormat.PlainText)
        if is_local(error):  # this computer's fault (disk, folder, file): its sentence, no trace
            box.setText(local_fault(error).message)
        else:
            box.setText(
                QCoreApplication.translate(
                    "crash",
                    "Something went wrong inside the app. Your data is safe; the error was logged.",
                )
            )
            box.setDetailedText("".join(traceback.format_exception(kind, error, tb)))
        box.finished.connect(lambda _result: showing.clear())
        showing.append(box)
        box.open()

    sys.excepthook = hook
    return previous
