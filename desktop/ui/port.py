"""What the widgets need from the controller (docs/ARCHITECTURE.md), as a typing Protocol.

`desktop.controller.Controller` satisfies it; widget tests can pass any object that does.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import SignalInstance

from desktop.controller.state import AppState


class ControllerPort(Protocol):
    """The controller contract the UI talks to, and nothing else."""

    @property
    def stateChanged(self) -> SignalInstance:
        """Emits a new `AppState` after every change."""
        ...

    @property
    def inviteFinished(self) -> SignalInstance:
        """Emits an `InviteOutcome` for one request id."""
        ...

    @property
    def redeemFinished(self) -> SignalInstance:
        """Emits a `RedeemOutcome` for one request id."""
        ...

    @property
    def signInFinished(self) -> SignalInstance:
        """Emits a `SignInOutcome`."""
        ...

    @property
    def exportFinished(self) -> SignalInstance:
        """Emits (path, error message or "") after a ledger export."""
        ...

    @property
    def revokeFinished(self) -> SignalInstance:
        """Emits (invitation id, error message or "") after a revocation."""
        ...

    @property
    def state(self) -> AppState:
        """The latest state."""
        ...

    def sign_in(self, email: str, password: str) -> None:
        """Open a session for a demo account."""
        ...

    def sign_out(self) -> None:
        """End the session and forget the token."""
        ...

    def sync_now(self) -> None:
        """Pull changes and flush the outbox; coalesces with a running sync."""
        ...

    def send_invitation(self, email: str, request_id: str) -> None:
        """Invite one recipient; `request_id` is the idempotency key."""
        ...

    def revoke_invitation(self, invitation_id: str) -> None:
        """Revoke a pending invitation."""
        ...

    def redeem(self, request_id: str) -> None:
        """Spend the earliest-expiring token; never queued."""
        ...

    def export_ledger(self, path: str) -> None:
        """Write the token ledger as CSV."""
        ...
