"""Faults of this computer become one reason each (desktop.environment.reason_for).

The database errors are real ones, provoked on real files; only the errnos that root cannot
provoke without mounting file systems (a full disk, a read-only one) are built by hand.
"""

from __future__ import annotations

import errno
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from desktop.backend.api import NotSent
from desktop.domain.reasons import Reason
from desktop.environment import LocalFault, local_fault, reason_for


def raised(action: object) -> BaseException:
    assert callable(action)
    try:
        action()
    except BaseException as error:
        return error
    raise AssertionError("nothing was raised")


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "some.sqlite"
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("create table t (x)")
        connection.executemany("insert into t values (?)", [(str(n) * 50,) for n in range(2000)])
        connection.commit()
    return path


def test_a_file_that_is_not_a_database_is_damaged(tmp_path: Path) -> None:
    path = tmp_path / "garbage.sqlite"
    path.write_bytes(b"not a database at all\n" * 100)

    def read() -> None:
        with closing(sqlite3.connect(path)) as connection:
            connection.execute("select * from sqlite_master").fetchall()

    assert reason_for(raised(read)) is Reason.CACHE_DAMAGED


def test_scribbled_pages_are_damaged(database: Path) -> None:
    with database.open("r+b") as file:
        file.seek(4096 * 2)
        file.write(b"\xa5" * 4096 * 4)

    def read() -> None:
        with closing(sqlite3.connect(database)) as connection:
            connection.execute("select count(*), max(x) from t").fetchall()

    assert reason_for(raised(read)) is Reason.CACHE_DAMAGED


def test_a_database_held_by_another_writer_is_locked(database: Path) -> None:
    with closing(sqlite3.connect(database, isolation_level=None)) as holder:
        holder.execute("begin immediate")
        with closing(sqlite3.connect(database, timeout=0, isolation_level=None)) as other:
            error = raised(lambda: other.execute("begin immediate"))
        holder.execute("rollback")
    assert reason_for(error) is Reason.CACHE_LOCKED


def test_a_database_with_no_room_left_is_a_full_disk(database: Path) -> None:
    with closing(sqlite3.connect(database)) as connection:
        pages = connection.execute("pragma page_count").fetchone()[0]
        connection.execute(f"pragma max_page_count = {pages}")  # as if the disk were full

        def grow() -> None:
            connection.executemany("insert into t values (?)", [("y" * 500,)] * 200)

        assert reason_for(raised(grow)) is Reason.DISK_FULL


def test_a_database_opened_read_only_is_read_only(database: Path) -> None:
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        error = raised(lambda: connection.execute("insert into t values ('z')"))
    assert reason_for(error) is Reason.READ_ONLY


def test_sqlalchemy_wrapped_errors_are_classified_by_what_they_wrap(tmp_path: Path) -> None:
    path = tmp_path / "garbage.sqlite"
    path.write_bytes(b"not a database at all\n" * 100)
    engine = create_engine(f"sqlite:///{path}")
    try:

        def read() -> None:
            with engine.connect() as connection:
                connection.execute(text("select * from sqlite_master")).fetchall()

        error = raised(read)
    finally:
        engine.dispose()
    assert isinstance(error, DBAPIError)
    assert reason_for(error) is Reason.CACHE_DAMAGED


def test_folder_faults_from_the_file_system(tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    assert reason_for(raised(lambda: (a_file / "data").mkdir(parents=True))) is (
        Reason.NOT_A_FOLDER
    )
    assert reason_for(raised(a_file.mkdir)) is Reason.NOT_A_FOLDER
    assert reason_for(raised((tmp_path / "no" / "such").mkdir)) is Reason.FOLDER_MISSING


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        (errno.ENOSPC, Reason.DISK_FULL),
        (errno.EDQUOT, Reason.DISK_FULL),
        (errno.EROFS, Reason.READ_ONLY),
        (errno.EACCES, Reason.READ_ONLY),
        (errno.EIO, Reason.LOCAL_ERROR),
    ],
)
def test_errnos_root_cannot_provoke_here(number: int, reason: Reason) -> None:
    error = OSError(number, "raw text", "/data/app.log")
    assert reason_for(error) is reason
    fault = local_fault(error)
    assert fault.details == {"path": "/data/app.log"}
    assert "raw text" not in fault.message
    if reason is not Reason.LOCAL_ERROR:  # whose sentence points at app.log instead
        assert "/data/app.log" in fault.message


def test_a_wrapped_oserror_is_found_through_the_cause_chain() -> None:
    def save() -> None:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as inner:
            raise RuntimeError("while saving") from inner

    assert reason_for(raised(save)) is Reason.DISK_FULL


def test_errors_that_know_their_reason_keep_it() -> None:
    assert reason_for(LocalFault(Reason.BACKEND_NEWER, {"path": "x"})) is Reason.BACKEND_NEWER
    assert reason_for(NotSent()) is Reason.OFFLINE
    assert reason_for(ValueError("anything else")) is Reason.LOCAL_ERROR


def test_a_local_fault_names_the_path_it_is_given() -> None:
    fault = local_fault(sqlite3.OperationalError("database is locked"), Path("/d/cache.sqlite"))
    assert fault.reason is Reason.CACHE_LOCKED
    assert "database is locked" not in fault.message


def _io_error(name: str) -> sqlite3.OperationalError:
    error = sqlite3.OperationalError("disk I/O error")
    error.sqlite_errorname = name  # as the driver sets it; root could provoke it only on a mount
    return error


def test_a_wal_index_that_cannot_grow_is_a_full_disk() -> None:
    # What opening a WAL database says on a 200 KB tmpfs with 4 KB free (docs/QA.md E11, by hand
    # as root): its shared-memory file cannot grow. Other I/O errors stay unclassified.
    assert reason_for(_io_error("SQLITE_IOERR_SHMSIZE")) is Reason.DISK_FULL
    assert reason_for(_io_error("SQLITE_IOERR_WRITE")) is Reason.LOCAL_ERROR
    assert reason_for(_io_error("SQLITE_IOERR")) is Reason.LOCAL_ERROR
