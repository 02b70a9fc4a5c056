"""Faults of this computer, not of the referral service: a full disk, a read-only or missing
data folder, a file where a folder should be, a database that is damaged or held by another
process. Each becomes one `Reason` (desktop.domain.reasons) with one sentence, so nothing shows a
library's raw message or a traceback.

`reason_for(error)` classifies any exception (OSError, sqlite3's errors, SQLAlchemy's wrappers,
found through `.orig` and the cause chain without importing SQLAlchemy); `LocalFault` carries a
reason and the path it concerns. Plain Python: the backend, the cache, the controller and the
command lines all use it.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path

from desktop.domain.reasons import Detail, Reason, explain

EXIT_LOCAL_FAULT = 3
"""Exit status of `referral-desktop` and `referral-desktop sim` for a fault of this computer
(data folder, disk, a damaged or newer file); 1 is a refusal, 2 wrong usage (README)."""

_BY_ERRNO: Mapping[int, Reason] = {
    errno.ENOSPC: Reason.DISK_FULL,
    errno.EDQUOT: Reason.DISK_FULL,
    errno.EFBIG: Reason.DISK_FULL,
    errno.EROFS: Reason.READ_ONLY,
    errno.EACCES: Reason.READ_ONLY,
    errno.EPERM: Reason.READ_ONLY,
    errno.ENOTDIR: Reason.NOT_A_FOLDER,
    errno.EEXIST: Reason.NOT_A_FOLDER,  # mkdir where a file of that name is in the way
    errno.ENOENT: Reason.FOLDER_MISSING,
}

# SQLite's primary result codes (`sqlite_errorname` before the first "_" sub-code suffix).
_BY_SQLITE_NAME: Mapping[str, Reason] = {
    "SQLITE_CORRUPT": Reason.CACHE_DAMAGED,
    "SQLITE_NOTADB": Reason.CACHE_DAMAGED,
    "SQLITE_BUSY": Reason.CACHE_LOCKED,
    "SQLITE_LOCKED": Reason.CACHE_LOCKED,
    "SQLITE_FULL": Reason.DISK_FULL,
    # The shared-memory file of a WAL database could not grow: on a full disk that is how SQLite
    # says it at open (its "disk I/O error"; a 200 KB tmpfs with 4 KB free, docs/QA.md E11).
    "SQLITE_IOERR_SHMSIZE": Reason.DISK_FULL,
    "SQLITE_READONLY": Reason.READ_ONLY,
    "SQLITE_PERM": Reason.READ_ONLY,
    "SQLITE_CANTOPEN": Reason.READ_ONLY,  # the folder exists (the app made it) but no file
}

# When a driver error has no code (older drivers, re-raised copies), its words.
_BY_TEXT: tuple[tuple[str, Reason], ...] = (
    ("malformed", Reason.CACHE_DAMAGED),
    ("not a database", Reason.CACHE_DAMAGED),
    ("is locked", Reason.CACHE_LOCKED),
    ("disk is full", Reason.DISK_FULL),
    ("readonly database", Reason.READ_ONLY),
    ("unable to open database", Reason.READ_ONLY),
)


class LocalFault(Exception):
    """A fault of this computer with its reason and the details its sentence names (`path`)."""

    def __init__(self, reason: Reason, details: Mapping[str, Detail] | None = None) -> None:
        self.reason = reason
        self.details: dict[str, Detail] = dict(details or {})
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The one sentence for this fault."""
        return explain(self.reason, self.details)


def reason_for(error: BaseException) -> Reason:
    """The reason a local error stands for: CACHE_DAMAGED, CACHE_LOCKED, DISK_FULL, READ_ONLY,
    NOT_A_FOLDER, FOLDER_MISSING, or LOCAL_ERROR when nothing more precise is known. An error
    that already carries a `Reason` (LocalFault, the API's errors) keeps its own."""
    for link in _chain(error):
        carried = getattr(link, "reason", None)
        if isinstance(carried, Reason):
            return carried
        if isinstance(link, sqlite3.Error):
            reason = _sqlite_reason(link)
            if reason is not None:
                return reason
        elif isinstance(link, OSError) and link.errno is not None and link.errno in _BY_ERRNO:
            return _BY_ERRNO[link.errno]
    return Reason.LOCAL_ERROR


def local_fault(error: BaseException, path: Path | str | None = None) -> LocalFault:
    """`error` as a LocalFault naming the file or folder the error names, else `path`."""
    if isinstance(error, LocalFault):
        return error
    named = _filename(error) or path
    details: dict[str, Detail] = {} if named is None else {"path": str(named)}
    carried = getattr(error, "details", None)
    if isinstance(carried, Mapping):
        details = {**carried, **details}
    return LocalFault(reason_for(error), details)


def is_local(error: BaseException) -> bool:
    """Whether the error comes from this computer (the database driver or the file system),
    rather than a rule or a bug."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, LocalFault | sqlite3.Error | OSError):
            return True
        orig = getattr(seen, "orig", None)
        seen = orig if isinstance(orig, BaseException) else seen.__cause__
    return False


def is_damaged_file(error: BaseException) -> bool:
    """Whether the error says a database file is not a usable database (damaged or foreign)."""
    return reason_for(error) in (Reason.CACHE_DAMAGED, Reason.BACKEND_DAMAGED)


def _sqlite_reason(error: sqlite3.Error) -> Reason | None:
    name = getattr(error, "sqlite_errorname", "") or ""
    for prefix, reason in _BY_SQLITE_NAME.items():
        if name == prefix or name.startswith(prefix + "_"):
            return reason
    text = str(error).lower()
    for words, reason in _BY_TEXT:
        if words in text:
            return reason
    return None


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error, what it wraps (SQLAlchemy's `.orig`), and its causes, each once."""
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        link = pending.pop(0)
        if id(link) in seen:
            continue
        seen.add(id(link))
        yield link
        for wrapped in (getattr(link, "orig", None), link.__cause__, link.__context__):
            if isinstance(wrapped, BaseException):
                pending.append(wrapped)


def _filename(error: BaseException) -> str | None:
    for link in _chain(error):
        if isinstance(link, OSError) and link.filename is not None:
            return str(link.filename)
    return None
