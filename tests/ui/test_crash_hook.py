"""The running app's sys.excepthook: logs the error and tells the user, once at a time."""

from __future__ import annotations

import errno
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


def test_a_fault_of_this_computer_is_shown_as_its_sentence(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    previous = install_excepthook(lambda: parent)
    try:
        error = OSError(errno.ENOSPC, "No space left on device", "/data/ledger.csv")
        with caplog.at_level(logging.ERROR, logger="desktop"):
            sys.excepthook(type(error), error, None)
        [box] = parent.findChildren(QMessageBox, "unexpectedErrorBox")
        assert box.text().startswith("The disk holding /data/ledger.csv is full")
        assert box.detailedText() == ""  # no traceback for a full disk
        box.close()
    finally:
        sys.excepthook = previous
