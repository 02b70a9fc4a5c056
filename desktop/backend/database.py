"""The backend database (a data folder's SQLite file, or a shared PostgreSQL database): opening,
migrating, seeding, and units of work.

Every call (API or simulator) is one transaction. Writers are serialised: on SQLite they begin
with `BEGIN IMMEDIATE`, on PostgreSQL they start by locking the backend_state row with
`SELECT ... FOR UPDATE`. Writers from several processes queue instead of interleaving, which is
what makes the cap and the wallet race-free and hands out change versions in commit order.
A sync reads (`BackendStore.read`): one snapshot without the lock, unless an expiry or the
running clock's write-back is due, in which case it runs as a writer.

The schema is Alembic-managed (desktop/backend/migrations), the same for both databases. A
database Alembic has never seen is created at the head revision and seeded; a SQLite file from
before Alembic is stamped when its tables are the current schema, else rebuilt and reseeded
(it holds mock data only).
"""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

from sqlalchemy import Engine, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from desktop.alembic_lock import ALEMBIC_LOCK
from desktop.backend import clock as virtual_clock
from desktop.backend import seed
from desktop.backend.changes import ChangeSignal, collect_changes
from desktop.backend.datafile import (
    SCHEMA_VERSION,
    BackendFile,
    backend_db_path,
    backend_fault,
    compare_version,
    keep_copy,
)
from desktop.backend.store import (
    HEAD_REVISION,
    BackendState,
    create_backend_engine,
    create_engine_for_url,
    drop_all_tables,
    is_sqlite,
    plain_connection,
    snapshot_reads,
    stored_revision,
    stored_schema_version,
    upgrade_schema,
)
from desktop.backend.sweep import anything_due, sweep_due_changes
from desktop.backend.transaction import BackendTransaction, load_policy
from desktop.domain.clock import Clock, utc_now
from desktop.domain.reasons import Reason
from desktop.environment import LocalFault, is_local
from desktop.import_lock import import_once

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

T = TypeVar("T")

PREPARE_LOCK_KEY = 0x52454652  # "REFR": pg_advisory_xact_lock key while creating the schema
"""Two servers opening a new PostgreSQL database at once create and seed it once."""


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic configuration for the backend's migrations, on `connection` when given."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def head_revision() -> str:
    """Alembic's head revision (HEAD_REVISION says the same without importing Alembic)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision Alembic recorded in the database (None: never migrated by Alembic)."""
    return stored_revision(connection)


