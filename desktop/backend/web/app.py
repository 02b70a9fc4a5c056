"""The JSON HTTP API over the mock backend (DESIGN R12; docs/WIRE.md).

`create_app(backend, simulator)` builds the ASGI application: the `ReferralApi` calls under
`/v1/` (bearer session token in the Authorization header, the idempotency key in the
`Idempotency-Key` header), the long poll `/v1/changes`, the QA endpoints under `/v1/qa/` (the
Simulator; they need the QA token unless the server is bound to loopback and the caller is
local), and, when `desktop.backend.web.join` exists, the invited peer's page under `/join/`.

Bodies are the wire form of the contract's DTOs (desktop.backend.wire). A refusal or failure is
`{"reason", "message", "details"}` with a status code per reason. The simulated faults
apply here as they do in process: offline answers 503 `offline` (the server did nothing), the
error rate answers 500 `server_error` (rolled back) or, after committing, drops the connection
without a byte of answer, as a network would lose it.
"""

import contextvars
import functools
import hmac
import inspect
import ipaddress
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal, TypeVar

import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI, Header, Path, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from desktop.backend.api import (
    ApiError,
    AuthenticationError,
    InvitationDTO,
    OutcomeUnknown,
    RedemptionDTO,
    SessionDTO,
    SyncDTO,
    UsageDTO,
)
from desktop.backend.clock import ClockView
from desktop.backend.faults import FaultSettings
from desktop.backend.service import MockBackend
from desktop.backend.simulator import (
    BackendOverview,
    BackendStatus,
    InvitationRecord,
    OutboxEntry,
    Simulator,
    Wallet,
)
from desktop.backend.web.feed import ChangeFeed
from desktop.backend.web.limits import SignInLimiter, SignInLimits
from desktop.backend.wire import encode, encode_details
from desktop.domain.cohort import CohortDecision
from desktop.domain.credits import Credit, CreditWindows
from desktop.domain.offer import Offer, OfferSettings
from desktop.domain.policy import PolicyError, ReferralPolicy
from desktop.domain.reasons import Reason, explain
from desktop.environment import LocalFault

log = logging.getLogger("desktop.backend.web")

API_TITLE = "Referral Resets mock backend"
API_VERSION = "1"
QA_TOKEN_HEADER = "X-QA-Token"
IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200  # the backend stores keys in String(200) columns
LONG_POLL_MAX_S = 30.0
LONG_POLL_DEFAULT_S = 25.0
EXTERNAL_CHANGE_POLL_S = 1.0
"""How often waiting long polls look for changes made by other processes (`sim` on the file): one
read for all waiting accounts (desktop.backend.web.feed). Writes of this process wake the changed
accounts' waiters at once."""

LONG_POLL_HOLD_S = 1.0
"""A session's long poll answers a moved cursor at most once per this many seconds (the first
change at once): a burst of changes costs each client one answer and one sync."""

SYNC_ROUTE = "/v1/sync"
MAX_CURSOR = 2**53
_CURSOR_QUERY = re.compile(rb"cursor=(0|[1-9][0-9]{0,15})")

T = TypeVar("T")

STATUS_BY_REASON: Mapping[Reason, int] = {
    Reason.SIGN_IN_FAILED: 401,
    Reason.SESSION_ENDED: 401,
    Reason.NOT_SIGNED_IN: 401,
    Reason.NOT_IN_COHORT: 403,
    Reason.QA_TOKEN_REQUIRED: 403,
    Reason.NOT_FOUND: 404,
    Reason.NO_ACCOUNT: 404,
    Reason.LINK_UNKNOWN: 404,
    Reason.CREDIT_NOT_FOUND: 404,
    Reason.INVALID_EMAIL: 422,
    Reason.EMPTY_EMAIL: 422,
    Reason.SELF_INVITE: 422,
    Reason.INVALID_REQUEST: 422,
    Reason.DAILY_LIMIT: 429,
    Reason.TOO_MANY_SIGN_INS: 429,
    Reason.RESEND_TOO_SOON: 429,
    Reason.SERVER_ERROR: 500,
    Reason.OFFLINE: 503,
}
"""The status code of each refusal; every other reason (a state conflict) is 409."""


