"""A quiet sync answered on the HTTP service's event loop (`MockBackend.quiet_sync_json`,
`BackendStore.plain_row_async`; docs/WIRE.md, "Quiet syncs on the event loop"): the same bytes
as the worker thread's `sync_json`, and never a wait on the loop: no connection opened there
for SQLite, no busy timeout, a failing statement answers None (the worker thread then reads)."""

from __future__ import annotations

import asyncio

import pytest

from desktop.backend.database import LOOP_CONNECTIONS
from desktop.backend.service import MockBackend
from desktop.backend.simulator import Simulator
from tests.backend.support import DATABASES

PILOT = "pilot@example.com"


def _signed_in(backend: MockBackend) -> tuple[str, int]:
    session = backend.sign_in(PILOT, "demo").token
    cursor = backend.sync(session, 0).cursor
    backend.sync_json(session, cursor)  # the quiet entry, and (SQLite) a plain connection
    return session, cursor


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_a_quiet_sync_on_the_loop_is_the_worker_threads_answer(
    backend: MockBackend, sim: Simulator
) -> None:
    session, cursor = _signed_in(backend)
    hits = backend.answers.hits
    quiet = asyncio.run(backend.quiet_sync_json(session, cursor))
    assert quiet is not None
    assert quiet == backend.sync_json(session, cursor)
    assert backend.answers.hits == hits + 2  # the loop's answer and the thread's
    sim.invite(PILOT, "loop@example.com")  # the account's own change: not quiet any more
    assert asyncio.run(backend.quiet_sync_json(session, cursor)) is None
    assert b"loop@example.com" in backend.sync_json(session, cursor)  # the thread builds it


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_a_fault_or_an_unknown_session_is_never_answered_on_the_loop(
    backend: MockBackend, sim: Simulator
) -> None:
    session, cursor = _signed_in(backend)
    sim.set_fault(latency_ms=5)
    assert asyncio.run(backend.quiet_sync_json(session, cursor)) is None
    sim.clear_faults()
    assert asyncio.run(backend.quiet_sync_json("sess_unknown", cursor)) is None
    assert asyncio.run(backend.quiet_sync_json(session, cursor)) is not None


def test_the_loop_opens_no_sqlite_connection_and_never_waits_on_a_lock(
    backend: MockBackend,
) -> None:
    store = backend.store
    sql, arguments = "SELECT 41 + ?", (1,)
    assert asyncio.run(store.plain_row_async(sql, arguments)) is None  # none idle yet
    assert store.plain_row(sql, arguments) == (42,)  # a worker thread's opens one
    assert asyncio.run(store.plain_row_async(sql, arguments)) == (42,)  # taken over
    assert asyncio.run(store.plain_row_async("PRAGMA busy_timeout", ())) == (0,)


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_a_failing_statement_on_the_loop_answers_none_and_the_next_one_works(
    backend: MockBackend,
) -> None:
    store = backend.store
    good = "SELECT 42"
    store.plain_row(good, ())
    assert asyncio.run(store.plain_row_async("SELECT * FROM no_such_table", ())) is None
    store.plain_row(good, ())  # SQLite: the failed connection was dropped; a thread's again
    assert asyncio.run(store.plain_row_async(good, ())) == (42,)


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_burst_of_quiet_syncs_opens_a_bounded_number_of_connections(
    backend: MockBackend,
) -> None:
    """Fifty clients' quiet syncs at once on the loop: at most LOOP_CONNECTIONS database
    connections are opened; the looks beyond them answer None (a worker thread takes them)."""
    session, cursor = _signed_in(backend)
    expected = backend.sync_json(session, cursor)

    async def burst() -> list[bytes | None]:
        return await asyncio.gather(*(backend.quiet_sync_json(session, cursor) for _ in range(50)))

    answers = asyncio.run(burst())
    assert backend.store.loop_connections == LOOP_CONNECTIONS
    answered = [answer for answer in answers if answer is not None]
    assert set(answered) == {expected}  # some answered on the loop, all alike
    assert len(answered) < len(answers)  # the rest went to the worker threads
