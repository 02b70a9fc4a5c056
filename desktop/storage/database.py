"""Opening the cache file: engine with pragmas, migrations with a backup, corruption recovery.

Write transactions start with BEGIN IMMEDIATE (driver autocommit off, BEGIN emitted by a
`begin` listener) so a read-then-write never hits WAL's instant "database is locked".
"""

from __future__ import annotations

import glob
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import NullPool

from desktop import paths
from desktop.alembic_lock import ALEMBIC_LOCK
from desktop.domain.reasons import Reason
from desktop.environment import is_damaged_file
from desktop.paths import SQLITE_SIDE_FILES, copy_database, private_file, private_folder, stamp
from desktop.storage.records import OpenReport
from desktop.storage.revision import HEAD_REVISION

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BACKUP_TAG = "backup"  # cache.sqlite.backup-<revision>-<UTC stamp>


class CacheUnreadable(Exception):
    """The cache file cannot be used as is: `reason` is CACHE_DAMAGED or CACHE_NEWER."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(detail or reason.value)
        self.reason = reason


class MigrationFailed(Exception):
    """A migration left the cache inconsistent; the backup taken before it is intact."""


def make_engine(path: Path, *, foreign_keys: bool = True, pooled: bool = True) -> Engine:
    """An engine on `path` with WAL, busy timeout, foreign keys and BEGIN IMMEDIATE; the file is
    created, or tightened, readable by its owner only first."""
    private_file(path, SQLITE_SIDE_FILES)
    engine = create_engine(f"sqlite:///{path}", poolclass=None if pooled else NullPool, future=True)
    fk_pragma = "ON" if foreign_keys else "OFF"

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.execute(f"PRAGMA foreign_keys={fk_pragma}")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

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


def stored_revision(connection: Connection) -> str | None:
    """The revision recorded in a cache file's `alembic_version` (None: new or empty), read with
    plain SQL instead of Alembic's MigrationContext so that a warm start does not import Alembic."""
    table = connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    ).first()
    if table is None:
        return None
    versions = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars()
    found = [str(version) for version in versions]
    if len(found) > 1:  # the history is linear: one head, one row
        raise CacheUnreadable(Reason.CACHE_DAMAGED, "several schema revisions recorded")
    return found[0] if found else None


def current_revision(path: Path) -> str | None:
    """The revision a cache file is at (None: new or empty)."""
    engine = make_engine(path, pooled=False)
    try:
        with engine.connect() as connection:
            return stored_revision(connection)
    finally:
        engine.dispose()


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
    SQLAlchemy alone; Alembic is imported only when a migration is due.
    """
    wanted = HEAD_REVISION if target == "head" else target
    # Batch migrations recreate tables: foreign keys stay off so no cascade fires.
    engine = make_engine(path, foreign_keys=False, pooled=False)
    try:
        with engine.connect() as connection:
            check = connection.exec_driver_sql("PRAGMA quick_check").scalar()
            if check != "ok":
                raise CacheUnreadable(Reason.CACHE_DAMAGED, f"integrity check: {check}")
            current = stored_revision(connection)
            connection.commit()
        if current == wanted:
            return OpenReport()
        return _upgrade(engine, path, now, current, target)
    finally:
        engine.dispose()


def _upgrade(
    engine: Engine, path: Path, now: datetime, current: str | None, target: str
) -> OpenReport:
    """Alembic from `current` to `target`, imported here: only a start that migrates pays for it."""
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
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        with ALEMBIC_LOCK:  # Alembic's proxies are process-wide (desktop.alembic_lock)
            command.upgrade(config, target)
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise MigrationFailed(f"migration left {len(broken)} dangling rows; see {backup}")
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
