"""Where the app keeps its files (the data folder, the bundled resources), and who may read them.

The data folder holds invitation links (whoever has one can join), the session's account and
the ledger: on POSIX the folder is 0700 and every file the app writes there 0600, whatever the
umask, and an existing folder or file is tightened when the app opens it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from contextlib import closing, suppress
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

APP_NAME = "referral-desktop"
BACKEND_DB = "backend.sqlite"
CACHE_DB = "cache.sqlite"
APP_LOG = "app.log"

PRIVATE_FOLDER_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
"""What SQLite writes beside a database; it gives them the database file's own mode."""

_POSIX = os.name == "posix"


def default_data_dir() -> Path:
    """The per-user data folder used when no --data-dir is given."""
    import platformdirs  # only then: not at every start with --data-dir

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


@cache
def resources_dir() -> Traversable:
    """The icons and style sheets: `desktop/resources` inside the installed package.

    A wheel installs the top-level `resources/` folder there (pyproject.toml maps it to the
    `desktop.resources` package) and the PyInstaller bundle puts it at the same place. Where the
    package is a folder on disk (installed, frozen, or a checkout) that is the folder beside this
    module, which is what `importlib.resources.files("desktop")` would answer too; a source
    checkout (an editable install or the tree on sys.path) has it beside the package instead.
    Only for a package that is not a folder (a zip) is importlib.resources imported: about 6 ms
    of CPU before the first paint otherwise (docs/PERFORMANCE.md, round 6).
    """
    package = Path(__file__).resolve().parent
    checkout = package.parent / "resources"
    for folder in (package / "resources", checkout):
        if folder.is_dir():
            return folder
    from importlib.resources import files

    installed = files("desktop") / "resources"
    if installed.is_dir():
        return installed
    return checkout


def code_stamp() -> str:
    """Which build of the app this process runs, as a short text: a server one build left
    running is not used by another (desktop.server_record). Frozen: the executable's size and
    time; from source: the name, size and time of every module file of the package (~5 ms)."""
    import sys
    import zlib  # loaded already; hashlib would load OpenSSL's library for this

    listing: list[str] = []

    def add(path: str) -> None:
        with suppress(OSError):
            info = os.stat(path)
            listing.append(f"{path}\0{info.st_size}\0{info.st_mtime_ns}")

    if getattr(sys, "frozen", False):
        add(sys.executable)
    else:
        for top, folders, names in os.walk(os.path.dirname(os.path.abspath(__file__))):
            folders[:] = sorted(name for name in folders if name != "__pycache__")
            for name in sorted(names):
                if name.endswith(".py"):
                    add(os.path.join(top, name))
    text = "\n".join(listing).encode()
    return f"{len(listing):x}-{zlib.crc32(text):08x}-{zlib.adler32(text):08x}"


def private_folder(path: Path) -> Path:
    """Create `path` (and missing parents) if needed; on POSIX only its owner may enter it."""
    path.mkdir(parents=True, exist_ok=True)
    _restrict(path, PRIVATE_FOLDER_MODE)
    return path


def private_file(path: Path, sides: Sequence[str] = ()) -> Path:
    """Create `path` empty if it is missing, readable by its owner only (on POSIX); an existing
    file, and those of its `sides` (suffixes such as "-wal") that exist, are tightened.

    Creating the file first is what makes a database private: SQLite creates a missing file
    with 0644 less the umask, and its -wal and -shm files with the database file's mode.

    An existing file is never opened: closing any descriptor of a file drops every POSIX lock
    this process holds on it, SQLite's included (sqlite.org/howtocorrupt.html, 2.2). A second
    engine opened on a database this process already uses would otherwise let another process
    take its connection for the last one, checkpoint and delete the -wal and -shm files, and
    leave this process's connections reading an old snapshot for good.
    """
    if not path.exists():
        try:
            descriptor = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
        except FileExistsError:
            pass  # created meanwhile by another process: tightened below
        else:
            os.close(descriptor)
    _restrict(path, PRIVATE_FILE_MODE)
    for suffix in sides:
        # Missing, or deleted since (SQLite drops its -journal at every commit of a file not
        # yet in WAL mode, such as a new one another connection is creating): nothing to tighten.
        with suppress(FileNotFoundError):
            _restrict(path.with_name(path.name + suffix), PRIVATE_FILE_MODE)
    return path


def _restrict(path: Path, mode: int) -> None:
    # Only when needed: chmod fails on a read-only file system even when nothing would change.
    if _POSIX and stat.S_IMODE(path.stat().st_mode) != mode:
        os.chmod(path, mode)


def free_sibling(path: Path, tag: str) -> Path:
    """`<name>.<tag>` beside `path`, or `<name>.<tag>-2`, `-3`... when that is taken."""
    candidate = path.with_name(f"{path.name}.{tag}")
    counter = 1
    while candidate.exists():
        counter += 1
        candidate = path.with_name(f"{path.name}.{tag}-{counter}")
    return candidate


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of the SQLite file `source` (what its WAL holds included) at `target`,
    readable by its owner only. SQLite's online backup: other processes may keep writing."""
    import sqlite3  # not at start-up

    private_file(target)
    with closing(sqlite3.connect(source)) as reader, closing(sqlite3.connect(target)) as copy:
        reader.backup(copy)


def move_aside(path: Path, tag: str) -> Path:
    """Rename the database `path` and its side files to a free `<name>.<tag>`; the new path.

    A rename keeps everything (nothing is deleted); the next open starts a new file."""
    target = free_sibling(path, tag)
    for suffix in SQLITE_SIDE_FILES:
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.replace(target.with_name(target.name + suffix))
    if path.exists():
        path.replace(target)
    return target


def stamp(moment: datetime) -> str:
    """A UTC moment as it appears in backup names: 20250310T120000Z."""
    return moment.strftime("%Y%m%dT%H%M%SZ")
