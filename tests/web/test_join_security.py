"""The join page's defences over real HTTP: CSRF, rate limits, headers, and logs without tokens."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from uvicorn.config import LOGGING_CONFIG

from desktop.backend.simulator import Simulator
from desktop.backend.web.join import AttemptLimiter, redact_links
from desktop.domain.invitations import InvitationState
from desktop.domain.reasons import Reason, explain
from tests.web.support import serving

PILOT = "pilot@example.com"


def invite(sim: Simulator, recipient: str) -> str:
    return sim.invite(PILOT, recipient).invitation.link.rsplit("/", 1)[1]


def form_token(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def status_of(html: str) -> str:
    found = re.search(r'role="status"[^>]*>([^<]*)</div>', html)
    assert found is not None
    return found.group(1).strip().replace("&#39;", "'")


@pytest.fixture
def client(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=10) as http:
        yield http


def test_the_page_sets_a_strict_cookie_and_no_script_headers(
    client: httpx.Client, sim: Simulator
) -> None:
    response = client.get(f"/join/{invite(sim, 'peer@example.com')}")

    assert response.status_code == 200
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "path=/join/" in cookie
    assert "script-src" not in response.headers["content-security-policy"]
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["cache-control"] == "no-store"
    assert "<script" not in response.text


def test_an_unknown_link_answers_404_with_the_plain_reason(client: httpx.Client) -> None:
    response = client.get("/join/" + "x" * 32)

    assert response.status_code == 404
    assert status_of(response.text) == explain(Reason.LINK_UNKNOWN)
    assert "<form" not in response.text


@pytest.mark.parametrize(
    "forge",
    ["no cookie", "wrong form token", "foreign origin", "cookie of another link"],
)
def test_a_forged_post_is_refused_and_changes_nothing(
    client: httpx.Client, sim: Simulator, forge: str
) -> None:
    token = invite(sim, "peer@example.com")
    other = invite(sim, "other@example.com")
    page = client.get(f"/join/{token}")
    csrf = form_token(page.text)
    headers: dict[str, str] = {}
    if forge == "no cookie":
        client.cookies.clear()
    elif forge == "wrong form token":
        csrf = "A" * len(csrf)
    elif forge == "foreign origin":
        headers["Origin"] = "https://evil.example"
    else:
        # The browser's visit now belongs to the other link: its form token is no key here.
        csrf = form_token(client.get(f"/join/{other}").text)

    response = client.post(
        f"/join/{token}/sign-in", data={"email": "peer@example.com", "csrf": csrf}, headers=headers
    )

    assert response.status_code == 403
    assert status_of(response.text) == explain(Reason.FORM_EXPIRED)
    assert sim.link_view(token).invitation.state is InvitationState.OPENED
    assert "peer@example.com" not in {account.email for account in sim.status().accounts}


def test_sign_in_attempts_are_limited_per_link(client: httpx.Client, sim: Simulator) -> None:
    sim.set_policy({"join_attempts_per_link": 2, "join_attempts_window_minutes": 10})
    token = invite(sim, "peer@example.com")
    csrf = form_token(client.get(f"/join/{token}").text)

    for guess in ("a@example.com", "b@example.com"):
        wrong = client.post(f"/join/{token}/sign-in", data={"email": guess, "csrf": csrf})
        assert wrong.status_code == 403
        assert status_of(wrong.text) == explain(Reason.LINK_WRONG_EMAIL)
    right = {"email": "peer@example.com", "csrf": csrf}
    limited = client.post(f"/join/{token}/sign-in", data=right)

    assert limited.status_code == 429
    assert status_of(limited.text) == explain(Reason.TOO_MANY_ATTEMPTS, {"minutes": 10})
    assert sim.link_view(token).invitation.state is InvitationState.OPENED


def test_sign_in_attempts_are_limited_per_client_address(
    client: httpx.Client, sim: Simulator
) -> None:
    sim.set_policy({"join_attempts_per_link": 5, "join_attempts_per_client": 3})
    answers = []
    for n in range(4):
        token = invite(sim, f"peer{n}@example.com")
        csrf = form_token(client.get(f"/join/{token}").text)
        answers.append(
            client.post(
                f"/join/{token}/sign-in", data={"email": "guess@example.com", "csrf": csrf}
            ).status_code
        )
    assert answers == [403, 403, 403, 429]


def test_the_limiter_frees_a_slot_when_the_window_moves_on() -> None:
    now = [0.0]
    limiter = AttemptLimiter(lambda: now[0])
    assert limiter.attempt({"k": 2}, 60) is None
    now[0] = 30
    assert limiter.attempt({"k": 2}, 60) is None
    assert limiter.attempt({"k": 2}, 60) == pytest.approx(30)
    now[0] = 60
    assert limiter.attempt({"k": 2}, 60) is None


def test_link_tokens_never_reach_uvicorns_logs(
    join_app: FastAPI, sim: Simulator, tmp_path: Path
) -> None:
    # uvicorn's default logging set-up (dictConfig) runs after the router exists.
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    collect = Collect()
    loggers = [logging.getLogger(name) for name in ("uvicorn.access", "uvicorn.error")]
    token = invite(sim, "peer@example.com")
    with serving(join_app, log_config=LOGGING_CONFIG) as base:
        for logger in loggers:
            logger.addHandler(collect)
        try:
            with httpx.Client(base_url=base, timeout=10) as http:
                csrf = form_token(http.get(f"/join/{token}").text)
                http.post(f"/join/{token}/sign-in", data={"email": "x@example.com", "csrf": csrf})
                http.get(f"/join/{token}?again=1")
        finally:
            for logger in loggers:
                logger.removeHandler(collect)

    access = [line for line in lines if "/join/" in line]
    assert len(access) == 3, lines
    assert all(token not in line for line in lines)
    assert "GET /join/[link]" in access[0]


def test_redaction_keeps_the_rest_of_the_path() -> None:
    assert redact_links('"POST /join/abcDEF_12-3/sign-in HTTP/1.1"') == (
        '"POST /join/[link]/sign-in HTTP/1.1"'
    )
