"""The invitation link as a web page (DESIGN R12, issue 12 items 3 and 8).

`GET /join/<token>` shows the invited peer where they stand (a checklist: link opened, account
created or reactivated, workspace ready, prompts k of N, converted) and the one next action:
sign up or sign in with an email, initialise a workspace, send a prompt. Each action is the
Simulator's recipient action; refusals show the sentence of their reason code
(desktop.domain.reasons), never one written here.

Security:
- CSRF: each visit gets a random id in an HttpOnly, SameSite=Strict cookie scoped to /join/,
  bound to one link, and a separate random form token kept server-side with it; every POST needs
  both, and a foreign Origin is refused.
- Escaping: Jinja2 with autoescape on for everything; a strict Content-Security-Policy (no
  scripts at all) as a second line.
- Sign-in attempts are limited per link and per client address (policy values
  `join_attempts_per_link`, `join_attempts_per_client`, `join_attempts_window_minutes`).
- Link tokens never reach the logs: `install_token_redaction()` (called by `router`) rewrites
  `/join/<token>` in uvicorn's access and error records. The page sends a Referer to its own
  origin only ("no-referrer" would make Chromium send "Origin: null" on the forms' POSTs).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from jinja2 import DictLoader, Environment

from desktop.backend.api import ApiError, InvitationDTO, NotFound
from desktop.backend.simulator import LinkView, Simulator
from desktop.backend.web.join_templates import JOIN_CSS, JOIN_PAGE
from desktop.backend.web.limits import AttemptLimiter
from desktop.domain.emails import InvalidEmail, normalise_email
from desktop.domain.invitations import InvitationState
from desktop.domain.reasons import Detail, Reason, explain
from desktop.environment import LocalFault

log = logging.getLogger("desktop.backend.web.join")

JOIN_PREFIX = "/join"
CSS_PATH = "/join-assets/join.css"
VISIT_COOKIE = "join_visit"
VISIT_LIFETIME_S = 2 * 60 * 60
MAX_VISITS = 10_000
MAX_PROMPT_CHARS = 2_000

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}

_LINK_IN_TEXT = re.compile(r"(/join/)[^/?#\s\"']+")
REDACTED = "[link]"


def redact_links(text: str) -> str:
    """`text` with every `/join/<token>` path replaced by `/join/[link]`."""
    return _LINK_IN_TEXT.sub(r"\1" + REDACTED, text)


class LinkTokenRedactor(logging.Filter):
    """Rewrites link tokens out of a log record's message and arguments (never drops it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_links(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_links(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        elif isinstance(record.args, Mapping):
            record.args = {
                key: redact_links(value) if isinstance(value, str) else value
                for key, value in record.args.items()
            }
        return True


_REDACTOR = LinkTokenRedactor()
REDACTED_LOGGERS = ("uvicorn.access", "uvicorn.error", "uvicorn", "fastapi")


def install_token_redaction() -> None:
    """Attach the redactor to uvicorn's and FastAPI's loggers (idempotent). uvicorn's own
    logging set-up keeps filters already on its loggers."""
    for name in REDACTED_LOGGERS:
        logger = logging.getLogger(name)
        if _REDACTOR not in logger.filters:
            logger.addFilter(_REDACTOR)


# ---------------------------------------------------------------------------------------------
# Visits (the CSRF binding and who signed in on this browser); the attempt limiter is limits.py's
# ---------------------------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Visit:
    """One browser's visit to one link: its form token and, after sign-in, the address used."""

    link_digest: str
    started: float
    form_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    email: str | None = None
    notice: str = ""
    notice_kind: str = ""


class Visits:
    """Visits by cookie id, oldest dropped first past MAX_VISITS or after VISIT_LIFETIME_S."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._visits: OrderedDict[str, Visit] = OrderedDict()

    def find(self, visit_id: str | None, link_digest: str) -> Visit | None:
        """The live visit with this id for this link, or None."""
        if not visit_id:
            return None
        with self._lock:
            visit = self._visits.get(visit_id)
            if visit is None or visit.link_digest != link_digest:
                return None
            if self._now() - visit.started > VISIT_LIFETIME_S:
                del self._visits[visit_id]
                return None
            return visit

    def start(self, link_digest: str) -> tuple[str, Visit]:
        """A new visit and its secret id (the cookie value)."""
        visit_id = secrets.token_urlsafe(32)
        visit = Visit(link_digest, self._now())
        with self._lock:
            self._visits[visit_id] = visit
            while len(self._visits) > MAX_VISITS:
                self._visits.popitem(last=False)
        return visit_id, visit


# ---------------------------------------------------------------------------------------------
# What the page shows
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One line of the checklist."""

    key: str
    label: str
    mark: str  # "done" | "current" | "todo" | "failed"
    state_text: str


