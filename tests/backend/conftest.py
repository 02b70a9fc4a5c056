"""Backend fixtures: a manual clock, a simulator and a backend over one temporary data folder."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.backend.service import MockBackend
from desktop.backend.simulator import Simulator
from tests.backend.support import ManualClock


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
