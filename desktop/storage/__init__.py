"""The client's local SQLite cache: models, repository, Alembic migrations. No Qt.

The records are plain dataclasses and load at once; `CacheRepository` and `CacheClosed` load on
first use (PEP 562), so modules that only pass records around (the controller, the UI's states)
import no SQLAlchemy or Alembic. `desktop.storage.peek` reads a snapshot with sqlite3 alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from desktop.storage.records import (
    CachedFlag,
    CachedInvitation,
    CacheSnapshot,
    LedgerEntry,
    OpenReport,
    PendingIntent,
    QueuedInvitation,
    SyncApplied,
    SyncDelta,
)

if TYPE_CHECKING:
    from desktop.storage.repository import CacheClosed, CacheRepository

__all__ = [
    "CacheClosed",
    "CacheRepository",
    "CacheSnapshot",
    "CachedFlag",
    "CachedInvitation",
    "LedgerEntry",
    "OpenReport",
    "PendingIntent",
    "QueuedInvitation",
    "SyncApplied",
    "SyncDelta",
]


def __getattr__(name: str) -> Any:
    if name in ("CacheRepository", "CacheClosed"):
        from desktop.storage import repository

        return getattr(repository, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
