"""HttpApi maps every way a request can end onto the four outcomes, and never sends a session
token anywhere but the server it signed in to (a scripted httpx transport: no network)."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from desktop.backend.api import (
    ApiError,
    AuthenticationError,
    InvitationRefused,
    NoTokens,
    NotSent,
    OutcomeUnknown,
    ServerError,
)
from desktop.domain.reasons import Reason
from desktop.remote.client import HttpApi, OriginMismatch

BASE = "http://127.0.0.1:8765"
SESSION_BODY = {
    "token": "server-token",
    "account": {
        "id": "acct_pilot",
        "email": "pilot@example.com",
        "display_name": "Pat",
        "plan": "plus",
        "billing_day": 14,
    },
}


class Recorder:
    """A transport that answers from a function and remembers every request it saw."""

    def __init__(self, answer: Callable[[httpx.Request], httpx.Response]) -> None:
        self.requests: list[httpx.Request] = []
        self._answer = answer

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self._answer(request)


def client(
    answer: Callable[[httpx.Request], httpx.Response], base: str = BASE
) -> tuple[HttpApi, Recorder]:
    recorder = Recorder(answer)
    return HttpApi(base, transport=httpx.MockTransport(recorder)), recorder


def signed_in(base: str = BASE) -> str:
    api, _ = client(lambda request: httpx.Response(200, json=SESSION_BODY), base)
    return api.sign_in("pilot@example.com", "demo", "k").token


def raising(error: Exception) -> Callable[[httpx.Request], httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        raise error

    return answer


@pytest.mark.parametrize(
    ("error", "expected", "reason"),
    [
        (httpx.ConnectError("refused"), NotSent, Reason.OFFLINE),
        (httpx.ConnectTimeout("slow connect"), NotSent, Reason.OFFLINE),
        (httpx.PoolTimeout("no connection"), NotSent, Reason.OFFLINE),
        (httpx.WriteError("broken pipe"), NotSent, Reason.OFFLINE),
        (httpx.ReadTimeout("late"), OutcomeUnknown, Reason.TIMED_OUT),
        (httpx.RemoteProtocolError("disconnected"), OutcomeUnknown, Reason.ANSWER_LOST),
        (httpx.ReadError("reset by peer"), OutcomeUnknown, Reason.ANSWER_LOST),
    ],
)
def test_transport_failures_map_onto_not_sent_or_unknown(
    error: Exception, expected: type[ApiError], reason: Reason
) -> None:
    session = signed_in()
    api, _ = client(raising(error))
    with pytest.raises(expected) as raised:
        api.redeem(session, "key")
    assert raised.value.reason is reason


@pytest.mark.parametrize(
    ("error", "expected", "reason"),
    [
        (httpx.ConnectError("refused"), NotSent, Reason.OFFLINE),
        (httpx.ReadTimeout("late"), OutcomeUnknown, Reason.TIMED_OUT),
        (httpx.RemoteProtocolError("disconnected"), OutcomeUnknown, Reason.ANSWER_LOST),
    ],
)
@pytest.mark.parametrize("call", ["resend", "redeem_credit", "offer_send"])
def test_issue_14_calls_map_onto_the_same_outcomes(
    call: str, error: Exception, expected: type[ApiError], reason: Reason
) -> None:
    session = signed_in()
    api, recorder = client(raising(error))
    calls: dict[str, Callable[[], object]] = {
        "resend": lambda: api.resend_invitation(session, "inv/1", "resend-key"),
        "redeem_credit": lambda: api.redeem(session, "redeem-key", "tok_1", spend_if_unused=False),
        "offer_send": lambda: api.send_invitation(session, "a@example.com", "send-key", "off_1"),
    }
    with pytest.raises(expected) as raised:
        calls[call]()
    assert raised.value.reason is reason
    (request,) = recorder.requests
    assert request.headers["idempotency-key"].endswith("-key")  # the replay's key went out


def test_issue_14_requests_name_what_they_act_on() -> None:
    session = signed_in()
    api, recorder = client(lambda request: httpx.Response(409, json={"reason": "no_tokens"}))
    with pytest.raises(NoTokens):
        api.redeem(session, "k", "tok_1", spend_if_unused=False)
    with pytest.raises(NoTokens):
        api.resend_invitation(session, "inv/1", "k2")
    with pytest.raises(NoTokens):
        api.send_invitation(session, "a@example.com", "k3", "off_1")
    redeem, resend, send = recorder.requests
    assert json.loads(redeem.content) == {"credit_id": "tok_1", "spend_if_unused": False}
    assert resend.url.raw_path == b"/v1/invitations/inv%2F1/resend"
    assert json.loads(send.content) == {"email": "a@example.com", "offer_id": "off_1"}


@pytest.mark.parametrize(
    ("response", "expected", "reason"),
    [
        (
            httpx.Response(500, json={"reason": "server_error", "message": "", "details": {}}),
            ServerError,
            Reason.SERVER_ERROR,
        ),
        (
            httpx.Response(503, json={"reason": "offline", "message": "", "details": {}}),
            NotSent,
            Reason.OFFLINE,
        ),
        (
            httpx.Response(409, json={"reason": "no_tokens", "message": "", "details": {}}),
            NoTokens,
            Reason.NO_TOKENS,
        ),
        (httpx.Response(500, text="Internal Server Error"), OutcomeUnknown, Reason.ANSWER_LOST),
        (httpx.Response(502), OutcomeUnknown, Reason.ANSWER_LOST),
        (httpx.Response(504, json={"detail": "gateway"}), OutcomeUnknown, Reason.ANSWER_LOST),
        (httpx.Response(200, text="{not json"), OutcomeUnknown, Reason.ANSWER_LOST),
        (httpx.Response(200, json={"token": {"id": 1}}), OutcomeUnknown, Reason.ANSWER_LOST),
        (
            httpx.Response(401, json={"reason": "session_ended", "message": "", "details": {}}),
            AuthenticationError,
            Reason.SESSION_ENDED,
        ),
        (httpx.Response(404), ApiError, Reason.INVALID_REQUEST),
        (
            httpx.Response(302, headers={"location": "http://elsewhere.example/"}),
            ApiError,
            Reason.INVALID_REQUEST,
        ),
    ],
)
def test_answers_map_onto_their_errors(
    response: httpx.Response, expected: type[ApiError], reason: Reason
) -> None:
    session = signed_in()
    api, recorder = client(lambda request: response)
    with pytest.raises(expected) as raised:
        api.redeem(session, "key")
    assert raised.value.reason is reason
    assert len(recorder.requests) == 1  # a redirect is not followed


def test_error_details_come_back_typed() -> None:
    body = {
        "reason": "daily_limit",
        "message": "…",
        "details": {"limit": 10, "at": "2025-03-11T12:30:00Z"},
    }
    session = signed_in()
    api, _ = client(lambda request: httpx.Response(429, json=body))
    with pytest.raises(InvitationRefused) as refused:
        api.send_invitation(session, "a@example.com", "k")
    assert refused.value.details["limit"] == 10
    assert "11 Mar 2025 12:30 UTC" in refused.value.message


def test_headers_carry_the_token_and_the_key_and_the_url_carries_neither() -> None:
    session = signed_in()
    api, recorder = client(lambda request: httpx.Response(200, json={"cursor": 5}))
    api.wait_for_change(session, 3, 1)
    (request,) = recorder.requests
    assert request.headers["authorization"] == "Bearer server-token"
    assert "server-token" not in str(request.url)
    api2, recorder2 = client(lambda request: httpx.Response(409, json={"reason": "no_tokens"}))
    with pytest.raises(NoTokens):
        api2.redeem(session, "the-key")
    assert recorder2.requests[0].headers["idempotency-key"] == "the-key"


@pytest.mark.parametrize(
    "other",
    [
        "http://127.0.0.1:8766",  # another port
        "https://127.0.0.1:8765",  # another scheme
        "http://localhost:8765",  # another host name for the same machine
        "http://127.0.0.1:8765/prefix",  # another path on the same origin
    ],
)
def test_a_token_is_never_sent_to_another_server(other: str) -> None:
    session = signed_in(BASE)
    api, recorder = client(lambda request: httpx.Response(200, json={"cursor": 1}), other)
    for call in (
        lambda: api.sync(session, 0),
        lambda: api.redeem(session, "k"),
        lambda: api.send_invitation(session, "a@example.com", "k"),
        lambda: api.revoke_invitation(session, "inv", "k"),
        lambda: api.wait_for_change(session, 0, 1),
        lambda: api.sign_out(session),
    ):
        with pytest.raises(OriginMismatch):
            call()
    assert recorder.requests == []


def test_a_token_from_the_in_process_backend_is_never_sent() -> None:
    api, recorder = client(lambda request: httpx.Response(200, json={"cursor": 1}))
    with pytest.raises(AuthenticationError):
        api.sync("bare-token-from-the-embedded-backend", 0)
    assert recorder.requests == []


def test_the_same_server_written_differently_is_the_same_server() -> None:
    session = signed_in("http://127.0.0.1:8765/")
    api, recorder = client(
        lambda request: httpx.Response(200, json={"cursor": 1}), "HTTP://127.0.0.1:8765"
    )
    assert api.wait_for_change(session, 0, 1) == 1
    assert len(recorder.requests) == 1


def test_urls_with_credentials_or_other_schemes_are_refused() -> None:
    for url in (
        "ftp://example.com",
        "http://user:pw@example.com",
        "127.0.0.1:8765",
        "http://h/?q=1",
    ):
        with pytest.raises(ValueError, match="URL"):
            HttpApi(url)


def test_a_plain_http_server_needs_no_certificate_store(monkeypatch: pytest.MonkeyPatch) -> None:
    # Reading certifi's bundle costs ~30 ms at every start with --backend http://...; an https
    # server still gets httpx's verified default.
    import ssl

    loaded: list[str] = []
    real = ssl.SSLContext.load_verify_locations

    def load(context: ssl.SSLContext, *args: object, **kwargs: object) -> None:
        loaded.append("certificates")
        real(context, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", load)
    HttpApi("http://127.0.0.1:8765").close()
    assert loaded == []
    HttpApi("https://example.invalid").close()
    assert loaded == ["certificates"]
