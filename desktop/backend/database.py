"""The backend database of one data folder: opening, seeding, and units of work.

Every call (API or simulator) is one `BEGIN IMMEDIATE` transaction: writers from several
processes queue instead of interleaving, which is what makes the cap and the wallet race-free.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Self

from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session

from desktop.backend import clock as virtual_clock
from desktop.backend import seed
from desktop.backend.datafile import (
    BackendFile,
    backend_db_path,
    backend_fault,
    compare_version,
    keep_copy,
)
from desktop.backend.store import (
    BackendState,
    create_backend_engine,
    rebuild_schema,
    stored_schema_version,
    upgrade_schema,
)
from desktop.backend.sweep import sweep_due_changes
from desktop.backend.transaction import BackendTransaction, load_policy
from desktop.domain.clock import Clock, utc_now
from desktop.domain.reasons import Reason
from desktop.environment import LocalFault, is_local


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
        self.injected_clock = clock
        self.real_clock = real_clock
        database = engine.url.database
        self.path = Path(database) if database and database != ":memory:" else None
        self.kept_copy: Path | None = None  # the older file, kept before it was rebuilt

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

    def prepare(self) -> None:
        """Create the schema and the demo seed when the file is new. An older file is upgraded
        in place when an additive step exists; otherwise it is copied beside it first
        (`kept_copy`), then rebuilt and reseeded. A newer one is refused untouched."""
        with self.faults_translated():
            with self.engine.begin() as connection:
                version = stored_schema_version(connection)
                has_tables = bool(inspect(connection).get_table_names())
            found = compare_version(version)
            if found is BackendFile.CURRENT:
                return
            if found is BackendFile.NEWER:
                raise LocalFault(Reason.BACKEND_NEWER, {"path": str(self.path)})
            with self.engine.begin() as connection:
                if stored_schema_version(connection) != version:
                    return  # another process brought it up to date meanwhile
                if version is not None and upgrade_schema(connection, version):
                    return  # in place: the data is kept
            if has_tables and self.path is not None:  # rebuilt: keep a copy first
                self.kept_copy = keep_copy(self.path, version, self.seed_time())
            with self.engine.begin() as connection:
                if stored_schema_version(connection) != version:
                    return
                rebuild_schema(connection)
                with Session(bind=connection) as session:
                    seed.install(session, self.seed_time())
                    session.flush()

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

    @contextmanager
    def transaction(self) -> Iterator[BackendTransaction]:
        """A write transaction with time-based changes already swept in (R8); commits on exit.

        A running virtual clock's reading is written back when the transaction changed anything
        (and now and then otherwise), so it never goes backwards (desktop.backend.clock)."""
        with (
            self.faults_translated(),
            Session(self.engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            state = session.get_one(BackendState, 1)
            real_now = self.real_clock()
            if self.injected_clock is not None:
                now = self.injected_clock()
            else:
                now = virtual_clock.reading(state, real_now)
            before = _clock_fields(state), _total_changes(session)
            tx = BackendTransaction(session, state, now, load_policy(state))
            sweep_due_changes(tx)
            yield tx
            if self.injected_clock is None and _clock_fields(state) == before[0]:
                session.flush()
                wrote = _total_changes(session) != before[1]
                virtual_clock.settle(state, now, real_now, wrote=wrote)

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _clock_fields(state: BackendState) -> tuple[object, ...]:
    # Changed by advance, run, freeze or reset: the transaction set the clock on purpose.
    return state.clock_virtual_at, state.clock_real_anchor, state.clock_running


def _total_changes(session: Session) -> int:
    # Rows this connection has inserted, updated or deleted since it opened (SQLite).
    return int(session.connection().exec_driver_sql("SELECT total_changes()").scalar_one())