def status_for(reason: Reason) -> int:
    """The HTTP status code an error with `reason` is answered with."""
    return STATUS_BY_REASON.get(reason, 409)


# -- bodies -------------------------------------------------------------------------------------


class ErrorBody(BaseModel):
    """Every refusal and failure: a stable reason code, its one sentence, and the details the
    sentence names (times as ISO 8601 UTC strings)."""

    reason: Reason
    message: str
    details: dict[str, str | int]


class SignInBody(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class InviteBody(BaseModel):
    email: str = Field(max_length=320)
    offer_id: str | None = Field(
        default=None,
        max_length=1024,
        description="The offer the operator saw (GET /v1/offer): a changed or expired one "
        "refuses the send (offer_changed, offer_expired). Omitted: no offer check.",
    )


class RedeemBody(BaseModel):
    credit_id: str | None = Field(
        default=None,
        max_length=200,
        description="The credit to spend; omitted: the spendable one that expires first.",
    )
    spend_if_unused: bool = Field(
        default=True,
        description="False: keep the credit when its windows hold no use (nothing_to_reset).",
    )


class ChangesBody(BaseModel):
    """The long poll's answer: the account's change cursor now (different: sync)."""

    cursor: int


class QaInviteBody(BaseModel):
    sender: str = Field(max_length=320, alias="from")
    to: str = Field(max_length=320)
    key: str | None = Field(default=None, min_length=1, max_length=MAX_KEY_LENGTH)
    offer_id: str | None = Field(default=None, max_length=1024)


class QaResendBody(BaseModel):
    sender: str = Field(max_length=320, alias="from")
    invitation: str = Field(max_length=2048)
    key: str | None = Field(default=None, min_length=1, max_length=MAX_KEY_LENGTH)


class QaRevokeBody(BaseModel):
    sender: str = Field(max_length=320, alias="from")
    invitation: str = Field(max_length=2048)


class QaRecipientBody(BaseModel):
    link: str = Field(max_length=2048)
    email: str | None = Field(default=None, max_length=320)
    n: int = Field(default=1, ge=1, le=1000)


class QaResetBody(BaseModel):
    at: datetime | None = None


class QaCohortBody(BaseModel):
    email: str = Field(max_length=320)
    action: Literal["allow", "deny", "clear"]


class QaUsageBody(BaseModel):
    email: str = Field(max_length=320)
    weekly: float | None = Field(default=None, ge=0, le=100)
    five_hour: float | None = Field(default=None, ge=0, le=100)


class QaBillingDayBody(BaseModel):
    email: str = Field(max_length=320)
    day: int = Field(ge=1, le=31)


class QaRedeemBody(BaseModel):
    email: str = Field(max_length=320)
    key: str | None = Field(default=None, min_length=1, max_length=MAX_KEY_LENGTH)
    credit_id: str | None = Field(default=None, max_length=200)
    spend_if_unused: bool = True


class QaGrantBody(BaseModel):
    email: str = Field(max_length=320)
    title: str | None = Field(default=None, min_length=1, max_length=200)
    expires_days: int | None = Field(
        default=None, ge=1, le=36_500, description="Omitted: the policy's token expiry."
    )
    no_expiry: bool = Field(default=False, description="True: the credit never expires.")
    windows: CreditWindows = CreditWindows.BOTH


class QaOfferBody(BaseModel):
    values: dict[str, str | bool | list[str] | None]


class QaAdvanceBody(BaseModel):
    seconds: float = Field(gt=0, le=100 * 365 * 86400)


class QaPolicyBody(BaseModel):
    values: dict[str, int | str | None]


class QaFaultsBody(BaseModel):
    offline: bool | None = None
    latency_ms: int | None = Field(default=None, ge=0, le=600_000)
    error_rate: float | None = Field(default=None, ge=0, le=1)


class QaLinkBaseBody(BaseModel):
    base: str | None = Field(default=None, max_length=2048)


class LinkBaseBody(BaseModel):
    base: str


# -- the server's own parts ---------------------------------------------------------------------


@dataclass
class QaAccess:
    """Who may call the QA endpoints: holders of `token`; without it, with `open_on_loopback`
    (the server is bound to loopback), local callers only."""

    token: str | None
    open_on_loopback: bool

    def allows(self, presented: str | None, client_host: str | None) -> bool:
        if presented is not None:
            return self.token is not None and hmac.compare_digest(
                presented.encode(), self.token.encode()
            )
        return self.open_on_loopback and is_loopback(client_host)


def is_loopback(host: str | None) -> bool:
    """Whether `host` (an address or "localhost") is this machine's loopback."""
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


_DROP: contextvars.ContextVar[list[bool]] = contextvars.ContextVar("referral_drop_answer")
_DROPPED = "referral: answer dropped by the error-rate fault"


def _drop_this_answer() -> None:
    box = _DROP.get(None)
    if box is not None:
        box[0] = True


class _QuietDrops(logging.Filter):
    """uvicorn logs an error when an application returns a value; ours does on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return _DROPPED not in (record.args or ())


Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class WireApp:
    """The outermost ASGI layer.

    Drops answers the error-rate fault loses: nothing of the response is written and the
    application returns a value, on which uvicorn closes the connection (its documented
    handling of a misbehaving application; tests/wire/test_faults.py holds it to that). Logs
    each request with its route template, never its path (link tokens) or headers (session
    tokens).
    """

    def __init__(
        self,
        app: FastAPI,
        feed: ChangeFeed,
        sync_body: Callable[[str, int], bytes] | None = None,
        quiet_body: Callable[[str, int], Awaitable[bytes | None]] | None = None,
    ) -> None:
        self.app = app
        self.feed = feed
        self.sync_body = sync_body
        """`GET /v1/sync`'s body for (session token, cursor), run on a worker thread: with it,
        a well-formed sync skips FastAPI's routing and parameter handling (`_plain_sync`)."""
        self.quiet_body = quiet_body
        """A quiet sync's body on the event loop itself, or None: then `sync_body` on a worker
        thread (`MockBackend.quiet_sync_json`)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> object:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return None
        plain = self._plain_sync(scope)
        box = [False]
        token = _DROP.set(box)
        status = [0]
        started = time.perf_counter()

        async def guarded_send(message: MutableMapping[str, Any]) -> None:
            if box[0]:
                return
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            await send(message)

        try:
            if plain is None:
                await self.app(scope, receive, guarded_send)
            else:
                await self._sync(scope, receive, guarded_send, *plain)
        finally:
            _DROP.reset(token)
            route = SYNC_ROUTE if plain is not None else getattr(scope.get("route"), "path", "-")
            outcome = "dropped" if box[0] else str(status[0])
            log.info(
                "%s %s %s %.1f ms",
                scope.get("method"),
                route,
                outcome,
                (time.perf_counter() - started) * 1000,
            )
        return _DROPPED if box[0] else None

    def _plain_sync(self, scope: Scope) -> tuple[str, int] | None:
        """(session token, cursor) of a `GET /v1/sync` whose every part is as FastAPI's route
        would read it without a doubt: its bearer token (the first Authorization header,
        `Bearer <token>`, as HTTPBearer takes it) and at most `cursor=<n>` (0 to 2**53, no
        leading zero) in the query. Anything else (no or another credential, other parameters,
        a bad cursor, another method) takes FastAPI's route, which validates and refuses."""
        if self.sync_body is None or scope["path"] != SYNC_ROUTE or scope["method"] != "GET":
            return None
        query: bytes = scope.get("query_string", b"")
        cursor = 0
        if query:
            found = _CURSOR_QUERY.fullmatch(query)
            if found is None or int(found[1]) > MAX_CURSOR:
                return None
            cursor = int(found[1])
        for name, value in scope["headers"]:
            if name == b"authorization":
                scheme, _, credentials = value.decode("latin-1").partition(" ")
                if (
                    scheme.lower() != "bearer"
                    or not credentials
                    or credentials.strip() != credentials
                ):
                    return None
                return credentials, cursor
        return None

    async def _sync(
        self, scope: Scope, receive: Receive, send: Send, session: str, cursor: int
    ) -> None:
        """`GET /v1/sync` as the route answers it: the body from a worker thread (anyio's, as a
        `def` endpoint's), a refusal or fault through the app's own exception handlers."""
        assert self.sync_body is not None
        response: Response
        try:
            quiet = None if self.quiet_body is None else await self.quiet_body(session, cursor)
            if quiet is not None:
                body = quiet
            else:
                body = await anyio.to_thread.run_sync(self.sync_body, session, cursor)
        except Exception as error:
            handler = next(
                (
                    self.app.exception_handlers[kind]
                    for kind in type(error).__mro__
                    if kind in self.app.exception_handlers
                ),
                None,
            )
            if handler is None:
                raise  # uvicorn answers 500 and logs it, as Starlette's error middleware would
            outcome = handler(Request(scope, receive), error)
            response = await outcome if inspect.isawaitable(outcome) else outcome
        else:
            response = Response(body, media_type="application/json")
        await response(scope, receive, send)


# -- the application ----------------------------------------------------------------------------


_bearer = HTTPBearer(auto_error=False, description="The session token sign-in returned.")
_qa_key = APIKeyHeader(
    name=QA_TOKEN_HEADER, auto_error=False, description="The QA token `serve` printed."
)

Key = Annotated[
    str,
    Header(
        alias=IDEMPOTENCY_HEADER,
        min_length=1,
        max_length=MAX_KEY_LENGTH,
        description="One key per user intent: the same key never applies twice.",
    ),
]


async def session_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> str:
    """The bearer token of the request, from the Authorization header only."""
    if credentials is None or not credentials.credentials:
        raise AuthenticationError(Reason.NOT_SIGNED_IN)
    return credentials.credentials


Session = Annotated[str, Depends(session_token)]


def _error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorBody, "description": "Refused or failed"} for status in statuses}


