"""The controller: the one QObject the UI talks to (docs/ARCHITECTURE.md has the contract).

A thin facade over flows that each own one job: `StartupFlow` (cache on screen, then the
session), `SessionFlow` (sign-in/out), `SyncFlow` (pull and schedule), `SendFlow` (the outbox),
`IntentFlow` (redeem and revoke), `ChangeFeed` (the backend's long poll: sync on a change).
They share a `Hub`: the work runner (where results arrive and
stale ones are told apart, once), the model, and the one way state and results leave.

Every operation that changes something reports an `OperationResult` with one of four outcomes
(DESIGN R11) under the key of its intent; an UNKNOWN one is settled by the client itself and
reported again under the same key.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Signal

from desktop.backend.api import OfferApi
from desktop.controller.feed import ChangeFeed
from desktop.controller.hub import Hub, TimeFormat, local_reason, local_time
from desktop.controller.intents import IntentFlow
from desktop.controller.ledger import write_ledger
from desktop.controller.retry import RetryPolicy
from desktop.controller.runner import Wait
from desktop.controller.sending import SendFlow
from desktop.controller.session import SessionFlow
from desktop.controller.startup import StartupFlow
from desktop.controller.state import AppState
from desktop.controller.syncing import SyncFlow
from desktop.credentials import CredentialStore
from desktop.domain.clock import Clock, utc_now
from desktop.domain.reasons import Reason, explain

if TYPE_CHECKING:
    from desktop.storage import CacheRepository

log = logging.getLogger(__name__)

RELEASE_WAIT_S = 1.0
"""How long closing waits at most for the long poll to return once the API is closed (at once,
in process or over HTTP)."""


class Controller(QObject):
    """Between the UI and everything else. Call `start()` once, `shutdown()` before exit."""

    stateChanged = Signal(object)
    """A new `AppState` after every change."""
    operationFinished = Signal(object)
    """An `OperationResult`: how one sign-in, send, revoke or redeem intent ended. A result with
    outcome UNKNOWN is followed by another with the same key once settled."""
    exportFinished = Signal(str, str)
    """(path, error sentence or "") after a ledger export."""

    def __init__(
        self,
        api: OfferApi,
        cache: CacheRepository,
        credentials: CredentialStore,
        *,
        sync_interval_ms: int = 30_000,
        retry: RetryPolicy | None = None,
        clock: Clock = utc_now,
        format_time: TimeFormat = local_time,
        wait: Wait | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._hub = hub = Hub(
            api,
            cache,
            credentials,
            retry or RetryPolicy(),
            clock,
            format_time,
            self.stateChanged.emit,
            self.operationFinished.emit,
            self,
            wait,
        )
        self._started = False
        self._session = SessionFlow(hub)
        self._sync = SyncFlow(hub, sync_interval_ms)
        self._sending = SendFlow(hub, self._sync.soon)
        self._intents = IntentFlow(hub, self._sending.unqueue)
        self._feed = ChangeFeed(hub, self._sync.sync_now)
        self._sync.after.extend([self._sending.flush, self._intents.settle, self._feed.follow])
        self._sync.on_applied.append(self._sending.found_by_sync)
        self._startup = StartupFlow(hub, self._cache_opened, self._session.restored)
        self._sync.on_finished.append(self._startup.first_sync_ended)
        app = QCoreApplication.instance()
        if app is not None:  # a forgotten shutdown() must not leave the cache thread running
            app.aboutToQuit.connect(self.shutdown)

    # -- the contract ----------------------------------------------------------------------

    @property
    def state(self) -> AppState:
        """The latest state."""
        return self._hub.state

    @property
    def is_shut_down(self) -> bool:
        """`shutdown()` ran and every thread the controller started has ended."""
        return self._hub.run.is_shut_down

    def start(self) -> None:
        """Emit the cached state at once, then restore the session from the keyring and sync."""
        if self._started or self._hub.run.closed:
            return
        self._started = True
        self._hub.run.start()
        self._startup.start()

    def shutdown(self) -> None:
        """Stop timers and join the threads: a backend call still running after ~1.5 s is
        abandoned, and its intent settled at the next start; the cache thread finishes the jobs
        already sent (local work) and closes the cache. Safe to call twice."""
        self._sync.stop()
        self._startup.rest_when_shown.set()
        self._startup.open_when_shown.set()
        self._hub.run.shutdown()

    def join_released_calls(self, timeout_s: float = RELEASE_WAIT_S) -> bool:
        """After `shutdown` and the API's close (which ends the change feed's long poll at once):
        wait for the calls `shutdown` left running, so that none of the app's threads is still
        in the backend or emitting while the process exits. True when none is left."""
        return self._hub.run.join_released(timeout_s)

    def sign_in(self, email: str, password: str) -> None:
        """Open a session (one key per intent: a retry never opens a second session)."""
        if self._hub.run.closed:
            return
        self.start()
        self._session.sign_in(email, password)

    def cancel_sign_in(self) -> None:
        """The operator stopped waiting for a sign-in whose answer was lost."""
        self._session.cancel()

    def sign_out(self) -> None:
        """End the session and forget the token; the cache keeps the rows for the next sign-in."""
        self._session.sign_out()

    def sync_now(self) -> None:
        """Pull changes since the cursor and flush the outbox; coalesces with a running sync."""
        self._sync.sync_now()

    def send_invitation(self, email: str, offer_id: str | None = None) -> str:
        """Invite one recipient; returns the key every `OperationResult` for it carries. With
        `offer_id` (the offer the operator read), a changed or expired offer stops the send."""
        return self._sending.send(email, offer_id)

    def send_invitations(self, emails: list[str], offer_id: str | None = None) -> tuple[str, ...]:
        """Invite up to the offer's `max_recipients` at once: one invitation, key and outcome
        each (the backend enforces the capacities); returns the keys in the same order."""
        return self._sending.send_many(emails, offer_id)

    def resend_invitation(self, invitation_id: str) -> str:
        """Send a pending invitation's email again (after its cooldown); returns the key. An
        unsettled resend of the same invitation is reused: one extra email at most."""
        return self._intents.resend(invitation_id)

    def send_queued_now(self, key: str) -> None:
        """Try a queued invitation again now, with its own key."""
        self._sending.resend_queued(key)

    def revoke_invitation(self, invitation_id: str) -> str:
        """Revoke a pending invitation (a queued one leaves the outbox); returns the key."""
        return self._intents.revoke(invitation_id)

    def redeem(self, credit_id: str = "") -> str:
        """Spend `credit_id` (default: the earliest-expiring credit); needs the backend and is
        never queued (R6, R8). An unsettled redemption's key (and credit) is reused: a double
        click or a retry spends one credit."""
        return self._intents.redeem(credit_id)

    def export_ledger(self, path: str) -> None:
        """Write the ledger CSV off the GUI thread; `exportFinished(path, error)` reports."""

        def failed(error: Exception) -> None:
            reason, details = local_reason(error)
            if reason is Reason.FOLDER_MISSING:  # name the folder, not the file inside it
                details = {"path": str(Path(path).parent)}
            self.exportFinished.emit(path, explain(reason, details))

        self._hub.run.cache(
            lambda cache: write_ledger(Path(path), cache.ledger()),
            lambda _: self.exportFinished.emit(path, ""),
            failed,
        )

    def _cache_opened(self) -> None:
        self._sync.cache_ready = True
