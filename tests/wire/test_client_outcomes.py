"""HttpApi maps every way a request can end onto the four outcomes, and never sends a session
token anywhere but the server it signed in to: the real client against scripted servers on
loopback sockets (each test's server answers, stalls, drops or resets as it is told, and keeps
every request and connection it saw)."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import socket
import ssl
import struct
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import pytest

import desktop.remote.client as client_module
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
from desktop.remote.client import (
    KEEPALIVE_EXPIRY_S,
    HttpApi,
    HttpTransport,
    OriginMismatch,
    normalise_base_url,
)
from tests.patience import bound_s

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
SHORT_S = 0.3
"""A read or connect timeout the test waits out on purpose; an answer the test expects is read
with a generous one (`bound_s`), so a loaded machine does not turn it into a time-out."""


@dataclass(frozen=True)
class Seen:
    """One request as the server read it."""

    method: str
    target: str
    headers: dict[str, str]  # names in lower case
    body: bytes
    connection: int  # which accepted connection carried it, from 1


Script = Callable[[Seen, socket.socket], bool]
"""Answers one request on its socket; True keeps reading requests on that connection."""


def answer(status: int, body: object = None, *, raw: bytes | None = None, **headers: str) -> bytes:
    """An HTTP/1.1 answer with a Content-Length: `body` as JSON unless `raw` is given."""
    content = raw if raw is not None else b"" if body is None else json.dumps(body).encode()
    lines = [f"HTTP/1.1 {status} Status", f"Content-Length: {len(content)}"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + content


def replying(data: bytes, *, keep: bool = True) -> Script:
    def script(request: Seen, sock: socket.socket) -> bool:
        sock.sendall(data)
        return keep

    return script


def reset(sock: socket.socket) -> None:
    """Close with a RST instead of a FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


