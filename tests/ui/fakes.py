"""A stand-in controller for rendering tests of single widgets: records calls, emits on demand.

Integration tests use the real app from `desktop.app.create`; this exists so a widget can be
tested with hand-built `AppState` values (fakes through constructors, not patches).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication

from desktop.controller.state import AppState, OperationResult
from desktop.domain.outcomes import Operation, Outcome, describe
from desktop.domain.reasons import Reason


class RecordingController(QObject):
    """Implements `desktop.ui.port.ControllerPort`; every call is appended to `calls`."""

    stateChanged = Signal(object)
    operationFinished = Signal(object)
    exportFinished = Signal(str, str)

    def __init__(self, state: AppState | None = None) -> None:
        super().__init__()
        self._state = state or AppState()
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self._keys = 0
        self.offer_ids: list[str | None] = []  # the offer each multi-address send named
        self.credit_ids: list[str] = []  # the credit each redeem named

    @property
    def state(self) -> AppState:
        """The state last emitted."""
        return self._state

    def emit_state(self, state: AppState, *, settle: bool = True) -> None:
        """Make `state` current, tell the widgets, and (`settle`) let the event loop run until
        every settings window shows all of it (what it lacked is built in turns of its own)."""
        self._state = state
        self.stateChanged.emit(state)
        if settle:
            settle_windows()

    def called(self, name: str) -> list[tuple[Any, ...]]:
        """Arguments of every call to `name`."""
        return [args for called, args in self.calls if called == name]

    def sign_in(self, email: str, password: str) -> None:
        self.calls.append(("sign_in", (email, password)))

    def cancel_sign_in(self) -> None:
        self.calls.append(("cancel_sign_in", ()))

    def sign_out(self) -> None:
        self.calls.append(("sign_out", ()))

    def sync_now(self) -> None:
        self.calls.append(("sync_now", ()))

    def send_invitation(self, email: str, offer_id: str | None = None) -> str:
        return self._intent("send_invitation", email)

    def send_invitations(self, emails: list[str], offer_id: str | None = None) -> tuple[str, ...]:
        """Each address recorded as its own `send_invitation` (one intent each)."""
        self.offer_ids.append(offer_id)
        return tuple(self._intent("send_invitation", email) for email in emails)

    def resend_invitation(self, invitation_id: str) -> str:
        return self._intent("resend_invitation", invitation_id)

    def revoke_invitation(self, invitation_id: str) -> str:
        return self._intent("revoke_invitation", invitation_id)

    def redeem(self, credit_id: str = "") -> str:
        self.credit_ids.append(credit_id)
        return self._intent("redeem")

    def _intent(self, name: str, *args: Any) -> str:
        """Record the call; its key is the call's arguments plus the key handed out."""
        self._keys += 1
        key = f"key-{self._keys}"
        self.calls.append((name, (*args, key)))
        return key

    def finish(
        self,
        operation: Operation,
        key: str,
        outcome: Outcome,
        reason: Reason | None = None,
        **extra: Any,
    ) -> OperationResult:
        """Emit how the intent `key` ended, with the message the controller would compose."""
        details = extra.pop("details", None)
        result = OperationResult(
            operation, key, outcome, describe(operation, outcome, reason, details), reason, **extra
        )
        self.operationFinished.emit(result)
        return result

    def export_ledger(self, path: str) -> None:
        self.calls.append(("export_ledger", (path,)))


SETTLE_TURNS = 200


def settle_windows() -> None:
    """Run the event loop until every shown settings window `is_settled()`: the pages and the
    invitation module a state needs are built in later event-loop turns, as a user sees them."""
    from desktop.ui.settings_window import SettingsWindow

    for _ in range(SETTLE_TURNS):
        waiting = [
            widget
            for widget in QApplication.topLevelWidgets()
            if isinstance(widget, SettingsWindow)
            and widget.controller is not None
            and not widget.is_settled()
        ]
        if not waiting:
            return
        QApplication.processEvents()
    raise AssertionError(f"a settings window did not settle in {SETTLE_TURNS} event-loop turns")
