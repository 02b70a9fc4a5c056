"""The backend's file: an older one is kept before it is rebuilt, a newer or damaged one is
refused with a sentence and never touched, and moving it aside is the way out (issue 11)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from desktop.backend.datafile import (
    SCHEMA_VERSION,
    BackendFile,
    backend_db_path,
    inspect_backend,
    set_aside,
)
from desktop.backend.service import MockBackend
from desktop.backend.simulator import Simulator
from desktop.domain.reasons import Reason
from desktop.environment import LocalFault
from tests.backend.support import START, ManualClock, sign_in

NO_UPGRADE = 0  # an older version with no in-place step: rebuilt, so kept first


def _seeded(data_dir: Path, clock: ManualClock) -> Path:
    with Simulator(data_dir, clock):
        pass
    return backend_db_path(data_dir)


def _set_version(path: Path, version: int) -> None:
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("UPDATE backend_state SET schema_version = ?", (version,))
        if version < SCHEMA_VERSION:  # an older file is one from before Alembic managed it
            connection.execute("DROP TABLE IF EXISTS alembic_version")
        connection.commit()


def _scribble(path: Path) -> None:
    with closing(sqlite3.connect(path)) as connection:  # fold the WAL in first
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = path.stat().st_size
    with path.open("r+b") as file:  # keep the header and the first pages, ruin the rest
        file.seek(size // 2)
        file.write(b"\xa5" * (size - size // 2))


def test_what_a_backend_file_is(data_dir: Path, clock: ManualClock) -> None:
    path = backend_db_path(data_dir)
    assert inspect_backend(path) is BackendFile.ABSENT
    _seeded(data_dir, clock)
    assert inspect_backend(path) is BackendFile.CURRENT
    _set_version(path, SCHEMA_VERSION - 1)
    assert inspect_backend(path) is BackendFile.OLDER
    _set_version(path, SCHEMA_VERSION + 1)
    assert inspect_backend(path) is BackendFile.NEWER
    path.write_bytes(b"garbage, not a database\n" * 100)
    assert inspect_backend(path) is BackendFile.DAMAGED


def test_a_newer_file_is_refused_and_left_as_it_was(data_dir: Path, clock: ManualClock) -> None:
    path = _seeded(data_dir, clock)
    _set_version(path, SCHEMA_VERSION + 1)
    before = path.read_bytes()
    with pytest.raises(LocalFault) as refused:
        Simulator(data_dir, clock)
    assert refused.value.reason is Reason.BACKEND_NEWER
    assert str(path) in refused.value.message
    assert path.read_bytes() == before
    assert sorted(p.name for p in data_dir.iterdir() if "backup" in p.name) == []


def test_an_older_file_is_kept_before_it_is_rebuilt(data_dir: Path, clock: ManualClock) -> None:
    path = _seeded(data_dir, clock)
    with Simulator(data_dir, clock) as sim:
        sim.invite("pilot@example.com", "kept@example.com")
    _set_version(path, NO_UPGRADE)
    with Simulator(data_dir, clock) as sim:
        kept = sim.store.kept_copy
        assert sim.invitations("pilot@example.com") == ()  # rebuilt and reseeded
    assert kept is not None
    assert kept.name == f"backend.sqlite.backup-v{NO_UPGRADE}-{START:%Y%m%dT%H%M%SZ}"
    with closing(sqlite3.connect(kept)) as copy:
        kept_rows = copy.execute("SELECT recipient_email FROM invitations").fetchall()
    assert ("kept@example.com",) in kept_rows


def test_a_database_of_something_else_is_kept_too(data_dir: Path, clock: ManualClock) -> None:
    path = backend_db_path(data_dir)
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("CREATE TABLE notes (text)")
        connection.execute("INSERT INTO notes VALUES ('mine')")
        connection.commit()
    with Simulator(data_dir, clock) as sim:
        kept = sim.store.kept_copy
    assert kept is not None
    with closing(sqlite3.connect(kept)) as copy:
        assert copy.execute("SELECT text FROM notes").fetchall() == [("mine",)]


def test_a_damaged_file_is_refused_with_a_sentence(data_dir: Path, clock: ManualClock) -> None:
    path = backend_db_path(data_dir)
    garbage = b"garbage, not a database\n" * 100
    path.write_bytes(garbage)
    with pytest.raises(LocalFault) as refused:
        Simulator(data_dir, clock)
    assert refused.value.reason is Reason.BACKEND_DAMAGED
    assert "database" not in refused.value.message.replace("data file", "")
    assert path.read_bytes() == garbage


def test_damage_found_by_a_call_is_a_local_fault(data_dir: Path, clock: ManualClock) -> None:
    _seeded(data_dir, clock)
    with Simulator(data_dir, clock) as sim:
        sim.set_policy({"daily_invitation_limit": 1000})
        for n in range(300):  # enough rows that the damage lands in their pages
            sim.invite("capped@example.com", f"peer{n}@example.com")
    with MockBackend(data_dir, clock) as backend:
        session = sign_in(backend, "capped@example.com")
        _scribble(backend_db_path(data_dir))
        with pytest.raises(LocalFault) as refused:
            backend.sync(session, 0)
    assert refused.value.reason is Reason.BACKEND_DAMAGED


def test_moving_aside_keeps_the_file_and_starts_fresh(data_dir: Path, clock: ManualClock) -> None:
    path = backend_db_path(data_dir)
    path.write_bytes(b"garbage, not a database\n" * 100)
    moved = set_aside(path, START)
    assert moved.name == f"backend.sqlite.set-aside-{START:%Y%m%dT%H%M%SZ}"
    assert moved.read_bytes().startswith(b"garbage")
    with Simulator(data_dir, clock) as sim:
        assert sim.wallet("capped@example.com").available == 2
    assert set_aside(path, START).name.endswith("-2")  # never over an earlier one
