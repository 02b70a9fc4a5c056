"""`HttpApi`: the client's `OfferApi` (ReferralApi and issue 14's calls) over HTTP, against
`referral-desktop serve` (R11, R12).

Every failure maps onto the four outcomes (desktop.domain.outcomes):

- nothing reached the server (connection refused, connect or pool timeout, the request could not
  be written in full): `NotSent`;
- the request went out and no answer came back (read timeout: `OutcomeUnknown(TIMED_OUT)`; the
  connection dropped, a garbled answer, a 5xx without a reason body from a proxy or a crash:
  `OutcomeUnknown(ANSWER_LOST)`): it may have been applied, settle it with the same key;
- an error body `{"reason", "message", "details"}`: that reason's typed error
  (`desktop.backend.api.error_for`), e.g. `ServerError` for a 500 `server_error` (rolled back),
  `NotSent` for a 503 `offline` (the server did nothing).

Session tokens are bound to the server they came from: the token this client hands out is
`"<base URL> <server token>"`, and a call with a token from another base URL (or from the
in-process backend) is refused before anything is sent. The server token travels only in the
Authorization header; redirects are never followed.
"""

from __future__ import annotations

import dataclasses
import ssl
from collections.abc import Mapping
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import quote, urlsplit

import httpx

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
IDEMPOTENCY_HEADER = "Idempotency-Key"
QA_TOKEN_HEADER = "X-QA-Token"


class OriginMismatch(AuthenticationError):
    """A session token from another server: refused before anything is sent."""

    def __init__(self) -> None:
        super().__init__(Reason.SESSION_ENDED, {"detail": "signed in to another server"})


def _tls_verification(base_url: str) -> ssl.SSLContext | bool:
    """httpx's default for https (certifi's certificates). A plain-http server needs no TLS: a
    context with no certificates loaded skips reading certifi's bundle (~30 ms at start-up) and,
    should a TLS connection ever be made with it, still verifies, so refuses every certificate."""
    if urlsplit(base_url).scheme == "https":
        return True
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


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


class HttpTransport:
    """One server's HTTP connection pool and the mapping of failures onto the outcomes."""

    def __init__(
        self,
        base_url: str,
        *,
        connect_timeout: float = CONNECT_TIMEOUT_S,
        read_timeout: float = READ_TIMEOUT_S,
        transport: httpx.BaseTransport | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.base_url = normalise_base_url(base_url)
        self.read_timeout = read_timeout
        self._timeout = httpx.Timeout(read_timeout, connect=connect_timeout, pool=connect_timeout)
        self._client = httpx.Client(
            base_url=self.base_url,
            verify=_tls_verification(self.base_url),
            timeout=self._timeout,
            limits=httpx.Limits(keepalive_expiry=KEEPALIVE_EXPIRY_S),
            follow_redirects=False,
            trust_env=False,  # no proxy from the environment sees the token
            transport=transport,
            headers=dict(headers or {}),
        )

    def close(self) -> None:
        """Close the pooled connections."""
        self._client.close()

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
        headers: dict[str, str] = {}
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        if key is not None:
            headers[IDEMPOTENCY_HEADER] = key
        timeout = self._timeout
        if read_timeout is not None:
            timeout = httpx.Timeout(
                read_timeout, connect=self._timeout.connect, pool=self._timeout.pool
            )
        try:
            response = self._client.request(
                method,
                path,
                headers=headers,
                json=body,
                params=dict(params) if params is not None else None,
                timeout=timeout,
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            raise NotSent({"detail": type(error).__name__}) from None
        except (httpx.WriteError, httpx.WriteTimeout, httpx.LocalProtocolError) as error:
            # The request was not written in full: the server cannot have acted on it.
            raise NotSent({"detail": type(error).__name__}) from None
        except httpx.UnsupportedProtocol as error:
            raise NotSent({"detail": type(error).__name__}) from None
        except httpx.TimeoutException:
            raise OutcomeUnknown(Reason.TIMED_OUT) from None
        except httpx.TransportError as error:
            raise OutcomeUnknown(Reason.ANSWER_LOST, {"detail": type(error).__name__}) from None
        return _read(response)


def _read(response: httpx.Response) -> Json:
    status = response.status_code
    if 200 <= status < 300:
        if status == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise OutcomeUnknown(Reason.ANSWER_LOST, {"detail": "unreadable answer"}) from None
    error = _error_of(response)
    if error is not None:
        raise error
    if status >= 500:
        # A proxy's or a crashed server's 5xx says nothing of what was applied.
        raise OutcomeUnknown(Reason.ANSWER_LOST, {"detail": f"HTTP {status}"})
    # A 3xx (never followed) or a 4xx without a reason: refused, nothing applied.
    raise error_for(Reason.INVALID_REQUEST, {"detail": f"HTTP {status}"})


def _error_of(response: httpx.Response) -> ApiError | None:
    try:
        body = response.json()
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
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = HttpTransport(
            base_url,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            transport=transport,
        )

    @property
    def base_url(self) -> str:
        """The server this client talks to (normalised)."""
        return self._http.base_url

    def close(self) -> None:
        """Close the pooled connections."""
        self._http.close()

    def _server_token(self, session: str) -> str:
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
