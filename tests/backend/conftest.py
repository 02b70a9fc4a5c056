"""Backend fixtures: a manual clock, a simulator and a backend over one temporary data folder."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from desktop.backend.service import MockBackend
from desktop.backend.simulator import Simulator
from tests.backend.support import BackendFactory, ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sim(data_dir: Path, clock: ManualClock) -> Iterator[Simulator]:
    """The simulator; opening it creates and seeds the backend at START."""
    with Simulator(data_dir, clock) as simulator:
        yield simulator


@pytest.fixture
def backend(sim: Simulator, data_dir: Path, clock: ManualClock) -> Iterator[MockBackend]:
    """The API over the same data folder, with its own engine (as the app would have)."""
    with MockBackend(data_dir, clock, random.Random(0)) as api:
        yield api


@pytest.fixture
def make_backend(data_dir: Path, clock: ManualClock, sim: Simulator) -> Iterator[BackendFactory]:
    """Opens API instances over the test's data folder with a chosen rng and sleep."""
    opened: list[MockBackend] = []

    def make(
        rng: random.Random | None = None, sleep: Callable[[float], None] = time.sleep
    ) -> MockBackend:
        backend = MockBackend(data_dir, clock, rng, sleep=sleep)
        opened.append(backend)
        return backend

    yield make
    for backend in opened:
        backend.close()
