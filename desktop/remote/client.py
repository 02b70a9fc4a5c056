"""`HttpApi`: the client's `OfferApi` (ReferralApi and issue 14's calls) over HTTP, against
`referral-desktop serve` (R11, R12).

Every failure maps onto the four outcomes (desktop.domain.outcomes):

- nothing reached the server (connection refused, connect timeout, a name that does not resolve,
  the request could not be written in full): `NotSent`;
- the request went out and no answer came back (read timeout: `OutcomeUnknown(TIMED_OUT)`; the
  connection dropped, a garbled or incomplete answer, a 5xx without a reason body from a proxy
  or a crash: `OutcomeUnknown(ANSWER_LOST)`): it may have been applied, settle it with the same
  key;
- an error body `{"reason", "message", "details"}`: that reason's typed error
  (`desktop.backend.api.error_for`), e.g. `ServerError` for a 500 `server_error` (rolled back),
  `NotSent` for a 503 `offline` (the server did nothing).

Session tokens are bound to the server they came from: the token this client hands out is
`"<base URL> <server token>"`, and a call with a token from another base URL (or from the
in-process backend) is refused before anything is sent; the data folder's own embedded server
is the exception (`bind_tokens=False`: its tokens are the folder's, as the in-process backend's
are). The server token travels only in the Authorization header; redirects are never followed.

The HTTP side is the standard library's `http.client` with a small keep-alive pool of its own
(docs/WIRE.md): httpx and the asyncio it imports cost more CPU at start-up than the app's
whole budget for this client allows (issue 15). `http.client` follows no redirect and reads no
proxy from the environment.
"""

from __future__ import annotations

import contextlib
import dataclasses
import http.client
import json
import select
import socket
import ssl
import sys
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import quote, urlencode, urlsplit

from desktop.backend.api import (
    ApiError,
    AuthenticationError,
    InvitationDTO,
    NotSent,
    OfferApi,
    OutcomeUnknown,
    RedemptionDTO,
    SessionDTO,
    SyncDTO,
    error_for,
)
from desktop.backend.wire import Json, WireFormatError, decode, decode_details
from desktop.domain.offer import Offer
from desktop.domain.reasons import Reason

T = TypeVar("T")

CONNECT_TIMEOUT_S = 3.0
READ_TIMEOUT_S = 15.0
KEEPALIVE_EXPIRY_S = 2.0
"""Below the server's keep-alive timeout (5 s), so a request is never written into a connection
the server is closing (which would turn a harmless retry into an unknown outcome)."""
MAX_IDLE_CONNECTIONS = 4
"""Idle keep-alive connections kept per transport (a long poll holds one more while it waits)."""
IDEMPOTENCY_HEADER = "Idempotency-Key"
QA_TOKEN_HEADER = "X-QA-Token"
_USER_AGENT = "referral-desktop"


class OriginMismatch(AuthenticationError):
    """A session token from another server: refused before anything is sent."""

    def __init__(self) -> None:
        super().__init__(Reason.SESSION_ENDED, {"detail": "signed in to another server"})


class NotReached(NotSent):
    """The connection could not be made, or the request not written in full: the server has
    nothing to act on (a `NotSent` the transport proves, not the server's `offline` answer)."""


