"""Reliability suite fixtures: trial counts, a seeded random source, one prepared data folder,
and the tally each scenario reports (docs/RELIABILITY.md)."""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pytest

from desktop.backend.simulator import Simulator
from tests.reliability.harness import prepare_tokens, run_to_state

OPERATOR = "pilot@example.com"
TOKENS_IN_TEMPLATE = 3
SECONDS_PER_TRIAL = 90  # pytest-timeout per trial: two or three app processes on a loaded machine


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The suite's 60 s per-test timeout grows with the number of trials asked for."""
    trials = int(config.getoption("--reliability-trials"))
    for item in items:
        if "tests/reliability/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.timeout(60 + SECONDS_PER_TRIAL * trials))


@dataclass
class Tally:
    """What one scenario measured over its trials."""

    scenario: str
    trials: int = 0
    killed: int = 0  # trials where the kill landed before the process finished by itself
    survived: int = 0  # restarted, and cache and backend agree with nothing lost or doubled
    lost: int = 0
    duplicated: int = 0
    notes: list[str] = field(default_factory=list)

    def count(self, *, killed: bool, lost: int = 0, duplicated: int = 0) -> None:
        """One trial's result."""
        self.trials += 1
        self.killed += killed
        self.lost += lost
        self.duplicated += duplicated
        self.survived += not lost and not duplicated


@pytest.fixture
def trials(request: pytest.FixtureRequest) -> int:
    """How many trials each scenario runs (--reliability-trials)."""
    count = int(request.config.getoption("--reliability-trials"))
    assert count >= 1
    return count


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> random.Random:
    """Kill moments from a seed printed on failure ($RELIABILITY_SEED replays one)."""
    seed = int(os.environ.get("RELIABILITY_SEED", str(random.SystemRandom().randrange(2**32))))
    request.node.user_properties.append(("reliability_seed", seed))
    print(f"RELIABILITY_SEED={seed}")
    return random.Random(seed)


@pytest.fixture
def tally(request: pytest.FixtureRequest) -> Iterator[Tally]:
    """The scenario's tally, appended to --reliability-report as one JSON line."""
    result = Tally(request.node.name.removeprefix("test_"))
    yield result
    report = request.config.getoption("--reliability-report")
    if report:
        with Path(report).open("a", encoding="utf-8") as out:
            out.write(json.dumps(asdict(result)) + "\n")


@dataclass(frozen=True)
class Template:
    """A data folder where the operator has invitations and tokens, signed in and synced once."""

    folder: Path
    sync_seconds: float  # how long a whole driver run took: the range kill moments are drawn in


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """Prepared once per session; every trial works on a copy."""
    folder = tmp_path_factory.mktemp("reliability-template")
    with Simulator(folder) as simulator:
        simulator.set_policy({"daily_invitation_limit": 1000})
        for n in range(3):
            simulator.invite(OPERATOR, f"pending{n}@example.com")
    prepare_tokens(folder, OPERATOR, TOKENS_IN_TEMPLATE, "earned")
    started = time.monotonic()
    state = run_to_state(folder, OPERATOR, "sync")
    assert state["available_tokens"] == TOKENS_IN_TEMPLATE
    return Template(folder, time.monotonic() - started)
