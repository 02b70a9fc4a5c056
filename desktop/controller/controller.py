"""The controller: the one QObject the UI talks to (docs/ARCHITECTURE.md has the contract,
docs/CLIENT.md the threading, retry and outbox decisions).

Backend and cache work runs through a `WorkRunner`; results come back to the GUI thread, update
the `ClientModel`, and a new frozen `AppState` is emitted. Every callback of a session-bound
operation is guarded by the session generation, so answers for a session that has since ended
(sign-out, another sign-in, an expired token) never touch the new one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

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
from desktop.controller.model import ClientModel, views_of
from desktop.controller.retry import RetryPolicy
from desktop.controller.runner import WorkRunner
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
from desktop.credentials import CredentialStore
from desktop.domain.clock import Clock, utc_now
from desktop.storage import (
    CachedInvitation,
    CachedToken,
    CacheSnapshot,
    OpenReport,
    QueuedInvitation,
    SyncApplied,
    SyncDelta,
)
from desktop.storage.peek import peek_snapshot

if TYPE_CHECKING:
    from desktop.storage import CacheRepository

log = logging.getLogger(__name__)

Views = dict[str, InvitationView]
"""Invitation views by id, made on a worker thread (`views_of`)."""

OPEN_AFTER_PEEK_WAIT_S = 1.0
"""How long the proper cache open waits at most for the peeked state to be painted."""

T = TypeVar("T")

NOT_SIGNED_IN = "Sign in first."
NOT_IN_PILOT = "Invitations are available only to accounts in the referral pilot."
SESSION_ENDED = "Your session has ended. Sign in again."
QUEUED_NOTE = (
    "The invitation is queued and goes out automatically with the next sync, with the same "
    "request, so it can never be sent twice."
)
SESSION_CHANGED_SEND = (
    "The session ended before the answer came. The invitation stays queued and is sent with the "
    "same request after you sign in again."
)
SESSION_CHANGED_REDEEM = (
    "The session ended before the answer came. Sign in again: the wallet shows whether the reset "
    "was spent, and the same request never spends a second token."
)
REDEEM_OFFLINE_NOTE = (
    "A reset is spent only when the referral service confirms it, and is never queued: try "
    "again when you are back online. Trying the same request again never spends a second token."
)


class Controller(QObject):
    """Between the UI and everything else. Call `start()` once, `shutdown()` before exit."""

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
        self._credentials = credentials
        self._interval_ms = sync_interval_ms
        self._retry = retry or RetryPolicy()
        self._clock = clock
        self._run = WorkRunner(cache, self._retry, self)
        self._sync_timer = QTimer(self)
        self._sync_timer.setSingleShot(True)
        self._sync_timer.timeout.connect(self.sync_now)

        self._started = False
        self._cache_ready = False
        self._showing_peek = False  # the model holds the quick look at the cache, nothing newer
        self._open_when_shown = threading.Event()  # the cache thread may start the proper open
        self._generation = 0  # bumped whenever the session changes
        self._token: str | None = None  # the session in use; saved only by CredentialStore
        self._restore_wanted = True
        self._signing_in = False
        self._syncing = False
        self._sync_again = False
        self._sync_failures = 0
        self._sending: set[str] = set()  # keys with a send in flight
        self._fresh: set[str] = set()  # sends the user waits on, not yet shown as queued
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
        return self._run.is_shut_down

    def start(self) -> None:
        """Emit the cached state at once, then restore the session from the keyring and sync."""
        if self._started or self._run.closed:
            return
        self._started = True
        self._run.start()
        # A quick read-only look first (sqlite3 alone): the cached data is on screen while the
        # proper open (SQLAlchemy, Alembic, integrity check, migrations) is still loading. The
        # open is queued at once (every later cache job comes after it) but waits until the GUI
        # thread has painted the peeked state: its imports would take the GIL from that paint.
        # Both jobs also make the invitations' views there, not on the GUI thread.
        peeked: list[CacheSnapshot | None] = [None]
        go = self._open_when_shown

        def peek(cache: CacheRepository) -> tuple[CacheSnapshot, Views] | None:
            snapshot = peeked[0] = _peek_cache(cache)
            return None if snapshot is None else (snapshot, views_of(snapshot.invitations))

        def open_cache(cache: CacheRepository) -> tuple[OpenReport, CacheSnapshot, bool, Views]:
            go.wait(OPEN_AFTER_PEEK_WAIT_S)
            report, snapshot = _open_cache(cache)
            same = peeked[0] is not None and snapshot == peeked[0]
            return report, snapshot, same, {} if same else views_of(snapshot.invitations)

        def peek_failed(_: object) -> None:
            go.set()

        peeked_ok = self._guard(self._generation, self._on_cache_peeked, stale=peek_failed)
        self._run.cache(peek, peeked_ok, peek_failed)
        self._run.cache(open_cache, self._on_cache_opened, self._on_cache_unusable)

    def shutdown(self) -> None:
        """Stop timers, let running calls end, join every thread. Safe to call twice."""
        self._sync_timer.stop()
        self._open_when_shown.set()
        self._run.shutdown()

    def sign_in(self, email: str, password: str) -> None:
        """Open a session; the token goes to the keyring (or memory: `credentials_persistent`)."""
        if self._run.closed:
            return
        self.start()
        if self._signing_in:
            self.signInFinished.emit(SignInOutcome(False, "Already signing in."))
            return
        self._signing_in = True
        self._restore_wanted = False  # an explicit sign-in wins over the keyring's session
        previous = self._token

        def call() -> SessionDTO:
            session = self._api.sign_in(email, password, uuid.uuid4().hex)
            self._credentials.save(session.token)
            if previous is not None and previous != session.token:
                with contextlib.suppress(ApiError):  # best effort
                    self._api.sign_out(previous)
            return session

        self._run.call_retrying(call, self._on_signed_in, self._on_sign_in_failed)

    def sign_out(self) -> None:
        """End the session and forget the token; the cache keeps the rows for the next sign-in."""
        token = self._token
        self._end_session("")
        if token is not None and not self._run.closed:

            def call() -> None:
                with contextlib.suppress(ApiError):  # the token is gone on our side anyway
                    self._api.sign_out(token)

            self._run.call(call, _ignore, _ignore)

    def sync_now(self) -> None:
        """Pull changes since the cursor and flush the outbox; coalesces with a running sync."""
        if self._run.closed or not self._cache_ready or self._token is None:
            return
        if self._syncing:
            self._sync_again = True
            return
        self._syncing = True
        self._sync_timer.stop()
        self._sync = dataclasses.replace(self._sync, phase=SyncPhase.SYNCING)
        self._publish()
        token, cursor, generation = self._token, self._model.cursor, self._generation
        api, clock = self._api, self._clock

        def pull() -> tuple[SyncDTO, SyncDelta]:
            dto = api.sync(token, cursor)
            return dto, sync_delta(dto, clock())  # thousands of rows: converted here, not on GUI

        self._run.call(
            pull,
            self._guard(generation, self._on_pulled),
            self._guard(generation, self._on_sync_failed),
        )

    def send_invitation(self, email: str, request_id: str) -> None:
        """Invite one recipient; `request_id` is the idempotency key (one per attempt)."""
        if self._run.closed or request_id in self._sending:
            return  # a double click: the running send reports for this request id
        if self._token is None or self._model.account is None:
            self._invite_outcome(request_id, InviteStatus.FAILED, NOT_SIGNED_IN)
            return
        queued = self._model.outbox.get(request_id)
        if queued is not None:  # "send now" on a queued invitation: same key, same entry
            self._send(queued, reply=True, retries=True, then=_ignore)
            return
        # email-validator loads on first use (~20 ms): not on the way to the cached data.
        from desktop.domain.emails import InvalidEmail, normalise_email

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
        # lost answer leaves it to resend with the same key, never a lost invitation.
        self._sending.add(request_id)
        self._fresh.add(request_id)

        def queued_ok(entry: QueuedInvitation) -> None:
            self._model.queue(entry)
            self._send(entry, reply=True, retries=True, then=_ignore)

        def queue_failed(error: Exception) -> None:
            self._forget_send(request_id)
            self._invite_outcome(request_id, InviteStatus.FAILED, _cache_message(error))

        def stale_queued(_: object) -> None:
            self._invite_outcome(request_id, InviteStatus.QUEUED, SESSION_CHANGED_SEND)

        def stale_failed(_: object) -> None:
            message = "The session ended before the invitation could be queued; it was not sent."
            self._invite_outcome(request_id, InviteStatus.FAILED, message)

        self._run.cache(
            lambda cache: cache.queue_invitation(request_id, recipient),
            self._guard(self._generation, queued_ok, stale=stale_queued),
            self._guard(self._generation, queue_failed, stale=stale_failed),
        )

    def revoke_invitation(self, invitation_id: str) -> None:
        """Revoke a pending invitation (a queued one is taken out of the outbox)."""
        if self._run.closed:
            return
        if self._token is None:
            self.revokeFinished.emit(invitation_id, NOT_SIGNED_IN)
            return
        generation = self._generation
        if invitation_id.startswith(LOCAL_PREFIX):
            self._unqueue(invitation_id)
            return
        token = self._token

        def revoked(dto: InvitationDTO) -> None:
            self._store_invitation(invitation_record(dto))
            self.revokeFinished.emit(invitation_id, "")

        def failed(error: Exception) -> None:
            self.revokeFinished.emit(invitation_id, _message(error))
            self._after_operation_error(error)

        self._run.call_retrying(
            lambda: self._api.revoke_invitation(token, invitation_id, uuid.uuid4().hex),
            self._guard(generation, revoked),
            self._guard(generation, failed),
        )

    def redeem(self, request_id: str) -> None:
        """Spend the earliest-expiring token; needs the backend and is never queued (R6, R8)."""
        if self._run.closed or request_id in self._redeeming:
            return  # a double click: the running request reports for this id
        if self._token is None:
            self.redeemFinished.emit(RedeemOutcome(request_id, RedeemStatus.FAILED, NOT_SIGNED_IN))
            return
        self._redeeming.add(request_id)
        token, generation = self._token, self._generation

        def stale(_: object) -> None:
            self.redeemFinished.emit(
                RedeemOutcome(request_id, RedeemStatus.FAILED, SESSION_CHANGED_REDEEM)
            )

        def failed(error: Exception) -> None:
            if isinstance(error, NoTokens):
                self._redeem_done(request_id, RedeemStatus.NO_TOKENS, error.message)
            elif isinstance(error, BackendUnavailable):
                message = f"{error.message} {REDEEM_OFFLINE_NOTE}"
                self._redeem_done(request_id, RedeemStatus.OFFLINE, message)
            else:
                self._redeem_done(request_id, RedeemStatus.FAILED, _message(error))
            self._after_operation_error(error)

        self._run.call_retrying(
            lambda: self._api.redeem(token, request_id),
            self._guard(generation, lambda result: self._on_spent(request_id, result), stale=stale),
            self._guard(generation, failed, stale=stale),
        )

    def export_ledger(self, path: str) -> None:
        """Write the ledger CSV off the GUI thread; `exportFinished(path, error)` reports."""
        self._run.cache(
            lambda cache: write_ledger(Path(path), cache.ledger()),
            lambda _: self.exportFinished.emit(path, ""),
            lambda error: self.exportFinished.emit(
                path, f"The ledger could not be exported: {error}"
            ),
        )

    # -- start-up and the session -----------------------------------------------------------

    def _on_cache_peeked(self, peeked: tuple[CacheSnapshot, Views] | None) -> None:
        if peeked is None or peeked[0].account is None or self._cache_ready:
            self._open_when_shown.set()  # nothing to show early: the proper open will say
            return
        self._model.load(*peeked)
        self._showing_peek = True
        self._publish()  # the cached state, before the cache is even opened properly
        # The window has just scheduled its repaint (a low-priority posted event); a timer
        # fires after posted events are handled, so after that paint.
        QTimer.singleShot(1, self._open_when_shown.set)

    def _on_cache_opened(self, opened: tuple[OpenReport, CacheSnapshot, bool, Views]) -> None:
        report, snapshot, same_as_peek, views = opened
        self._cache_ready = True
        if report.rebuilt:
            self._cache_notice = (
                f"{report.reason} It was set aside as {report.rebuilt_from} and the data is "
                "rebuilt from the referral service. Invitations queued while offline may need "
                "to be sent again."
            )
        if not (same_as_peek and self._showing_peek and not report.rebuilt):
            self._model.load(snapshot, views or None)
            self._publish()  # the cached state, before any backend call
        self._showing_peek = False
        self._run.call(
            self._credentials.load,
            self._on_token_restored,
            lambda _: self._on_token_restored(None),
            timeout=False,  # an OS keyring may show an unlock prompt
        )

    def _on_cache_unusable(self, error: Exception) -> None:
        log.error("the local cache could not be opened", exc_info=error)
        self._cache_notice = (
            f"The local cache could not be opened ({error}). If another copy of the app is "
            "running, close it and start again."
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
        elif self._model.account is not None:
            self._end_session("")  # the cache remembers a session the keyring does not have
        else:
            self._publish()  # signed out; credentials_persistent may have changed

    def _on_signed_in(self, session: SessionDTO) -> None:
        self._new_session(session.token)
        account = account_record(session.account)

        def stored(loaded: tuple[int, CacheSnapshot, Views]) -> None:
            discarded, snapshot, views = loaded
            self._signing_in = False
            self._model.load(snapshot, views)
            message = (
                f"{discarded} invitation(s) queued by the previous account were discarded."
                if discarded
                else ""
            )
            self._sync = SyncStatus(message=message)
            self._publish()
            self.signInFinished.emit(SignInOutcome(True, message))
            self.sync_now()

        def failed(error: Exception) -> None:
            self._signing_in = False
            self.signInFinished.emit(SignInOutcome(False, _cache_message(error)))

        def start_session(cache: CacheRepository) -> tuple[int, CacheSnapshot, Views]:
            discarded = cache.start_session(account)
            snapshot = cache.snapshot()
            return discarded, snapshot, views_of(snapshot.invitations)

        self._run.cache(
            start_session,
            self._guard(self._generation, stored, stale=self._stop_signing_in),
            self._guard(self._generation, failed, stale=self._stop_signing_in),
        )

    def _on_sign_in_failed(self, error: Exception) -> None:
        self._signing_in = False
        self.signInFinished.emit(SignInOutcome(False, _message(error)))

    def _stop_signing_in(self, _: object = None) -> None:
        self._signing_in = False

    def _new_session(self, token: str | None) -> None:
        """Everything in flight belongs to the previous session from now on."""
        self._generation += 1
        self._token = token
        self._showing_peek = False
        self._restore_wanted = False  # a keyring read still running belongs to the past
        self._signing_in = False
        self._syncing = False
        self._sync_again = False
        self._sync_failures = 0
        self._sending.clear()
        self._fresh.clear()
        self._redeeming.clear()
        self._sync_timer.stop()

    def _end_session(self, message: str) -> None:
        """Signed out, by choice or because the backend refused the session."""
        self._new_session(None)
        self._run.call(self._credentials.clear, _ignore, _ignore, timeout=False)
        self._run.cache(lambda cache: cache.end_session(), _ignore, self._report_cache_error)
        self._model.clear()
        self._sync = SyncStatus(
            phase=SyncPhase.ERROR if message else SyncPhase.NEVER, message=message
        )
        self._publish()

    # -- sync -------------------------------------------------------------------------------

    def _on_pulled(self, pulled: tuple[SyncDTO, SyncDelta]) -> None:
        dto, delta = pulled
        cached = self._model.account
        if cached is not None and cached.id != dto.account.id:
            # The keyring's session is another account's (another data folder signed in): this
            # cache's cursor means nothing for it. Start that account's data from scratch.
            self._model.clear()
            if not dto.full:
                self._syncing = False
                self.sync_now()
                return
        generation = self._generation

        def store(cache: CacheRepository) -> tuple[SyncApplied, Views]:
            applied = cache.apply_sync(delta)
            return applied, views_of(applied.invitations)

        def stored(result: tuple[SyncApplied, Views]) -> None:
            applied, views = result
            self._model.apply_sync(delta, applied, views)
            self._fresh.difference_update(applied.completed_outbox_keys)
            self._sync = SyncStatus(phase=SyncPhase.SYNCED, last_synced_at=delta.fetched_at)
            self._publish()
            self._flush_outbox(self._sync_finished)

        def failed(error: Exception) -> None:
            self._report_cache_error(error)
            self._sync_finished(False)

        self._run.cache(
            store,
            self._guard(generation, stored),
            self._guard(generation, failed),
        )

    def _on_sync_failed(self, error: Exception) -> None:
        if isinstance(error, AuthenticationError):
            self._end_session(error.message or SESSION_ENDED)
            return
        self._sync = dataclasses.replace(
            self._sync, phase=_phase_for(error), message=_message(error)
        )
        self._publish()
        self._sync_finished(False)

    def _sync_finished(self, ok: bool) -> None:
        """Coalesced requests run now; otherwise the next sync is due after the interval, or
        sooner after a failure (backoff, never later than the interval)."""
        self._syncing = False
        self._sync_failures = 0 if ok else self._sync_failures + 1
        if self._sync_again:
            self._sync_again = False
            self.sync_now()
        elif self._token is not None and not self._run.closed:
            self._sync_timer.start(self._next_sync_delay())

    def _next_sync_delay(self) -> int:
        if not self._sync_failures:
            return self._interval_ms
        return min(self._retry.delay_ms(self._sync_failures), self._interval_ms)

    def _flush_outbox(self, then: Callable[[bool], None]) -> None:
        """Send each queued invitation once, oldest first; stop at the first retryable error
        (the sync's backoff is then the retry). `then(ok)` when done."""
        generation = self._generation
        waiting = sorted(
            (entry for entry in self._model.outbox.values() if entry.key not in self._sending),
            key=lambda entry: (entry.queued_at, entry.key),
        )

        def next_one(ok: bool, rest: list[QueuedInvitation]) -> None:
            if generation != self._generation or self._run.closed:
                return
            if not ok or not rest:
                then(ok)
            else:
                self._send(
                    rest[0], reply=False, retries=False, then=lambda r: next_one(r, rest[1:])
                )

        next_one(True, waiting)

    # -- sending ------------------------------------------------------------------------------

    def _local_refusal(self, recipient: str) -> str:
        """What the client refuses without the backend (which checks everything again)."""
        from desktop.domain.emails import same_address

        account = self._model.account
        if self._eligibility() is not Eligibility.ELIGIBLE:
            return NOT_IN_PILOT  # fail-closed, also offline
        if account is not None and same_address(recipient, account.email):
            return "You cannot invite your own address."
        if self._model.has_pending_invitation_for(recipient):
            return f"You already have a pending invitation for {recipient}."
        return ""

    def _send(
        self, entry: QueuedInvitation, *, reply: bool, retries: bool, then: Callable[[bool], None]
    ) -> None:
        """Send one outbox entry with its key. `reply`: the user waits for a QUEUED outcome too.
        `then(False)` when the entry must wait for a later sync."""
        token, generation, key = self._token, self._generation, entry.key
        if token is None:
            self._forget_send(key)
            then(False)
            return
        self._sending.add(key)

        def stale(_: object) -> None:
            if reply:
                self._invite_outcome(key, InviteStatus.QUEUED, SESSION_CHANGED_SEND)

        def sent(dto: InvitationDTO) -> None:
            self._run.cache(
                lambda cache: cache.complete_send(key, invitation_record(dto)),
                self._guard(generation, lambda kept: self._sent(key, kept, then), stale=stale),
                self._guard(
                    generation, lambda error: self._send_unrecorded(key, error, then), stale=stale
                ),
            )

        def failed(error: Exception) -> None:
            if (isinstance(error, ApiError) and error.retryable) or isinstance(
                error, AuthenticationError
            ):
                self._keep_queued(entry, error, reply, then)
            else:
                self._run.cache(
                    lambda cache: cache.complete_send(key, None),
                    self._guard(
                        generation, lambda _: self._refused(entry, error, reply, then), stale=stale
                    ),
                    self._guard(
                        generation, lambda err: self._send_unrecorded(key, err, then), stale=stale
                    ),
                )

        call = lambda: self._api.send_invitation(token, entry.recipient, key)  # noqa: E731
        run = self._run.call_retrying if retries else self._run.call
        run(
            call,
            self._guard(generation, sent, stale=stale),
            self._guard(generation, failed, stale=stale),
        )

    def _sent(self, key: str, kept: CachedInvitation | None, then: Callable[[bool], None]) -> None:
        self._forget_send(key)
        self._model.unqueue(key)
        view = None
        if kept is not None:
            self._model.put_invitation(kept)
            view = invitation_view(kept)
        self._publish()
        recipient = view.recipient if view is not None else "your peer"
        self._invite_outcome(key, InviteStatus.SENT, f"Invitation sent to {recipient}.", view)
        then(True)

    def _refused(
        self, entry: QueuedInvitation, error: Exception, reply: bool, then: Callable[[bool], None]
    ) -> None:
        self._forget_send(entry.key)
        self._model.unqueue(entry.key)
        refused = isinstance(error, ApiError)
        text = _message(error) if refused else f"{_message(error)} The invitation was not sent."
        if not reply:  # nobody is waiting in a dialog: say it in the status line
            message = f"The queued invitation to {entry.recipient} was not sent: {text}"
            self._sync = dataclasses.replace(self._sync, message=message)
        self._publish()
        status = InviteStatus.REFUSED if refused else InviteStatus.FAILED
        self._invite_outcome(entry.key, status, text)
        if isinstance(error, NotInCohort):
            self.sync_now()  # the flag changed: show it
        then(True)

    def _keep_queued(
        self, entry: QueuedInvitation, error: Exception, reply: bool, then: Callable[[bool], None]
    ) -> None:
        key, generation, text = entry.key, self._generation, _message(error)

        def noted(_: object) -> None:
            self._forget_send(key)
            known = self._model.outbox.get(key)
            if known is None:  # a sync found it done meanwhile (a lost answer that went through)
                self._sent(key, self._model.invitation_with_key(key), then)
                return
            self._model.queue(
                dataclasses.replace(known, attempts=known.attempts + 1, last_error=text)
            )
            if isinstance(error, AuthenticationError):
                if reply:
                    note = "The invitation stays queued and is sent after you sign in."
                    self._invite_outcome(key, InviteStatus.QUEUED, f"{text} {note}")
                self._end_session(text)
                return
            self._sync = dataclasses.replace(self._sync, phase=_phase_for(error), message=text)
            self._publish()
            if reply:
                view = queued_view(self._model.outbox[key], self._model.policy)
                self._invite_outcome(key, InviteStatus.QUEUED, f"{text} {QUEUED_NOTE}", view)
                self._retry_sync_soon()
            then(False)

        def stale(_: object) -> None:
            if reply:
                self._invite_outcome(key, InviteStatus.QUEUED, SESSION_CHANGED_SEND)

        self._run.cache(
            lambda cache: cache.note_send_failure(key, text),
            self._guard(generation, noted, stale=stale),
            self._guard(generation, noted, stale=stale),
        )

    def _send_unrecorded(self, key: str, error: Exception, then: Callable[[bool], None]) -> None:
        self._forget_send(key)
        self._report_cache_error(error)
        then(False)

    def _forget_send(self, key: str) -> None:
        self._sending.discard(key)
        self._fresh.discard(key)

    def _retry_sync_soon(self) -> None:
        """A send fell back to the outbox: try again on the sync backoff schedule."""
        if not self._syncing and self._token is not None:
            self._sync_failures += 1
            self._sync_timer.start(self._next_sync_delay())

    def _unqueue(self, invitation_id: str) -> None:
        key = invitation_id.removeprefix(LOCAL_PREFIX)
        if key in self._sending:
            message = "This invitation is being sent right now; try again shortly."
            self.revokeFinished.emit(invitation_id, message)
            return

        def unqueued(_: object) -> None:
            self._model.unqueue(key)
            self._publish()
            self.revokeFinished.emit(invitation_id, "")

        self._run.cache(
            lambda cache: cache.complete_send(key, None),
            self._guard(self._generation, unqueued),
            lambda error: self.revokeFinished.emit(invitation_id, _cache_message(error)),
        )

    def _invite_outcome(
        self,
        request_id: str,
        status: InviteStatus,
        message: str,
        invitation: InvitationView | None = None,
    ) -> None:
        self.inviteFinished.emit(InviteOutcome(request_id, status, message, invitation))

    # -- other operations ---------------------------------------------------------------------

    def _on_spent(self, request_id: str, result: RedemptionDTO) -> None:
        def stored(record: CachedToken) -> None:
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
            view = token_view(record, self._model.recipient_of(record.invitation_id))
            self._redeeming.discard(request_id)
            self.redeemFinished.emit(RedeemOutcome(request_id, RedeemStatus.SPENT, message, view))
            self.sync_now()  # the cycle and anything else the spend touched

        def unrecorded(error: Exception) -> None:
            self._report_cache_error(error)
            message = f"Reset spent, but {_cache_message(error)}"
            self._redeem_done(request_id, RedeemStatus.SPENT, message)

        def stale(_: object) -> None:
            message = "Reset spent. The session ended meanwhile; sign in again to see the wallet."
            self.redeemFinished.emit(RedeemOutcome(request_id, RedeemStatus.SPENT, message))

        usage = result.usage
        self._run.cache(
            lambda cache: cache.store_redemption(
                token_record(result.token), usage.five_hour, usage.weekly, usage.now
            ),
            self._guard(self._generation, stored, stale=stale),
            self._guard(self._generation, unrecorded, stale=stale),
        )

    def _redeem_done(self, request_id: str, status: RedeemStatus, message: str) -> None:
        self._redeeming.discard(request_id)
        self.redeemFinished.emit(RedeemOutcome(request_id, status, message))

    def _store_invitation(self, record: CachedInvitation) -> None:
        def stored(kept: CachedInvitation) -> None:
            self._model.put_invitation(kept)
            self._publish()

        self._run.cache(
            lambda cache: cache.store_invitation(record),
            self._guard(self._generation, stored),
            self._report_cache_error,
        )

    def _after_operation_error(self, error: Exception) -> None:
        """A lost session signs out; another refusal refreshes from the backend, whose answer
        is the truth (the flag may have flipped, the wallet may be empty)."""
        if isinstance(error, AuthenticationError):
            self._end_session(error.message or SESSION_ENDED)
        elif isinstance(error, ApiError) and not isinstance(error, BackendUnavailable):
            self.sync_now()

    def _report_cache_error(self, error: Exception) -> None:
        log.error("cache write failed", exc_info=error)
        message = _cache_message(error)
        self._sync = dataclasses.replace(self._sync, phase=SyncPhase.ERROR, message=message)
        self._publish()

    # -- state --------------------------------------------------------------------------------

    def _eligibility(self) -> Eligibility:
        flag = self._model.eligibility
        if flag is None:
            return Eligibility.UNKNOWN  # never fetched: hidden (R1)
        return Eligibility.ELIGIBLE if flag.enabled else Eligibility.NOT_ELIGIBLE

    def _publish(self) -> None:
        if self._run.closed:
            return
        model = self._model
        flag = model.eligibility
        signed_in = model.account is not None
        self._state = AppState(
            account=None if model.account is None else account_view(model.account),
            eligibility=self._eligibility() if signed_in else Eligibility.UNKNOWN,
            eligibility_fetched_at=None if flag is None else flag.fetched_at,
            policy=model.policy,
            five_hour=model.five_hour,
            weekly=model.weekly,
            cycle=None if model.cycle is None else cycle_view(model.cycle),
            tokens=model.token_views(),
            invitations=model.invitation_views(self._fresh),
            sync=dataclasses.replace(
                self._sync,
                last_synced_at=self._sync.last_synced_at or model.last_synced_at,
                pending_operations=model.pending_count(self._fresh),
            ),
            credentials_persistent=self._credentials.persistent,
            backend_now=model.backend_now,
            cache_notice=self._cache_notice,
        )
        self.stateChanged.emit(self._state)

    def _guard(
        self,
        generation: int,
        handler: Callable[[T], None],
        *,
        stale: Callable[[Any], None] | None = None,
    ) -> Callable[[T], None]:
        """`handler`, unless the session changed since `generation` (then `stale`, if given)."""

        def guarded(value: T) -> None:
            if generation == self._generation:
                handler(value)
            elif stale is not None:
                stale(value)

        return guarded


def _peek_cache(cache: CacheRepository) -> CacheSnapshot | None:
    path = getattr(cache, "path", None)
    return peek_snapshot(path) if isinstance(path, Path) else None


def _open_cache(cache: CacheRepository) -> tuple[OpenReport, CacheSnapshot]:
    report = cache.open()
    return report, cache.snapshot()


def _ignore(_: object = None) -> None:
    """A result nobody needs."""


def _phase_for(error: Exception) -> SyncPhase:
    return SyncPhase.OFFLINE if isinstance(error, BackendUnavailable) else SyncPhase.ERROR


def _message(error: Exception) -> str:
    """What the operator reads for a failure: the API's own sentence, or a generic one."""
    if isinstance(error, ApiError):
        return error.message
    log.error("unexpected error", exc_info=error)
    return f"Something went wrong: {error}."


def _cache_message(error: Exception) -> str:
    return f"The local cache could not be updated: {error}."