class ClosesOnExit:
    """`with` support for objects holding database connections: `close()` on leaving the block."""

    def close(self) -> None:
        """Release what the object holds."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class BackendStore(ClosesOnExit):
    """The backend database of one data folder, and where its time comes from.

    With `clock` given (tests), rules use it; otherwise they use the virtual clock stored in the
    database, which `real_clock` drives while it runs.
    """

    def __init__(self, engine: Engine, clock: Clock | None = None, real_clock: Clock = utc_now):
        self.engine = engine
        self.changes = ChangeSignal.of(engine.url.render_as_string())
        """The accounts each committed write to this database, by any store of this process,
        changed (desktop.backend.changes)."""
        self.injected_clock = clock
        self.real_clock = real_clock
        database = engine.url.database
        self.path = Path(database) if database and database != ":memory:" else None
        self.kept_copy: Path | None = None  # the older file, kept before it was rebuilt
        self._writers = threading.RLock()
        """This store's writers queue here before the database's lock (see `transaction`)."""
        self._plain: list[Any] = []
        """Idle connections of `plain_row` (taken and given back by atomic list operations)."""
        self._loop_plain: list[Any] = []
        """Idle connections of `plain_row_async`, used on the event loop's thread only."""
        self._plain_loop: object = None  # the loop `_loop_plain`'s PostgreSQL ones belong to
        self._loop_waiters: deque[Any] = deque()
        """Looks waiting for a busy loop connection (asyncio futures of that loop), oldest first."""
        self.loop_connections = 0
        """PostgreSQL connections `plain_row_async` holds open, idle or in use (at most
        `LOOP_CONNECTIONS`)."""
        self._closed = False

    @classmethod
    def open(
        cls, data_dir: Path, clock: Clock | None = None, real_clock: Clock = utc_now
    ) -> BackendStore:
        """Open `<data_dir>/backend.sqlite`, creating and seeding it when it is new.

        A file this version cannot use raises LocalFault: BACKEND_NEWER (never touched),
        BACKEND_DAMAGED, or the data folder's own fault (read-only, disk full...)."""
        path = backend_db_path(data_dir)
        try:
            store = cls(create_backend_engine(path), clock, real_clock)
        except Exception as error:
            if is_local(error):
                raise backend_fault(error, path) from error
            raise
        try:
            store.prepare()
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def open_url(
        cls, url: str, clock: Clock | None = None, real_clock: Clock = utc_now
    ) -> BackendStore:
        """Open the backend on a database URL: `sqlite:///<file>` or
        `postgresql+psycopg://user:password@host:port/database` (the database must exist; its
        schema is created and seeded when it is empty)."""
        store = cls(create_engine_for_url(url), clock, real_clock)
        try:
            store.prepare()
        except BaseException:
            store.close()
            raise
        return store

    def prepare(self) -> None:
        """Bring the schema to the head revision; seed the demo when the database is new.

        One transaction: SQLite's BEGIN IMMEDIATE, or an advisory lock on PostgreSQL, makes a
        second process opening the same new database wait and then find it ready. A file from
        before Alembic is upgraded in place when an additive step exists and stamped; any other
        older file is copied beside it first (`kept_copy`), then rebuilt and reseeded. A newer
        one is refused untouched (BACKEND_NEWER)."""
        with self.faults_translated(), self.engine.begin() as connection:
            if not is_sqlite(connection):
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PREPARE_LOCK_KEY})")
            revision = stored_revision(connection)
            version = stored_schema_version(connection)
            if revision == HEAD_REVISION and version == SCHEMA_VERSION:
                return  # the usual open: no Alembic imported
            if compare_version(version) is BackendFile.NEWER:
                raise LocalFault(Reason.BACKEND_NEWER, {"path": str(self.path)})
            has_tables = bool(inspect(connection).get_table_names())
            import_once("alembic.command")  # no other thread half-way through it (import_lock)
            from alembic import command

            config = alembic_config(connection)
            if (
                revision is None
                and version is not None
                and is_sqlite(connection)
                and (version == SCHEMA_VERSION or upgrade_schema(connection, version))
            ):
                # A file from before Alembic: current, or upgraded in place step by step.
                with ALEMBIC_LOCK:
                    command.stamp(config, "head")
                return
            fresh = revision is None
            if fresh:
                if has_tables and self.path is not None:  # rebuilt: keep a copy first
                    self.kept_copy = keep_copy(self.path, version, self.seed_time())
                drop_all_tables(connection)  # a new database, or an older pre-Alembic file
            with ALEMBIC_LOCK:  # Alembic's proxies are process-wide (desktop.alembic_lock)
                command.upgrade(config, "head")
            if fresh:
                with Session(bind=connection) as session:
                    seed.install(session, self.seed_time())
                    session.flush()
            else:
                connection.exec_driver_sql(
                    f"UPDATE backend_state SET schema_version = {SCHEMA_VERSION} WHERE id = 1"
                )

    @contextmanager
    def faults_translated(self) -> Iterator[None]:
        """Database and file-system errors of this file leave as LocalFault (a damaged file as
        BACKEND_DAMAGED), never as a driver's raw message; rules and bugs pass unchanged."""
        try:
            yield
        except LocalFault:
            raise
        except Exception as error:
            if is_local(error):
                raise backend_fault(error, self.path) from error
            raise

    def seed_time(self) -> datetime:
        """The moment a (re)seed happens at: the injected clock, else real now to the second."""
        if self.injected_clock is not None:
            return self.injected_clock()
        return self.real_clock().replace(microsecond=0)

    def now_for(self, state: BackendState) -> datetime:
        """The backend time for a transaction that read `state`."""
        if self.injected_clock is not None:
            return self.injected_clock()
        return virtual_clock.virtual_now(state, self.real_clock)

    def read_time(self, state: virtual_clock.ClockFields) -> tuple[datetime, bool]:
        """The time a read of the snapshot holding `state` runs at, and whether the running
        clock's reading is due to be written back (then the read must run as a writer)."""
        if self.injected_clock is not None:
            return self.injected_clock(), False
        real_now = self.real_clock()
        now = virtual_clock.reading(state, real_now)
        return now, virtual_clock.write_back_due(state, now, real_now)

    def read(self, handle: Callable[[BackendTransaction], T]) -> T:
        """`handle(tx)` for a unit of work that only reads (a sync), without the write lock.

        It first runs on one consistent snapshot (`store.snapshot_reads`): SQLite's DEFERRED
        transaction, PostgreSQL's READ ONLY REPEATABLE READ, neither waiting for writers. When
        that snapshot shows a write is due at its time (an expiry the sweep would mark, R8; a
        running clock's reading to store, desktop.backend.clock), it is dropped and `handle`
        runs in `transaction()` instead, which sweeps and settles under the lock: an answer
        never leaves out a change due at its time. `handle` must not change rows."""
        with (
            self.faults_translated(),
            Session(snapshot_reads(self.engine), expire_on_commit=False) as session,
            session.begin(),
        ):
            state = session.get_one(BackendState, 1)
            now, clock_due = self.read_time(state)
            tx = BackendTransaction(session, state, now, load_policy(state), read_only=True)
            if not clock_due and not anything_due(tx):
                result = handle(tx)
                if session.new or session.dirty or session.deleted:
                    raise RuntimeError("a read-only unit of work changed rows")
                return result
        with self.transaction() as writer:
            return handle(writer)

    @contextmanager
    def transaction(self) -> Iterator[BackendTransaction]:
        """A write transaction with time-based changes already swept in (R8); commits on exit.

        A running virtual clock's reading is written back when the transaction changed anything
        (and now and then otherwise), so it never goes backwards (desktop.backend.clock).

        Writers of this store first queue on a lock of the process: the database serialises them
        anyway, and SQLite's busy handler makes a waiting writer poll with growing sleeps, so
        under load one could wait past the busy timeout (`database is locked`, a 500) while
        others went ahead; blocked on the lock, each is woken when the one before it is done.
        Writers of other processes still queue on the database's lock."""
        with (
            self._writers,
            self.faults_translated(),
            Session(self.engine, expire_on_commit=False) as session,
        ):
            changed = collect_changes(session)
            with session.begin():
                # FOR UPDATE serialises units of work on PostgreSQL (SQLite's BEGIN IMMEDIATE
                # already has; its dialect leaves the clause out).
                state = session.get_one(BackendState, 1, with_for_update=True)
                real_now = self.real_clock()
                if self.injected_clock is not None:
                    now = self.injected_clock()
                else:
                    now = virtual_clock.reading(state, real_now)
                # Only a running clock needs to know whether the transaction wrote (two more
                # statements; on PostgreSQL a read of the transaction's statistics).
                settles = self.injected_clock is None and virtual_clock.running(state)
                before = _clock_fields(state), _total_changes(session) if settles else 0
                tx = BackendTransaction(session, state, now, load_policy(state))
                sweep_due_changes(tx)
                yield tx
                if settles and _clock_fields(state) == before[0]:
                    session.flush()
                    wrote = _total_changes(session) != before[1]
                    virtual_clock.settle(state, now, real_now, wrote=wrote)
            self.changes.publish(changed)

    def plain_row(self, sql: str, parameters: Sequence[object] | Mapping[str, object]) -> Any:
        """The first row of one read-only statement (`sql` in the driver's own form, compiled
        once) on a connection of its own in autocommit, outside the pool: one statement, one
        snapshot, no BEGIN or COMMIT (`store.plain_connection`). None when the driver fails
        (the connection is dropped; the caller reads in full, which reports a real fault)."""
        try:
            connection = self._plain.pop()
        except IndexError:
            connection = plain_connection(self.engine)
        dbapi_error: Any = self.engine.dialect.loaded_dbapi.Error
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(sql, parameters)
                row = cursor.fetchone()
            finally:
                cursor.close()
        except dbapi_error:
            with contextlib.suppress(dbapi_error):
                connection.close()
            return None
        if self._closed:
            connection.close()
        else:
            self._plain.append(connection)
        return row

    async def plain_row_async(
        self, sql: str, parameters: Sequence[object] | Mapping[str, object]
    ) -> Any:
        """`plain_row` for an asyncio event loop, which it never holds up waiting: None when
        the statement would wait or the driver fails (the caller then goes to a worker thread,
        whose `plain_row` and full read wait, or report the fault). SQLite: a local read on a
        connection with no busy timeout (a lock answers SQLITE_BUSY at once), taken over from
        `plain_row`'s idle ones (none yet: None; opening one may wait for a lock). PostgreSQL:
        an asynchronous psycopg connection in autocommit, opened on the loop; with
        `LOOP_CONNECTIONS` open and busy, the look waits up to `LOOP_WAIT_S` for one (a wait
        that lets the loop run), then answers None."""
        if is_sqlite(self.engine):
            return self._loop_sqlite_row(sql, parameters)
        return await self._loop_postgresql_row(sql, parameters)

    def _loop_sqlite_row(self, sql: str, parameters: Any) -> Any:
        taken_over = not self._loop_plain
        if taken_over:
            try:
                self._loop_plain.append(self._plain.pop())
            except IndexError:
                return None
        connection = self._loop_plain[0]
        try:
            if taken_over:
                connection.execute("PRAGMA busy_timeout=0")
            return connection.execute(sql, parameters).fetchone()
        except self.engine.dialect.loaded_dbapi.Error:
            self._loop_plain.clear()
            with contextlib.suppress(Exception):
                connection.close()
            return None

    async def _loop_postgresql_row(self, sql: str, parameters: Any) -> Any:
        import asyncio

        import psycopg

        loop = asyncio.get_running_loop()
        if loop is not self._plain_loop:  # an asynchronous connection serves one loop
            self._finish_loop_connections()
            self._plain_loop = loop
        try:
            connection = self._loop_plain.pop()
        except IndexError:
            if self.loop_connections >= LOOP_CONNECTIONS:
                connection = await self._loop_connection_handed_over(loop)
                if connection is None:
                    return None  # none came free in time: the worker threads' pool takes it
            else:
                connection = await self._open_loop_connection()
                if connection is None:
                    return None
        try:
            async with connection.cursor() as cursor:
                await cursor.execute(sql, parameters)
                row = await cursor.fetchone()
        except psycopg.Error:
            self._finish(connection)
            return None
        except BaseException:  # cancelled mid-statement: the connection's state is unknown
            self._finish(connection)
            raise
        if self._closed:
            self._finish(connection)
        else:
            self._hand_over(connection)
        return row

    async def _open_loop_connection(self) -> Any:
        import psycopg

        self.loop_connections += 1
        arguments, options = self.engine.dialect.create_connect_args(self.engine.url)
        try:
            return await psycopg.AsyncConnection.connect(*arguments, **options, autocommit=True)
        except psycopg.Error:
            self.loop_connections -= 1
            return None
        except BaseException:  # cancelled while connecting
            self.loop_connections -= 1
            raise

    async def _loop_connection_handed_over(self, loop: Any) -> Any:
        """The next connection a finished look hands over, or None after `LOOP_WAIT_S`."""
        import asyncio

        waiter = loop.create_future()
        self._loop_waiters.append(waiter)
        try:
            return await asyncio.wait_for(asyncio.shield(waiter), LOOP_WAIT_S)
        except TimeoutError:
            pass
        except BaseException:  # cancelled while waiting: a connection handed over goes back
            if waiter.done() and not waiter.cancelled():
                self._hand_over(waiter.result())
            waiter.cancel()
            raise
        if waiter.done() and not waiter.cancelled():  # handed over as the wait ended
            return waiter.result()
        waiter.cancel()
        return None

    def _hand_over(self, connection: Any) -> None:
        """Give a loop connection to the oldest look still waiting, or back to the idle ones."""
        while self._loop_waiters:
            waiter = self._loop_waiters.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        self._loop_plain.append(connection)

    def _finish(self, connection: Any) -> None:
        # Outside a coroutine or after a failure: libpq's own close (an AsyncConnection's
        # close() is a coroutine).
        connection.pgconn.finish()
        self.loop_connections -= 1

    def close(self) -> None:
        """Close every pooled connection (and the plain ones)."""
        self._closed = True
        while self._plain:
            self._plain.pop().close()
        self._finish_loop_connections()
        self.engine.dispose()

    def _finish_loop_connections(self) -> None:
        self._loop_waiters.clear()  # futures of a loop that is gone (or closing)
        while self._loop_plain:
            connection = self._loop_plain.pop()
            if hasattr(connection, "pgconn"):
                self._finish(connection)
            else:
                connection.close()


