"""The backend's database file as a whole, looked at with sqlite3 alone (no SQLAlchemy, so the
app can look before it starts): absent, current, older, newer or damaged; a copy before it is
rebuilt; moving it aside. Nothing here deletes a file.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from desktop.domain.reasons import Reason
from desktop.environment import LocalFault, is_damaged_file, local_fault, reason_for
from desktop.paths import BACKEND_DB, copy_database, free_sibling, move_aside, stamp

SCHEMA_VERSION = 5
"""Bumped on every model change. A file one step older is upgraded in place when the change is
additive (`store.upgrade_schema`); anything else older is kept as a backup, then rebuilt and
reseeded (it is mock data); a newer one is refused and never touched."""

STATE_TABLE = "backend_state"
SCHEMA_VERSION_QUERY = f"SELECT schema_version FROM {STATE_TABLE} WHERE id = 1"
"""How the version is read: by the store (SQLAlchemy) and by `inspect_backend` (sqlite3)."""

_INSPECT_TIMEOUT_S = 1.0


class BackendFile(StrEnum):
    """What a data folder's backend file is, before anything opens it for real."""

    ABSENT = "absent"  # missing or empty: created and seeded on first use
    CURRENT = "current"
    OLDER = "older"  # an older schema, or a database of something else: backed up, rebuilt
    NEWER = "newer"  # written by a newer version of the app: refused
    DAMAGED = "damaged"  # not a usable database: refused until moved aside


def backend_db_path(data_dir: Path) -> Path:
    """Where the backend keeps its database inside a data folder."""
    return data_dir / BACKEND_DB


def inspect_backend(path: Path) -> BackendFile:
    """Read the schema version of `path` (well under a millisecond). Damage deeper in the file
    shows on first use instead, as BACKEND_DAMAGED. Other faults raise LocalFault."""
    if not path.is_file() or path.stat().st_size == 0:
        return BackendFile.ABSENT
    try:
        with closing(sqlite3.connect(path, timeout=_INSPECT_TIMEOUT_S)) as connection:
            tables = {
                name
                for (name,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            }
            if not tables:
                return BackendFile.ABSENT
            if STATE_TABLE not in tables:
                return BackendFile.OLDER
            row = connection.execute(SCHEMA_VERSION_QUERY).fetchone()
    except sqlite3.Error as error:
        if is_damaged_file(error):
            return BackendFile.DAMAGED
        raise local_fault(error, path) from error
    return compare_version(None if row is None else int(row[0]))


def compare_version(version: int | None) -> BackendFile:
    """How a stored schema version compares with this app's."""
    if version is None or version < SCHEMA_VERSION:
        return BackendFile.OLDER
    return BackendFile.CURRENT if version == SCHEMA_VERSION else BackendFile.NEWER


def keep_copy(path: Path, version: int | None, now: datetime) -> Path:
    """A consistent copy of an older backend file beside it, before it is rebuilt."""
    target = free_sibling(path, f"backup-v{version or 0}-{stamp(now)}")
    copy_database(path, target)
    return target


def set_aside(path: Path, now: datetime) -> Path:
    """Move a damaged (or newer) backend file and its -wal/-shm aside; the next open seeds a
    fresh one. Returns where it went. The folder's embedded server is forgotten too: one still
    running has the moved file open, so no start may call it (it stops once idle)."""
    from desktop.server_record import forget

    forget(path.parent)
    return move_aside(path, f"set-aside-{stamp(now)}")


def backend_fault(error: BaseException, path: Path | None) -> LocalFault:
    """A database or file-system error of the backend file as a LocalFault: damage reads as
    BACKEND_DAMAGED (the cache's own damage has another way out), anything else by its kind."""
    details = {} if path is None else {"path": str(path)}
    if reason_for(error) is Reason.CACHE_DAMAGED:
        return LocalFault(Reason.BACKEND_DAMAGED, details)
    return local_fault(error, path)
