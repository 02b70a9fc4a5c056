"""A warm start against a running server (`--backend URL`, or the data folder's own embedded
server left running by an earlier start) shows fresh data without importing SQLAlchemy, Alembic,
httpx or asyncio: the cache is read and written with sqlite3 (desktop.storage; only a migration
imports SQLAlchemy and Alembic) and the wire is http.client (desktop.remote). Issue 15: together
they cost more than a bare window's whole start."""

from __future__ import annotations

from pathlib import Path

from desktop.embedded_server import EmbeddedServer
from tests.patience import bound_s
from tests.ui.test_startup_imports import imported_by_a_start
from tests.wire.support import ServerProcess

NOT_NEEDED = {"sqlalchemy", "alembic", "mako", "httpx", "httpcore", "asyncio"}


def test_a_warm_start_against_a_server_imports_no_database_or_async_stack(
    server: ServerProcess, data_dir: Path
) -> None:
    first = imported_by_a_start(data_dir, "--backend", server.url)
    assert "alembic" in first  # the first start created the cache: a migration ran
    warm = imported_by_a_start(data_dir, "--backend", server.url)  # synced, then exited
    assert "desktop.storage.repository" in warm  # the cache was opened and written
    assert not {name for name in warm if name.split(".")[0] in NOT_NEEDED}


def test_a_warm_start_on_its_folders_lingering_server_imports_no_database_stack(
    data_dir: Path,
) -> None:
    first = imported_by_a_start(data_dir)  # nothing running: the backend in process
    assert "sqlalchemy" in first
    server = EmbeddedServer(data_dir, linger_s=60)  # what the app leaves behind when it closes
    server.start()
    try:
        assert server.ready.wait(bound_s(60)), server.problem
        server.release()
        warm = imported_by_a_start(data_dir)  # the embedded default, no option given
    finally:
        server.stop()
    assert "desktop.remote.client" in warm  # it called the folder's server
    assert "desktop.backend.service" not in warm
    assert not {name for name in warm if name.split(".")[0] in NOT_NEEDED}
