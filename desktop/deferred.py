"""Stand-ins that build the app's heavy parts on first use, for `desktop.app.create()`.

The mock backend imports SQLAlchemy (about 0.4 s before it does anything), the cache repository
Alembic when a migration is due. Built in `create()` on the GUI thread, that would stand between the
window's first paint and the cached data on screen. These stand-ins import nothing heavy; the
real objects are built by their first use, which is a pool thread's API call for the backend and
the cache thread's `open()` for the cache, while the GUI thread already shows the cached data
(the controller reads it first with `desktop.storage.peek`, which needs sqlite3 alone).

The data folder's backend is called in process, unless the first call finds the folder's
embedded server still running from an earlier start (desktop.embedded_server): then over HTTP,
with nothing of the backend imported, until that server stops answering.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from desktop.domain.offer import Offer
from desktop.domain.reasons import Reason
from desktop.environment import LocalFault
from desktop.import_lock import import_once

if TYPE_CHECKING:
    from desktop.backend.api import (
        InvitationDTO,
        OfferApi,
        RedemptionDTO,
        SessionDTO,
        SyncDTO,
    )
    from desktop.backend.service import MockBackend
    from desktop.remote.client import HttpApi
    from desktop.storage import CacheRepository

T = TypeVar("T")

log = logging.getLogger("desktop.deferred")

FILE_FAULTS = frozenset({Reason.BACKEND_DAMAGED, Reason.BACKEND_NEWER})
"""Faults of the backend's file that moving it aside cures."""


class DeferredBackend:
    """The `OfferApi` of a data folder's backend: its embedded server if the first call finds
    one running (`use_running_server`), else its `MockBackend`, opened by the first call.

    Thread-safe: pool threads call it concurrently; the first one looks for the server, then
    opens the backend database if there is none. A call the server's transport proves never
    reached it (`NotReached`: the server has stopped) is made in process instead, with the same
    arguments and key: both sides share the folder's database, its sessions and its idempotency
    records. A call that finds the backend's file damaged or from a newer version tells
    `on_file_fault` (from the calling thread) before the error goes on to the caller;
    `set_aside()` is the way out: the next call seeds a fresh file.
    """

    def __init__(
        self,
        data_dir: Path,
        rng: random.Random | None = None,
        *,
        use_running_server: bool = True,
    ) -> None:
        self._data_dir = data_dir
        self._rng = rng
        self._lock = threading.Lock()
        self._looking = threading.Lock()  # the first calls wait for the one look; close() not
        self._backend: MockBackend | None = None
        self._looked = not use_running_server
        self._server: HttpApi | None = None
        self._closed = False
        self.on_file_fault: Callable[[LocalFault], None] | None = None

    @property
    def server_url(self) -> str | None:
        """The URL of the folder's running embedded server the calls go to (None: in process,
        or no call has looked yet)."""
        server = self._server
        return None if server is None else server.base_url

    def _running_server(self) -> HttpApi | None:
        """The folder's embedded server, looked for by the first call (a pool thread). The look
        (up to `server_record.PROBE_TIMEOUT_S`) holds `_looking`, never `_lock`: `close()`, on
        the GUI thread, does not wait for it."""
        with self._looking:
            if not self._looked:
                from desktop.server_record import find_running

                url = find_running(self._data_dir)
                server = None
                if url is not None:
                    from desktop.remote.client import HttpApi

                    server = HttpApi(url, bind_tokens=False)
                with self._lock:
                    self._looked = True
                    if not self._closed:
                        self._server = server
                        server = None
                if server is not None:
                    server.close()  # found after close(): not used
                elif self._server is not None:
                    log.info("calling the data folder's running server at %s", url)
            return self._server

    def _stopped(self, server: HttpApi) -> None:
        with self._lock:
            if self._server is server:
                self._server = None
                log.warning("%s stopped answering: calling in process", server.base_url)
        server.close()

    @property
    def backend(self) -> MockBackend:
        """The real backend (opened now if no call has needed it yet)."""
        with self._lock:
            if self._backend is None:
                import_once("desktop.backend.service")  # SQLAlchemy: see desktop.import_lock
                from desktop.backend.service import MockBackend

                self._backend = MockBackend(self._data_dir, rng=self._rng)
            return self._backend

    @property
    def is_open(self) -> bool:
        """Whether a call has opened the backend."""
        return self._backend is not None

    def close(self) -> None:
        """Release the backend's connections, if it was opened, and the server's. A call after
        this is not sent (`NotSent`) and opens nothing in process."""
        with self._lock:
            self._closed = True
            server = self._server
            if self._backend is not None:
                self._backend.close()
        if server is not None:
            server.close()

    def set_aside(self) -> Path:
        """Close the backend and move its file aside (kept, under the returned name); the next
        call opens a freshly seeded one."""
        from desktop.backend.datafile import backend_db_path, set_aside
        from desktop.domain.clock import utc_now

        with self._lock:
            if self._backend is not None:
                self._backend.close()
                self._backend = None
            return set_aside(backend_db_path(self._data_dir), utc_now())

    def _call(self, call: Callable[[OfferApi], T], *, tell_file_faults: bool = True) -> T:
        server = self._running_server()
        if self._closed:
            from desktop.backend.api import NotSent

            raise NotSent({"detail": "closed"})
        if server is not None:
            from desktop.remote.client import NotReached

            try:
                return call(server)
            except NotReached:
                self._stopped(server)
        try:
            return call(self.backend)
        except LocalFault as fault:
            listener = self.on_file_fault
            if tell_file_faults and listener is not None and fault.reason in FILE_FAULTS:
                listener(fault)
            raise

    # -- ReferralApi ------------------------------------------------------------------------

    def sign_in(self, email: str, password: str, idempotency_key: str) -> SessionDTO:
        """See `ReferralApi.sign_in`."""
        return self._call(lambda api: api.sign_in(email, password, idempotency_key))

    def sign_out(self, session: str) -> None:
        """See `ReferralApi.sign_out`."""
        self._call(lambda api: api.sign_out(session))

    def sync(self, session: str, cursor: int) -> SyncDTO:
        """See `ReferralApi.sync`."""
        return self._call(lambda api: api.sync(session, cursor))

    def send_invitation(
        self, session: str, email: str, idempotency_key: str, offer_id: str | None = None
    ) -> InvitationDTO:
        """See `OfferApi.send_invitation`."""
        return self._call(
            lambda api: api.send_invitation(session, email, idempotency_key, offer_id)
        )

    def offer(self, session: str) -> Offer:
        """See `OfferApi.offer`."""
        return self._call(lambda api: api.offer(session))

    def resend_invitation(
        self, session: str, invitation_id: str, idempotency_key: str
    ) -> InvitationDTO:
        """See `OfferApi.resend_invitation`."""
        return self._call(
            lambda api: api.resend_invitation(session, invitation_id, idempotency_key)
        )

    def revoke_invitation(
        self, session: str, invitation_id: str, idempotency_key: str
    ) -> InvitationDTO:
        """See `ReferralApi.revoke_invitation`."""
        return self._call(
            lambda api: api.revoke_invitation(session, invitation_id, idempotency_key)
        )

    def redeem(
        self,
        session: str,
        idempotency_key: str,
        credit_id: str | None = None,
        *,
        spend_if_unused: bool = True,
    ) -> RedemptionDTO:
        """See `OfferApi.redeem`."""
        return self._call(
            lambda api: api.redeem(
                session, idempotency_key, credit_id, spend_if_unused=spend_if_unused
            )
        )

    def wait_for_change(self, session: str, cursor: int, timeout_s: float) -> int:
        """See `ReferralApi.wait_for_change`."""
        return self._call(
            lambda api: api.wait_for_change(session, cursor, timeout_s), tell_file_faults=False
        )


