"""The client cache and the backend database migrated on two threads at once (as the app's
start-up does) each get their own schema: Alembic's process-wide proxies are taken in turn."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect

from desktop.backend.database import BackendStore
from desktop.storage.database import prepare_cache_file
from tests.backend.support import run_together

ROUNDS = 4


def test_cache_and_backend_migrate_at_once_without_crossing(tmp_path: Path) -> None:
    for round_ in range(ROUNDS):
        folder = tmp_path / f"round{round_}"
        folder.mkdir()
        cache = folder / "cache.sqlite"

        def open_backend(folder: Path = folder) -> None:
            BackendStore.open(folder).close()

        def open_cache(cache: Path = cache) -> None:
            prepare_cache_file(cache, datetime(2025, 3, 10, tzinfo=UTC))

        results = run_together(open_backend, open_cache, open_backend)
        assert results == [None, None, None], results

        backend_tables = _tables(folder / "backend.sqlite")
        cache_tables = _tables(cache)
        assert {"backend_state", "tokens", "redemptions"} <= backend_tables
        assert "backend_state" not in cache_tables
        assert "sync_state" in cache_tables
        assert "sync_state" not in backend_tables


def _tables(path: Path) -> set[str]:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            return set(inspect(connection).get_table_names())
    finally:
        engine.dispose()