API_ERRORS = _error_responses(400, 401, 403, 404, 409, 422, 429, 500, 503)
QA_ERRORS = _error_responses(400, 403, 404, 409, 422)


def create_app(
    backend: MockBackend,
    simulator: Simulator,
    *,
    qa_token: str | None = None,
    qa_open_on_loopback: bool = True,
    monotonic: Callable[[], float] = time.monotonic,
    change_poll_s: float = EXTERNAL_CHANGE_POLL_S,
    change_hold_s: float = LONG_POLL_HOLD_S,
    about: Mapping[str, str] | None = None,
) -> WireApp:
    """The HTTP service over `backend` (the API, with its faults) and `simulator` (QA, the join
    page, the policy), which must share one database. Closing them is the caller's job.
    `monotonic` is the real time the sign-in limits count in (tests move their own);
    `change_poll_s` how often the long polls look for other processes' writes, `change_hold_s`
    the least time between two answers with a moved cursor to one session; `about` goes into
    `GET /v1/health`'s answer (the embedded server's instance and code stamp)."""
    app = FastAPI(
        title=API_TITLE,
        version=API_VERSION,
        description="The mock referral backend as a service: see docs/WIRE.md.",
    )
    feed = ChangeFeed(backend, change_poll_s, change_hold_s)
    access = QaAccess(qa_token, qa_open_on_loopback)
    _install_error_handlers(app)
    limiter = SignInLimiter(monotonic)
    app.include_router(_api_router(backend, simulator, feed, limiter, about or {}))
    app.include_router(_qa_router(simulator, access, limiter))
    _include_join_page(app, simulator)
    logging.getLogger("uvicorn.error").addFilter(_QuietDrops())
    return WireApp(
        app,
        feed,
        functools.partial(sync_body, backend),
        functools.partial(quiet_sync_body, backend),
    )


