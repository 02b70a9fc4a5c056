"""The running app's sys.excepthook: logs the error and tells the user, once at a time."""

from __future__ import annotations

import logging
import sys

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from desktop.ui.crash import install_excepthook


def test_unexpected_error_is_logged_and_shown(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    previous = install_excepthook(lambda: parent)
    try:
        try:
            raise ValueError("boom")
        except ValueError as error:
            with caplog.at_level(logging.ERROR, logger="desktop"):
                sys.excepthook(type(error), error, error.__traceback__)
                sys.excepthook(type(error), error, error.__traceback__)
        assert [r.message for r in caplog.records] == ["Unexpected error", "Unexpected error"]
        boxes = parent.findChildren(QMessageBox, "unexpectedErrorBox")
        assert len(boxes) == 1  # one box at a time
        assert "boom" in boxes[0].detailedText()
        boxes[0].close()
    finally:
        sys.excepthook = previous
