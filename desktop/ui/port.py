"""What the widgets need from the controller (docs/ARCHITECTURE.md), as a typing Protocol.

`desktop.controller.Controller` satisfies it; widget tests can pass any object that does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import SignalInstance

if TYPE_CHECKING:
    from desktop.controller.state import AppState


class ControllerPort(Protocol):
    """The controller contract the UI talks to, and nothing else."""

    @property
    def stateChanged(self) -> SignalInstance:
        """Emits a new `AppState` after every change."""
        ...

    @property
    def operationFinished(self) -> SignalInstance:
        """Emits an `OperationResult` for one sign-in, send, revoke or redeem intent."""
        ...

    @property
    def exportFinished(self) -> SignalInstance:
        """Emits (path, error message or "") after a ledger export."""
        ...

    @property
    def state(self) -> AppState:
        """The latest state."""
        ...

    def sign_in(self, email: str, password: str) -> None:
        """Open a session for a demo account."""
        ...

    def cancel_sign_in(self) -> None:
        """Stop waiting for a sign-in whose answer was lost."""
        ...

    def sign_out(self) -> None:
        """End the session and forget the token."""
        ...

    def sync_now(self) -> None:
        """Pull changes and flush the outbox; coalesces with a running sync."""
        ...

    def send_invitation(self, email: str, offer_id: str | None = None) -> str:
        """Invite one recipient; returns the intent's key its results carry."""
        ...

    def send_invitations(self, emails: list[str], offer_id: str | None = None) -> tuple[str, ...]:
        """Invite several recipients, one intent each; returns their keys in order."""
        ...

    def resend_invitation(self, invitation_id: str) -> str:
        """Send a pending invitation's email again; returns the intent's key."""
        ...

    def revoke_invitation(self, invitation_id: str) -> str:
        """Revoke a pending invitation; returns the intent's key."""
        ...

    def redeem(self, credit_id: str = "") -> str:
        """Spend a credit (default: the earliest-expiring); never queued. Returns the key."""
        ...

    def export_ledger(self, path: str) -> None:
        """Write the token ledger as CSV."""
        ...
