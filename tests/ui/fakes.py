"""A stand-in controller for rendering tests of single widgets: records calls, emits on demand.

Integration tests use the real app from `desktop.app.create`; this exists so a widget can be
tested with hand-built `AppState` values (fakes through constructors, not patches).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.controller.state import AppState


class RecordingController(QObject):
    """Implements `desktop.ui.port.ControllerPort`; every call is appended to `calls`."""

    stateChanged = Signal(object)
    inviteFinished = Signal(object)
    redeemFinished = Signal(object)
    signInFinished = Signal(object)
    exportFinished = Signal(str, str)
    revokeFinished = Signal(str, str)

    def __init__(self, state: AppState | None = None) -> None:
        super().__init__()
        self._state = state or AppState()
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    @property
    def state(self) -> AppState:
        """The state last emitted."""
        return self._state

    def emit_state(self, state: AppState) -> None:
        """Make `state` current and tell the widgets."""
        self._state = state
        self.stateChanged.emit(state)

    def called(self, name: str) -> list[tuple[Any, ...]]:
        """Arguments of every call to `name`."""
        return [args for called, args in self.calls if called == name]

    def sign_in(self, email: str, password: str) -> None:
        self.calls.append(("sign_in", (email, password)))

    def sign_out(self) -> None:
        self.calls.append(("sign_out", ()))

    def sync_now(self) -> None:
        self.calls.append(("sync_now", ()))

    def send_invitation(self, email: str, request_id: str) -> None:
        self.calls.append(("send_invitation", (email, request_id)))

    def revoke_invitation(self, invitation_id: str) -> None:
        self.calls.append(("revoke_invitation", (invitation_id,)))

    def redeem(self, request_id: str) -> None:
        self.calls.append(("redeem", (request_id,)))

    def export_ledger(self, path: str) -> None:
        self.calls.append(("export_ledger", (path,)))
