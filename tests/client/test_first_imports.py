"""A fresh data folder's first start: the cache thread migrates a new cache (Alembic,
SQLAlchemy) while a pool thread opens the embedded backend (SQLAlchemy) for the sign-in. Both
imports at the same instant handed one of the threads a half-initialised SQLAlchemy module
("partially initialized module 'sqlalchemy.sql.roles'"), and the sign-in failed; every first
import goes through `desktop.import_lock.import_once` now."""

from __future__ import annotations

import pytest

from tests.child_python import run_python

BOTH_AT_ONCE = """
import sys, threading
from pathlib import Path
from desktop.deferred import DeferredBackend
from desktop.storage import CacheRepository

folder = Path(sys.argv[1])
start = threading.Barrier(2)
failures = []

def run(work):
    start.wait()
    try:
        work()
    except BaseException as error:
        failures.append(repr(error))

cache = CacheRepository(folder / "cache.sqlite")
backend = DeferredBackend(folder)
threads = [
    threading.Thread(target=run, args=(cache.open,)),
    threading.Thread(target=run, args=(lambda: backend.backend,)),
]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(failures or "both opened")
"""


@pytest.mark.parametrize("attempt", range(3))
def test_the_cache_and_the_backend_open_at_once_in_a_fresh_interpreter(
    tmp_path, attempt: int
) -> None:
    result = run_python("-c", BOTH_AT_ONCE, str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "both opened", result.stdout
