"""Runs the app (or the bare Qt baseline) in this process and reports when its window is painted.

Used by bench/startup.py, which starts this script as a child process; not meant to be run by
hand. An application-wide event filter watches the Paint events of the window's widgets; right
after a paint has completed (a zero timer queued from the Paint event runs once the paint and its
backing-store flush are done), it prints one line

    BENCH <event> <time.monotonic()> [detail]

to stdout, then one line

    BENCH_CPU <event> <time.process_time()>

(the CPU time, user and system, of all of this process's threads so far: what other processes'
load barely moves). `time.monotonic()` is CLOCK_MONOTONIC, shared by every process on Linux, so
the parent subtracts the moment it spawned this process. Events:

- `first_paint`: the window's first paint (app: the "Loading" window, before any heavy import).
- `cached_data` (app): the first paint of a state with the cached account in it, its pages and
  invitation module built (the list's first screenful at least); the detail is the state's sync
  phase, "never" when it came from the cache before the first sync finished.
- `synced` (app): the first paint after the first sync finished (informational).

    probe.py bare
    probe.py app [--until first_paint|cached_data|synced] [app arguments...]

The measured program is imported first, exactly as its own entry point would import it (the app:
`desktop.app`, as `python -m desktop` does; PySide6 checks the source of every module imported
after it, so import order is part of the cost). Then the probe creates the QApplication (the app's
`main()` reuses it) and installs its filter; the same probe runs on both sides, so its own small
cost is in both numbers alike. The process quits once the `--until` event (default: the last one)
has been printed.
"""

from __future__ import annotations

import faulthandler
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

TIMEOUT_MS = 60_000

Check = Callable[[Any], "str | None"]
"""window -> the event's detail once the painted frame shows it, else None."""


def emit(name: str, detail: str = "") -> None:
    """One line for the parent, flushed at once."""
    now, cpu = time.monotonic(), time.process_time()
    print(f"BENCH {name} {now:.6f} {detail}".rstrip(), flush=True)
    print(f"BENCH_CPU {name} {cpu:.6f}", flush=True)


def install_probe(window_name: str, checks: list[tuple[str, Check]], until: str) -> Any:
    """Create the QApplication and an application-wide filter; returns the filter (keep it)."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    app = QApplication([sys.argv[0]])

    class PaintProbe(QObject):
        """After each painted frame of the watched window, run the pending checks in order."""

        def __init__(self) -> None:
            super().__init__()
            self._pending = False
            app.installEventFilter(self)
            QTimer.singleShot(TIMEOUT_MS, self._give_up)

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if (
                event.type() == QEvent.Type.Paint
                and not self._pending
                and isinstance(watched, QWidget)
                and watched.window().objectName() == window_name
            ):
                self._pending = True
                window = watched.window()
                QTimer.singleShot(0, lambda: self._painted(window))
            return False

        def _painted(self, window: QWidget) -> None:
            self._pending = False
            while checks:
                name, check = checks[0]
                detail = check(window)
                if detail is None:
                    return
                emit(name, detail)
                checks.pop(0)
                if name == until:
                    checks.clear()
            app.removeEventFilter(self)
            app.quit()

        def _give_up(self) -> None:
            emit("timeout", ",".join(name for name, _ in checks))
            app.quit()

    return PaintProbe()


def always(_: Any) -> str:
    return ""


def cached_data(window: Any) -> str | None:
    """The settings window renders a state with an account, with what the user sees of it
    built: the page shown and, on General, the invitation module (`is_on_screen`: since round 6
    the pages and the module come in event-loop turns after the state's own, what is on screen
    first; the pages not shown may come later, a long list may still hold its first
    screenful): the cached data is on screen. A tree without it builds all in the state's
    turn."""
    state = getattr(window, "state", None)
    if getattr(window, "controller", None) is None or state is None or state.account is None:
        return None
    on_screen = getattr(window, "is_on_screen", None)
    if on_screen is not None and not on_screen():
        return None
    return str(state.sync.phase.value)


def synced(window: Any) -> str | None:
    """The settings window renders the first synced state."""
    state = getattr(window, "state", None)
    if state is None or state.account is None or state.sync.phase.value != "synced":
        return None
    return "synced"


def main() -> int:
    faulthandler.dump_traceback_later(TIMEOUT_MS / 1000 + 15, exit=True)  # a hang says where
    args = sys.argv[1:]
    side = args.pop(0) if args else ""
    until = ""
    if args[:1] == ["--until"]:
        until = args[1]
        del args[:2]
    if side == "bare":
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import bare_qt

        probe = install_probe(
            bare_qt.WINDOW_NAME, [("first_paint", always)], until or "first_paint"
        )
        code = bare_qt.main()
    elif side == "app":
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from desktop.app import main as app_main

        checks: list[tuple[str, Check]] = [
            ("first_paint", always),
            ("cached_data", cached_data),
            ("synced", synced),
        ]
        probe = install_probe("settingsWindow", checks, until or "synced")
        code = app_main(args)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    del probe
    sys.stdout.flush()
    os._exit(code)  # skip interpreter teardown: the parent has what it needs


if __name__ == "__main__":
    sys.exit(main())
