"""A sync reads without the write lock unless a write is due at its time (R8, issue 12.7).

A quiet sync must answer while another process holds the write lock (a long `sim` command, a
queue of sends); a sync at the instant an expiry falls due, or when the running clock's reading
must be stored, runs as a writer and carries the change; syncs racing sends always converge.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import make_url

from desktop.backend.api import SyncDTO
from desktop.backend.database import BackendStore
from desktop.backend.datafile import backend_db_path
from desktop.backend.service import MockBackend
from desktop.backend.simulator import Simulator
from desktop.domain.invitations import InvitationState
from tests.backend.support import DATABASES, ManualClock, sign_in
from tests.backend.test_store import FakeRealTime, _stored_clock

PILOT = "pilot@example.com"
CAPPED = "capped@example.com"
MICROSECOND = timedelta(microseconds=1)


@contextmanager
def write_lock_held(database: str) -> Iterator[None]:
    """Another process holding the writers' lock: SQLite's write lock, or the state row on
    PostgreSQL."""
    url = make_url(database)
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        connection = sqlite3.connect(url.database, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain) as other:
        other.execute("SELECT id FROM backend_state WHERE id = 1 FOR UPDATE")
        try:
            yield
        finally:
            other.rollback()


def answered_under_the_lock(database: str, call: Callable[[], SyncDTO]) -> SyncDTO | None:
    """`call()` run while the writers' lock is held elsewhere: its answer, or None when it
    waited for the lock (or failed on it: SQLite gives up after its busy timeout)."""
    box: list[object] = []
    thread = threading.Thread(target=lambda: box.append(_outcome(call)))
    with write_lock_held(database):
        thread.start()
        thread.join(timeout=30)
        waited = thread.is_alive()
    thread.join()
    answer = box[0] if box else None
    return None if waited or not isinstance(answer, SyncDTO) else answer


def _outcome(call: Callable[[], SyncDTO]) -> object:
    try:
        return call()
    except Exception as error:
        return error


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_a_quiet_sync_answers_while_a_writer_holds_the_lock(
    backend: MockBackend, database: str
) -> None:
    session = sign_in(backend, PILOT)
    backend.send_invitation(session, "friend@example.com", "k1")
    first = backend.sync(session, 0)

    quiet = answered_under_the_lock(database, lambda: backend.sync(session, first.cursor))
    full = answered_under_the_lock(database, lambda: backend.sync(session, 0))

    assert quiet is not None
    assert full is not None
    assert (quiet.cursor, quiet.invitations, quiet.full) == (first.cursor, (), False)
    assert full.invitations == first.invitations


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_a_sync_at_the_instant_a_token_expires_writes_the_expiry(
    backend: MockBackend, sim: Simulator, clock: ManualClock, database: str
) -> None:
    session = sign_in(backend, CAPPED)
    cursor = backend.sync(session, 0).cursor
    available = [token for token in sim.wallet(CAPPED).tokens if token.state == "available"]
    expiry = min(token.expires_at for token in available if token.expires_at is not None)

    clock.set(expiry - MICROSECOND)  # not yet due: a read, nothing changed
    before = answered_under_the_lock(database, lambda: backend.sync(session, cursor))
    assert before is not None
    assert (before.cursor, before.tokens) == (cursor, ())

    clock.set(expiry)  # due now: this sync sweeps it in, under the lock
    due = backend.sync(session, cursor)
    assert [(token.state, token.expires_at) for token in due.tokens] == [("expired", expiry)]
    assert due.tokens[0].version == due.cursor > cursor

    after = answered_under_the_lock(database, lambda: backend.sync(session, due.cursor))
    assert after is not None
    assert (after.cursor, after.tokens) == (due.cursor, ())


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_a_sync_at_the_instant_an_invitation_expires_writes_the_expiry(
    backend: MockBackend, sim: Simulator, clock: ManualClock, database: str
) -> None:
    sim.set_policy({"invitation_expiry_days": 3})
    session = sign_in(backend, PILOT)
    sent = backend.send_invitation(session, "friend@example.com", "k1")
    cursor = backend.sync(session, 0).cursor

    clock.set(sent.created_at + timedelta(days=3) - MICROSECOND)
    before = answered_under_the_lock(database, lambda: backend.sync(session, cursor))
    assert before is not None
    assert before.invitations == ()

    clock.set(sent.created_at + timedelta(days=3))
    due = backend.sync(session, cursor)
    assert [(i.id, i.state) for i in due.invitations] == [(sent.id, InvitationState.EXPIRED)]
    assert sim.invitations(PILOT)[0].invitation.state is InvitationState.EXPIRED


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_syncs_racing_sends_never_miss_an_acknowledged_one_and_converge(
    sim: Simulator, database: str, clock: ManualClock
) -> None:
    sends = 30
    sim.set_policy({"daily_invitation_limit": sends})
    with (
        MockBackend.over_url(database, clock) as sender,
        MockBackend.over_url(database, clock) as reader,
    ):
        sender_session = sign_in(sender, PILOT)
        reader_session = sign_in(reader, PILOT)
        acknowledged: list[str] = []  # appended after each send returned
        cache: dict[str, int] = {}  # id -> version, as a client's cache applies deltas
        misses: list[str] = []
        failures: list[Exception] = []
        done = threading.Event()

        def send_all() -> None:
            try:
                for n in range(sends):
                    sent = sender.send_invitation(sender_session, f"race{n}@example.com", f"r{n}")
                    acknowledged.append(sent.id)
            except Exception as error:
                failures.append(error)
            finally:
                done.set()

        def apply(answer: SyncDTO, since: int) -> None:
            assert answer.since == (0 if answer.full else since)
            for invitation in answer.invitations:
                assert answer.since < invitation.version <= answer.cursor
                cache[invitation.id] = max(cache.get(invitation.id, 0), invitation.version)

        thread = threading.Thread(target=send_all)
        thread.start()
        cursor = 0
        while not done.is_set():
            known_before = list(acknowledged)
            answer = reader.sync(reader_session, cursor)
            apply(answer, cursor)
            cursor = answer.cursor
            misses.extend(i for i in known_before if i not in cache)
        thread.join()
        last = reader.sync(reader_session, cursor)
        apply(last, cursor)
        full = reader.sync(reader_session, 0)

    assert (failures, misses) == ([], [])
    assert len(acknowledged) == sends
    assert cache == {invitation.id: invitation.version for invitation in full.invitations}


def test_a_running_clock_is_written_back_by_a_sync_only_when_due(data_dir: Path) -> None:
    real = FakeRealTime()
    store = BackendStore.open(data_dir, real_clock=real)
    database = f"sqlite:///{backend_db_path(data_dir)}"
    with Simulator.over_store(store) as sim, MockBackend.over_store(store) as backend:
        start = sim.clock_run().now
        session = sign_in(backend, PILOT)
        cursor = backend.sync(session, 0).cursor
        stored = _stored_clock(data_dir)

        real.now += timedelta(seconds=59)  # under a minute: a read, the clock not stored
        read = answered_under_the_lock(database, lambda: backend.sync(session, cursor))
        assert read is not None
        assert read.now == start + timedelta(seconds=59)
        assert _stored_clock(data_dir) == stored

        real.now += timedelta(seconds=1)  # a minute: this sync stores the reading
        assert backend.sync(session, cursor).now == start + timedelta(minutes=1)
        assert _stored_clock(data_dir) != stored

        real.now -= timedelta(hours=2)  # the host clock steps back: the sync holds the time
        held = backend.sync(session, cursor)
        assert held.now == start + timedelta(minutes=1)
        stepped = _stored_clock(data_dir)

        real.now += timedelta(seconds=5)  # and reads again from the new starting point
        again = answered_under_the_lock(database, lambda: backend.sync(session, cursor))
        assert again is not None
        assert again.now == start + timedelta(minutes=1, seconds=5)
        assert _stored_clock(data_dir) == stepped