_CONVERTED = (InvitationState.CONVERTED_REWARDED, InvitationState.CONVERTED_CAPPED)
_ENDED_REASONS = {
    InvitationState.REVOKED: Reason.LINK_REVOKED,
    InvitationState.EXPIRED: Reason.LINK_EXPIRED,
    InvitationState.NOT_ELIGIBLE: Reason.RECIPIENT_NOT_ELIGIBLE,
}


def checklist(invitation: InvitationDTO) -> tuple[Step, ...]:
    """The peer's steps, each done, current (the next one to do), failed or still to do."""
    state = invitation.state
    converted = state in _CONVERTED
    account_label = {
        "new": "Account created",
        "reactivated": "Account reactivated",
    }.get(invitation.joined_kind or "", "Account created or reactivated")
    not_eligible = state is InvitationState.NOT_ELIGIBLE
    prompts = min(invitation.prompts, invitation.prompts_required)
    raw = [
        ("opened", "Link opened", invitation.link_opened, False),
        ("account", account_label, invitation.joined_kind is not None, not_eligible),
        ("workspace", "Workspace ready", invitation.workspace_ready, False),
        (
            "prompts",
            f"Prompts: {prompts} of {invitation.prompts_required}",
            converted,
            False,
        ),
        ("converted", "Converted", converted, False),
    ]
    steps: list[Step] = []
    current_given = state.is_final
    for key, label, done, failed in raw:
        if failed:
            mark, text = "failed", "not eligible"
        elif done:
            mark, text = "done", "done"
        elif not current_given:
            mark, text = "current", "next step"
            current_given = True
        else:
            mark, text = "todo", "not yet"
        steps.append(Step(key, label, mark, text))
    return tuple(steps)


def next_action(invitation: InvitationDTO, signed_in: bool) -> str | None:
    """Which form the page offers: sign_in, workspace, prompt, or none."""
    state = invitation.state
    if state.is_final:
        return None
    if not signed_in:
        return "sign_in"
    if state in (InvitationState.JOINED, InvitationState.REACTIVATED):
        return "workspace"
    if state in (InvitationState.WORKSPACE_READY, InvitationState.PROMPTING):
        return "prompt"
    return "sign_in"


def state_notice(view: LinkView) -> tuple[str, str]:
    """The status region's standing text for where the invitation is, and its kind."""
    state = view.invitation.state
    if state in _CONVERTED:
        return (
            "You're all set: your account is active and your prompts have been counted. "
            "Thank you for trying the product.",
            "done",
        )
    reason = _ENDED_REASONS.get(state)
    if reason is not None:
        return explain(reason, {"days": view.policy.dormancy_days}), "error"
    if state.is_final:
        return explain(Reason.LINK_ENDED), "error"
    return "", ""


# ---------------------------------------------------------------------------------------------
# The router
# ---------------------------------------------------------------------------------------------

_ENVIRONMENT = Environment(loader=DictLoader({"join.html": JOIN_PAGE}), autoescape=True)


