"""`GET /v1/sync` over HTTP answers a quiet sync from the cache and everything else with a full
read (docs/WIRE.md, "Quiet syncs on the event loop"): both give what a full read of the
same database gives, and where the cache must not answer (the account's own change, a running
clock, each fault QA can set, an ended or unknown session, a bad cursor) the answer over HTTP is
the full read's, the fault's, or the refusal with its reason code. On SQLite and PostgreSQL,
through a real uvicorn on loopback. (Round 5 ran these against both the threaded endpoint and
one answering from the cache on the event loop.)

Each answer is compared with a full read by a second backend whose cache is emptied first;
`answers.hits` tells whether the cache gave it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from desktop.backend.api import NotSent, OutcomeUnknown, SyncDTO
from desktop.backend.database import BackendStore
from desktop.backend.datafile import backend_db_path
from desktop.backend.service import MockBackend
from desktop.backend.simulator import Simulator
from desktop.backend.store import sqlite_url
from desktop.backend.web.app import create_app
from desktop.domain.reasons import Reason
from desktop.remote.client import HttpApi
from tests.backend.support import DATABASES, FAIL_AFTER, FAIL_BEFORE, ScriptedRandom
from tests.backend.test_store import FakeRealTime
from tests.web.support import serving

PILOT = "pilot@example.com"
CAPPED = "capped@example.com"
MICROSECOND = timedelta(microseconds=1)


@pytest.fixture
def database(request: pytest.FixtureRequest, data_dir: Path) -> str:
    """The URL of the test's backend database: "sqlite" or "postgresql" (a fresh one)."""
    if request.param == "sqlite":
        return sqlite_url(backend_db_path(data_dir))
    server: Any = request.getfixturevalue("postgres_server")
    url: str = server.new_database()
    return url


@dataclass
class Served:
    backend: MockBackend  # the server's
    reader: MockBackend  # another backend on the same database: full reads
    sim: Simulator
    api: HttpApi
    url: str
    sleeps: list[float]  # what the latency fault asked the server's backend to wait

    def token(self, session: str) -> str:
        """The server's token inside an HttpApi session."""
        return session.partition(" ")[2]

    def sync(self, session: str, cursor: int) -> tuple[SyncDTO, bool]:
        """The server's answer over HTTP, checked against a full read; and whether the cache
        gave it."""
        hits = self.backend.answers.hits
        answer = self.api.sync(session, cursor)
        self.reader.answers.clear()
        assert answer == self.reader.sync(self.token(session), cursor)
        return answer, self.backend.answers.hits > hits

    def raw_sync(self, bearer: str | None, cursor: object) -> httpx.Response:
        headers = {} if bearer is None else {"Authorization": f"Bearer {bearer}"}
        return httpx.get(f"{self.url}/v1/sync", params={"cursor": cursor}, headers=headers)


def serve(
    backend_store: BackendStore, reader_store: BackendStore, sim: Simulator, rng: random.Random
) -> Iterator[Served]:
    sleeps: list[float] = []
    with (
        MockBackend.over_store(backend_store, rng, sleep=sleeps.append) as backend,
        MockBackend.over_store(reader_store) as reader,
        serving(create_app(backend, sim)) as url,
    ):
        api = HttpApi(url, read_timeout=10.0)
        try:
            yield Served(backend, reader, sim, api, url, sleeps)
        finally:
            api.close()