def _tls_context(base_url: str) -> ssl.SSLContext | None:
    """For https, the system's certificate store with host-name checks
    (`ssl.create_default_context()`); where Python finds no store of OpenSSL's (python.org's
    macOS builds, a frozen bundle elsewhere), certifi's bundle instead, as httpx always used. A
    plain-http server needs no TLS, so no context and no certificates are loaded for it."""
    if urlsplit(base_url).scheme != "https":
        return None
    found = ssl.get_default_verify_paths()  # a path is None where nothing is there
    if sys.platform == "win32" or found.cafile or found.capath:  # Windows: its own store
        return ssl.create_default_context()
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def normalise_base_url(url: str) -> str:
    """`scheme://host:port/prefix` with the scheme and host lower-case and the port explicit."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError(f"a server URL takes no user, query or fragment: {url!r}")
    port = parts.port or (443 if scheme == "https" else 80)
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}{parts.path.rstrip('/')}"


def _monotonic() -> float:
    """The pool's clock (a seam for the keep-alive expiry's tests)."""
    return time.monotonic()


def _query_value(value: str | int | float) -> str:
    # As httpx wrote them: booleans in lower case, numbers as str() gives them ("1.5", "30.0").
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)


def _closed_by_peer(connection: http.client.HTTPConnection) -> bool:
    """An idle keep-alive connection with something to read has been closed by the server (or
    holds bytes nobody asked for): either way it must not carry another request."""
    sock = connection.sock
    if sock is None:
        return True
    try:
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(sock, select.POLLIN)
            return bool(poller.poll(0))
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


class HttpTransport:
    """One server's HTTP connection pool and the mapping of failures onto the outcomes.
    Thread-safe: each request has a connection of its own while it runs."""

    def __init__(
        self,
        base_url: str,
        *,
        connect_timeout: float = CONNECT_TIMEOUT_S,
        read_timeout: float = READ_TIMEOUT_S,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.base_url = normalise_base_url(base_url)
        self.read_timeout = read_timeout
        self.connect_timeout = connect_timeout
        parts = urlsplit(self.base_url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or ""
        self._port = parts.port
        self._prefix = parts.path
        self._tls = _tls_context(self.base_url)
        self._headers = {"User-Agent": _USER_AGENT, "Accept": "application/json"}
        self._headers.update(headers or {})
        self._lock = threading.Lock()
        self._idle: list[tuple[http.client.HTTPConnection, float]] = []  # (connection, since)
        self._busy: set[http.client.HTTPConnection] = set()  # carrying a request now
        self._closed = False

    def close(self) -> None:
        """Close every connection: the idle ones now; one carrying a request is shut down, so
        a call waiting on it (a long poll) ends at once (as a lost answer), and its own thread
        closes it. Later calls are `NotSent`."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            busy = list(self._busy)
        for connection, _ in idle:
            connection.close()
        for connection in busy:
            sock = connection.sock
            if sock is not None:
                with contextlib.suppress(OSError):  # already closed by its thread
                    sock.shutdown(socket.SHUT_RDWR)

    def call(
        self,
        method: str,
        path: str,
        *,
        bearer: str | None = None,
        key: str | None = None,
        body: Json = None,
        params: Mapping[str, str | int | float] | None = None,
        read_timeout: float | None = None,
    ) -> Json:
        """One request; its JSON answer, or the typed error of its outcome."""
        headers = dict(self._headers)
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        if key is not None:
            headers[IDEMPOTENCY_HEADER] = key
        payload: bytes | None = None
        if body is not None:
            payload = json.dumps(
                body, ensure_ascii=False, separators=(",", ":"), allow_nan=False
            ).encode()
            headers["Content-Type"] = "application/json"
        target = self._prefix + path
        if params:
            target += "?" + urlencode([(name, _query_value(v)) for name, v in params.items()])
        connection = self._send(method, target, headers, payload)
        status, content = self._answer(
            connection, self.read_timeout if read_timeout is None else read_timeout
        )
        return _read(status, content)

    def _send(
        self, method: str, target: str, headers: dict[str, str], payload: bytes | None
    ) -> http.client.HTTPConnection:
        """A connection with the request written in full on it; `NotSent` if it could not be."""
        connection = self._connection()
        try:
            if connection.sock is None:
                connection.connect()  # the connect timeout, and the TLS handshake for https
            assert connection.sock is not None
            connection.sock.settimeout(self.read_timeout)  # as httpx: writes wait as reads do
            connection.request(method, target, body=payload, headers=headers)
        except (OSError, http.client.HTTPException, ValueError) as error:
            # Refused, timed out, unresolvable, a TLS failure, or written only in part: the
            # server has no complete request to act on.
            self._discard(connection)
            raise NotReached({"detail": type(error).__name__}) from None
        return connection

    def _answer(
        self, connection: http.client.HTTPConnection, read_timeout: float
    ) -> tuple[int, bytes]:
        """The status and body of the answer to the request just written on `connection`."""
        try:
            assert connection.sock is not None
            connection.sock.settimeout(read_timeout)
            response = connection.getresponse()
            content = response.read()
        except TimeoutError:
            self._discard(connection)
            raise OutcomeUnknown(Reason.TIMED_OUT) from None
        except (OSError, http.client.HTTPException, ValueError) as error:
            # Dropped, reset, a garbled status line or headers, a body cut short.
            self._discard(connection)
            raise OutcomeUnknown(Reason.ANSWER_LOST, {"detail": type(error).__name__}) from None
        if response.will_close or connection.sock is None:
            # `Connection: close`, HTTP/1.0 or a body read to the end of the connection
            # (http.client has already let go of such a socket): not reused.
            self._discard(connection)
        else:
            self._release(connection)
        return response.status, content

    def _connection(self) -> http.client.HTTPConnection:
        """An idle pooled connection still fit to carry a request, or a new (unopened) one."""
        now = _monotonic()
        stale: list[http.client.HTTPConnection] = []
        reused: http.client.HTTPConnection | None = None
        with self._lock:
            if self._closed:
                raise NotSent({"detail": "closed"})
            while self._idle and reused is None:
                connection, since = self._idle.pop()  # the most recently used first
                if now - since > KEEPALIVE_EXPIRY_S:
                    stale.append(connection)  # and every older one with it
                    stale.extend(older for older, _ in self._idle)
                    self._idle.clear()
                elif _closed_by_peer(connection):
                    stale.append(connection)
                else:
                    reused = connection
            connection = reused or self._new_connection()
            self._busy.add(connection)
        for old in stale:
            old.close()
        return connection

    def _new_connection(self) -> http.client.HTTPConnection:
        """Not connected yet: `_send` connects it outside the lock."""
        if self._https:
            return http.client.HTTPSConnection(
                self._host, self._port, timeout=self.connect_timeout, context=self._tls
            )
        return http.client.HTTPConnection(self._host, self._port, timeout=self.connect_timeout)

    def _release(self, connection: http.client.HTTPConnection) -> None:
        """Back to the pool, answer read in full: idle from now."""
        with self._lock:
            self._busy.discard(connection)
            if not self._closed and len(self._idle) < MAX_IDLE_CONNECTIONS:
                self._idle.append((connection, _monotonic()))
                return
        connection.close()

    def _discard(self, connection: http.client.HTTPConnection) -> None:
        """Closed, never reused: a failure, or an answer that ends its connection."""
        with self._lock:
            self._busy.discard(connection)
        connection.close()