def router(
    simulator_factory: Callable[[], Simulator],
    *,
    monotonic: Callable[[], float] = time.monotonic,
) -> APIRouter:
    """The join page's routes. `simulator_factory` gives the Simulator to act through (called
    per request; the router never closes it). `monotonic` drives visit expiry and rate limits."""
    install_token_redaction()
    visits = Visits(monotonic)
    limiter = AttemptLimiter(monotonic)
    routes = APIRouter(include_in_schema=False)
    template = _ENVIRONMENT.get_template("join.html")

    def render(
        request: Request,
        token: str,
        *,
        view: LinkView | None,
        visit: Visit | None,
        visit_id: str | None = None,
        notice: str = "",
        notice_kind: str = "",
        status: int = 200,
        typed_email: str = "",
        typed_prompt: str = "",
    ) -> Response:
        context: dict[str, Any] = {
            "css_url": CSS_PATH,
            "base": f"{JOIN_PREFIX}/{token}",
            "csrf": visit.form_token if visit else "",
            "notice": notice,
            "notice_kind": notice_kind,
            "typed_email": typed_email,
            "typed_prompt": typed_prompt,
            "title": "You're invited",
            "operator_name": "",
            "steps": (),
            "action": None,
            "signed_in_as": visit.email if visit else None,
            "prompts_hint": "",
        }
        if view is not None:
            invitation = view.invitation
            context["operator_name"] = view.operator_name
            context["steps"] = checklist(invitation)
            context["action"] = next_action(invitation, visit is not None and bool(visit.email))
            if not notice:
                context["notice"], context["notice_kind"] = state_notice(view)
            left = max(invitation.prompts_required - invitation.prompts, 0)
            context["prompts_hint"] = (
                f"{invitation.prompts} of {invitation.prompts_required} prompts counted; "
                f"{left} to go."
            )
        else:
            context["title"] = "Invitation not available"
        response = Response(
            template.render(context), status_code=status, media_type="text/html; charset=utf-8"
        )
        for name, value in SECURITY_HEADERS.items():
            response.headers[name] = value
        if visit_id is not None:
            response.set_cookie(
                VISIT_COOKIE,
                visit_id,
                max_age=VISIT_LIFETIME_S,
                path=f"{JOIN_PREFIX}/",
                httponly=True,
                samesite="strict",
                secure=request.url.scheme == "https",
            )
        return response

    def told_plainly(handler: Callable[..., Response]) -> Callable[..., Response]:
        """`handler`, except that a fault of the service's own data file (its disk full, the
        file read-only or damaged: nothing was changed) shows the page with the plain reason,
        as the API's `server_error` with its `cause` says it, instead of the API's JSON body:
        the visitor is a person with a browser. The server's log gets the sentence with the
        path (a traceback only for an unexpected fault), as for the API."""

        @functools.wraps(handler)
        def guarded(request: Request, token: str, **values: Any) -> Response:
            try:
                return handler(request, token, **values)
            except LocalFault as fault:
                if fault.reason is Reason.LOCAL_ERROR:
                    log.error("unexpected fault of the service's data file", exc_info=fault)
                else:
                    log.warning("%s (%s)", fault.message, fault.reason)
                return render(
                    request,
                    token,
                    view=None,
                    visit=None,
                    notice=refused(Reason.SERVER_ERROR, {"cause": fault.reason.value}),
                    notice_kind="error",
                    status=500,
                )

        return guarded

    def refused(reason: Reason, details: Mapping[str, Detail] | None = None) -> str:
        return explain(reason, details)

    def back_to_page(token: str) -> Response:
        response = RedirectResponse(f"{JOIN_PREFIX}/{token}", status_code=303)
        for name, value in SECURITY_HEADERS.items():
            response.headers[name] = value
        return response

    def checked_visit(request: Request, token: str, form_token: str) -> Visit | None:
        """The visit a POST belongs to, if its cookie, form token and origin all match."""
        origin = request.headers.get("origin")
        if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
            return None
        visit = visits.find(request.cookies.get(VISIT_COOKIE), _digest(token))
        if visit is None or not secrets.compare_digest(visit.form_token, form_token):
            return None
        return visit

    def expired_form(request: Request, token: str, simulator: Simulator) -> Response:
        try:
            view: LinkView | None = simulator.link_view(token)
        except NotFound:
            view = None
        visit_id, visit = visits.start(_digest(token))
        return render(
            request,
            token,
            view=view,
            visit=visit,
            visit_id=visit_id,
            notice=refused(Reason.FORM_EXPIRED),
            notice_kind="error",
            status=403,
        )

    @routes.get(CSS_PATH)
    def join_css() -> Response:
        response = Response(JOIN_CSS, media_type="text/css; charset=utf-8")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response

    @routes.get(JOIN_PREFIX + "/{token}")
    @told_plainly
    def join_page(request: Request, token: str) -> Response:
        simulator = simulator_factory()
        try:
            view = simulator.link_view(token)
        except NotFound as error:
            return render(
                request,
                token,
                view=None,
                visit=None,
                notice=error.message,
                notice_kind="error",
                status=404,
            )
        if view.invitation.state is InvitationState.SENT:
            simulator.recipient_open(token)
            view = simulator.link_view(token)
        digest = _digest(token)
        visit = visits.find(request.cookies.get(VISIT_COOKIE), digest)
        visit_id = None
        if visit is None:
            visit_id, visit = visits.start(digest)
        notice, kind = visit.notice, visit.notice_kind
        visit.notice, visit.notice_kind = "", ""
        return render(
            request,
            token,
            view=view,
            visit=visit,
            visit_id=visit_id,
            notice=notice,
            notice_kind=kind,
        )

    @routes.post(JOIN_PREFIX + "/{token}/sign-in")
    @told_plainly
    def sign_in(
        request: Request,
        token: str,
        email: Annotated[str, Form(max_length=320)] = "",
        csrf: Annotated[str, Form(max_length=100)] = "",
    ) -> Response:
        simulator = simulator_factory()
        visit = checked_visit(request, token, csrf)
        if visit is None:
            return expired_form(request, token, simulator)
        try:
            view = simulator.link_view(token)
        except NotFound as error:
            return render(request, token, view=None, visit=None, notice=error.message, status=404)
        policy = view.policy
        client = request.client.host if request.client else "unknown"
        wait = limiter.attempt(
            {
                f"link:{_digest(token)}": policy.join_attempts_per_link,
                f"client:{client}": policy.join_attempts_per_client,
            },
            policy.join_attempts_window_minutes * 60,
        )
        if wait is not None:
            minutes = max(1, math.ceil(wait / 60))
            return render(
                request,
                token,
                view=view,
                visit=visit,
                notice=refused(Reason.TOO_MANY_ATTEMPTS, {"minutes": minutes}),
                notice_kind="error",
                status=429,
                typed_email=email,
            )
        try:
            address = normalise_email(email)
        except InvalidEmail as error:
            return render(
                request,
                token,
                view=view,
                visit=visit,
                notice=refused(error.reason, {"detail": error.detail}),
                notice_kind="error",
                status=400,
                typed_email=email,
            )
        try:
            record = simulator.recipient_join(token, address)
        except ApiError as error:
            if error.reason is not Reason.ALREADY_JOINED:
                return render(
                    request,
                    token,
                    view=simulator.link_view(token),
                    visit=visit,
                    notice=error.message,
                    notice_kind="error",
                    status=403 if error.reason is Reason.LINK_WRONG_EMAIL else 409,
                    typed_email=email,
                )
            # The right address on a link already joined: this browser signs back in.
            visit.email = address
            visit.notice, visit.notice_kind = "Welcome back. You are signed in.", "info"
            return back_to_page(token)
        visit.email = address
        if record.invitation.state is InvitationState.NOT_ELIGIBLE:
            visit.notice, visit.notice_kind = "", ""
        elif record.invitation.joined_kind == "reactivated":
            visit.notice = "Welcome back: your account is active again."
            visit.notice_kind = "info"
        else:
            visit.notice, visit.notice_kind = "Your free account is ready.", "info"
        return back_to_page(token)

    def act(
        request: Request,
        token: str,
        csrf: str,
        action: Callable[[Simulator, str], InvitationDTO],
        done: Callable[[InvitationDTO], str],
        typed_prompt: str = "",
    ) -> Response:
        simulator = simulator_factory()
        visit = checked_visit(request, token, csrf)
        if visit is None:
            return expired_form(request, token, simulator)
        if visit.email is None:
            visit.notice, visit.notice_kind = refused(Reason.NOT_JOINED), "error"
            return back_to_page(token)
        try:
            invitation = action(simulator, visit.email)
        except NotFound as error:
            return render(request, token, view=None, visit=None, notice=error.message, status=404)
        except ApiError as error:
            return render(
                request,
                token,
                view=simulator.link_view(token),
                visit=visit,
                notice=error.message,
                notice_kind="error",
                status=409,
                typed_prompt=typed_prompt,
            )
        visit.notice, visit.notice_kind = done(invitation), "info"
        if invitation.state in _CONVERTED:
            visit.notice, visit.notice_kind = "", ""  # the standing "all set" text says it
        return back_to_page(token)

    @routes.post(JOIN_PREFIX + "/{token}/workspace")
    @told_plainly
    def workspace(
        request: Request,
        token: str,
        csrf: Annotated[str, Form(max_length=100)] = "",
    ) -> Response:
        return act(
            request,
            token,
            csrf,
            lambda simulator, email: simulator.recipient_init(token, email).invitation,
            lambda invitation: "Your workspace is ready. Send your first prompt.",
        )

    @routes.post(JOIN_PREFIX + "/{token}/prompt")
    @told_plainly
    def prompt(
        request: Request,
        token: str,
        csrf: Annotated[str, Form(max_length=100)] = "",
        prompt: Annotated[str, Form(max_length=MAX_PROMPT_CHARS)] = "",
    ) -> Response:
        return act(
            request,
            token,
            csrf,
            lambda simulator, email: simulator.recipient_prompt(token, email).invitation,
            lambda invitation: (
                f"Prompt sent: {min(invitation.prompts, invitation.prompts_required)} of "
                f"{invitation.prompts_required} counted."
            ),
            typed_prompt=prompt,
        )

    return routes


__all__ = [
    "CSS_PATH",
    "JOIN_PREFIX",
    "AttemptLimiter",
    "LinkTokenRedactor",
    "checklist",
    "install_token_redaction",
    "redact_links",
    "router",
]