class DeferredHttpApi:
    """The `OfferApi` of a server (`--backend URL`): `desktop.remote.HttpApi`, built by the
    first call (a pool thread): the HTTP client (http.client, ssl, email) is not needed before the
    first paint."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._lock = threading.Lock()
        self._remote: HttpApi | None = None

    @property
    def remote(self) -> HttpApi:
        """The HTTP client (built now if no call has needed it yet)."""
        with self._lock:
            if self._remote is None:
                from desktop.remote.client import HttpApi

                self._remote = HttpApi(self.base_url)
            return self._remote

    def close(self) -> None:
        """Close the client's connections, if it was built."""
        with self._lock:
            if self._remote is not None:
                self._remote.close()

    def sign_in(self, email: str, password: str, idempotency_key: str) -> SessionDTO:
        """See `ReferralApi.sign_in`."""
        return self.remote.sign_in(email, password, idempotency_key)

    def sign_out(self, session: str) -> None:
        """See `ReferralApi.sign_out`."""
        self.remote.sign_out(session)

    def sync(self, session: str, cursor: int) -> SyncDTO:
        """See `ReferralApi.sync`."""
        return self.remote.sync(session, cursor)

    def offer(self, session: str) -> Offer:
        """See `OfferApi.offer`."""
        return self.remote.offer(session)

    def send_invitation(
        self, session: str, email: str, idempotency_key: str, offer_id: str | None = None
    ) -> InvitationDTO:
        """See `OfferApi.send_invitation`."""
        return self.remote.send_invitation(session, email, idempotency_key, offer_id)

    def resend_invitation(
        self, session: str, invitation_id: str, idempotency_key: str
    ) -> InvitationDTO:
        """See `OfferApi.resend_invitation`."""
        return self.remote.resend_invitation(session, invitation_id, idempotency_key)

    def revoke_invitation(
        self, session: str, invitation_id: str, idempotency_key: str
    ) -> InvitationDTO:
        """See `ReferralApi.revoke_invitation`."""
        return self.remote.revoke_invitation(session, invitation_id, idempotency_key)

    def redeem(
        self,
        session: str,
        idempotency_key: str,
        credit_id: str | None = None,
        *,
        spend_if_unused: bool = True,
    ) -> RedemptionDTO:
        """See `OfferApi.redeem`."""
        return self.remote.redeem(
            session, idempotency_key, credit_id, spend_if_unused=spend_if_unused
        )

    def wait_for_change(self, session: str, cursor: int, timeout_s: float) -> int:
        """See `ReferralApi.wait_for_change`."""
        return self.remote.wait_for_change(session, cursor, timeout_s)


class DeferredCache:
    """A `CacheRepository` for `path`, built by its first use (the controller's cache thread).

    It answers every `CacheRepository` attribute by building the repository; only `path`,
    `is_open` and `close()` are answered without it. Use it from one thread, like the repository.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._repository: CacheRepository | None = None

    @property
    def repository(self) -> CacheRepository:
        """The real repository (built now if nothing has used it yet)."""
        if self._repository is None:
            from desktop.storage import CacheRepository

            self._repository = CacheRepository(self.path)
        return self._repository

    @property
    def is_open(self) -> bool:
        """`open()` succeeded and `close()` has not been called."""
        return self._repository is not None and self._repository.is_open

    def close(self) -> None:
        """Close the repository, if it was built."""
        if self._repository is not None:
            self._repository.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.repository, name)
