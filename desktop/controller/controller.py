"""The controller: the one QObject the UI talks to (docs/ARCHITECTURE.md, the contract).

Threads: backend and keyring calls run as `Task`s on the controller's own QThreadPool; every
cache access runs on one `CacheWorker` thread that owns the Session. Results come back to the GUI
thread as queued signals, update `ClientModel`, and a new frozen `AppState` is emitted.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from PySide6.QtCore import QCoreApplication, QObject, QThread, QThreadPool, QTimer, Signal, Slot

from desktop.backend.api import (
    ApiError,
    AuthenticationError,
    BackendUnavailable,
    InvitationDTO,
    NotInCohort,
    NoTokens,
    RedemptionDTO,
    ReferralApi,
    SessionDTO,
    SyncDTO,
)
from desktop.controller.ledger import write_ledger
from desktop.controller.mapping import (
    LOCAL_PREFIX,
    account_record,
    account_view,
    cycle_view,
    invitation_record,
    invitation_view,
    queued_view,
    sync_delta,
    token_record,
    token_view,
)
from desktop.controller.model import ClientModel
from desktop.controller.retry import RetryPolicy
from desktop.controller.state import (
    AppState,
    Eligibility,
    InvitationView,
    InviteOutcome,
    InviteStatus,
    RedeemOutcome,
    RedeemStatus,
    SignInOutcome,
    SyncPhase,
    SyncStatus,
)
from desktop.controller.tasks import CacheWorker, Task, TaskSignals
from desktop.credentials import CredentialStore
from desktop.domain.clock import Clock, utc_now
from desktop.domain.emails import InvalidEmail, normalise_email, same_address
from desktop.storage import (
    CachedInvitation,
    CachedToken,
    CacheRepository,
    CacheSnapshot,
    OpenReport,
    QueuedInvitation,
    SyncApplied,
)

log = logging.getLogger(__name__)

T = TypeVar("T")
Done = Callable[[Any], None]
Failed = Callable[[Exception], None]

CALL_TIMEOUT_MESSAGE = "The referral service did not answer in time. It may have gone through."
NOT_SIGNED_IN = "Sign in first."
NOT_IN_PILOT = "Invitations are available only to accounts in the referral pilot."
SESSION_ENDED = "Your session has ended. Sign in again."


@dataclass
class _Job:
    done: Done
    failed: Failed
    timer: QTimer | None = None


class Controller(QObject):
    """Between the UI and everything else; see docs/ARCHITECTURE.md and docs/CLIENT.md."""

    stateChanged = Signal(object)
    """A new `AppState` after every change."""
    inviteFinished = Signal(object)
    """An `InviteOutcome` for one request id (also when a queued invitation finally goes)."""
    redeemFinished = Signal(object)
    """A `RedeemOutcome` for one request id."""
    signInFinished = Signal(object)
    """A `SignInOutcome`."""
    exportFinished = Signal(str, str)
    """(path, error message or "") after a ledger export."""
    revokeFinished = Signal(str, str)
    """(invitation id, error message or "") after a revocation."""

    _cacheJob = Signal(int, object)
    _cacheStop = Signal()

    def __init__(
        self,
        api: ReferralApi,
        cache: CacheRepository,
        credentials: CredentialStore,
        *,
        sync_interval_ms: int = 30_000,
        retry: RetryPolicy | None = None,
        clock: Clock = utc_now,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._api = api
        self._cache = cache
        self._credentials = credentials
        self._interval_ms = sync_interval_ms
        self._retry = retry or RetryPolicy()
        self._clock = clock

        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(4)
        self._signals = TaskSignals(self)
        self._signals.finished.connect(self._on_task_finished)

        self._cache_thread = QThread()
        self._cache_thread.setObjectName("referral-cache")
        self._worker = CacheWorker(cache)
        self._worker.moveToThread(self._cache_thread)
        self._cacheJob.connect(self._worker.run)
        self._cacheStop.connect(self._worker.stop)
        self._worker.finished.connect(self._on_cache_finished)
        self._cache_thread.finished.connect(self._worker.deleteLater)

        self._sync_timer = QTimer(self)
        self._sync_timer.setSingleShot(True)
        self._sync_timer.timeout.connect(self.sync_now)
        self._waits: set[QTimer] = set()

        self._jobs: dict[int, _Job] = {}
        self._next_job = 0
        self._started = False
        self._closed = False
        self._cache_ready = False
        self._generation = 0
        self._token: str | None = None
        self._signing_in = False
        self._restore_wanted = True
        self._syncing = False
        self._sync_again = False
        self._sync_failures = 0
        self._sending: set[str] = set()  # idempotency keys with a send in flight
        self._fresh: set[str] = set()  # user sends not yet known to need the outbox
        self._redeeming: set[str] = set()
        self._model = ClientModel()
        self._sync = SyncStatus()
        self._cache_notice = ""
        self._state = AppState(credentials_persistent=credentials.persistent)
        app = QCoreApplication.instance()
        if app is not None:  # a forgotten shutdown() must not leave the cache thread running
            app.aboutToQuit.connect(self.shutdown)

    # -- the contract ----------------------------------------------------------------------

    @property
    def state(self) -> AppState:
        """The latest state."""
        return self._state

    @property
    def is_shut_down(self) -> bool:
        """`shutdown()` ran and every thread the controller started has ended."""
        return (
            self._closed
            and not self._cache_thread.isRunning()
            and self._pool.activeThreadCount() == 0
        )

    def start(self) -> None:
        """Emit the cached state at once, then restore the session from the keyring and sync."""
        if self._started or self._closed:
            return
        self._started = True
        self._cache_thread.start()
        self._run_cache(_open_cache, self._on_cache_opened, self._on_cache_unusable)

    def shutdown(self) -> None:
        """Stop timers, let running calls end, join every thread. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._sync_timer.stop()
        for wait in list(self._waits):
            wait.stop()
        self._waits.clear()
        for job in self._jobs.values():
            if job.timer is not None:
                job.timer.stop()
        self._jobs.clear()
        self._pool.clear()
        self._pool.waitForDone()
        if self._cache_thread.isRunning():
            self._cacheStop.emit()
            self._cache_thread.wait()

    def sign_in(self, email: str, password: str) -> None:
        """Open a session; the token goes to the keyring (or memory, see credentials_persistent)."""
        if self._closed:
            return
        if self._signing_in:
            self.signInFinished.emit(SignInOutcome(False, "Already signing in."))
            return
        self._signing_in = True
        self._restore_wanted = False  # an explicit sign-in wins over the keyring's session
        previous = self._token

        def call() -> tuple[SessionDTO, bool]:
            session = self._api.sign_in(email, password)
            persistent = self._credentials.save(session.token)
            if previous is not None and previous != session.token:
                _quietly(lambda: self._api.sign_out(previous))
            return session, persistent

        self._run_retrying(call, self._on_signed_in, self._on_sign_in_failed)

    def sign_out(self) -> None:
        """End the session and forget the token; the cache keeps the rows for the next sign-in."""
        if self._closed:
            return
        token = self._token
        self._end_session("")
        if token is not None:
            self._run_task(lambda: _quietly(lambda: self._api.sign_out(token)), _ignore, _ignore)

    def sync_now(self) -> None:
        """Pull changes since the cursor and flush the outbox; coalesces with a running sync."""
        if self._closed or not self._cache_ready or self._token is None:
            return
        if self._syncing:
            self._sync_again = True
            return
        self._syncing = True
        self._sync_timer.stop()
        self._sync = dataclasses.replace(self._sync, phase=SyncPhase.SYNCING)
        self._publish()
        token, cursor, generation = self._token, self._model.cursor, self._generation
        self._run_task(
            lambda: self._api.sync(token, cursor),
            self._guard(generation, self._on_pulled),
            self._guard(generation, self._on_sync_failed, else_=self._sync_abandoned),
        )

    def send_invitation(self, email: str, request_id: str) -> None:
        """Invite one recipient; `request_id` is the idempotency key (one per attempt)."""
        if self._closed or request_id in self._sending:
            return  # a double click: the running send reports for this request id
        if self._token is None or self._model.account is None:
            self._invite_outcome(request_id, InviteStatus.FAILED, NOT_SIGNED_IN)
            return
        queued = self._model.outbox.get(request_id)
        if queued is not None:  # "retry now" on a queued invitation: same key, same entry
            self._send(queued, reply=True, retries=True, then=_ignore)
            return
        try:
            recipient = normalise_email(email)
        except InvalidEmail as error:
            self._invite_outcome(request_id, InviteStatus.REFUSED, str(error))
            return
        refusal = self._local_refusal(recipient)
        if refusal:
            self._invite_outcome(request_id, InviteStatus.REFUSED, refusal)
            return
        # Write-ahead: the intent is in the outbox before the first attempt, so a crash or a
        # lost answer leaves something to resend with the same key, never a lost invitation.
        self._sending.add(request_id)
        self._fresh.add(request_id)
        generation = self._generation

        def queued_ok(entry: QueuedInvitation) -> None:
            self._model.queue(entry)
            self._send(entry, reply=True, retries=True, then=_ignore)

        def queue_failed(error: Exception) -> None:
            self._sending.discard(request_id)
            self._fresh.discard(request_id)
            self._invite_outcome(request_id, InviteStatus.FAILED, _cache_message(error))

        self._run_cache(
            lambda cache: cache.queue_invitation(request_id, recipient),
            self._guard(generation, queued_ok, else_=lambda _: self._forget_send(request_id)),
            self._guard(generation, queue_failed, else_=lambda _: self._forget_send(request_id)),
        )

    def revoke_invitation(self, invitation_id: str) -> None:
        """Revoke a pending invitation (a queued one is simply taken out of the outbox)."""
        if self._closed:
            return
        if self._token is None:
            self.revokeFinished.emit(invitation_id, NOT_SIGNED_IN)
            return
        generation = self._generation
        if invitation_id.startswith(LOCAL_PREFIX):
            key = invitation_id.removeprefix(LOCAL_PREFIX)
            if key in self._sending:
                self.revokeFinished.emit(
                    invitation_id, "This invitation is being sent right now; try again shortly."
                )
                return

            def unqueued(_: object) -> None:
                self._model.unqueue(key)
                self._publish()
                self.revokeFinished.emit(invitation_id, "")

            self._run_cache(
                lambda cache: cache.complete_send(key, None),
                self._guard(generation, unqueued),
                lambda error: self.revokeFinished.emit(invitation_id, _cache_message(error)),
            )
            return
        token = self._token

        def revoked(dto: InvitationDTO) -> None:
            self._store_invitation(generation, invitation_record(dto))
            self.revokeFinished.emit(invitation_id, "")

        def failed(error: Exception) -> None:
            self.revokeFinished.emit(invitation_id, _message(error))
            self._after_operation_error(error)

        self._run_retrying(
            lambda: self._api.revoke_invitation(token, invitation_id),
            self._guard(generation, revoked),
            self._guard(generation, failed),
        )

    def redeem(self, request_id: str) -> None:
        """Spend the earliest-expiring token; needs the backend and is never queued (R6, R8)."""
        if self._closed or request_id in self._redeeming:
            return
        if self._token is None:
            self.redeemFinished.emit(RedeemOutcome(request_id, RedeemStatus.FAILED, NOT_SIGNED_IN))
            return
        self._redeeming.add(request_id)
        token, generation = self._token, self._generation

        def spent(result: RedemptionDTO) -> None:
            def stored(record: CachedToken) -> None:
                self._redeeming.discard(request_id)
                self._model.tokens[record.id] = record
                self._model.five_hour = result.usage.five_hour
                self._model.weekly = result.usage.weekly
                self._model.backend_now = result.usage.now
                self._publish()
                message = (
                    "This request had already spent a reset; no second token was used."
                    if result.replayed
                    else "Reset spent: both usage windows are back to zero used."
                )
                view = token_view(record, self._recipient_of(record.invitation_id))
                self.redeemFinished.emit(
                    RedeemOutcome(request_id, RedeemStatus.SPENT, message, view)
                )
                self.sync_now()

            self._run_cache(
                lambda cache: cache.store_redemption(
                    token_record(result.token),
                    result.usage.five_hour,
                    result.usage.weekly,
                    result.usage.now,
                ),
                self._guard(generation, stored),
                lambda error: self._redeem_done(
                    request_id, RedeemStatus.SPENT, _cache_message(error)
                ),
            )

        def failed(error: Exception) -> None:
            if isinstance(error, NoTokens):
                self._redeem_done(request_id, RedeemStatus.NO_TOKENS, error.message)
            elif isinstance(error, BackendUnavailable):
                self._redeem_done(
                    request_id,
                    RedeemStatus.OFFLINE,
                    f"{error.message} A reset is spent only when the referral service confirms "
                    "it, and is never queued: try again when you are back online. Trying the "
                    "same request again never spends a second token.",
                )
            else:
                self._redeem_done(request_id, RedeemStatus.FAILED, _message(error))
            self._after_operation_error(error)

        self._run_retrying(
            lambda: self._api.redeem(token, request_id),
            self._guard(generation, spent, else_=lambda _: self._redeeming.discard(request_id)),
            self._guard(generation, failed, else_=lambda _: self._redeeming.discard(request_id)),
        )

    def export_ledger(self, path: str) -> None:
        """Write the ledger CSV off the GUI thread; `exportFinished(path, error)` reports."""
        if self._closed:
            return
        self._run_cache(
            lambda cache: write_ledger(Path(path), cache.ledger()),
            lambda _: self.exportFinished.emit(path, ""),
            lambda error: self.exportFinished.emit(
                path, f"The ledger could not be exported: {error}"
            ),
        )

    # -- start-up and session ---------------------------------------------------------------

    def _on_cache_opened(self, opened: tuple[OpenReport, CacheSnapshot]) -> None:
        report, snapshot = opened
        self._cache_ready = True
        if report.rebuilt:
            self._cache_notice = (
                f"{report.reason} It was set aside as {report.rebuilt_from} and the data is "
                "being rebuilt from the referral service. Invitations queued while offline "
                "may need to be sent again."
            )
        self._model.load(snapshot)
        self._publish()  # the cached state, before any backend call
        generation = self._generation
        self._run_task(
            self._credentials.load,
            self._guard(generation, self._on_token_restored),
            self._guard(generation, lambda error: self._on_token_restored(None)),
            timeout=False,
        )

    def _on_cache_unusable(self, error: Exception) -> None:
        log.error("the local cache could not be opened", exc_info=error)
        self._cache_notice = (
            f"The local cache could not be opened ({error}). Is another copy of the app "
            "running? Close it and restart."
        )
        self._sync = SyncStatus(phase=SyncPhase.ERROR, message=self._cache_notice)
        self._publish()

    def _on_token_restored(self, token: object) -> None:
        if not self._restore_wanted:
            return
        self._restore_wanted = False
        if isinstance(token, str) and token:
            self._token = token
            self.sync_now()
            return
        if self._model.account is not None:
            self._end_session("")  # the cache remembered a session the keyring does not have
        else:
            self._publish()

    def _on_signed_in(self, result: tuple[SessionDTO, bool]) -> None:
        session, _persistent = result
        self._generation += 1
        generation = self._generation
        self._token = session.token
        self._reset_session_work()

        def stored(loaded: tuple[int, CacheSnapshot]) -> None:
            discarded, snapshot = loaded
            self._signing_in = False
            self._model.load(snapshot)
            message = (
                f"{discarded} invitation(s) queued by the previous account were discarded."
                if discarded
                else ""
            )
            self._sync = SyncStatus(phase=SyncPhase.NEVER, message=message)
            self._publish()
            self.signInFinished.emit(SignInOutcome(True, message))
            self.sync_now()

        def failed(error: Exception) -> None:
            self._signing_in = False
            self.signInFinished.emit(SignInOutcome(False, _cache_message(error)))

        account = account_record(session.account)
        self._run_cache(
            lambda cache: (cache.start_session(account), cache.snapshot()),
            self._guard(generation, stored, else_=lambda _: self._stop_signing_in()),
            self._guard(generation, failed, else_=lambda _: self._stop_signing_in()),
        )

    def _on_sign_in_failed(self, error: Exception) -> None:
        self._signing_in = False
        self.signInFinished.emit(SignInOutcome(False, _message(error)))

    def _stop_signing_in(self) -> None:
        self._signing_in = False

    def _end_session(self, message: str) -> None:
        """Signed out (by choice, or because the backend refused the session)."""
        self._generation += 1
        self._token = None
        self._signing_in = False
        self._reset_session_work()
        self._sync_timer.stop()
        self._run_task(self._credentials.clear, _ignore, _ignore, timeout=False)
        self._run_cache(lambda cache: cache.end_session(), _ignore, self._report_cache_error)
        self._model.clear()
        phase = SyncPhase.ERROR if message else SyncPhase.NEVER
        self._sync = SyncStatus(phase=phase, message=message)
        self._publish()

    def _reset_session_work(self) -> None:
        self._syncing = False
        self._sync_again = False
        self._sync_failures = 0
        self._sending.clear()
        self._fresh.clear()
        self._redeeming.clear()

    # -- sync ---------------------------------------------------------------------------------

    def _on_pulled(self, dto: SyncDTO) -> None:
        generation = self._generation
        delta = sync_delta(dto, self._clock())

        def stored(applied: SyncApplied) -> None:
            self._model.apply_sync(delta, applied)
            self._sync = SyncStatus(
                phase=SyncPhase.SYNCED, last_synced_at=delta.fetched_at, message=""
            )
            for key in applied.completed_outbox_keys:
                self._fresh.discard(key)
            self._publish()
            self._flush_outbox(generation, self._sync_finished)

        def failed(error: Exception) -> None:
            self._report_cache_error(error)
            self._sync_finished(False)

        self._run_cache(
            lambda cache: cache.apply_sync(delta),
            self._guard(generation, stored, else_=self._sync_abandoned),
            self._guard(generation, failed, else_=self._sync_abandoned),
        )

    def _on_sync_failed(self, error: Exception) -> None:
        if isinstance(error, AuthenticationError):
            self._end_session(error.message or SESSION_ENDED)
            return
        phase = SyncPhase.OFFLINE if isinstance(error, BackendUnavailable) else SyncPhase.ERROR
        self._sync = dataclasses.replace(self._sync, phase=phase, message=_message(error))
        self._publish()
        self._sync_finished(False)

    def _sync_abandoned(self, _: object = None) -> None:
        """A sync of a session that has since ended: nothing to record."""

    def _sync_finished(self, ok: bool) -> None:
        if self._closed:
            return
        self._syncing = False
        self._sync_failures = 0 if ok else self._sync_failures + 1
        if self._sync_again:
            self._sync_again = False
            self.sync_now()
            return
        if self._token is None:
            return
        delay = self._interval_ms
        if not ok:
            delay = min(self._retry.delay_ms(self._sync_failures), self._interval_ms)
        self._sync_timer.start(delay)

    def _flush_outbox(self, generation: int, then: Callable[[bool], None]) -> None:
        """Send every queued invitation once, oldest first; stop at the first retryable error."""
        waiting = sorted(
            (e for e in self._model.outbox.values() if e.key not in self._sending),
            key=lambda entry: (entry.queued_at, entry.key),
        )

        def next_one(ok: bool, rest: list[QueuedInvitation]) -> None:
            if generation != self._generation or self._closed:
                return
            if not ok:
                then(False)
            elif not rest:
                then(True)
            else:
                self._send(
                    rest[0], reply=False, retries=False, then=lambda r: next_one(r, rest[1:])
                )

        next_one(True, waiting)

    # -- sending ------------------------------------------------------------------------------

    def _local_refusal(self, recipient: str) -> str:
        """What the client can refuse without the backend (the backend checks again)."""
        account = self._model.account
        if self._eligibility() is not Eligibility.ELIGIBLE:
            return NOT_IN_PILOT
        if account is not None and same_address(recipient, account.email):
            return "You cannot invite your own address."
        if self._model.has_pending_invitation_for(recipient):
            return f"You already have a pending invitation for {recipient}."
        return ""

    def _send(
        self, entry: QueuedInvitation, *, reply: bool, retries: bool, then: Callable[[bool], None]
    ) -> None:
        """One send with the entry's key; `reply`: someone waits for a QUEUED outcome too.
        `then(False)` when the entry must wait for the next sync."""
        token, generation, key = self._token, self._generation, entry.key
        if token is None:
            self._forget_send(key)
            then(False)
            return
        self._sending.add(key)

        def sent(dto: InvitationDTO) -> None:
            def stored(record: CachedInvitation | None) -> None:
                self._forget_send(key)
                self._model.unqueue(key)
                view = None
                if record is not None:
                    self._model.put_invitation(record)
                    view = invitation_view(record)
                self._publish()
                message = f"Invitation sent to {dto.recipient}."
                self._invite_outcome(key, InviteStatus.SENT, message, view)
                then(True)

            self._run_cache(
                lambda cache: cache.complete_send(key, invitation_record(dto)),
                self._guard(generation, stored),
                self._guard(generation, lambda error: self._send_store_failed(key, error, then)),
            )

        def failed(error: Exception) -> None:
            retryable = isinstance(error, ApiError) and error.retryable
            if retryable or isinstance(error, AuthenticationError):
                self._keep_queued(entry, error, reply, then)
                return

            def dropped(_: object) -> None:
                self._forget_send(key)
                self._model.unqueue(key)
                self._publish()
                status = (
                    InviteStatus.REFUSED if isinstance(error, ApiError) else InviteStatus.FAILED
                )
                text = _message(error)
                if status is InviteStatus.FAILED:
                    text = f"{text} The invitation was not sent."
                if not reply:
                    self._sync = dataclasses.replace(
                        self._sync,
                        message=f"The queued invitation to {entry.recipient} was not sent: {text}",
                    )
                    self._publish()
                self._invite_outcome(key, status, text)
                if isinstance(error, NotInCohort):
                    self.sync_now()  # the flag has changed: show it
                then(True)

            self._run_cache(
                lambda cache: cache.complete_send(key, None),
                self._guard(generation, dropped),
                self._guard(generation, lambda err: self._send_store_failed(key, err, then)),
            )

        call = lambda: self._api.send_invitation(token, entry.recipient, key)  # noqa: E731
        if retries:
            self._run_retrying(call, self._guard(generation, sent), self._guard(generation, failed))
        else:
            self._run_task(call, self._guard(generation, sent), self._guard(generation, failed))

    def _keep_queued(
        self,
        entry: QueuedInvitation,
        error: Exception,
        reply: bool,
        then: Callable[[bool], None],
    ) -> None:
        key, generation = entry.key, self._generation
        text = _message(error)

        def noted(_: object) -> None:
            self._forget_send(key)
            known = self._model.outbox.get(key)
            if known is not None:
                self._model.queue(
                    dataclasses.replace(known, attempts=known.attempts + 1, last_error=text)
                )
            if isinstance(error, AuthenticationError):
                if reply:
                    self._invite_outcome(
                        key,
                        InviteStatus.QUEUED,
                        f"{text} The invitation stays queued and is sent after you sign in.",
                    )
                self._end_session(text)
                return
            if not isinstance(error, BackendUnavailable):
                self._sync = dataclasses.replace(self._sync, phase=SyncPhase.ERROR, message=text)
            else:
                self._sync = dataclasses.replace(self._sync, phase=SyncPhase.OFFLINE, message=text)
            self._publish()
            if reply:
                self._invite_outcome(
                    key,
                    InviteStatus.QUEUED,
                    f"{text} The invitation is queued and goes out automatically with the next "
                    "sync, with the same request, so it can never be sent twice.",
                    queued_view(self._model.outbox.get(key, entry), self._model.policy),
                )
                self._schedule_retry_sync()
            then(False)

        self._run_cache(
            lambda cache: cache.note_send_failure(key, text),
            self._guard(generation, noted, else_=lambda _: self._forget_send(key)),
            self._guard(generation, noted, else_=lambda _: self._forget_send(key)),
        )

    def _send_store_failed(self, key: str, error: Exception, then: Callable[[bool], None]) -> None:
        self._forget_send(key)
        self._report_cache_error(error)
        then(False)

    def _forget_send(self, key: str) -> None:
        self._sending.discard(key)
        self._fresh.discard(key)

    def _schedule_retry_sync(self) -> None:
        if not self._syncing and self._token is not None:
            self._sync_failures += 1
            delay = min(self._retry.delay_ms(self._sync_failures), self._interval_ms)
            self._sync_timer.start(delay)

    def _invite_outcome(
        self,
        request_id: str,
        status: InviteStatus,
        message: str,
        invitation: InvitationView | None = None,
    ) -> None:
        self.inviteFinished.emit(InviteOutcome(request_id, status, message, invitation))

    # -- other operations ---------------------------------------------------------------------

    def _store_invitation(self, generation: int, record: CachedInvitation) -> None:
        def stored(kept: CachedInvitation) -> None:
            self._model.put_invitation(kept)
            self._publish()

        self._run_cache(
            lambda cache: cache.store_invitation(record),
            self._guard(generation, stored),
            self._report_cache_error,
        )

    def _redeem_done(self, request_id: str, status: RedeemStatus, message: str) -> None:
        self._redeeming.discard(request_id)
        self.redeemFinished.emit(RedeemOutcome(request_id, status, message))

    def _after_operation_error(self, error: Exception) -> None:
        """An operation failed: a lost session signs out; anything else refreshes from the
        backend, whose answer is the truth (the flag may have flipped, a spend gone through)."""
        if isinstance(error, AuthenticationError):
            self._end_session(error.message or SESSION_ENDED)
        elif isinstance(error, ApiError) and not isinstance(error, BackendUnavailable):
            self.sync_now()

    def _report_cache_error(self, error: Exception) -> None:
        log.error("cache write failed", exc_info=error)
        self._sync = dataclasses.replace(
            self._sync, phase=SyncPhase.ERROR, message=_cache_message(error)
        )
        self._publish()

    # -- state --------------------------------------------------------------------------------

    def _eligibility(self) -> Eligibility:
        flag = self._model.eligibility
        if flag is None:
            return Eligibility.UNKNOWN  # fail-closed (R1)
        return Eligibility.ELIGIBLE if flag.enabled else Eligibility.NOT_ELIGIBLE

    def _recipient_of(self, invitation_id: str) -> str:
        invitation = self._model.invitations.get(invitation_id)
        return "" if invitation is None else invitation.recipient

    def _publish(self) -> None:
        if self._closed:
            return
        model = self._model
        flag = model.eligibility
        account = None if model.account is None else account_view(model.account)
        tokens = tuple(
            token_view(row, self._recipient_of(row.invitation_id))
            for row in sorted(model.tokens.values(), key=lambda t: (t.granted_at, t.id))
        )
        sync = dataclasses.replace(
            self._sync,
            last_synced_at=self._sync.last_synced_at or model.last_synced_at,
            pending_operations=model.pending_count(self._fresh),
        )
        self._state = AppState(
            account=account,
            eligibility=self._eligibility() if account is not None else Eligibility.UNKNOWN,
            eligibility_fetched_at=None if flag is None else flag.fetched_at,
            policy=model.policy,
            five_hour=model.five_hour,
            weekly=model.weekly,
            cycle=None if model.cycle is None else cycle_view(model.cycle),
            tokens=tokens,
            invitations=model.invitation_views(self._fresh),
            sync=sync,
            credentials_persistent=self._credentials.persistent,
            backend_now=model.backend_now,
            cache_notice=self._cache_notice,
        )
        self.stateChanged.emit(self._state)

    # -- plumbing -----------------------------------------------------------------------------

    def _guard(
        self, generation: int, handler: Callable[[T], None], *, else_: Done | None = None
    ) -> Callable[[T], None]:
        """`handler`, unless the session changed (or the controller closed) since `generation`."""

        def guarded(value: T) -> None:
            if self._closed:
                return
            if generation != self._generation:
                if else_ is not None:
                    else_(value)
                return
            handler(value)

        return guarded

    def _new_job(self, done: Done, failed: Failed) -> int:
        self._next_job += 1
        self._jobs[self._next_job] = _Job(done, failed)
        return self._next_job

    def _run_task(
        self,
        work: Callable[[], T],
        done: Callable[[T], None],
        failed: Failed,
        *,
        timeout: bool = True,
    ) -> None:
        """Run `work` on the pool; `done`/`failed` run on the GUI thread. A call that outlives
        the timeout fails as a timeout now, and its late answer is dropped."""
        if self._closed:
            return
        job = self._new_job(cast(Done, done), failed)
        if timeout:
            timer = QTimer(self)
            timer.setSingleShot(True)
            timer.timeout.connect(lambda: self._on_task_timeout(job))
            timer.start(self._retry.call_timeout_ms)
            self._jobs[job].timer = timer
        self._pool.start(Task(job, work, self._signals))

    def _run_retrying(
        self,
        work: Callable[[], T],
        done: Callable[[T], None],
        failed: Failed,
        attempt: int = 1,
        uncertain: BackendUnavailable | None = None,
    ) -> None:
        """`_run_task` with the retry policy for retryable errors (same call, same key).

        When every attempt failed, the error reported is a timeout if any attempt timed out:
        that one may have gone through, which matters more than a later clean failure."""

        def on_error(error: Exception) -> None:
            retryable = isinstance(error, ApiError) and error.retryable
            doubt = error if isinstance(error, BackendUnavailable) else uncertain
            if retryable and attempt < self._retry.attempts and not self._closed:
                self._wait(
                    self._retry.delay_ms(attempt),
                    lambda: self._run_retrying(work, done, failed, attempt + 1, doubt),
                )
            else:
                failed(doubt if retryable and doubt is not None else error)

        self._run_task(work, done, on_error)

    def _run_cache(
        self, work: Callable[[CacheRepository], T], done: Callable[[T], None], failed: Failed
    ) -> None:
        """Run `work(cache)` on the cache thread, after every cache job sent before it."""
        if self._closed:
            return
        job = self._new_job(cast(Done, done), failed)
        self._cacheJob.emit(job, work)

    def _wait(self, milliseconds: int, then: Callable[[], None]) -> None:
        timer = QTimer(self)
        timer.setSingleShot(True)
        self._waits.add(timer)

        def fire() -> None:
            self._waits.discard(timer)
            timer.deleteLater()
            if not self._closed:
                then()

        timer.timeout.connect(fire)
        timer.start(milliseconds)

    @Slot(int, object, object)
    def _on_task_finished(self, job: int, result: object, error: object) -> None:
        self._finish(job, result, error)

    @Slot(int, object, object)
    def _on_cache_finished(self, job: int, result: object, error: object) -> None:
        self._finish(job, result, error)

    def _on_task_timeout(self, job: int) -> None:
        self._finish(job, None, BackendUnavailable(CALL_TIMEOUT_MESSAGE))

    def _finish(self, job: int, result: object, error: object) -> None:
        if self._closed:
            return  # a late answer after shutdown
        pending = self._jobs.pop(job, None)
        if pending is None:
            return  # answered after its timeout: the retry owns the outcome
        if pending.timer is not None:
            pending.timer.stop()
            pending.timer.deleteLater()
        if isinstance(error, Exception):
            pending.failed(error)
        else:
            pending.done(result)


def _open_cache(cache: CacheRepository) -> tuple[OpenReport, CacheSnapshot]:
    report = cache.open()
    return report, cache.snapshot()


def _quietly(call: Callable[[], object]) -> None:
    with contextlib.suppress(ApiError):  # best effort: the session ends on our side anyway
        call()


def _ignore(_: object = None) -> None:
    """A result nobody needs."""


def _message(error: Exception) -> str:
    """What the operator reads for a failure."""
    if isinstance(error, ApiError):
        return error.message
    log.error("unexpected error", exc_info=error)
    return f"Something went wrong: {error}."


def _cache_message(error: Exception) -> str:
    return f"The local cache could not be updated: {error}."
