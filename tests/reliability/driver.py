"""The real app in its own process, driven through its public surface, for kill -9 and races.

    python -m tests.reliability.driver DATA_DIR ACCOUNT ACTION [ARGS]

ACTION is one of
    sync           sign in, wait for the first sync, print the state
    send EMAIL     ... then invite EMAIL, print the intent's key and its definite outcome
    redeem         ... then spend a reset (--wait-go: only after a line on stdin), the same
    check          ... then wait until the outbox is empty, print the state

Every milestone is one flushed line on stdout: `READY` (signed in and synced, about to act),
`KEY <key>`, `OUTCOME <json>` and `STATE <json>`; `FAILED <reason>` and exit status 2 otherwise.

This is the only file of the reliability suite that calls the controller: when its API changes,
adapt the few calls here (`sign_in`, `send_invitation`, `redeem`, `operationFinished`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from desktop.app import App, create
from desktop.controller.state import AppState, OperationResult, SyncPhase
from desktop.domain.outcomes import Operation, Outcome
from desktop.memory_keyring import MemoryKeyring

PASSWORD = "demo"
TIMEOUT_MS = 45_000  # a loaded 2-core machine with several app processes


def say(*parts: object) -> None:
    """One milestone line for the harness."""
    print(*parts, flush=True)


def state_document(state: AppState) -> dict[str, Any]:
    """What the window would show, as plain JSON."""
    return {
        "account": state.account.email if state.account else None,
        "phase": state.sync.phase.value,
        "pending_operations": state.sync.pending_operations,
        "invitations": [
            {"id": i.id, "recipient": i.recipient, "state": str(i.state)} for i in state.invitations
        ],
        "available_tokens": len(state.available_tokens),
        "tokens": [{"id": t.credit.id, "state": str(t.credit.state)} for t in state.tokens],
    }


def outcome_document(result: OperationResult) -> dict[str, Any]:
    """A definite OperationResult as plain JSON."""
    return {
        "operation": str(result.operation),
        "key": result.key,
        "outcome": str(result.outcome),
        "reason": None if result.reason is None else str(result.reason),
        "message": result.message,
    }


class Driver:
    """Signs in, waits for the first sync, then does one thing and quits."""

    def __init__(self, qt_app: QApplication, app: App, options: argparse.Namespace) -> None:
        self._qt = qt_app
        self._app = app
        self._options = options
        self._acted = False
        self._key: str | None = None  # the intent this driver waits for
        self._results: dict[str, OperationResult] = {}  # definite ones, by key
        self._settling: Callable[[AppState], bool] | None = None
        controller = app.controller
        controller.stateChanged.connect(self._state)
        controller.operationFinished.connect(self._finished)
        self.exit_code = 0

    def run(self) -> None:
        """Start the app and sign in; the rest follows from the controller's signals."""
        QTimer.singleShot(TIMEOUT_MS, lambda: self._fail("timed out"))
        self._app.start()
        self._app.controller.sign_in(self._options.account, PASSWORD)

    def _finished(self, result: OperationResult) -> None:
        if not result.definite:
            return  # the controller settles an unknown outcome itself, under the same key
        if result.operation is Operation.SIGN_IN:
            if result.outcome is not Outcome.DONE:
                self._fail(f"sign-in {result.outcome}: {result.message}")
            return
        self._results[result.key] = result
        self._report()

    def _report(self) -> None:
        if self._key is not None and self._key in self._results:
            say("OUTCOME", json.dumps(outcome_document(self._results[self._key])))
            self._quit(0)

    def _state(self, state: AppState) -> None:
        if self._settling is not None:
            if self._settling(state):
                self._settling = None
                say("STATE", json.dumps(state_document(state)))
                self._quit(0)
            return
        ours = state.account is not None and state.account.email == self._options.account
        if self._acted or not ours or state.sync.phase is not SyncPhase.SYNCED:
            return
        self._acted = True
        action = self._options.action
        if action in ("sync", "check"):
            self._settle_when(lambda s: s.sync.pending_operations == 0, state)
            return
        say("READY")
        if action == "send":
            self._key = self._app.controller.send_invitation(self._options.email)
        elif action == "redeem":
            if self._options.wait_go:
                sys.stdin.readline()  # both racers are ready: go at once
            self._key = self._app.controller.redeem()
        say("KEY", self._key)
        self._report()  # a refusal may have come before the key was returned

    def _settle_when(self, settled: Callable[[AppState], bool], state: AppState) -> None:
        if settled(state) and state.sync.phase is SyncPhase.SYNCED:
            say("STATE", json.dumps(state_document(state)))
            self._quit(0)
        else:
            self._settling = lambda s: settled(s) and s.sync.phase is SyncPhase.SYNCED
            self._app.controller.sync_now()

    def _fail(self, reason: str) -> None:
        say("FAILED", reason)
        self._quit(2)

    def _quit(self, code: int) -> None:
        self.exit_code = code
        self._qt.quit()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability.driver")
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("account")
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("sync")
    actions.add_parser("check")
    send = actions.add_parser("send")
    send.add_argument("email")
    redeem = actions.add_parser("redeem")
    redeem.add_argument("--wait-go", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one driver action; the exit status says whether it got there."""
    options = _parser().parse_args(argv)
    qt_app = QApplication([sys.argv[0]])
    app = create(options.data_dir, keyring_backend=MemoryKeyring())
    driver = Driver(qt_app, app, options)
    QTimer.singleShot(0, driver.run)
    try:
        qt_app.exec()
    finally:
        app.close()
    return driver.exit_code


if __name__ == "__main__":
    sys.exit(main())