class Scripted:
    """A loopback HTTP server run by a script. `on_accept` (if given) sees each connection first
    and returns whether to read requests from it at all; with `tls`, it speaks HTTPS."""

    def __init__(
        self,
        script: Script,
        on_accept: Callable[[socket.socket], bool] | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.script = script
        self.on_accept = on_accept
        self.tls = tls
        self.requests: list[Seen] = []
        self.accepted = 0
        self.ended = threading.Semaphore(0)  # released as each connection's handler ends
        self.release = threading.Event()  # what the script waits for, set at the end
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._stopping = False
        self._lock = threading.Lock()
        self._start(self._accept)

    def _start(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        with self._lock:
            self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while True:
            sock, _ = self._listener.accept()
            if self._stopping:
                sock.close()
                return
            with self._lock:
                self.accepted += 1
                self._sockets.append(sock)
                number = self.accepted
            self._start(self._handle, sock, number)

    def _handle(self, sock: socket.socket, number: int) -> None:
        try:
            if self.tls is not None:
                sock = self.tls.wrap_socket(sock, server_side=True)  # the handshake
                with self._lock:
                    self._sockets.append(sock)
            if self.on_accept is None or self.on_accept(sock):
                # Closed before the socket: while a file made from it is open, closing the
                # socket leaves the connection open.
                with sock.makefile("rb") as reader:
                    while (request := self._read(reader, number)) is not None:
                        self.requests.append(request)
                        if not self.script(request, sock):
                            break
        except OSError:
            pass  # the client went away, or the test ended
        finally:
            sock.close()
            self.ended.release()  # the connection is closed

    @staticmethod
    def _read(reader: BinaryIO, number: int) -> Seen | None:
        line = reader.readline()
        if not line:
            return None
        method, target, _ = line.decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        while (header := reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = header.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = reader.read(int(headers.get("content-length", "0")))
        return Seen(method, target, headers, body, number)

    def stop(self) -> None:
        self._stopping = True
        self.release.set()
        socket.create_connection(("127.0.0.1", self.port)).close()  # wakes accept()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):  # already closed
                sock.shutdown(socket.SHUT_RDWR)
        for thread in list(self._threads):
            thread.join(bound_s(5))
        self._listener.close()


@pytest.fixture
def serve() -> Iterator[Callable[..., Scripted]]:
    servers: list[Scripted] = []

    def start(
        script: Script,
        on_accept: Callable[[socket.socket], bool] | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> Scripted:
        server = Scripted(script, on_accept, tls)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def apis() -> Iterator[Callable[..., HttpApi]]:
    made: list[HttpApi] = []

    def make(base: str, **options: float) -> HttpApi:
        api = HttpApi(base, **options)
        made.append(api)
        return api

    yield make
    for api in made:
        api.close()


def session_for(base: str) -> str:
    """The session token `HttpApi(base).sign_in` hands out for the server token "server-token"
    (test_sign_in_binds_the_token_to_its_server)."""
    return f"{normalise_base_url(base)} server-token"


def test_sign_in_binds_the_token_to_its_server(
    serve: Callable[..., Scripted], apis: Callable[..., HttpApi]
) -> None:
    server = serve(replying(answer(200, SESSION_BODY)))
    api = apis(f"{server.url}/")
    session = api.sign_in("pilot@example.com", "demo", "sign-in-key")
    assert session.token == session_for(server.url) == f"{server.url} server-token"
    assert session.account.email == "pilot@example.com"
    (request,) = server.requests
    assert (request.method, request.target) == ("POST", "/v1/sessions")
    assert json.loads(request.body) == {"email": "pilot@example.com", "password": "demo"}
    assert request.headers["idempotency-key"] == "sign-in-key"
    assert "authorization" not in request.headers


# -- nothing reached the server: NotSent ------------------------------------------------------


def test_a_refused_connection_is_not_sent(apis: Callable[..., HttpApi]) -> None:
    with socket.socket() as bound:  # bound, not listening: a connection to it is refused
        bound.bind(("127.0.0.1", 0))
        base = f"http://127.0.0.1:{bound.getsockname()[1]}"
        session = session_for(base)
        with pytest.raises(NotSent) as raised:
            apis(base).redeem(session, "key")
    assert raised.value.reason is Reason.OFFLINE
    assert raised.value.details == {"detail": "ConnectionRefusedError"}


@pytest.mark.skipif(sys.platform != "linux", reason="a full accept queue drops SYNs on Linux")
def test_a_connect_timeout_is_not_sent(apis: Callable[..., HttpApi]) -> None:
    # A listener that never accepts, its queue of one already full: the SYN goes unanswered.
    with socket.socket() as listener, socket.socket() as filler:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        filler.connect(listener.getsockname())
        base = f"http://127.0.0.1:{listener.getsockname()[1]}"
        session = session_for(base)
        with pytest.raises(NotSent) as raised:
            apis(base, connect_timeout=SHORT_S).redeem(session, "key")
    assert raised.value.details == {"detail": "TimeoutError"}


def test_a_name_that_does_not_resolve_is_not_sent(
    apis: Callable[..., HttpApi], monkeypatch: pytest.MonkeyPatch
) -> None:
    def unknown(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    base = "http://server.example:8765"
    session = session_for(base)
    monkeypatch.setattr(socket, "getaddrinfo", unknown)
    with pytest.raises(NotSent) as raised:
        apis(base).redeem(session, "key")
    assert raised.value.details == {"detail": "gaierror"}


HUGE = {"blob": "x" * (32 << 20)}
"""A request body larger than any loopback socket buffer: written only while the server reads."""


def test_a_request_reset_before_it_was_written_in_full_is_not_sent(
    serve: Callable[..., Scripted],
) -> None:
    def refuse(sock: socket.socket) -> bool:
        reset(sock)
        return False

    server = serve(replying(answer(200, {})), on_accept=refuse)
    http = HttpTransport(server.url)
    try:
        with pytest.raises(NotSent) as raised:
            http.call("POST", "/v1/qa/invitations", body=HUGE)
    finally:
        http.close()
    assert raised.value.details["detail"] in ("ConnectionResetError", "BrokenPipeError")
    assert server.requests == []


@pytest.mark.parametrize("reused", [False, True], ids=["fresh", "reused"])
def test_a_request_the_server_does_not_read_in_time_is_not_sent(
    serve: Callable[..., Scripted], reused: bool
) -> None:
    # The write times out with the read timeout (as httpx's did); the request is incomplete.
    def stall(request: Seen, sock: socket.socket) -> bool:
        sock.sendall(answer(200, {"n": 1}))
        server.release.wait(bound_s(30))  # and reads nothing more
        return False

    def not_reading(sock: socket.socket) -> bool:
        server.release.wait(bound_s(30))
        return False

    server = serve(stall, on_accept=None if reused else not_reading)
    http = HttpTransport(server.url, read_timeout=SHORT_S)
    try:
        if reused:  # (the request is small: only its answer needs the time)
            assert http.call("GET", "/v1/qa/status", read_timeout=bound_s(10)) == {"n": 1}
        with pytest.raises(NotSent) as raised:
            http.call("POST", "/v1/qa/invitations", body=HUGE)
    finally:
        http.close()
    assert raised.value.details == {"detail": "TimeoutError"}
    assert server.accepted == 1
    assert len(server.requests) == int(reused)


def test_a_closed_transport_sends_nothing(serve: Callable[..., Scripted]) -> None:
    server = serve(replying(answer(200, {})))
    http = HttpTransport(server.url)
    http.close()
    with pytest.raises(NotSent):
        http.call("GET", "/v1/qa/status")
    assert server.accepted == 0


# -- the request went out, no answer came back: OutcomeUnknown --------------------------------


def test_no_answer_within_the_read_timeout_is_unknown(
    serve: Callable[..., Scripted], apis: Callable[..., HttpApi]
) -> None:
    def late(request: Seen, sock: socket.socket) -> bool:
        server.release.wait(bound_s(30))
        return False

    server = serve(late)
    session = session_for(server.url)
    api = apis(server.url, read_timeout=SHORT_S)
    with pytest.raises(OutcomeUnknown) as raised:
        api.redeem(session, "key")
    assert raised.value.reason is Reason.TIMED_OUT
    (request,) = server.requests
    assert request.headers["idempotency-key"] == "key"  # it went out: settle with the same key


def test_the_long_poll_reads_for_its_wait_plus_the_read_timeout(
    serve: Callable[..., Scripted], apis: Callable[..., HttpApi], monkeypatch: pytest.MonkeyPatch
) -> None:
    # What each client socket was told to wait for: the connect, the write, then the read.
    timeouts: list[float | None] = []
    real = socket.socket.settimeout

    def settimeout(sock: socket.socket, value: float | None) -> None:
        timeouts.append(value)
        real(sock, value)

    server = serve(replying(answer(200, {"cursor": 9})))
    session = session_for(server.url)
    read_s = bound_s(10)
    api = apis(server.url, connect_timeout=2.0, read_timeout=read_s)
    monkeypatch.setattr(socket.socket, "settimeout", settimeout)
    assert api.wait_for_change(session, 3, 20) == 9
    assert timeouts == [2.0, read_s, 20 + read_s]
    timeouts.clear()
    api.sign_out(session)  # the kept connection, the transport's read timeout
    assert timeouts == [read_s, read_s]


def close_after_reading(request: Seen, sock: socket.socket) -> bool:
    return False


def reset_after_reading(request: Seen, sock: socket.socket) -> bool:
    reset(sock)
    return False


@pytest.mark.parametrize(
    ("script", "detail"),
    [
        (close_after_reading, "RemoteDisconnected"),
        (reset_after_reading, "ConnectionResetError"),
        (replying(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"tok', keep=False), None),
        (replying(b"HTTP/1.1 200 OK\r\nContent-Le", keep=False), None),
        (replying(b"garbage\r\n\r\n", keep=False), "BadStatusLine"),
        (replying(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"), None),
    ],
    ids=["closed", "reset", "half-body", "half-headers", "garbled", "bad-chunk"],
)
def test_a_lost_answer_is_unknown(
    serve: Callable[..., Scripted],
    apis: Callable[..., HttpApi],
    script: Script,
    detail: str | None,
) -> None:
    server = serve(script)
    session = session_for(server.url)
    with pytest.raises(OutcomeUnknown) as raised:
        apis(server.url).redeem(session, "key")
    assert raised.value.reason is Reason.ANSWER_LOST
    if detail is not None:
        assert raised.value.details == {"detail": detail}
    assert len(server.requests) == 1  # it went out


# -- answers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected", "reason"),
    [
        (
            answer(500, {"reason": "server_error", "message": "", "details": {}}),
            ServerError,
            Reason.SERVER_ERROR,
        ),
        (answer(503, {"reason": "offline", "message": "", "details": {}}), NotSent, Reason.OFFLINE),
        (
            answer(409, {"reason": "no_tokens", "message": "", "details": {}}),
            NoTokens,
            Reason.NO_TOKENS,
        ),
        (answer(500, raw=b"Internal Server Error"), OutcomeUnknown, Reason.ANSWER_LOST),
        (answer(502), OutcomeUnknown, Reason.ANSWER_LOST),
        (answer(504, {"detail": "gateway"}), OutcomeUnknown, Reason.ANSWER_LOST),
        (answer(200, raw=b"{not json"), OutcomeUnknown, Reason.ANSWER_LOST),
        (answer(200, {"token": {"id": 1}}), OutcomeUnknown, Reason.ANSWER_LOST),
        (
            answer(401, {"reason": "session_ended", "message": "", "details": {}}),
            AuthenticationError,
            Reason.SESSION_ENDED,
        ),
        (answer(404), ApiError, Reason.INVALID_REQUEST),
        (answer(400, [1, 2]), ApiError, Reason.INVALID_REQUEST),
        (answer(422, {"reason": "not-a-reason"}), ApiError, Reason.INVALID_REQUEST),
    ],
)
def test_answers_map_onto_their_errors(
    serve: Callable[..., Scripted],
    apis: Callable[..., HttpApi],
    data: bytes,
    expected: type[ApiError],
    reason: Reason,
) -> None:
    server = serve(replying(data))
    session = session_for(server.url)
    with pytest.raises(expected) as raised:
        apis(server.url).redeem(session, "key")
    assert raised.value.reason is reason
    assert len(server.requests) == 1


@pytest.mark.parametrize("status", [204, 200])
def test_an_empty_answer_is_none(serve: Callable[..., Scripted], status: int) -> None:
    server = serve(replying(answer(status)))
    http = HttpTransport(server.url)
    try:
        assert http.call("DELETE", "/v1/sessions/current", bearer="t") is None
    finally:
        http.close()


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_refused_not_followed(
    serve: Callable[..., Scripted], apis: Callable[..., HttpApi], status: int
) -> None:
    elsewhere = serve(replying(answer(200, {"cursor": 1})))
    server = serve(replying(answer(status, Location=f"{elsewhere.url}/v1/changes")))
    session = session_for(server.url)
    with pytest.raises(ApiError) as raised:
        apis(server.url).wait_for_change(session, 0, 1)
    assert raised.value.reason is Reason.INVALID_REQUEST
    assert raised.value.details == {"detail": f"HTTP {status}"}
    assert len(server.requests) == 1
    assert elsewhere.accepted == 0  # the token did not follow the redirect


def test_error_details_come_back_typed(
    serve: Callable[..., Scripted], apis: Callable[..., HttpApi]
) -> None:
    body = {
        "reason": "daily_limit",
        "message": "…",
        "details": {"limit": 10, "at": "2025-03-11T12:30:00Z"},
    }
    server = serve(replying(answer(429, body)))
    session = session_for(server.url)
    with pytest.raises(InvitationRefused) as refused:
        apis(server.url).send_invitation(session, "a@example.com", "k")
    assert refused.value.details["limit"] == 10
    assert "11 Mar 2025 12:30 UTC" in refused.value.message


# -- what goes out --------------------------------------------------------------------------------


def test_headers_carry_the_token_and_the_key_and_the_url_carries_neither(
    serve: Callable[..., Scripted], apis: Callable[..., HttpApi]
) -> None:
    def script(request: Seen, sock: socket.socket) -> bool:
        if request.target.startswith("/v1/changes"):
            sock.sendall(answer(200, {"cursor": 5}))
        else:
            sock.sendall(answer(409, {"reason": "no_tokens"}))
        return True

    server = serve(script)
    session = session_for(server.url)
    api = apis(server.url)
    assert api.wait_for_change(session, 3, 2.5) == 5
    with pytest.raises(NoTokens):
        api.redeem(session, "the-key")
    poll, redeem = server.requests
    assert poll.method == "GET"
    assert poll.target == "/v1/changes?after=3&timeout=2.5"  # the server's float
    assert poll.headers["authorization"] == "Bearer server-token"
    assert "idempotency-key" not in poll.headers
    assert redeem.headers["authorization"] == "Bearer server-token"
    assert redeem.headers["idempotency-key"] == "the-key"
    assert redeem.headers["content-type"] == "application/json"
    assert all("server-token" not in seen.target for seen in server.requests)
    assert all(seen.connection == 1 for seen in server.requests)  # kept alive


def test_issue_14_requests_name_what_they_act_on(
    serve: Callable[..., Scripted], apis: Callable[..., HttpApi]
) -> None:
    server = serve(replying(answer(409, {"reason": "no_tokens"})))
    session = session_for(server.url)
    api = apis(server.url)
    with pytest.raises(NoTokens):
        api.redeem(session, "k", "tok_1", spend_if_unused=False)
    with pytest.raises(NoTokens):
        api.resend_invitation(session, "inv/1", "k2")
    with pytest.raises(NoTokens):
        api.send_invitation(session, "a@example.com", "k3", "off_1")
    redeem, resend, send = server.requests
    assert json.loads(redeem.body) == {"credit_id": "tok_1", "spend_if_unused": False}
    assert resend.target == "/v1/invitations/inv%2F1/resend"
    assert resend.method == "POST"
    assert resend.body == b""
    assert resend.headers["content-length"] == "0"
    assert json.loads(send.body) == {"email": "a@example.com", "offer_id": "off_1"}
    assert [seen.headers["idempotency-key"] for seen in server.requests] == ["k", "k2", "k3"]


def test_the_transport_headers_and_query_go_on_every_request(
    serve: Callable[..., Scripted],
) -> None:
    server = serve(replying(answer(200, {})))
    http = HttpTransport(server.url + "/prefix/", headers={"X-QA-Token": "qa-secret"})
    try:
        http.call("GET", "/v1/qa/offer", params={"email": "a+b@example.com", "n": 2})
        http.call("POST", "/v1/qa/reset-demo", body={"at": None, "name": "Zoë"})
    finally:
        http.close()
    get, post = server.requests
    assert get.target == "/prefix/v1/qa/offer?email=a%2Bb%40example.com&n=2"
    assert post.target == "/prefix/v1/qa/reset-demo"
    assert json.loads(post.body.decode("utf-8")) == {"at": None, "name": "Zoë"}
    assert [seen.headers["x-qa-token"] for seen in (get, post)] == ["qa-secret", "qa-secret"]
    assert all("authorization" not in seen.headers for seen in (get, post))
    assert get.headers["host"] == f"127.0.0.1:{server.port}"


@pytest.mark.parametrize(
    "other",
    [
        "another port",
        "https://127.0.0.1:{port}",  # another scheme
        "http://localhost:{port}",  # another host name for the same machine
        "http://127.0.0.1:{port}/prefix",  # another path on the same origin
    ],
)
def test_a_token_is_never_sent_to_another_server(
    serve: Callable[..., Scripted], apis: Callable[..., HttpApi], other: str
) -> None:
    home = serve(replying(answer(200, {"cursor": 1})))
    session = session_for(home.url)
    target = serve(replying(answer(200, {"cursor": 1})))
    base = target.url if other == "another port" else other.format(port=home.port)
    api = apis(base)
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
    assert (home.accepted, target.accepted) == (0, 0)
    # The very same calls do go out to the server the token came from.
    assert apis(home.url).wait_for_change(session, 0, 1) == 1
    assert home.accepted == 1


def test_a_token_from_the_in_process_backend_is_never_sent(
    serve: Callable[..., Scripted], apis: Callable[..., HttpApi]
) -> None:
    server = serve(replying(answer(200, {"cursor": 1})))
    with pytest.raises(AuthenticationError):
        apis(server.url).sync("bare-token-from-the-embedded-backend", 0)
    assert server.accepted == 0


def test_the_same_server_written_differently_is_the_same_server(
    serve: Callable[..., Scripted], apis: Callable[..., HttpApi]
) -> None:
    server = serve(replying(answer(200, {"cursor": 1})))
    session = session_for(f"{server.url}/")
    assert apis(server.url.replace("http", "HTTP")).wait_for_change(session, 0, 1) == 1
    assert len(server.requests) == 1


def test_urls_with_credentials_or_other_schemes_are_refused() -> None:
    for url in (
        "ftp://example.com",
        "http://user:pw@example.com",
        "127.0.0.1:8765",
        "http://h/?q=1",
    ):
        with pytest.raises(ValueError, match="URL"):
            HttpApi(url)


def test_https_verifies_with_the_system_store_and_http_loads_no_certificates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[ssl.SSLContext] = []
    real = ssl.create_default_context

    def default_context(*args: object, **kwargs: object) -> ssl.SSLContext:
        context = real()
        made.append(context)
        return context

    monkeypatch.setattr(ssl, "create_default_context", default_context)
    HttpApi("http://127.0.0.1:8765").close()
    assert made == []
    HttpApi("https://example.invalid").close()
    (context,) = made
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname


def test_https_without_a_system_store_verifies_with_certifis_bundle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """python.org's macOS builds (and a bundle on a machine without OpenSSL's store) find no
    certificates of the system's: every https server would be refused."""
    if sys.platform == "win32":
        pytest.skip("Windows has a store of its own")
    import certifi

    nowhere = ssl.DefaultVerifyPaths(None, None, "SSL_CERT_FILE", "", "SSL_CERT_DIR", "")
    monkeypatch.setattr(ssl, "get_default_verify_paths", lambda: nowhere)
    made: list[dict[str, object]] = []
    real = ssl.create_default_context

    def default_context(*args: object, **kwargs: object) -> ssl.SSLContext:
        made.append(dict(kwargs))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ssl, "create_default_context", default_context)
    HttpApi("https://example.invalid").close()
    assert made == [{"cafile": certifi.where()}]


def test_https_to_a_server_without_tls_is_not_sent(
    serve: Callable[..., Scripted], apis: Callable[..., HttpApi]
) -> None:
    # A plain-HTTP server answers the TLS hello with a 400 (as uvicorn does) and closes.
    def plain(sock: socket.socket) -> bool:
        sock.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        return False

    server = serve(replying(answer(200, {})), on_accept=plain)
    base = f"https://127.0.0.1:{server.port}"
    with pytest.raises(NotSent) as raised:
        apis(base).redeem(session_for(base), "k")
    assert raised.value.details["detail"].startswith("SSL")


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that signs itself, and its key (PEM files)."""
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "server.pem", folder / "server.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_https_verifies_the_server_against_the_system_store(
    serve: Callable[..., Scripted],
    apis: Callable[..., HttpApi],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cert_file, key_file = self_signed(tmp_path)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert_file, key_file)
    server = serve(replying(answer(200, {"cursor": 4})), tls=tls)
    session = session_for(server.url)
    for variable in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(variable, raising=False)
    with pytest.raises(NotSent) as raised:
        apis(server.url).wait_for_change(session, 0, 1)
    assert raised.value.details == {"detail": "SSLCertVerificationError"}
    assert server.requests == []  # the token never went out
    # The same certificate in the store (SSL_CERT_FILE names OpenSSL's bundle): trusted.
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    assert apis(server.url).wait_for_change(session, 0, 1) == 4
    (request,) = server.requests
    assert request.headers["authorization"] == "Bearer server-token"


# -- the connection pool --------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_connection_idle_longer_than_the_keep_alive_expiry_is_not_reused(
    serve: Callable[..., Scripted], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    monkeypatch.setattr(client_module, "_monotonic", clock)
    server = serve(replying(answer(200, {"ok": True})))
    http = HttpTransport(server.url)
    try:
        http.call("GET", "/v1/qa/status")
        clock.now += KEEPALIVE_EXPIRY_S * 0.9
        http.call("GET", "/v1/qa/status")
        assert server.accepted == 1  # reused within the expiry
        clock.now += KEEPALIVE_EXPIRY_S * 1.1
        http.call("GET", "/v1/qa/status")
        assert server.accepted == 2
        assert server.ended.acquire(timeout=bound_s(5))  # and the stale one was closed
        assert [seen.connection for seen in server.requests] == [1, 1, 2]
    finally:
        http.close()


def test_a_connection_the_server_closed_after_answering_is_not_reused(
    serve: Callable[..., Scripted], apis: Callable[..., HttpApi]
) -> None:
    # The server answers as if keeping the connection (no `Connection: close`), then closes
    # it (a restart, a shorter keep-alive): the next request goes on a new connection instead
    # of into the closed one (which would lose its answer: an unknown outcome for a call that
    # never reached the server).
    def once(request: Seen, sock: socket.socket) -> bool:
        sock.sendall(answer(200, {"cursor": len(server.requests)}))
        return False

    server = serve(once)
    session = session_for(server.url)
    api = apis(server.url)
    assert api.wait_for_change(session, 0, 1) == 1
    assert server.ended.acquire(timeout=bound_s(5))  # the server has closed it
    assert api.wait_for_change(session, 0, 1) == 2
    assert server.accepted == 2


def test_a_connection_the_server_says_it_closes_is_not_reused(
    serve: Callable[..., Scripted],
) -> None:
    server = serve(replying(answer(200, {"ok": True}, Connection="close")))  # but keeps it open
    http = HttpTransport(server.url)
    try:
        http.call("GET", "/v1/qa/status")
        http.call("GET", "/v1/qa/status")
    finally:
        http.close()
    assert [seen.connection for seen in server.requests] == [1, 2]


def test_a_connection_whose_answer_was_not_read_is_not_reused(
    serve: Callable[..., Scripted],
) -> None:
    # The first answer comes after the client gave up; the second request must not read it.
    def script(request: Seen, sock: socket.socket) -> bool:
        if request.target.endswith("first"):
            server.release.wait(bound_s(30))
            sock.sendall(answer(200, {"answer": "first"}))
            return True
        sock.sendall(answer(200, {"answer": "second"}))
        return True

    server = serve(script)
    http = HttpTransport(server.url, read_timeout=SHORT_S)
    try:
        with pytest.raises(OutcomeUnknown):
            http.call("GET", "/first")
        server.release.set()
        assert http.call("GET", "/second", read_timeout=bound_s(10)) == {"answer": "second"}
    finally:
        http.close()
    assert [seen.connection for seen in server.requests] == [1, 2]


def test_a_long_poll_does_not_hold_up_other_calls(
    serve: Callable[..., Scripted], apis: Callable[..., HttpApi]
) -> None:
    polling = threading.Event()

    def script(request: Seen, sock: socket.socket) -> bool:
        if request.target.startswith("/v1/changes"):
            polling.set()
            server.release.wait(bound_s(30))
            sock.sendall(answer(200, {"cursor": 7}))
        else:
            sock.sendall(answer(204))
        return True

    server = serve(script)
    session = session_for(server.url)
    api = apis(server.url, read_timeout=bound_s(10))
    results: list[object] = []
    poll = threading.Thread(target=lambda: results.append(api.wait_for_change(session, 3, 30)))
    poll.start()
    try:
        assert polling.wait(bound_s(10))
        api.sign_out(session)
        assert results == []  # answered while the poll still waits
    finally:
        server.release.set()
        poll.join(bound_s(10))
    assert results == [7]
    assert sorted(seen.connection for seen in server.requests) == [1, 2]


def test_closing_ends_a_waiting_long_poll_and_later_calls_are_not_sent(
    serve: Callable[..., Scripted], apis: Callable[..., HttpApi]
) -> None:
    # The app closes its client on the way out: a long poll waiting on the server ends at once
    # (as a lost answer: it changes nothing) instead of holding its thread for up to 45 s.
    polling = threading.Event()

    def script(request: Seen, sock: socket.socket) -> bool:
        polling.set()
        server.release.wait(bound_s(30))
        return False

    server = serve(script)
    session = session_for(server.url)
    api = apis(server.url, read_timeout=bound_s(30))
    ended: list[BaseException] = []

    def poll() -> None:
        try:
            api.wait_for_change(session, 3, 30)
        except OutcomeUnknown as error:
            ended.append(error)

    waiting = threading.Thread(target=poll)
    waiting.start()
    try:
        assert polling.wait(bound_s(10))
        api.close()
        waiting.join(bound_s(10))
        assert not waiting.is_alive()
    finally:
        server.release.set()
        waiting.join(bound_s(10))
    (error,) = ended
    assert isinstance(error, OutcomeUnknown)
    assert error.reason is Reason.ANSWER_LOST
    with pytest.raises(NotSent):
        api.sync(session, 0)
    assert server.accepted == 1
