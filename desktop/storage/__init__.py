"""The client's local SQLite cache: models, repository, Alembic migrations. No Qt."""

from desktop.storage.records import (
    CachedAccount,
    CachedCycle,
    CachedFlag,
    CachedInvitation,
    CachedToken,
    CacheSnapshot,
    LedgerEntry,
    OpenReport,
    QueuedInvitation,
    SyncApplied,
    SyncDelta,
)
from desktop.storage.repository import CacheClosed, CacheRepository

__all__ = [
    "CacheClosed",
    "CacheRepository",
    "CacheSnapshot",
    "CachedAccount",
    "CachedCycle",
    "CachedFlag",
    "CachedInvitation",
    "CachedToken",
    "LedgerEntry",
    "OpenReport",
    "QueuedInvitation",
    "SyncApplied",
    "SyncDelta",
]
