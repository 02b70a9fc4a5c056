"""The app's data folder as the app starts and runs: its log, a look at the backend's file
before anything opens it, and the way out when that file is damaged or from a newer version.

Faults are told in one sentence (desktop.domain.reasons via desktop.environment): on stderr as
`error (reason): sentence`, in app.log, and in a box when someone is at the window. Nothing is
deleted: a file in the way is moved aside under a name the user is told.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QWidget

from desktop.domain.clock import utc_now
from desktop.domain.reasons import Reason, explain
from desktop.environment import LocalFault, local_fault
from desktop.paths import APP_LOG, private_file, private_folder

if TYPE_CHECKING:
    from desktop.app import App
    from desktop.deferred import DeferredBackend

log = logging.getLogger("desktop")


class AppLog(logging.FileHandler):
    """`app.log` in the data folder (created private), whose failures never print a traceback:
    a write that fails (a full disk) costs one line on stderr, once."""

    def __init__(self, data_dir: Path) -> None:
        private_folder(data_dir)
        super().__init__(private_file(data_dir / APP_LOG), encoding="utf-8")
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        self._told = False

    def handleError(self, record: logging.LogRecord) -> None:
        """Say once, in one sentence, that the log cannot be written; carry on."""
        error = sys.exc_info()[1]
        if error is not None:
            self._tell(error)

    def flush(self) -> None:
        """Write what is buffered; a full disk is told once, not raised."""
        try:
            super().flush()
        except OSError as error:
            self._tell(error)

    def close(self) -> None:
        """Close the file; what cannot be written any more is told once, not raised."""
        try:
            super().close()
        except OSError as error:
            self._tell(error)

    def _tell(self, error: BaseException) -> None:
        if not self._told:
            self._told = True
            print_fault(local_fault(error, self.baseFilename))


def print_fault(fault: LocalFault) -> None:
    """A fault as one line on stderr: `error (reason): sentence` (the same as `sim`)."""
    with contextlib.suppress(OSError):  # stderr itself may be gone
        print(f"error ({fault.reason}): {fault.message}", file=sys.stderr, flush=True)


def report_fault(fault: LocalFault) -> None:
    """One line on stderr, and the same in app.log when it can be written."""
    print_fault(fault)
    _log(logging.ERROR, fault.message)


def prepare_backend_file(data_dir: Path, ask: QWidget | None) -> bool:
    """Look at the backend file before starting (sqlite3 only, under a millisecond): False to
    stop. A damaged or newer file is refused; with `ask` (someone at the window) the user may
    move it aside and start again. An older file is kept beside it and rebuilt, and the user is
    told where. Other faults (read-only, disk full) raise LocalFault."""
    from desktop.backend.datafile import BackendFile, backend_db_path, inspect_backend, set_aside

    path = backend_db_path(data_dir)
    found = inspect_backend(path)
    if found in (BackendFile.DAMAGED, BackendFile.NEWER):
        reason = Reason.BACKEND_DAMAGED if found is BackendFile.DAMAGED else Reason.BACKEND_NEWER
        fault = LocalFault(reason, {"path": str(path)})
        report_fault(fault)
        from desktop.ui.data_problem import DataProblemBox

        if ask is None or not DataProblemBox.ask(ask, fault.message):
            return False
        moved = set_aside(path, utc_now())
        tell(ask, explain(Reason.BACKEND_SET_ASIDE, {"backup": str(moved)}))
    elif found is BackendFile.OLDER:
        from desktop.backend.database import BackendStore

        try:
            with BackendStore.open(data_dir) as store:
                kept = store.kept_copy
        except Exception as error:
            raise local_fault(error, path) from error
        if kept is not None:
            tell(ask, explain(Reason.BACKEND_UPGRADED, {"backup": str(kept)}))
    return True


def tell(parent: QWidget | None, notice: str) -> None:
    """A notice on stderr and in app.log, and in a box when someone is at the window."""
    print(notice, file=sys.stderr, flush=True)
    _log(logging.WARNING, notice)
    if parent is not None:
        from desktop.ui.data_problem import DataProblemBox

        DataProblemBox.tell(parent, notice)


class BackendFileFaults(QObject):
    """The running app's way out of a backend file found damaged by a call: a box offers to move
    it aside and start again with fresh demo data. Asked once per session at most."""

    found = Signal(object)  # LocalFault, from whichever pool thread made the call

    def __init__(self, app: App, api: DeferredBackend) -> None:
        super().__init__(app.window)
        self._app = app
        self._api = api
        self._asked = False
        self.found.connect(self._offer, Qt.ConnectionType.QueuedConnection)
        api.on_file_fault = self.found.emit

    @Slot(object)
    def _offer(self, fault: LocalFault) -> None:
        if self._asked or self._app._closed:
            return
        self._asked = True
        from desktop.ui.data_problem import DataProblemBox

        if not DataProblemBox.ask(self._app.window, fault.message):
            return
        try:
            moved = self._api.set_aside()
        except OSError as error:
            problem = local_fault(error, self._app.data_dir)
            report_fault(problem)
            DataProblemBox.fail(self._app.window, problem.message)
            return
        tell(self._app.window, explain(Reason.BACKEND_SET_ASIDE, {"backup": str(moved)}))
        self._asked = False  # the fresh file could, in principle, be damaged again
        self._app.controller.sync_now()


def _log(level: int, sentence: str) -> None:
    # Only into app.log: without a handler, logging's last resort would print it a second time.
    if logging.getLogger().handlers:
        log.log(level, "%s", sentence)
