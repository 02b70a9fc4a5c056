"""The real app in its own process, driven through its public surface, for kill -9 and races.

    python -m tests.reliability.driver DATA_DIR ACCOUNT ACTION [ARGS]

ACTION is one of
    sync             sign in, wait for the first sync, print the state
    send EMAIL KEY   ... then invite EMAIL with idempotency key KEY, print the outcome
    redeem KEY       ... then spend a reset with key KEY (--wait-go: only after a line on stdin)
    check            ... then wait until the outbox is empty, print the state

Every milestone is one flushed line on stdout: `READY` (signed in and synced, about to act),
`OUTCOME <json>` and `STATE <json>`; `FAILED <reason>` and exit status 2 otherwise.

This is the only file of the reliability suite that calls the controller: when its API changes,
adapt the few calls here (`sign_in`, `send_invitation`, `redeem`, their finished signals).
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
from desktop.controller.state import AppState, SyncPhase
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
        "tokens": [{"id": t.id, "state": str(t.state)} for t in state.tokens],
    }


def outcome_document(outcome: Any) -> dict[str, Any]:
    """An InviteOutcome or RedeemOutcome as plain JSON."""
    return {
        "request_id": outcome.request_id,
        "status": str(outcome.status),
        "message": outcome.message,
    }


class Driver:
    """Signs in, waits for the first sync, then does one thing and quits."""

    def __init__(self, qt_app: QApplication, app: App, options: argparse.Namespace) -> None:
        self._qt = qt_app
        self._app = app
        self._options = options
        self._acted = False
        self._settling: Callable[[AppState], bool] | None = None
        controller = app.controller
        controller.signInFinished.connect(self._signed_in)
        controller.stateChanged.connect(self._state)
        controller.inviteFinished.connect(self._outcome)
        controller.redeemFinished.connect(self._outcome)
        self.exit_code = 0

    def run(self) -> None:
        """Start the app and sign in; the rest follows from the controller's signals."""
        QTimer.singleShot(TIMEOUT_MS, lambda: self._fail("timed out"))
        self._app.start()
        self._app.controller.sign_in(self._options.account, PASSWORD)

    def _signed_in(self, outcome: Any) -> None:
        if not outcome.ok:
            self._fail(f"sign-in refused: {outcome.message}")

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
            self._app.controller.send_invitation(self._options.email, self._options.key)
        elif action == "redeem":
            if self._options.wait_go:
                sys.stdin.readline()  # both racers are ready: go at once
            self._app.controller.redeem(self._options.key)

    def _settle_when(self, settled: Callable[[AppState], bool], state: AppState) -> None:
        if settled(state) and state.sync.phase is SyncPhase.SYNCED:
            say("STATE", json.dumps(state_document(state)))
            self._quit(0)
        else:
            self._settling = lambda s: settled(s) and s.sync.phase is SyncPhase.SYNCED
            self._app.controller.sync_now()

    def _outcome(self, outcome: Any) -> None:
        if outcome.request_id != self._options.key:
            return
        say("OUTCOME", json.dumps(outcome_document(outcome)))
        self._quit(0)

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
    send.add_argument("key")
    redeem = actions.add_parser("redeem")
    redeem.add_argument("key")
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
