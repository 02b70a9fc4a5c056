"""The watcher that lets the app notice changes other processes (`referral-desktop sim`) make to
a data folder's backend file, for the QA window (desktop/controller/qa.py).

Apart from the QA controller because `create()` builds it at every start: importing it must not
import the QA window's snapshots (`qa_state`, the cohort rules, hashlib), which the cached data's
first paint does not need (docs/PERFORMANCE.md, round 6).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal, Slot

CHANGE_DEBOUNCE_MS = 150
"""Writes to the backend database closer together than this cause one sync."""


class BackendChangeWatcher(QObject):
    """Emits `changed` shortly after any process writes to the backend database.

    The app's periodic sync is slow (30 s); a `referral-desktop sim` command in another terminal
    should show at once. Every committed change appends to the database's write-ahead log, and
    reads never do, so watching the `-wal` file (inotify, no polling, nothing on the GUI thread
    but the notification) sees every change and costs nothing while nothing changes.
    """

    changed = Signal()
    """Something wrote to the backend database (bursts within the debounce count once)."""

    def __init__(
        self,
        database: Path,
        *,
        debounce_ms: int = CHANGE_DEBOUNCE_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._files = (str(database.with_name(database.name + "-wal")), str(database))
        self._watcher = QFileSystemWatcher(self)
        self._watcher.addPath(str(database.parent))
        self._watcher.fileChanged.connect(self._file_changed)
        self._watcher.directoryChanged.connect(self._directory_changed)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(debounce_ms)
        self._debounce.timeout.connect(self.changed)
        self._watch_files()

    def stop(self) -> None:
        """Stop watching."""
        self._debounce.stop()
        paths = self._watcher.files() + self._watcher.directories()
        if paths:
            self._watcher.removePaths(paths)

    def _watch_files(self) -> bool:
        """Watch the database files that exist and are not watched yet; True if one was added."""
        watched = set(self._watcher.files())
        missing = [p for p in self._files if p not in watched and Path(p).exists()]
        if missing:
            self._watcher.addPaths(missing)
        return bool(missing)

    @Slot(str)
    def _file_changed(self, _path: str) -> None:
        self._watch_files()  # a file replaced or deleted is no longer watched
        self._debounce.start()

    @Slot(str)
    def _directory_changed(self, _path: str) -> None:
        if self._watch_files():  # the log came back: another process opened the database
            self._debounce.start()