def _include_join_page(app: FastAPI, simulator: Simulator) -> None:
    try:
        from desktop.backend.web import join  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return
    app.include_router(join.router(lambda: simulator))


def _install_error_handlers(app: FastAPI) -> None:
    async def api_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, ApiError)
        return error_response(error.reason, error.details)

    async def invalid(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem.get('loc', ()))}: {problem.get('msg')}"
            for problem in error.errors()
        )
        return error_response(Reason.INVALID_REQUEST, {"detail": problems[:500]})

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        detail = {404: "no such endpoint", 405: "method not allowed"}.get(
            error.status_code, str(error.detail)
        )
        return error_response(Reason.INVALID_REQUEST, {"detail": detail}, error.status_code)

    async def bad_value(request: Request, error: Exception) -> Response:
        return error_response(Reason.INVALID_REQUEST, {"detail": str(error)[:500]})

    async def file_fault(request: Request, error: Exception) -> Response:
        # The service's own disk or file (full, read-only, damaged): its call ran in one
        # transaction, which did not commit. The client hears `server_error` (changed nothing)
        # with the kind as `cause`, never the path: the server's files are not the client's
        # business, and a path would read as one on the client's computer.
        assert isinstance(error, LocalFault)
        if error.reason is Reason.LOCAL_ERROR:
            log.error("unexpected fault of the service's data file", exc_info=error)
        else:
            log.warning("%s (%s)", error.message, error.reason)
        return error_response(Reason.SERVER_ERROR, {"cause": error.reason.value})

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(PolicyError, bad_value)
    app.add_exception_handler(ValueError, bad_value)
    app.add_exception_handler(LocalFault, file_fault)


