"""Backend fixtures: a manual clock, a simulator and a backend over one backend database.

The database is the data folder's SQLite file unless a test asks for more with
`@pytest.mark.parametrize("database", DATABASES, indirect=True)`: then it also runs on a fresh
database of the session's throwaway PostgreSQL server.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop.backend.datafile import backend_db_path
from desktop.backend.service import MockBackend
from desktop.backend.simulator import Simulator
from desktop.backend.store import sqlite_url
from tests.backend.support import BackendFactory, ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def database(request: pytest.FixtureRequest, data_dir: Path) -> str:
    """The URL of the test's backend database: "sqlite" (default) or "postgresql"."""
    kind = getattr(request, "param", "sqlite")
    if kind == "sqlite":
        return sqlite_url(backend_db_path(data_dir))
    assert kind == "postgresql", kind
    server: Any = request.getfixturevalue("postgres_server")
    url: str = server.new_database()
    return url


@pytest.fixture
def sim(database: str, clock: ManualClock) -> Iterator[Simulator]:
    """The simulator; opening it creates and seeds the backend at START."""
    with Simulator.over_url(database, clock) as simulator:
        yield simulator


@pytest.fixture
def backend(sim: Simulator, database: str, clock: ManualClock) -> Iterator[MockBackend]:
    """The API over the same database, with its own engine (as the app would have)."""
    with MockBackend.over_url(database, clock, random.Random(0)) as api:
        yield api


@pytest.fixture
def make_backend(database: str, clock: ManualClock, sim: Simulator) -> Iterator[BackendFactory]:
    """Opens API instances over the test's database with a chosen rng and sleep."""
    opened: list[MockBackend] = []

    def make(
        rng: random.Random | None = None, sleep: Callable[[float], None] = time.sleep
    ) -> MockBackend:
        backend = MockBackend.over_url(database, clock, rng, sleep=sleep)
        opened.append(backend)
        return backend

    yield make
    for backend in opened:
        backend.close()