@pytest.fixture
def served(database: str) -> Iterator[Served]:
    """The service over `database` with the backend's own frozen virtual clock; its error rate
    fails the first call before doing anything and the second after committing."""
    with Simulator.over_url(database) as sim:
        yield from serve(
            BackendStore.open_url(database),
            BackendStore.open_url(database),
            sim,
            ScriptedRandom(*FAIL_BEFORE, *FAIL_AFTER),
        )


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_a_quiet_sync_and_the_accounts_own_change_over_http(served: Served) -> None:
    session = served.api.sign_in(PILOT, "demo", "sign-in").token
    first, cached = served.sync(session, 0)
    assert (cached, first.full) == (False, True)
    cursor = first.cursor

    quiet, cached = served.sync(session, cursor)
    assert cached
    assert (quiet.cursor, quiet.invitations, quiet.tokens, quiet.full) == (cursor, (), (), False)

    # Another account's send moves the cursor only: still the cache.
    served.sim.invite(CAPPED, "someone@example.com")
    moved, cached = served.sync(session, cursor)
    assert cached
    assert (moved.cursor > cursor, moved.invitations) == (True, ())

    # The account's own send: read in full.
    sent = served.api.send_invitation(session, "friend@example.com", "send-1")
    own, cached = served.sync(session, cursor)
    assert not cached
    assert [invitation.id for invitation in own.invitations] == [sent.id]
    assert served.sync(session, own.cursor)[1]


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_every_fault_applies_to_a_sync_the_cache_could_answer(served: Served) -> None:
    session = served.api.sign_in(PILOT, "demo", "sign-in").token
    cursor = served.sync(session, 0)[0].cursor
    assert served.sync(session, cursor)[1]
    token = served.token(session)

    served.sim.set_fault(offline=True)
    hits = served.backend.answers.hits
    with pytest.raises(NotSent):
        served.api.sync(session, cursor)
    offline = served.raw_sync(token, cursor)
    assert (offline.status_code, offline.json()["reason"]) == (503, Reason.OFFLINE.value)

    served.sim.set_fault(offline=False, latency_ms=250)
    slow, cached = served.sync(session, cursor)
    assert not cached
    assert served.sleeps == [0.25]

    served.sim.set_fault(latency_ms=0, error_rate=1.0)
    failed = served.raw_sync(token, cursor)  # the rng's first call: fails before doing anything
    assert (failed.status_code, failed.json()["reason"]) == (500, Reason.SERVER_ERROR.value)
    with pytest.raises(OutcomeUnknown):  # the second: the answer is dropped
        served.api.sync(session, cursor)
    assert served.backend.answers.hits == hits  # the cache answered none of them

    served.sim.clear_faults()  # the state row changed: read in full once, then the cache
    assert served.sync(session, cursor) == (slow, False)
    assert served.sync(session, cursor) == (slow, True)


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_refusals_of_a_sync_keep_their_reason_codes(served: Served) -> None:
    session = served.api.sign_in(PILOT, "demo", "sign-in").token
    token = served.token(session)
    cursor = served.sync(session, 0)[0].cursor
    assert served.sync(session, cursor)[1]

    def refusal(bearer: str | None, at: object) -> tuple[int, str]:
        answer = served.raw_sync(bearer, at)
        return answer.status_code, answer.json()["reason"]

    assert refusal(None, cursor) == (401, Reason.NOT_SIGNED_IN.value)
    assert refusal("no-such-token", cursor) == (401, Reason.SESSION_ENDED.value)
    assert refusal(token, -1) == (422, Reason.INVALID_REQUEST.value)
    assert refusal(token, 2**53 + 1) == (422, Reason.INVALID_REQUEST.value)
    assert refusal(token, "x") == (422, Reason.INVALID_REQUEST.value)

    served.api.sign_out(session)
    assert refusal(token, cursor) == (401, Reason.SESSION_ENDED.value)


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_a_running_clock_is_read_in_full_over_http(database: str) -> None:
    real = FakeRealTime()
    with Simulator.over_store(BackendStore.open_url(database, real_clock=real)) as sim:
        start = sim.clock_run().now
        for served in serve(
            BackendStore.open_url(database, real_clock=real),
            BackendStore.open_url(database, real_clock=real),
            sim,
            random.Random(0),
        ):
            session = served.api.sign_in(PILOT, "demo", "sign-in").token
            cursor = served.sync(session, 0)[0].cursor
            assert served.sync(session, cursor)[1]  # real time stood still

            real.now += MICROSECOND
            moved, cached = served.sync(session, cursor)
            assert (moved.now, cached) == (start + MICROSECOND, False)

            real.now += timedelta(minutes=1)  # the reading is due to be stored: a writer
            stored, cached = served.sync(session, cursor)
            assert (stored.now, cached) == (start + timedelta(minutes=1) + MICROSECOND, False)


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_every_form_of_a_sync_request_gets_the_routes_answer(served: Served) -> None:
    """The server answers a plainly formed `GET /v1/sync` itself and leaves every other form to
    FastAPI's route (docs/WIRE.md, "GET /v1/sync without FastAPI's routing"): both give the same
    bytes, and the token counts only from the Authorization header."""
    session = served.api.sign_in(PILOT, "demo", "sign-in").token
    token = served.token(session)
    cursor = served.sync(session, 0)[0].cursor

    def ask(authorization: str | None, query: str) -> httpx.Response:
        headers = {} if authorization is None else {"Authorization": authorization}
        return httpx.get(f"{served.url}/v1/sync{query}", headers=headers)

    plain = ask(f"Bearer {token}", f"?cursor={cursor}")  # answered by the server itself
    assert plain.status_code == 200
    for form in (f"bearer {token}", f"BEARER {token}", f"Bearer  {token}"):  # the last by the route
        other = ask(form, f"?cursor={cursor}")
        assert (other.status_code, other.content) == (200, plain.content)
    assert ask(f"Bearer {token}", f"?cursor={cursor}&unknown=1").content == plain.content

    # No cursor is cursor 0 (a full answer); the largest cursor is still a cursor.
    assert ask(f"Bearer {token}", "").content == ask(f"Bearer {token}", "?cursor=0").content
    assert ask(f"Bearer {token}", f"?cursor={2**53}").status_code == 200

    def reason(response: httpx.Response) -> tuple[int, str]:
        return response.status_code, response.json()["reason"]

    not_signed_in = (401, Reason.NOT_SIGNED_IN.value)
    assert reason(ask(None, f"?cursor={cursor}&access_token={token}")) == not_signed_in
    assert reason(ask(f"Basic {token}", f"?cursor={cursor}")) == not_signed_in
    assert reason(ask("Bearer", f"?cursor={cursor}")) == not_signed_in
    assert reason(ask(f"Bearer {token}", "?cursor=")) == (422, Reason.INVALID_REQUEST.value)
    assert reason(ask(f"Bearer {token}x", f"?cursor={cursor}")) == (
        401,
        Reason.SESSION_ENDED.value,
    )
