"""The backend's database, sessions and virtual clock."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import make_url, text

from desktop.backend.api import AuthenticationError, InvalidState
from desktop.backend.database import BackendStore, current_revision, head_revision
from desktop.backend.datafile import SCHEMA_VERSION, backend_db_path
from desktop.backend.seed import DEMO_ACCOUNTS
from desktop.backend.service import MockBackend
from desktop.backend.simulator import Simulator
from desktop.backend.store import HEAD_REVISION, Base
from tests.backend.support import DATABASES, START, ManualClock, sign_in


def test_pragmas_are_set_on_every_connection(sim: Simulator, data_dir: Path) -> None:
    with BackendStore.open(data_dir) as store, store.engine.connect() as connection:
        values = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "busy_timeout", "foreign_keys", "synchronous")
        }
    assert values == {
        "journal_mode": "wal",
        "busy_timeout": 5000,
        "foreign_keys": 1,
        "synchronous": 1,
    }


def test_every_transaction_takes_the_write_lock_at_begin(sim: Simulator, data_dir: Path) -> None:
    # BEGIN IMMEDIATE: even a transaction that has only read holds the lock, so it can never
    # fail later with "database is locked" when it upgrades to a write.
    with BackendStore.open(data_dir) as store, store.transaction() as tx:
        tx.session.execute(text("SELECT 1"))
        other = sqlite3.connect(backend_db_path(data_dir), timeout=0, isolation_level=None)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        finally:
            other.close()


def test_a_new_data_folder_is_seeded_and_an_existing_one_kept(
    data_dir: Path, clock: ManualClock
) -> None:
    with Simulator(data_dir, clock) as sim:
        assert {a.email for a in sim.status().accounts} >= {d.email for d in DEMO_ACCOUNTS}
        sim.invite("pilot@example.com", "friend@example.com")
    with Simulator(data_dir, clock) as again:
        assert len(again.invitations("pilot@example.com")) == 1
    connection = sqlite3.connect(backend_db_path(data_dir))
    try:
        version = connection.execute("SELECT schema_version FROM backend_state").fetchone()[0]
    finally:
        connection.close()
    assert version == SCHEMA_VERSION


def test_a_file_from_an_older_schema_is_rebuilt_and_reseeded(
    data_dir: Path, clock: ManualClock
) -> None:
    connection = sqlite3.connect(backend_db_path(data_dir))
    connection.execute("CREATE TABLE leftover (x)")
    connection.execute(
        "CREATE TABLE backend_state (id INTEGER PRIMARY KEY, schema_version INTEGER)"
    )
    connection.execute("INSERT INTO backend_state VALUES (1, 0)")
    connection.commit()
    connection.close()

    with Simulator(data_dir, clock) as sim:
        assert sim.wallet("capped@example.com").available == 2


def test_seeded_demo_matches_the_design(sim: Simulator) -> None:
    accounts = {account.email: account for account in sim.status().accounts}
    pilot = accounts["pilot@example.com"]
    assert (pilot.plan, pilot.billing_day, pilot.operator) == ("plus", 14, True)
    assert (pilot.usage.weekly.percent_used, pilot.usage.five_hour.percent_used) == (82, 40)
    assert pilot.wallet.available == 0
    assert accounts["pro@example.com"].plan == "pro"
    assert accounts["free@example.com"].plan == "free"
    assert START - accounts["dormant@example.com"].last_active == timedelta(days=90)
    assert START - accounts["recent@example.com"].last_active == timedelta(days=10)
    assert START - accounts["edge62@example.com"].last_active == timedelta(days=62)
    assert not accounts["edge62@example.com"].dormant
    assert not accounts["dormant@example.com"].operator


def test_sign_in_checks_the_password(backend: MockBackend) -> None:
    with pytest.raises(AuthenticationError):
        backend.sign_in("pilot@example.com", "wrong")
    with pytest.raises(AuthenticationError):
        backend.sign_in("nobody@example.com", "demo")
    with pytest.raises(AuthenticationError):
        backend.sign_in("dormant@example.com", "demo")  # a recipient, not an operator
    assert backend.sign_in("Pilot@Example.com", "demo").account.id == "acct_pilot"


def test_session_tokens_are_random_and_stored_only_hashed(
    backend: MockBackend, data_dir: Path
) -> None:
    first = sign_in(backend, "pilot@example.com")
    second = sign_in(backend, "pilot@example.com")
    assert first != second
    assert len(first) >= 43  # 32 random bytes, URL-safe base64

    connection = sqlite3.connect(backend_db_path(data_dir))
    try:
        stored = {row[0] for row in connection.execute("SELECT token_sha256 FROM sessions")}
    finally:
        connection.close()
    assert hashlib.sha256(first.encode()).hexdigest() in stored
    assert first not in stored
    for path in data_dir.iterdir():
        assert first.encode() not in path.read_bytes()


def test_a_signed_out_or_unknown_session_is_refused(backend: MockBackend) -> None:
    session = sign_in(backend, "pilot@example.com")
    backend.sign_out(session)
    backend.sign_out(session)  # signing out again is harmless

    with pytest.raises(AuthenticationError):
        backend.sync(session, 0)
    with pytest.raises(AuthenticationError):
        backend.send_invitation("not-a-session", "friend@example.com", "k1")


def test_signing_in_makes_the_account_active(
    backend: MockBackend, sim: Simulator, clock: ManualClock
) -> None:
    clock.advance(timedelta(days=3))
    sign_in(backend, "pro@example.com")
    pro = next(a for a in sim.status().accounts if a.email == "pro@example.com")
    assert pro.last_active == clock.now


class FakeRealTime:
    """Real time as the virtual clock sees it, moved by the test."""

    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_the_virtual_clock_is_frozen_until_advanced(data_dir: Path) -> None:
    real = FakeRealTime()
    with Simulator.over_store(BackendStore.open(data_dir, real_clock=real)) as sim:
        seeded = sim.now()
        assert seeded == real.now
        real.now += timedelta(hours=5)
        assert sim.now() == seeded
        assert sim.advance_clock(timedelta(days=62)).now == seeded + timedelta(days=62)
        with pytest.raises(ValueError, match="forward"):
            sim.advance_clock(timedelta(seconds=-1))


def test_the_virtual_clock_can_follow_real_time_and_stop_again(data_dir: Path) -> None:
    real = FakeRealTime()
    with Simulator.over_store(BackendStore.open(data_dir, real_clock=real)) as sim:
        start = sim.advance_clock(timedelta(days=1)).now
        assert sim.clock_run().running
        real.now += timedelta(minutes=10)
        assert sim.now() == start + timedelta(minutes=10)
        sim.advance_clock(timedelta(hours=1))
        real.now += timedelta(minutes=5)
        frozen = sim.clock_freeze()
        assert not frozen.running
        assert frozen.now == start + timedelta(minutes=75)
        real.now += timedelta(days=1)
        assert sim.now() == frozen.now


def test_reset_demo_sets_the_clock_to_real_now_frozen_and_restores_defaults(
    data_dir: Path,
) -> None:
    real = FakeRealTime()
    with Simulator.over_store(BackendStore.open(data_dir, real_clock=real)) as sim:
        sim.advance_clock(timedelta(days=100))
        sim.clock_run()
        sim.set_policy({"monthly_cap": 5})
        sim.set_fault(offline=True)
        sim.invite("pilot@example.com", "friend@example.com")
        real.now += timedelta(seconds=90, microseconds=1234)

        view = sim.reset_demo()

        assert view.now == real.now.replace(microsecond=0)
        assert sim.clock() == view
        assert sim.policy().monthly_cap == 3
        assert not sim.faults().offline
        assert sim.invitations("pilot@example.com") == ()
        assert sim.wallet("capped@example.com").available == 2


def test_clock_commands_refuse_an_injected_clock(sim: Simulator) -> None:
    with pytest.raises(InvalidState):
        sim.advance_clock(timedelta(days=1))


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_two_processes_opening_a_new_database_at_once_seed_it_once(
    database: str, clock: ManualClock
) -> None:
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def open_and_close() -> None:
        barrier.wait()
        try:
            Simulator.over_url(database, clock).close()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=open_and_close) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    with Simulator.over_url(database, clock) as sim:
        emails = [account.email for account in sim.status().accounts]
    assert len(emails) == len(set(emails)) == len(DEMO_ACCOUNTS) + 3  # and capped's 3 peers


def test_the_running_clock_never_goes_back_when_the_host_clock_steps_back(
    data_dir: Path,
) -> None:
    real = FakeRealTime()
    store = BackendStore.open(data_dir, real_clock=real)
    with Simulator.over_store(store) as sim, MockBackend.over_store(store) as backend:
        start = sim.clock_run().now
        real.now += timedelta(hours=1)
        assert sim.now() == start + timedelta(hours=1)
        real.now -= timedelta(hours=3)  # NTP, a resumed VM, a hand-set host clock
        assert sim.now() == start + timedelta(hours=1)  # held, not two hours back
        real.now += timedelta(minutes=30)  # then it moves on by the real time that passes
        session = sign_in(backend, "pilot@example.com")
        assert backend.sync(session, 0).now == start + timedelta(hours=1, minutes=30)
        real.now -= timedelta(microseconds=1)
        assert sim.now() == start + timedelta(hours=1, minutes=30)
        real.now += timedelta(minutes=1)
        assert sim.now() == start + timedelta(hours=1, minutes=31)
        # Another process (another store on the file) continues from the same virtual time.
        with Simulator.over_store(BackendStore.open(data_dir, real_clock=real)) as other:
            assert other.now() == start + timedelta(hours=1, minutes=31)
        assert sim.clock_freeze().now == start + timedelta(hours=1, minutes=31)
        real.now -= timedelta(days=1)
        assert sim.clock_run().now == start + timedelta(hours=1, minutes=31)


def test_every_change_is_dated_after_the_one_before_whatever_the_host_clock(
    data_dir: Path,
) -> None:
    real = FakeRealTime()
    store = BackendStore.open(data_dir, real_clock=real)
    with Simulator.over_store(store) as sim:
        start = sim.clock_run().now
        real.now += timedelta(seconds=5)
        first = sim.invite("pilot@example.com", "one@example.com").invitation
        assert first.created_at == start + timedelta(seconds=5)
        real.now -= timedelta(seconds=30)  # less than a minute of reads is not written back...
        assert sim.now() == first.created_at  # ...but a change is: the time holds at it
        second = sim.invite("pilot@example.com", "two@example.com").invitation
        assert second.created_at == first.created_at
        real.now += timedelta(seconds=1)
        assert sim.invite("pilot@example.com", "three@example.com").invitation.created_at == (
            first.created_at + timedelta(seconds=1)
        )


def _stored_clock(data_dir: Path) -> tuple[object, ...]:
    connection = sqlite3.connect(backend_db_path(data_dir))
    try:
        row = connection.execute(
            "SELECT clock_virtual_at, clock_real_anchor FROM backend_state"
        ).fetchone()
        return tuple(row)
    finally:
        connection.close()


def test_reads_write_the_running_clock_back_at_most_once_a_minute(data_dir: Path) -> None:
    # The app and the QA window follow writes to the file: a write per read would loop.
    real = FakeRealTime()
    store = BackendStore.open(data_dir, real_clock=real)
    with Simulator.over_store(store) as sim, MockBackend.over_store(store) as backend:
        sim.clock_run()
        session = sign_in(backend, "pilot@example.com")
        stored = _stored_clock(data_dir)
        for _ in range(5):
            real.now += timedelta(seconds=11)
            backend.sync(session, 0)
            sim.status()
        assert _stored_clock(data_dir) == stored
        real.now += timedelta(seconds=5)  # a minute since it was stored
        reading = sim.now()
        assert _stored_clock(data_dir) != stored
        real.now -= timedelta(hours=1)
        assert sim.now() == reading


def test_invitations_are_numbered_in_creation_order_under_a_frozen_clock(
    backend: MockBackend, sim: Simulator
) -> None:
    session = sign_in(backend, "pilot@example.com")
    sent = [backend.send_invitation(session, f"peer{n}@example.com", f"key-{n}") for n in range(4)]
    assert len({dto.created_at for dto in sent}) == 1  # one timestamp: it cannot order them
    sequences = [dto.sequence for dto in sent]
    assert sequences == sorted(sequences)
    assert len(set(sequences)) == 4
    # A repeated key returns the first invitation with its number; sim lists oldest first.
    assert backend.send_invitation(session, "peer0@example.com", "key-0").sequence == sequences[0]
    listed = [r.invitation.sequence for r in sim.invitations("pilot@example.com")]
    assert listed == sequences
    # Another operator's invitations share the backend's one sequence.
    other = sim.invite("capped@example.com", "someone@example.com").invitation
    assert other.sequence == sequences[-1] + 1


def _downgrade(path: Path, version: int) -> None:
    """Make the file look as schema `version` (1 to 4) left it."""
    connection = sqlite3.connect(path)
    try:
        # 5 -> 4: issue 14's offer and credits.
        connection.execute("DROP INDEX uq_outbox_invitation_key")
        for table, column in (
            ("backend_state", "offer_json"),
            ("invitations", "rewardless"),
            ("outbox", "idempotency_key"),
            ("redemptions", "weekly_used_after"),
            ("redemptions", "weekly_started_after"),
            ("tokens", "source"),
            ("tokens", "title"),
            ("tokens", "windows"),
        ):
            connection.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        if version == 4:  # Alembic's first revision
            connection.execute("UPDATE backend_state SET schema_version = 4")
            connection.execute("UPDATE alembic_version SET version_num = '0001_initial'")
            connection.commit()
            return
        connection.execute("ALTER TABLE backend_state DROP COLUMN link_base")
        if version <= 2:
            connection.execute("DROP INDEX ix_invitations_sequence")
            connection.execute("ALTER TABLE invitations DROP COLUMN sequence")
        if version == 1:
            connection.execute("ALTER TABLE backend_state DROP COLUMN server_secret")
        connection.execute("UPDATE backend_state SET schema_version = ?", (version,))
        connection.execute("DROP TABLE alembic_version")  # schemas 1 to 3 predate Alembic
        connection.commit()
    finally:
        connection.close()


@pytest.mark.parametrize("version", [1, 2, 3, 4])
def test_an_older_schema_is_upgraded_in_place_keeping_its_data(
    data_dir: Path, clock: ManualClock, version: int
) -> None:
    with Simulator(data_dir, clock) as sim:
        mine = [sim.invite("pilot@example.com", f"peer{n}@example.com") for n in range(3)]
        before = sim.status()
    _downgrade(backend_db_path(data_dir), version)

    with Simulator(data_dir, clock) as sim, MockBackend(data_dir, clock) as backend:
        after = sim.status()
        listed = sim.invitations("pilot@example.com")
        # Numbered in insertion order; the next one continues after them.
        assert [r.invitation.id for r in listed] == [r.invitation.id for r in mine]
        numbers = [r.invitation.sequence for r in listed]
        assert numbers == sorted(numbers)
        assert len(set(numbers)) == 3
        following = sim.invite("pilot@example.com", "next@example.com").invitation
        assert following.sequence == numbers[-1] + 1
        # Sign-in works: a schema-1 file got its own random server secret.
        assert backend.sign_in("pilot@example.com", "demo").account.id == "acct_pilot"
    connection = sqlite3.connect(backend_db_path(data_dir))
    try:
        (secret,) = connection.execute("SELECT server_secret FROM backend_state").fetchone()
    finally:
        connection.close()
    assert len(secret) == 32
    assert after == before  # nothing reseeded
    connection = sqlite3.connect(backend_db_path(data_dir))
    try:
        assert connection.execute("SELECT schema_version FROM backend_state").fetchone() == (
            SCHEMA_VERSION,
        )
    finally:
        connection.close()


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_on_postgresql_every_transaction_locks_the_state_row(sim: Simulator, database: str) -> None:
    # The PostgreSQL counterpart of BEGIN IMMEDIATE: a unit of work holds the state row, so
    # another writer waits (here: NOWAIT fails at once) until it commits.
    with BackendStore.open_url(database) as store, store.transaction():
        other = psycopg.connect(
            make_url(database).set(drivername="postgresql").render_as_string(hide_password=False)
        )
        try:
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute("SELECT id FROM backend_state WHERE id = 1 FOR UPDATE NOWAIT")
        finally:
            other.close()


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_the_migrations_build_exactly_the_models_schema(sim: Simulator, database: str) -> None:
    # A model change without its Alembic revision fails here, on either database.
    with BackendStore.open_url(database) as store, store.engine.connect() as connection:
        assert current_revision(connection) == head_revision() == HEAD_REVISION
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_on_postgresql_the_token_indexes_are_partial(sim: Simulator, database: str) -> None:
    # The models leave `postgresql_where` out (it would import the PostgreSQL dialect at every
    # start of the app); a PostgreSQL engine adds it, so the indexes there are partial as well.
    with BackendStore.open_url(database) as store, store.engine.connect() as connection:
        definitions = dict(
            connection.execute(
                text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'tokens'")
            ).all()
        )
    assert "WHERE (spent_at IS NULL)" in definitions["ix_tokens_account_unspent"]
    due = definitions["ix_tokens_expiry_due"]
    assert "WHERE ((spent_at IS NULL) AND (expired_at IS NULL))" in due
