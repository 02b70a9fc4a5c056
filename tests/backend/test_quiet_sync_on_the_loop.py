"""A quiet sync answered on the HTTP service's event loop (`MockBackend.quiet_sync_json`,
`BackendStore.plain_row_async`; docs/WIRE.md, "Quiet syncs on the event loop"): the same bytes
as the worker thread's `sync_json`, and never a wait on the loop: no connection opened there
for SQLite, no busy timeout, a failing statement answers None (the worker thread then reads)."""

from __future__ import annotations

import asyncio

import pytest

from desktop.backend import database
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
def test_a_burst_of_quiet_syncs_shares_a_bounded_number_of_connections(
    backend: MockBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fifty clients' quiet syncs at once on the loop: at most LOOP_CONNECTIONS database
    connections are opened, and the looks beyond them wait for one to come free rather than
    each taking a worker thread (a wait long enough here that none gives up)."""
    monkeypatch.setattr(database, "LOOP_WAIT_S", 60.0)
    session, cursor = _signed_in(backend)
    expected = backend.sync_json(session, cursor)

    async def burst() -> list[bytes | None]:
        return await asyncio.gather(*(backend.quiet_sync_json(session, cursor) for _ in range(50)))

    answers = asyncio.run(burst())
    assert backend.store.loop_connections == LOOP_CONNECTIONS
    assert answers == [expected] * 50


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_look_gives_up_waiting_for_a_busy_connection_after_loop_wait(
    backend: MockBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every loop connection busy with a slow statement (a slow database): the looks beyond
    them answer None after LOOP_WAIT_S, long before those end (a worker thread takes them);
    once the slow ones end their connections are idle again, and nothing more is opened."""
    monkeypatch.setattr(database, "LOOP_WAIT_S", 0.01)
    store = backend.store

    async def slow_then_quick() -> tuple[list[object], list[object]]:
        slow = [store.plain_row_async("SELECT 1 FROM pg_sleep(1)", ()) for _ in range(8)]
        quick = [store.plain_row_async("SELECT 42", ()) for _ in range(4)]
        during = await asyncio.gather(*slow, *quick)
        after = await asyncio.gather(*(store.plain_row_async("SELECT 42", ()) for _ in range(8)))
        return during, after

    assert LOOP_CONNECTIONS == 8
    during, after = asyncio.run(slow_then_quick())
    assert during == [(1,)] * 8 + [None] * 4
    assert after == [(42,)] * 8
    assert store.loop_connections == LOOP_CONNECTIONS


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_cancelled_look_leaves_no_connection_behind(
    backend: MockBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request cancelled while its look waits for a connection, or while its statement
    runs (a client gone, the server stopping): the connection handed over goes back to the
    idle ones, the one under a cancelled statement is closed and its place freed."""
    monkeypatch.setattr(database, "LOOP_WAIT_S", 60.0)
    store = backend.store

    async def one_waiter_cancelled() -> tuple[list[object], list[object]]:
        busy = [
            asyncio.ensure_future(store.plain_row_async("SELECT 1 FROM pg_sleep(0.2)", ()))
            for _ in range(LOOP_CONNECTIONS)
        ]
        waiting = asyncio.ensure_future(store.plain_row_async("SELECT 42", ()))
        # Runs after every task's first step: the ninth is then waiting for a connection.
        asyncio.get_running_loop().call_soon(waiting.cancel)
        with pytest.raises(asyncio.CancelledError):
            await waiting
        ended = await asyncio.gather(*busy)
        # No connection went to the cancelled look: all are idle, none is opened.
        again = await asyncio.gather(
            *(store.plain_row_async("SELECT 42", ()) for _ in range(LOOP_CONNECTIONS))
        )
        return ended, again

    ended, again = asyncio.run(one_waiter_cancelled())
    assert ended == [(1,)] * LOOP_CONNECTIONS
    assert again == [(42,)] * LOOP_CONNECTIONS
    assert store.loop_connections == LOOP_CONNECTIONS

    async def cancelled_mid_statement() -> int:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(store.plain_row_async("SELECT 1 FROM pg_sleep(30)", ()), 0.5)
        return store.loop_connections

    # A new loop first closes the last loop's idle connections; then the cancelled
    # statement's connection is closed too, and its place freed.
    assert asyncio.run(cancelled_mid_statement()) == 0