def _read(status: int, content: bytes) -> Json:
    if 200 <= status < 300:
        if status == 204 or not content:
            return None
        try:
            data: Json = json.loads(content)
        except ValueError:
            raise OutcomeUnknown(Reason.ANSWER_LOST, {"detail": "unreadable answer"}) from None
        return data
    error = _error_of(content)
    if error is not None:
        raise error
    if status >= 500:
        # A proxy's or a crashed server's 5xx says nothing of what was applied.
        raise OutcomeUnknown(Reason.ANSWER_LOST, {"detail": f"HTTP {status}"})
    # A 3xx (never followed) or a 4xx without a reason: refused, nothing applied.
    raise error_for(Reason.INVALID_REQUEST, {"detail": f"HTTP {status}"})


def _error_of(content: bytes) -> ApiError | None:
    try:
        body = json.loads(content)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    try:
        reason = Reason(str(body.get("reason")))
    except ValueError:
        return None
    return error_for(reason, decode_details(body.get("details")))


def read_dto(kind: type[T], data: Json) -> T:
    """A DTO from an answer; an answer that does not fit is a lost answer (it may have been
    applied: the same request with the same key settles it)."""
    try:
        return decode(kind, data)
    except WireFormatError as error:
        raise OutcomeUnknown(Reason.ANSWER_LOST, {"detail": str(error)[:200]}) from None


