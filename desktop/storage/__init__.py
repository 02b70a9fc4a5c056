"""The client's local SQLite cache: models, repository, Alembic migrations. No Qt.

The records are plain dataclasses and load at once; `CacheRepository` and `CacheClosed` load on
first use (PEP 562). The repository works with sqlite3 (docs/CLIENT.md, "Why sqlite3"): the
models and Alembic define the schema and are imported only when a migration is due.
`desktop.storage.peek` reads a snapshot read-only, before the cache is opened.
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
