"""A read-only look at the cache file with the standard library alone, for a fast first screen.

Opening the cache properly (`CacheRepository.open()`) checks the file's integrity and migrates it
when due (importing SQLAlchemy and Alembic, about 0.4 s, then). The app should not wait for that
to show the operator what was cached last time (DESIGN R8: "at start-up it shows the cache at
once"), so the controller first asks `peek_snapshot()` here, shows that, and then opens the cache
as usual; the repository's own snapshot follows and wins.

The peek reads only a file at the head revision (`desktop.storage.revision.HEAD_REVISION`, whose
schema it knows), in one read transaction, writing nothing. Anything unexpected (no file,
another revision, a lock, damage) gives None: the normal open deals with it. It reads with the
repository's own reader (`desktop.storage.rows`), in a read-only connection.
`peek_first_screenful` reads the newest invitations only, with the counts of all, so the first
screen costs the same with 10,000 invitations cached as with 10; the controller reads the rest
once that is painted.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from desktop.storage.records import CacheSnapshot
from desktop.storage.revision import HEAD_REVISION
from desktop.storage.rows import Screenful, read_snapshot

__all__ = ["Screenful", "peek_first_screenful", "peek_snapshot"]

_BUSY_TIMEOUT_S = 0.2  # a writer holding the file: do not wait, the normal open will


def peek_snapshot(path: Path) -> CacheSnapshot | None:
    """What `CacheRepository.snapshot()` would return for `path`, or None if unsure."""
    peeked = _peek(path, None)
    return None if peeked is None else peeked.snapshot


def peek_first_screenful(path: Path, newest: int) -> Screenful | None:
    """The snapshot with the `newest` invitations only (newest first, as the full one orders
    them), and the counts of all: a first screen that costs the same with 10,000 cached as
    with 10. None if unsure, as `peek_snapshot`."""
    return _peek(path, newest)


def _peek(path: Path, newest: int | None) -> Screenful | None:
    if not path.is_file():
        return None
    try:
        connection = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=_BUSY_TIMEOUT_S
        )
    except sqlite3.Error:
        return None
    try:
        connection.isolation_level = None
        connection.execute("BEGIN")  # one consistent read across the queries
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        if revision != [(HEAD_REVISION,)]:
            return None
        return read_snapshot(connection, newest)
    except (sqlite3.Error, ValueError, KeyError, TypeError):
        return None
    finally:
        connection.close()