def error_response(
    reason: Reason, details: Mapping[str, Any] | None = None, status: int | None = None
) -> JSONResponse:
    """The error body for `reason`, with its status code."""
    values = dict(details or {})
    body = {"reason": reason.value, "message": explain(reason, values)}
    body["details"] = encode_details(values)  # type: ignore[assignment]
    return JSONResponse(body, status_code=status or status_for(reason))


def sync_body(backend: MockBackend, session: str, cursor: int) -> bytes:
    """`GET /v1/sync`'s JSON body (`MockBackend.sync_json`), under the simulated faults."""
    body = _faulted(lambda: backend.sync_json(session, cursor))
    return b"null" if body is None else body  # a dropped answer: never written


async def quiet_sync_body(backend: MockBackend, session: str, cursor: int) -> bytes | None:
    """A quiet `GET /v1/sync`'s body on the event loop (no faults are set when there is one),
    else None: `sync_body` on a worker thread."""
    return await backend.quiet_sync_json(session, cursor)


def _answer(value: object) -> JSONResponse:
    return JSONResponse(encode(value))


def _faulted(call: Callable[[], T]) -> T | None:
    """Run an API call under the simulated faults: a lost answer drops the connection."""
    try:
        return call()
    except OutcomeUnknown:
        _drop_this_answer()
        return None


