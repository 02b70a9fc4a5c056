"""Fixtures for client tests: the real mock backend in the test's data folder, its simulator,
and controllers that are always shut down with every thread joined."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.backend.api import ReferralApi
from desktop.backend.service import MockBackend
from desktop.backend.simulator import Simulator
from desktop.controller import Controller, RetryPolicy
from desktop.controller.runner import Wait
from desktop.controller.state import AppState, OperationResult, SyncPhase
from desktop.credentials import CredentialStore
from desktop.domain.outcomes import Outcome
from desktop.paths import CACHE_DB
from desktop.storage import CacheRepository

# Tests do not wait for real backoff: delays of a few milliseconds, same doubling and cap.
FAST_RETRY = RetryPolicy(attempts=3, first_delay_ms=2, max_delay_ms=40, call_timeout_ms=10_000)
HOUR_MS = 3_600_000  # periodic sync out of the way unless a test wants it

ControllerFactory = Callable[..., Controller]


@pytest.fixture
def backend(data_dir: Path) -> Iterator[MockBackend]:
    """The authoritative mock backend over `<data_dir>/backend.sqlite`, with a seeded rng."""
    with MockBackend(data_dir, rng=random.Random(20250310)) as server:
        yield server


@pytest.fixture
def simulator(backend: MockBackend) -> Simulator:
    """QA's side of the same backend: recipients, clock, cohort, faults."""
    return Simulator.over_store(backend.store)


@pytest.fixture
def make_controller(
    qtbot: QtBot, data_dir: Path, backend: MockBackend
) -> Iterator[ControllerFactory]:
    """Build controllers on the test's data folder; each is shut down and checked after."""
    made: list[Controller] = []

    def build(
        api: ReferralApi | None = None,
        *,
        credentials: CredentialStore | None = None,
        sync_interval_ms: int = HOUR_MS,
        retry: RetryPolicy = FAST_RETRY,
        wait: Wait | None = None,
    ) -> Controller:
        controller = Controller(
            api if api is not None else backend,
            CacheRepository(data_dir / CACHE_DB),
            credentials if credentials is not None else CredentialStore(),
            sync_interval_ms=sync_interval_ms,
            retry=retry,
            wait=wait,
        )
        made.append(controller)
        return controller

    yield build
    for controller in made:
        controller.shutdown()
        assert controller.is_shut_down, "a controller thread is still running"


def synced(state: AppState) -> bool:
    """The last sync succeeded and nothing is waiting."""
    return state.sync.phase is SyncPhase.SYNCED


class Results:
    """Every OperationResult a controller emits, in order, to wait on one intent's."""

    def __init__(self, controller: Controller) -> None:
        self.all: list[OperationResult] = []
        controller.operationFinished.connect(self.all.append)

    def of(self, key: str) -> list[OperationResult]:
        """The results for one intent, first to last."""
        return [result for result in self.all if result.key == key]

    def wait(
        self, qtbot: QtBot, key: str, *, definite: bool = False, timeout: int = 10_000
    ) -> OperationResult:
        """The first result for `key` (the first definite one with `definite`)."""

        def found() -> None:
            assert any(r.definite or not definite for r in self.of(key))

        qtbot.waitUntil(found, timeout=timeout)
        return next(r for r in self.of(key) if r.definite or not definite)


def start_signed_in(
    qtbot: QtBot, controller: Controller, email: str = "pilot@example.com"
) -> AppState:
    """Start a controller, sign in with the demo password and wait for the first full sync."""
    controller.start()
    results = Results(controller)
    controller.sign_in(email, "demo")
    qtbot.waitUntil(lambda: any(r.definite for r in results.all), timeout=10_000)
    signed = next(r for r in results.all if r.definite)
    assert signed.outcome is Outcome.DONE, signed.message
    qtbot.waitUntil(lambda: synced(controller.state), timeout=10_000)
    return controller.state
