"""A warm start against a running server (`--backend URL`) shows fresh data without importing
SQLAlchemy, Alembic, httpx or asyncio: the cache is read and written with sqlite3
(desktop.storage; only a migration imports SQLAlchemy and Alembic) and the wire is http.client
(desktop.remote). Issue 15: together they cost more than a bare window's whole start."""

from __future__ import annotations

from pathlib import Path

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