def _api_router(
    backend: MockBackend,
    simulator: Simulator,
    feed: ChangeFeed,
    limiter: SignInLimiter,
    about: Mapping[str, str],
) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["api"], responses=API_ERRORS)

    @router.post(
        "/sessions",
        response_model=SessionDTO,
        summary="Sign in",
        description="Failed attempts are limited per account and per client address "
        "(policy sign_in_*): 429 too_many_sign_ins with Retry-After. The same request again "
        "(same key and credentials) is never a new attempt.",
    )
    def sign_in(request: Request, body: SignInBody, key: Key) -> Response:
        policy = simulator.policy()
        limits = SignInLimits(
            policy.sign_in_failures_per_account,
            policy.sign_in_failures_per_client,
            policy.sign_in_window_minutes * 60,
        )
        client = request.client.host if request.client is not None else "unknown"
        ticket, wait = limiter.begin(body.email, body.password, key, client, limits)
        if ticket is None:
            refusal = error_response(
                Reason.TOO_MANY_SIGN_INS, {"minutes": max(1, math.ceil(wait / 60))}
            )
            refusal.headers["Retry-After"] = str(max(1, math.ceil(wait)))
            return refusal
        wrong_password = False
        try:
            return _answer(_faulted(lambda: backend.sign_in(body.email, body.password, key)))
        except AuthenticationError as error:
            wrong_password = error.reason is Reason.SIGN_IN_FAILED
            raise
        finally:
            limiter.settle(ticket, wrong_password=wrong_password)

    @router.delete("/sessions/current", status_code=204, summary="Sign out")
    def sign_out(session: Session) -> Response:
        _faulted(lambda: backend.sign_out(session))
        return Response(status_code=204)

    @router.get("/sync", response_model=SyncDTO, summary="What changed since a cursor")
    def sync(session: Session, cursor: Annotated[int, Query(ge=0, le=MAX_CURSOR)] = 0) -> Response:
        # WireApp answers most syncs itself with the same function (`sync_body`).
        return Response(sync_body(backend, session, cursor), media_type="application/json")

    @router.get("/offer", response_model=Offer, summary="The account's current offer")
    def offer(session: Session) -> Response:
        return _answer(_faulted(lambda: backend.offer(session)))

    @router.post("/invitations", response_model=InvitationDTO, summary="Invite one recipient")
    def send_invitation(session: Session, body: InviteBody, key: Key) -> Response:
        return _answer(
            _faulted(lambda: backend.send_invitation(session, body.email, key, body.offer_id))
        )

    @router.post(
        "/invitations/{invitation_id}/resend",
        response_model=InvitationDTO,
        summary="Send a pending invitation's email again (after the cooldown)",
    )
    def resend(
        session: Session, invitation_id: Annotated[str, Path(max_length=200)], key: Key
    ) -> Response:
        return _answer(_faulted(lambda: backend.resend_invitation(session, invitation_id, key)))

    @router.post(
        "/invitations/{invitation_id}/revoke",
        response_model=InvitationDTO,
        summary="Revoke a pending invitation",
    )
    def revoke(
        session: Session, invitation_id: Annotated[str, Path(max_length=200)], key: Key
    ) -> Response:
        return _answer(_faulted(lambda: backend.revoke_invitation(session, invitation_id, key)))

    @router.post("/redemptions", response_model=RedemptionDTO, summary="Spend one reset")
    def redeem(session: Session, key: Key, body: RedeemBody | None = None) -> Response:
        asked = body or RedeemBody()
        return _answer(
            _faulted(
                lambda: backend.redeem(
                    session, key, asked.credit_id, spend_if_unused=asked.spend_if_unused
                )
            )
        )

    @router.get(
        "/changes",
        response_model=ChangesBody,
        summary="Long poll: returns once the account's data changed past `after`",
    )
    async def changes(
        session: Session,
        after: Annotated[int, Query(ge=0, le=2**53)] = 0,
        timeout: Annotated[float, Query(ge=0, le=LONG_POLL_MAX_S)] = LONG_POLL_DEFAULT_S,
    ) -> Response:
        return JSONResponse({"cursor": await feed.wait(session, after, timeout)})

    @router.get("/health", summary="The service answers", responses={})
    def health() -> dict[str, str]:
        return {"status": "ok", **about}

    return router


