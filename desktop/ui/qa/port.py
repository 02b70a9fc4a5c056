"""What the QA window needs from the QA controller (`desktop.controller.qa.QaController`).

A typing Protocol, so the UI never imports the controller module that drives the backend.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Literal, Protocol

from PySide6.QtCore import SignalInstance

from desktop.controller.qa_state import QaSnapshot


class QaPort(Protocol):
    """The QA controller contract: actions in, snapshots and sentences out."""

    @property
    def snapshotChanged(self) -> SignalInstance:
        """Emits a `QaSnapshot` after every action and refresh."""
        ...

    @property
    def actionFinished(self) -> SignalInstance:
        """Emits a sentence saying what an action did."""
        ...

    @property
    def actionFailed(self) -> SignalInstance:
        """Emits why an action was refused or failed."""
        ...

    @property
    def busyChanged(self) -> SignalInstance:
        """Emits True while simulator calls are queued or running."""
        ...

    @property
    def snapshot(self) -> QaSnapshot | None:
        """The latest snapshot, if one was read."""
        ...

    def set_active(self, active: bool) -> None:
        """Pause while the window is hidden, resume (with a refresh) when shown."""
        ...

    def refresh(self) -> None:
        """Read the backend again."""
        ...

    def open_link(self, link: str) -> None:
        """The recipient opens the link."""
        ...

    def join(self, link: str, email: str) -> None:
        """The recipient signs up or signs in through the link."""
        ...

    def initialise(self, link: str, email: str) -> None:
        """The recipient initialises a workspace."""
        ...

    def prompt(self, link: str, email: str, count: int = 1) -> None:
        """The recipient sends prompts."""
        ...

    def set_cohort(self, action: Literal["allow", "deny", "clear"]) -> None:
        """Allow list, deny list, or neither, for the signed-in account."""
        ...

    def set_usage(self, weekly_percent: float | None, five_hour_percent: float | None) -> None:
        """Usage of the signed-in account, in percent of each window."""
        ...

    def advance_clock(self, delta: timedelta) -> None:
        """Move the backend clock forward."""
        ...

    def advance_clock_by(self, text: str) -> None:
        """Move the backend clock forward by a typed duration (`30d`, `1d 5h`)."""
        ...

    def set_offline(self, offline: bool) -> None:
        """Offline fault on or off."""
        ...

    def set_error_rate(self, rate: float) -> None:
        """Error rate fault (0 to 1)."""
        ...

    def set_latency(self, milliseconds: int) -> None:
        """Latency fault."""
        ...

    def clear_faults(self) -> None:
        """Every fault off."""
        ...

    def set_policy(self, values: Mapping[str, object]) -> None:
        """Change some policy values."""
        ...

    def reset_demo(self, password: str | None = None) -> None:
        """Wipe and reseed the demo; with `password`, sign the same operator back in."""
        ...

    def switch_account(self, email: str, password: str) -> None:
        """Sign out and sign another demo account in."""
        ...

    def set_offer(self, values: Mapping[str, object]) -> None:
        """Change some offer settings (issue 14)."""
        ...

    def grant_credit(self, title: str | None, expires_days: int | None, windows: str) -> None:
        """Give the signed-in account a complimentary credit."""
        ...
