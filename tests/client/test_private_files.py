"""Nobody but the owner can read the data folder: 0700, its files 0600 (issue 11 item 5, POSIX).

Every test runs under umask 000, so nothing here passes because of a careful umask.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.backend.simulator import Simulator
from desktop.controller.ledger import write_ledger
from desktop.paths import private_file, private_folder
from desktop.storage import CacheRepository, LedgerEntry
from tests.client.records import T0, delta, invitation

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


@pytest.fixture(autouse=True)
def open_umask() -> Iterator[None]:
    previous = os.umask(0)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def modes(folder: Path) -> dict[str, int]:
    return {path.name: mode(path) for path in folder.iterdir()}


def test_a_new_folder_is_0700_and_an_existing_one_is_tightened(tmp_path: Path) -> None:
    assert mode(private_folder(tmp_path / "new" / "data")) == 0o700
    existing = tmp_path / "existing"
    existing.mkdir(mode=0o755)
    assert mode(existing) == 0o755
    assert mode(private_folder(existing)) == 0o700


def test_a_new_file_is_0600_and_an_existing_one_and_its_sides_are_tightened(
    tmp_path: Path,
) -> None:
    assert mode(private_file(tmp_path / "new.sqlite")) == 0o600
    existing = tmp_path / "old.sqlite"
    existing.write_bytes(b"kept")
    wal = tmp_path / "old.sqlite-wal"
    wal.write_bytes(b"")
    assert mode(existing) == mode(wal) == 0o666
    private_file(existing, ["-wal", "-shm"])
    assert modes(tmp_path) == {"new.sqlite": 0o600, "old.sqlite": 0o600, "old.sqlite-wal": 0o600}
    assert existing.read_bytes() == b"kept"  # tightened, not truncated


def test_a_side_file_sqlite_deletes_while_it_is_tightened_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new backend file is created by two connections (the backend's and the QA window's):
    SQLite deletes the -journal at each commit until the file is in WAL mode, so it can vanish
    between being seen and being tightened; the sign-in then said "the folder does not exist"."""
    database = tmp_path / "backend.sqlite"
    database.write_bytes(b"")
    journal = tmp_path / "backend.sqlite-journal"
    journal.write_bytes(b"")
    database.chmod(0o644)
    journal.chmod(0o644)  # to be tightened
    chmod = os.chmod

    def committed_meanwhile(path: Path, mode: int) -> None:
        if Path(path) == journal:
            journal.unlink()  # the other connection's commit, between stat and chmod
        chmod(path, mode)

    monkeypatch.setattr("desktop.paths.os.chmod", committed_meanwhile)
    private_file(database, ["-wal", "-shm", "-journal"])
    assert modes(tmp_path) == {"backend.sqlite": 0o600}


def test_the_cache_and_its_wal_are_0600(data_dir: Path) -> None:
    data_dir.chmod(0o755)
    repo = CacheRepository(data_dir / "cache.sqlite", clock=lambda: T0)
    repo.open()
    try:
        repo.apply_sync(delta(1, (invitation(1),)))
        files = modes(data_dir)  # while open: the -wal and -shm exist
    finally:
        repo.close()
    assert {"cache.sqlite", "cache.sqlite-wal", "cache.sqlite-shm"} <= set(files)
    assert set(files.values()) == {0o600}
    assert mode(data_dir) == 0o700


def test_an_existing_world_readable_cache_is_tightened(data_dir: Path) -> None:
    path = data_dir / "cache.sqlite"
    first = CacheRepository(path, clock=lambda: T0)
    first.open()
    first.close()
    path.chmod(0o644)
    repo = CacheRepository(path, clock=lambda: T0)
    repo.open()
    repo.close()
    assert mode(path) == 0o600


def test_the_backend_database_is_0600(data_dir: Path) -> None:
    with Simulator(data_dir) as sim:
        sim.invite("pilot@example.com", "peer@example.com")
        files = modes(data_dir)
    assert {"backend.sqlite", "backend.sqlite-wal", "backend.sqlite-shm"} <= set(files)
    assert set(files.values()) == {0o600}
    assert mode(data_dir) == 0o700


def test_a_ledger_export_is_0600(tmp_path: Path) -> None:
    target = tmp_path / "ledger.csv"
    write_ledger(target, [LedgerEntry("granted", T0, "tok-1", "inv-1", "peer@example.com")])
    assert mode(target) == 0o600


@pytest.mark.skipif(sys.platform != "linux", reason="runs the app offscreen")
def test_everything_the_app_writes_is_private(data_dir: Path) -> None:
    from tests.ui.test_command_line import run_app

    data_dir.chmod(0o755)
    result = run_app("--data-dir", str(data_dir), "--account", "pilot@example.com", "--smoke-test")
    assert result.returncode == 0, result.stderr
    files = modes(data_dir)
    assert {"app.log", "cache.sqlite", "backend.sqlite"} <= set(files)
    assert {name: m for name, m in files.items() if m != 0o600} == {}
    assert mode(data_dir) == 0o700