def _qa_router(sim: Simulator, access: QaAccess, limiter: SignInLimiter) -> APIRouter:
    async def qa_allowed(
        request: Request, presented: Annotated[str | None, Security(_qa_key)]
    ) -> None:
        client = request.client.host if request.client is not None else None
        if not access.allows(presented, client):
            raise ApiError(Reason.QA_TOKEN_REQUIRED)

    router = APIRouter(
        prefix="/v1/qa", tags=["qa"], dependencies=[Depends(qa_allowed)], responses=QA_ERRORS
    )

    @router.post(
        "/reset-demo",
        response_model=ClockView,
        description="Wipe and seed the demo data; also forgets the sign-in attempts counted.",
    )
    def reset_demo(body: QaResetBody) -> Response:
        view = sim.reset_demo(at=body.at)
        limiter.clear()
        return _answer(view)

    @router.get("/status", response_model=BackendStatus)
    def status() -> Response:
        return _answer(sim.status())

    @router.get("/overview", response_model=BackendOverview)
    def overview() -> Response:
        return _answer(sim.overview())

    @router.post("/invitations", response_model=InvitationRecord)
    def invite(body: QaInviteBody) -> Response:
        return _answer(sim.invite(body.sender, body.to, body.key, body.offer_id))

    @router.post("/invitations/resend", response_model=InvitationRecord)
    def resend(body: QaResendBody) -> Response:
        return _answer(sim.resend(body.sender, body.invitation, body.key))

    @router.post("/invitations/revoke", response_model=InvitationRecord)
    def revoke(body: QaRevokeBody) -> Response:
        return _answer(sim.revoke(body.sender, body.invitation))

    @router.get("/invitations", response_model=list[InvitationRecord])
    def invitations(sender: Annotated[str | None, Query(alias="from")] = None) -> Response:
        return _answer(sim.invitations(sender))

    @router.get("/outbox", response_model=list[OutboxEntry])
    def outbox() -> Response:
        return _answer(sim.outbox())

    @router.get("/wallet", response_model=Wallet)
    def wallet(email: Annotated[str, Query(max_length=320)]) -> Response:
        return _answer(sim.wallet(email))

    @router.post("/redemptions", response_model=RedemptionDTO)
    def redeem(body: QaRedeemBody) -> Response:
        return _answer(
            sim.redeem(body.email, body.key, body.credit_id, spend_if_unused=body.spend_if_unused)
        )

    @router.post("/grants", response_model=Credit)
    def grant(body: QaGrantBody) -> Response:
        expires: int | Literal["policy"] | None = "policy"
        if body.no_expiry:
            expires = None
        elif body.expires_days is not None:
            expires = body.expires_days
        return _answer(
            sim.grant(body.email, title=body.title, expires_days=expires, windows=body.windows)
        )

    @router.get("/offer", response_model=Offer)
    def offer(email: Annotated[str, Query(max_length=320)]) -> Response:
        return _answer(sim.offer(email))

    @router.get("/offer/settings", response_model=OfferSettings)
    def offer_settings() -> Response:
        return _answer(sim.offer_settings())

    @router.patch("/offer/settings", response_model=OfferSettings)
    def set_offer(body: QaOfferBody) -> Response:
        return _answer(sim.set_offer(body.values))

    @router.post("/recipient/{action}", response_model=InvitationRecord)
    def recipient(
        action: Literal["open", "join", "init", "prompt"], body: QaRecipientBody
    ) -> Response:
        if action == "open":
            return _answer(sim.recipient_open(body.link))
        if body.email is None:
            raise ValueError(f"recipient {action} needs an email")
        if action == "join":
            return _answer(sim.recipient_join(body.link, body.email))
        if action == "init":
            return _answer(sim.recipient_init(body.link, body.email))
        return _answer(sim.recipient_prompt(body.link, body.email, body.n))

    @router.get("/cohort", response_model=CohortDecision)
    def cohort_decision(email: Annotated[str, Query(max_length=320)]) -> Response:
        return _answer(sim.cohort_decision(email))

    @router.post("/cohort", response_model=CohortDecision)
    def cohort(body: QaCohortBody) -> Response:
        return _answer(sim.cohort(body.email, body.action))

    @router.post("/usage", response_model=UsageDTO)
    def usage(body: QaUsageBody) -> Response:
        return _answer(sim.set_usage(body.email, body.weekly, body.five_hour))

    @router.post("/billing-day", response_model=Wallet)
    def billing_day(body: QaBillingDayBody) -> Response:
        return _answer(sim.set_billing_day(body.email, body.day))

    @router.get("/clock", response_model=ClockView)
    def clock() -> Response:
        return _answer(sim.clock())

    @router.post("/clock/advance", response_model=ClockView)
    def advance(body: QaAdvanceBody) -> Response:
        return _answer(sim.advance_clock(timedelta(seconds=body.seconds)))

    @router.post("/clock/run", response_model=ClockView)
    def run() -> Response:
        return _answer(sim.clock_run())

    @router.post("/clock/freeze", response_model=ClockView)
    def freeze() -> Response:
        return _answer(sim.clock_freeze())

    @router.get("/policy", response_model=ReferralPolicy)
    def policy() -> Response:
        return _answer(sim.policy())

    @router.patch("/policy", response_model=ReferralPolicy)
    def set_policy(body: QaPolicyBody) -> Response:
        return _answer(sim.set_policy(body.values))

    @router.get("/faults", response_model=FaultSettings)
    def faults() -> Response:
        return _answer(sim.faults())

    @router.patch("/faults", response_model=FaultSettings)
    def set_faults(body: QaFaultsBody) -> Response:
        return _answer(
            sim.set_fault(
                offline=body.offline, latency_ms=body.latency_ms, error_rate=body.error_rate
            )
        )

    @router.delete("/faults", response_model=FaultSettings)
    def clear_faults() -> Response:
        return _answer(sim.clear_faults())

    @router.get("/link-base", response_model=LinkBaseBody)
    def link_base() -> Response:
        return JSONResponse({"base": sim.link_base()})

    @router.put("/link-base", response_model=LinkBaseBody)
    def set_link_base(body: QaLinkBaseBody) -> Response:
        return JSONResponse({"base": sim.set_link_base(body.base)})

    return router
