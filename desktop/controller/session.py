"""The session: sign-in with one key per intent, sign-out, and what a changed session ends.

A sign-in's key is made when the operator asks to sign in and kept until a definite answer: the
automatic retries, a replay after a lost answer and the operator's next click all reuse it, and
the backend returns the same session for the same key, so no orphan session is left (R11).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from desktop.backend.api import ApiError, SessionDTO
from desktop.controller.hub import Hub, ignore
from desktop.controller.model import views_of
from desktop.controller.runner import Cancel
from desktop.controller.state import SyncPhase, SyncStatus
from desktop.domain.keys import new_key
from desktop.domain.outcomes import Operation, Outcome, discarded_on_sign_in

if TYPE_CHECKING:
    from desktop.controller.model import Views
    from desktop.storage import CacheRepository, CacheSnapshot


class SessionFlow:
    """Signs in and out; everything in flight belongs to the old session once it changes."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        self._signing_in = False
        self._intent: tuple[str, str] | None = None  # (address as typed, lower-case; key)
        # The replay of a lost sign-in, waiting on the backoff schedule: the only place the
        # password is kept after its call, and dropped once the sign-in has a definite outcome.
        self._replay_pending: Cancel | None = None
        self.restore_wanted = True
        hub.on_session_lost = self.end

    @property
    def signing_in(self) -> bool:
        """A sign-in request is in flight."""
        return self._signing_in

    def sign_in(self, email: str, password: str, replays: int = 0) -> None:
        """Open a session; the token goes to the keyring (or memory: `credentials_persistent`)."""
        hub = self._hub
        if self._signing_in or hub.run.closed:
            return  # a double click: the running request reports
        address = email.strip().lower()
        if self._intent is None or self._intent[0] != address:
            self._intent = (address, new_key())
        key = self._intent[1]
        self._signing_in = True
        self._drop_replay()  # this attempt supersedes a replay still waiting
        self.restore_wanted = False  # an explicit sign-in wins over the keyring's session
        previous, api, credentials = hub.token, hub.api, hub.credentials

        def call() -> SessionDTO:
            session = api.sign_in(email, password, key)
            credentials.save(session.token)
            if previous is not None and previous != session.token:
                with contextlib.suppress(ApiError):  # best effort
                    api.sign_out(previous)
            return session

        def failed(error: Exception) -> None:
            self._signing_in = False
            outcome = hub.fail(Operation.SIGN_IN, key, error, subject=email)
            if outcome is Outcome.REFUSED:
                self._intent = None
            elif outcome is Outcome.UNKNOWN:  # replayed on the backoff schedule until settled
                self._replay_pending = hub.run.later(
                    hub.retry.delay_ms(replays + 1),
                    lambda: self._replay(email, password, replays + 1),
                )

        # A sign-in starts the next session: its answer is wanted whatever ended meanwhile.
        hub.run.call_retrying(
            call, lambda session: self._signed_in(key, email, session), failed, any_session=True
        )

    def cancel(self) -> None:
        """The operator gave up waiting: stop settling (the key stays for the next click)."""
        self._drop_replay()

    def _drop_replay(self) -> None:
        if self._replay_pending is not None:
            self._replay_pending()
            self._replay_pending = None

    def _replay(self, email: str, password: str, replays: int) -> None:
        self._replay_pending = None
        if self._hub.token is None:
            self.sign_in(email, password, replays)

    def _signed_in(self, key: str, email: str, session: SessionDTO) -> None:
        hub = self._hub
        self._intent = None
        self.new_session(session.token)
        account = session.account

        def start(cache: CacheRepository) -> tuple[int, CacheSnapshot, Views]:
            discarded = cache.start_session(account)
            snapshot = cache.snapshot()
            return discarded, snapshot, views_of(snapshot.invitations)

        def stored(loaded: tuple[int, CacheSnapshot, Views]) -> None:
            discarded, snapshot, views = loaded
            self._signing_in = False
            hub.model.load(snapshot, views)
            hub.sync = SyncStatus(message=discarded_on_sign_in(discarded))
            hub.publish()
            hub.report(Operation.SIGN_IN, key, Outcome.DONE, details={"email": account.email})
            hub.request_sync()

        def failed(error: Exception) -> None:
            self._signing_in = False
            hub.fail(Operation.SIGN_IN, key, error, subject=email)

        def stale(_: object) -> None:
            self._signing_in = False

        hub.run.cache(start, stored, failed, stale=stale)

    def sign_out(self) -> None:
        """End the session and forget the token; the cache keeps the rows for the next sign-in."""
        hub = self._hub
        token = hub.token
        self.end("")
        if token is not None and not hub.run.closed:

            def call() -> None:
                with contextlib.suppress(ApiError):  # the token is gone on our side anyway
                    hub.api.sign_out(token)

            hub.run.call(call, ignore, ignore)

    def restored(self, token: object) -> None:
        """The keyring's answer at start-up."""
        hub = self._hub
        if not self.restore_wanted:
            return
        self.restore_wanted = False
        if isinstance(token, str) and token:
            hub.token = token
            hub.request_sync()
        elif hub.model.account is not None:
            self.end("")  # the cache remembers a session the keyring does not have
        else:
            hub.publish()  # signed out; credentials_persistent may have changed

    def new_session(self, token: str | None) -> None:
        """Everything in flight belongs to the previous session from now on."""
        hub = self._hub
        hub.generation += 1
        hub.token = token
        self.restore_wanted = False  # a keyring read still running belongs to the past
        self._signing_in = False
        self._drop_replay()
        hub.hidden.clear()
        hub.running.clear()
        for reset in hub.on_new_session:
            reset()

    def end(self, message: str) -> None:
        """Signed out, by choice or because the backend refused the session."""
        hub = self._hub
        self.new_session(None)
        hub.run.call(hub.credentials.clear, ignore, ignore, timeout=False, any_session=True)
        hub.run.cache(lambda cache: cache.end_session(), ignore, hub.cache_failed, any_session=True)
        hub.model.clear()
        hub.sync = SyncStatus(
            phase=SyncPhase.ERROR if message else SyncPhase.NEVER, message=message
        )
        hub.publish()
