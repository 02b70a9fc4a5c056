"""Opening the cache file: a connection with pragmas, migrations with a backup, corruption
recovery.

The repository works on a plain sqlite3 connection (`connect`): importing SQLAlchemy costs more
than a bare window's whole start (docs/PERFORMANCE.md, round 11), and a warm start needs none of
it. Every transaction starts with BEGIN IMMEDIATE (the repository's `_unit`) so a
read-then-write never hits WAL's instant "database is locked". SQLAlchemy and Alembic are
imported only when a migration is due (`_upgrade`, with `make_engine`: the same pragmas).
"""

from __future__ import annotations

import glob
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop import paths
from desktop.alembic_lock import ALEMBIC_LOCK
from desktop.domain.reasons import Reason
from desktop.environment import is_damaged_file
from desktop.import_lock import import_once
from desktop.paths import SQLITE_SIDE_FILES, copy_database, private_file, private_folder, stamp
from desktop.storage.records import OpenReport
from desktop.storage.revision import HEAD_REVISION

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BACKUP_TAG = "backup"  # cache.sqlite.backup-<revision>-<UTC stamp>


class CacheUnreadable(Exception):
    """The cache file cannot be used as is: `reason` is CACHE_DAMAGED or CACHE_NEWER."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(detail or reason.value)
        self.reason = reason


class MigrationFailed(Exception):
    """A migration left the cache inconsistent; the backup taken before it is intact."""


BUSY_TIMEOUT_MS = 5000


def connect(path: Path, *, foreign_keys: bool = True) -> sqlite3.Connection:
    """A connection to `path` with WAL, busy timeout and foreign keys, in autocommit mode (the
    caller begins its transactions); the file is created, or tightened, readable by its owner
    only first. Usable from any thread, by one at a time (the repository's owner)."""
    private_file(path, SQLITE_SIDE_FILES)
    connection = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    try:
        _configure(connection, foreign_keys=foreign_keys)
    except BaseException:
        connection.close()
        raise
    return connection


def _configure(connection: Any, *, foreign_keys: bool) -> None:
    connection.isolation_level = None  # BEGIN is emitted by whoever starts a transaction
    cursor = connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def make_engine(path: Path, *, foreign_keys: bool = True, pooled: bool = True) -> Engine:
    """A SQLAlchemy engine on `path` with the same pragmas as `connect` and BEGIN IMMEDIATE,
    for Alembic's migrations (and tests that look at the file through the models)."""
    import_once("sqlalchemy")  # no other thread half-way through it (desktop.import_lock)
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import NullPool

    private_file(path, SQLITE_SIDE_FILES)
    engine = create_engine(f"sqlite:///{path}", poolclass=None if pooled else NullPool, future=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        _configure(dbapi_connection, foreign_keys=foreign_keys)

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def is_corruption(error: BaseException) -> bool:
    """Whether an exception (or the driver error it wraps) says the file is not a usable db."""
    return isinstance(error, CacheUnreadable) or is_damaged_file(error)


def alembic_config() -> Config:
    """Alembic configuration pointing at the migrations shipped inside the package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    """The head of the migration scripts, as Alembic computes it (imports Alembic; the app uses
    the HEAD_REVISION constant, which a test keeps equal to this)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def stored_revision(connection: sqlite3.Connection) -> str | None:
    """The revision recorded in a cache file's `alembic_version` (None: new or empty), read with
    plain SQL instead of Alembic's MigrationContext so that a warm start does not import Alembic."""
    table = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    ).fetchone()
    if table is None:
        return None
    versions = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    found = [str(version) for (version,) in versions]
    if len(found) > 1:  # the history is linear: one head, one row
        raise CacheUnreadable(Reason.CACHE_DAMAGED, "several schema revisions recorded")
    return found[0] if found else None


def current_revision(path: Path) -> str | None:
    """The revision a cache file is at (None: new or empty)."""
    connection = connect(path)
    try:
        return stored_revision(connection)
    finally:
        connection.close()


def prepare_cache_file(path: Path, now: datetime) -> OpenReport:
    """Make `path` a cache at the head revision; a damaged file is moved aside and rebuilt."""
    private_folder(path.parent)
    try:
        return migrate(path, now)
    except Exception as error:
        if not is_corruption(error):
            raise
        moved = move_aside(path, now)
        reason = error.reason if isinstance(error, CacheUnreadable) else Reason.CACHE_DAMAGED
        migrate(path, now)
        return OpenReport(rebuilt_from=moved, reason=reason)


def migrate(path: Path, now: datetime, target: str = "head") -> OpenReport:
    """Check the file, back it up when a migration is pending, and upgrade it to `target`.

    A file already at the target (every start but the first after an update) is checked with
    sqlite3 alone; SQLAlchemy and Alembic are imported only when a migration is due.
    """
    wanted = HEAD_REVISION if target == "head" else target
    connection = connect(path, foreign_keys=False)
    try:
        connection.execute("BEGIN")
        check = connection.execute("PRAGMA quick_check").fetchone()
        if check is None or check[0] != "ok":
            raise CacheUnreadable(Reason.CACHE_DAMAGED, f"integrity check: {check}")
        current = stored_revision(connection)
        connection.execute("COMMIT")
    finally:
        connection.close()
    if current == wanted:
        return OpenReport()
    return _upgrade(path, now, current, target)


def _upgrade(path: Path, now: datetime, current: str | None, target: str) -> OpenReport:
    """Alembic from `current` to `target`, imported here: only a start that migrates pays for it."""
    import_once("alembic.command", "alembic.script")  # one thread at a time (import_lock)
    from alembic import command
    from alembic.script import ScriptDirectory

    config = alembic_config()
    script = ScriptDirectory.from_config(config)
    if target == "head" and current == script.get_current_head():
        return OpenReport()  # HEAD_REVISION lags behind a new migration (a test says so)
    known = {revision.revision for revision in script.walk_revisions()}
    if current is not None and current not in known:
        raise CacheUnreadable(Reason.CACHE_NEWER)
    backup = None if current is None else back_up(path, now, current)
    # Batch migrations recreate tables: foreign keys stay off so no cascade fires.
    engine = make_engine(path, foreign_keys=False, pooled=False)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            with ALEMBIC_LOCK:  # Alembic's proxies are process-wide (desktop.alembic_lock)
                command.upgrade(config, target)
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise MigrationFailed(f"migration left {len(broken)} dangling rows; see {backup}")
    finally:
        engine.dispose()
    return OpenReport(backup=backup, migrated_from=current)


def back_up(path: Path, now: datetime, revision: str) -> Path:
    """A consistent copy (WAL included) next to the file, before migrating it.

    At most one backup is kept: the copy is written under a temporary name, renamed into place
    once complete, and only then are earlier backups removed (a migration interrupted again and
    again leaves one backup, not one per attempt).
    """
    target = path.with_name(f"{path.name}.{BACKUP_TAG}-{revision}-{stamp(now)}")
    partial = path.with_name(f"{path.name}.{BACKUP_TAG}.partial")
    _remove_with_sides(partial)  # left by an attempt killed while copying
    copy_database(path, partial)
    partial.replace(target)
    for earlier in backups_of(path):
        if earlier != target:
            _remove_with_sides(earlier)
    return target


def backups_of(path: Path) -> list[Path]:
    """The migration backups kept next to the cache file `path`."""
    prefix = f"{path.name}.{BACKUP_TAG}-"
    return sorted(
        candidate
        for candidate in path.parent.glob(f"{glob.escape(prefix)}*")
        if not candidate.name.endswith(SQLITE_SIDE_FILES)
    )


def move_aside(path: Path, now: datetime) -> Path:
    """Rename a damaged file (and its -wal/-shm) with a timestamp, so a new one can be built."""
    return paths.move_aside(path, f"corrupt-{stamp(now)}")


def _remove_with_sides(path: Path) -> None:
    for suffix in ("", *SQLITE_SIDE_FILES):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
