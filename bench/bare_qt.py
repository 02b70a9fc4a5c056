"""The baseline for bench/startup.py: a bare PySide6 QMainWindow, nothing of the app.

Same size as the settings window (980 x 760) with one label, so both sides paint a window of the
same area. bench/startup.py runs it through bench/probe.py, which times its first paint exactly as
it times the settings window's. On its own it just shows the window:

    .venv/bin/python bench/bare_qt.py
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

WINDOW_NAME = "bareWindow"


def main() -> int:
    """Show the window and run the event loop until it is closed (or the probe quits)."""
    app = QApplication.instance() or QApplication(sys.argv)
    window = QMainWindow()
    window.setObjectName(WINDOW_NAME)
    window.setWindowTitle("Bare Qt")
    window.setCentralWidget(QLabel("Hello from a bare QMainWindow"))
    window.resize(980, 760)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