class HttpApi:
    """`OfferApi` against one server. Thread-safe (pool threads call it concurrently)."""

    def __init__(
        self,
        base_url: str,
        *,
        connect_timeout: float = CONNECT_TIMEOUT_S,
        read_timeout: float = READ_TIMEOUT_S,
        bind_tokens: bool = True,
    ) -> None:
        self._http = HttpTransport(
            base_url, connect_timeout=connect_timeout, read_timeout=read_timeout
        )
        self._bind_tokens = bind_tokens
        """False: session tokens are the server's own, as the in-process backend's are (the
        data folder's embedded server: the folder, not the URL, says whose tokens they are)."""

    @property
    def base_url(self) -> str:
        """The server this client talks to (normalised)."""
        return self._http.base_url

    def close(self) -> None:
        """Close the pooled connections."""
        self._http.close()

    def _server_token(self, session: str) -> str:
        if not self._bind_tokens:
            return session
        origin, sep, token = session.partition(" ")
        if not sep or origin != self.base_url or not token:
            raise OriginMismatch()
        return token

    # -- ReferralApi ------------------------------------------------------------------------

    def sign_in(self, email: str, password: str, idempotency_key: str) -> SessionDTO:
        """See `ReferralApi.sign_in`; the token returned is bound to this server."""
        data = self._http.call(
            "POST",
            "/v1/sessions",
            key=idempotency_key,
            body={"email": email, "password": password},
        )
        session = read_dto(SessionDTO, data)
        if not self._bind_tokens:
            return session
        return dataclasses.replace(session, token=f"{self.base_url} {session.token}")

    def sign_out(self, session: str) -> None:
        """See `ReferralApi.sign_out`."""
        self._http.call("DELETE", "/v1/sessions/current", bearer=self._server_token(session))

    def sync(self, session: str, cursor: int) -> SyncDTO:
        """See `ReferralApi.sync`."""
        data = self._http.call(
            "GET", "/v1/sync", bearer=self._server_token(session), params={"cursor": cursor}
        )
        return read_dto(SyncDTO, data)

    def offer(self, session: str) -> Offer:
        """See `OfferApi.offer`."""
        data = self._http.call("GET", "/v1/offer", bearer=self._server_token(session))
        return read_dto(Offer, data)

    def send_invitation(
        self, session: str, email: str, idempotency_key: str, offer_id: str | None = None
    ) -> InvitationDTO:
        """See `OfferApi.send_invitation`."""
        body: dict[str, str] = {"email": email}
        if offer_id is not None:
            body["offer_id"] = offer_id
        data = self._http.call(
            "POST",
            "/v1/invitations",
            bearer=self._server_token(session),
            key=idempotency_key,
            body=body,
        )
        return read_dto(InvitationDTO, data)

    def resend_invitation(
        self, session: str, invitation_id: str, idempotency_key: str
    ) -> InvitationDTO:
        """See `OfferApi.resend_invitation`."""
        return self._invitation_action(session, invitation_id, "resend", idempotency_key)

    def revoke_invitation(
        self, session: str, invitation_id: str, idempotency_key: str
    ) -> InvitationDTO:
        """See `ReferralApi.revoke_invitation`."""
        return self._invitation_action(session, invitation_id, "revoke", idempotency_key)

    def _invitation_action(
        self, session: str, invitation_id: str, action: str, idempotency_key: str
    ) -> InvitationDTO:
        data = self._http.call(
            "POST",
            f"/v1/invitations/{quote(invitation_id, safe='')}/{action}",
            bearer=self._server_token(session),
            key=idempotency_key,
        )
        return read_dto(InvitationDTO, data)

    def redeem(
        self,
        session: str,
        idempotency_key: str,
        credit_id: str | None = None,
        *,
        spend_if_unused: bool = True,
    ) -> RedemptionDTO:
        """See `OfferApi.redeem`."""
        data = self._http.call(
            "POST",
            "/v1/redemptions",
            bearer=self._server_token(session),
            key=idempotency_key,
            body={"credit_id": credit_id, "spend_if_unused": spend_if_unused},
        )
        return read_dto(RedemptionDTO, data)

    def wait_for_change(self, session: str, cursor: int, timeout_s: float) -> int:
        """See `ReferralApi.wait_for_change`: a long poll of at most 30 s per request."""
        wait = max(0.0, min(timeout_s, 30.0))
        data = self._http.call(
            "GET",
            "/v1/changes",
            bearer=self._server_token(session),
            params={"after": cursor, "timeout": wait},
            read_timeout=wait + self._http.read_timeout,
        )
        return read_dto(_Changes, data).cursor


@dataclasses.dataclass(frozen=True)
class _Changes:
    cursor: int


if TYPE_CHECKING:
    _IMPLEMENTS: type[OfferApi] = HttpApi  # mypy holds HttpApi to the whole contract
