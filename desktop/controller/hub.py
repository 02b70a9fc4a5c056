"""What the controller's flows share: the runner, the API, the in-memory model of the cache, the
session in use, and the one way results and state leave the controller.

Each flow (session, sync, sending, intents, start-up) owns one job and talks to the others only
through this hub, so the facade stays a list of entry points (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from desktop.backend.api import ApiError, OfferApi
from desktop.controller.model import ClientModel
from desktop.controller.retry import RetryPolicy
from desktop.controller.runner import Wait, WorkRunner
from desktop.controller.state import (
    AppState,
    Eligibility,
    InvitationCounts,
    InvitationView,
    OperationResult,
    PendingView,
    SyncPhase,
    SyncStatus,
    TokenView,
)
from desktop.credentials import CredentialStore
from desktop.domain.clock import Clock
from desktop.domain.outcomes import Operation, Outcome, describe
from desktop.domain.reasons import Detail, Reason, explain
from desktop.environment import local_fault

if TYPE_CHECKING:
    from desktop.storage import CacheRepository

log = logging.getLogger(__name__)

TimeFormat = Callable[[datetime], str]


def local_time(moment: datetime) -> str:
    """The default rendering of a time in a sentence: this computer's zone (R10)."""
    return moment.astimezone().strftime("%d %b %Y %H:%M")


def ignore(_: object = None) -> None:
    """A result nobody needs (a best-effort call, a write whose failure is reported elsewhere)."""


def failure_of(error: Exception) -> tuple[Outcome, Reason, Mapping[str, Detail]]:
    """What an exception means for an operation: its outcome, reason and details.

    API errors say it themselves; anything else happened on this computer before or after the
    call (the cache, the disk), and is named as such, never as a server problem."""
    if isinstance(error, ApiError):
        return error.outcome, error.reason, error.details
    return Outcome.REFUSED, *local_reason(error)


def local_reason(error: Exception) -> tuple[Reason, Mapping[str, Detail]]:
    """A local failure (cache, disk, keyring) as a reason code and details
    (`desktop.environment` classifies it: one place for the whole app). Logged: an expected
    fault (a full disk, a read-only folder...) as its one sentence, an unclassified one with its
    traceback."""
    fault = local_fault(error)
    if fault.reason is Reason.LOCAL_ERROR:
        log.error("unexpected local error", exc_info=error)
    else:
        log.warning("%s (%s)", fault.message, fault.reason)
    return fault.reason, fault.details


class Hub:
    """Shared by every flow. GUI thread only."""

    def __init__(
        self,
        api: OfferApi,
        cache: CacheRepository,
        credentials: CredentialStore,
        retry: RetryPolicy,
        clock: Clock,
        format_time: TimeFormat,
        emit_state: Callable[[AppState], None],
        emit_result: Callable[[OperationResult], None],
        owner: QObject,
        wait: Wait | None = None,
    ) -> None:
        self.api = api
        self.credentials = credentials
        self.retry = retry
        self.clock = clock
        self.format_time = format_time
        self.generation = 0  # bumped whenever the session changes
        self.token: str | None = None  # the session in use; saved only by CredentialStore
        self.run = WorkRunner(cache, retry, lambda: self.generation, owner, wait)
        self.model = ClientModel()
        self.sync = SyncStatus()
        self.cache_notice = ""
        self.hidden: set[str] = set()  # sends the user waits on, not yet shown as queued
        self.running: set[str] = set()  # intent keys with an attempt in flight
        self.uncertain: set[str] = set()  # keys reported UNKNOWN, not yet settled
        self.state = AppState(credentials_persistent=credentials.persistent)
        self._emit_state = emit_state
        self._emit_result = emit_result
        self._owner = owner
        self.request_sync: Callable[[], None] = lambda: None  # set by the sync flow
        self.on_session_lost: Callable[[str], None] = lambda message: None  # set by the session
        self.on_new_session: list[Callable[[], None]] = []  # flows resetting their own state

    # -- results ------------------------------------------------------------------------------

    def report(
        self,
        operation: Operation,
        key: str,
        outcome: Outcome,
        reason: Reason | None = None,
        details: Mapping[str, Detail] | None = None,
        *,
        subject: str = "",
        invitation: InvitationView | None = None,
        token: TokenView | None = None,
    ) -> None:
        """Emit how one intent ended, with its message composed in the domain (one place)."""
        settles = outcome.definite and key in self.uncertain
        if outcome is Outcome.UNKNOWN:
            self.uncertain.add(key)
        else:
            self.uncertain.discard(key)
        message = describe(operation, outcome, reason, details, format_time=self.format_time)
        result = OperationResult(
            operation,
            key,
            outcome,
            message,
            reason,
            subject=subject,
            invitation=invitation,
            token=token,
            settles=settles,
        )
        # Never from inside the call that started the intent: its caller learns the key first.
        QTimer.singleShot(0, self._owner, lambda: self._emit_result(result))

    def fail(self, operation: Operation, key: str, error: Exception, subject: str = "") -> Outcome:
        """Report a failed attempt; returns its outcome. A lost session signs out."""
        outcome, reason, details = failure_of(error)
        self.report(operation, key, outcome, reason, details, subject=subject)
        if reason is Reason.SESSION_ENDED:
            self.on_session_lost(explain(reason))
        return outcome

    def cache_failed(self, error: Exception) -> None:
        """A cache write failed: say what it is (never "the server reported a problem")."""
        reason, details = local_reason(error)
        self.sync = dataclasses.replace(
            self.sync, phase=SyncPhase.ERROR, message=explain(reason, details), reason=reason
        )
        self.publish()

    # -- state --------------------------------------------------------------------------------

    def eligibility(self) -> Eligibility:
        """What the client knows of the pilot flag: unknown hides the module (R1)."""
        flag = self.model.eligibility
        if flag is None:
            return Eligibility.UNKNOWN
        return Eligibility.ELIGIBLE if flag.enabled else Eligibility.NOT_ELIGIBLE

    def publish(self) -> None:
        """Emit a new AppState from the model."""
        if self.run.closed:
            return
        model = self.model
        flag = model.eligibility
        signed_in = model.account is not None
        self.state = AppState(
            account=model.account,
            eligibility=self.eligibility() if signed_in else Eligibility.UNKNOWN,
            eligibility_fetched_at=None if flag is None else flag.fetched_at,
            policy=model.policy,
            five_hour=model.five_hour,
            weekly=model.weekly,
            cycle=model.cycle,
            tokens=model.token_views(),
            invitations=model.invitation_views(self.hidden),
            sync=dataclasses.replace(
                self.sync,
                last_synced_at=self.sync.last_synced_at or model.last_synced_at,
                pending_operations=model.pending_count(self.hidden),
            ),
            credentials_persistent=self.credentials.persistent,
            backend_now=model.backend_now,
            cache_notice=self.cache_notice,
            pending=tuple(
                PendingView(intent.key, Operation(intent.operation), intent.target, intent.doubtful)
                for intent in model.intents.values()
            ),
            offer=None if model.offer is None else model.offer.as_shown(),
            invitation_counts=self._invitation_counts(),
        )
        self._emit_state(self.state)

    def _invitation_counts(self) -> InvitationCounts | None:
        """The whole list's counts while the model holds the first screenful only; queued
        invitations are shown, and counted, as pending ones."""
        counts = self.model.first_screenful_of
        if counts is None:
            return None
        queued = self.model.pending_count(self.hidden)
        return InvitationCounts(total=counts[0] + queued, pending=counts[1] + queued)