LOOP_CONNECTIONS = 8
"""PostgreSQL connections the HTTP service's event loop opens at most for quiet syncs, so a
burst of clients never opens one database connection each (a default PostgreSQL allows 100); a
look beyond them waits for one to come free (`LOOP_WAIT_S`)."""

LOOP_WAIT_S = 0.05
"""How long a quiet look waits on the loop for a busy connection (one look takes well under a
millisecond) before it goes to a worker thread: a wait is cheaper than the thread hop (round
10), but a slow database must not hold the answer back more than this."""


def _clock_fields(state: BackendState) -> tuple[object, ...]:
    # Changed by advance, run, freeze or reset: the transaction set the clock on purpose.
    return state.clock_virtual_at, state.clock_real_anchor, state.clock_running


def _total_changes(session: Session) -> int:
    # Rows inserted, updated or deleted: since the connection opened (SQLite), or in this
    # transaction (PostgreSQL's transaction-local statistics).
    connection = session.connection()
    if is_sqlite(connection):
        return int(connection.exec_driver_sql("SELECT total_changes()").scalar_one())
    return int(
        connection.exec_driver_sql(
            "SELECT COALESCE(SUM(n_tup_ins + n_tup_upd + n_tup_del), 0) "
            "FROM pg_stat_xact_user_tables"
        ).scalar_one()
    )
