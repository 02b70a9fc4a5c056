"""Injected faults: offline, error rate before or after the commit, latency, persistence."""

from __future__ import annotations

import random
import sqlite3
import time
from pathlib import Path

import pytest

from desktop.backend.api import BackendUnavailable, NotSent, OutcomeUnknown, ServerError
from desktop.backend.datafile import backend_db_path
from desktop.backend.faults import FaultSettings, current_faults
from desktop.backend.service import MockBackend
from desktop.backend.simulator import Simulator
from desktop.domain.outcomes import Outcome
from tests.backend.support import (
    DATABASES,
    FAIL_AFTER,
    FAIL_BEFORE,
    BackendFactory,
    ScriptedRandom,
    sign_in,
)

PILOT = "pilot@example.com"
CAPPED = "capped@example.com"


def test_offline_fails_every_call_and_does_nothing(backend: MockBackend, sim: Simulator) -> None:
    session = sign_in(backend, PILOT)
    sim.set_fault(offline=True)

    calls = [
        lambda: backend.sign_in(PILOT, "demo"),
        lambda: backend.sync(session, 0),
        lambda: backend.send_invitation(session, "friend@example.com", "k1"),
        lambda: backend.redeem(session, "r1"),
        lambda: backend.sign_out(session),
    ]
    for call in calls:
        with pytest.raises(NotSent, match="offline"):
            call()

    assert sim.invitations(PILOT) == ()
    sim.set_fault(offline=False)
    assert backend.sync(session, 0).account.email == PILOT  # the sign-out did not happen either


def test_the_simulator_ignores_faults(sim: Simulator) -> None:
    sim.set_fault(offline=True, error_rate=1.0)
    assert sim.invite(PILOT, "friend@example.com").invitation.recipient == "friend@example.com"


def test_an_error_before_the_work_changes_nothing(
    make_backend: BackendFactory, sim: Simulator
) -> None:
    backend = make_backend(ScriptedRandom(*FAIL_BEFORE))
    session = sign_in(make_backend(), PILOT)
    sim.set_fault(error_rate=0.5)

    with pytest.raises(ServerError):
        backend.send_invitation(session, "friend@example.com", "k1")
    assert sim.invitations(PILOT) == ()


def test_an_error_after_the_commit_keeps_the_effect_and_the_retry_returns_it(
    make_backend: BackendFactory, sim: Simulator
) -> None:
    backend = make_backend(ScriptedRandom(*FAIL_AFTER))
    session = sign_in(make_backend(), PILOT)
    sim.set_fault(error_rate=0.5)

    with pytest.raises(OutcomeUnknown) as lost:
        backend.send_invitation(session, "friend@example.com", "k1")
    assert lost.value.outcome is Outcome.UNKNOWN  # never "nothing happened"
    made = sim.invitations(PILOT)
    assert len(made) == 1

    sim.clear_faults()
    retried = backend.send_invitation(session, "friend@example.com", "k1")
    assert retried.id == made[0].invitation.id
    assert len(sim.invitations(PILOT)) == 1


def test_a_redemption_that_timed_out_is_replayed_not_spent_again(
    make_backend: BackendFactory, sim: Simulator
) -> None:
    backend = make_backend(ScriptedRandom(*FAIL_AFTER))
    session = sign_in(make_backend(), CAPPED)
    sim.set_fault(error_rate=1.0)

    with pytest.raises(BackendUnavailable):
        backend.redeem(session, "r1")
    assert sim.wallet(CAPPED).available == 1

    sim.clear_faults()
    retried = backend.redeem(session, "r1")
    assert retried.replayed
    assert sim.wallet(CAPPED).available == 1


def test_error_rate_is_a_fraction_of_calls(make_backend: BackendFactory, sim: Simulator) -> None:
    backend = make_backend(random.Random(7))
    session = sign_in(backend, PILOT)
    sim.set_fault(error_rate=0.3)

    failures = 0
    for _ in range(200):
        try:
            backend.sync(session, 0)
        except (ServerError, BackendUnavailable):
            failures += 1
    assert 30 <= failures <= 90


def test_latency_waits_before_handling(make_backend: BackendFactory, sim: Simulator) -> None:
    waits: list[float] = []
    backend = make_backend(sleep=waits.append)
    sim.set_fault(latency_ms=250)

    backend.sign_in(PILOT, "demo")

    assert waits == [0.25]


def test_faults_set_by_another_process_apply_at_once(backend: MockBackend, data_dir: Path) -> None:
    session = sign_in(backend, PILOT)
    with Simulator(data_dir) as other:  # as the sim command would, with its own connection
        other.set_fault(offline=True)
    with pytest.raises(BackendUnavailable):
        backend.sync(session, 0)
    with Simulator(data_dir) as other:
        assert other.faults().offline
        other.set_fault(offline=False)
    assert backend.sync(session, 0).account.email == PILOT


@pytest.mark.parametrize("rate", [-0.1, 1.5])
def test_error_rate_out_of_range_is_refused(sim: Simulator, rate: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        sim.set_fault(error_rate=rate)


@pytest.mark.parametrize("on", ["store", "engine"])
def test_reading_the_faults_never_waits_for_a_writer(
    backend: MockBackend, data_dir: Path, on: str
) -> None:
    # The app checks the faults before every call; a sim command holding the write lock must not
    # make that check wait out the busy timeout (or fail): on the store's plain connection (what
    # each API call does) or a pooled one.
    source = backend.store if on == "store" else backend.store.engine
    writer = sqlite3.connect(backend_db_path(data_dir), timeout=0, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE backend_state SET fault_latency_ms = 5")
        started = time.monotonic()
        assert current_faults(source).latency_ms == 0  # sees the last commit
        assert time.monotonic() - started < 1.0
    finally:
        writer.execute("ROLLBACK")
        writer.close()


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_the_check_before_each_call_reads_the_last_commit_on_the_plain_connection(
    backend: MockBackend, sim: Simulator
) -> None:
    # The check runs on the store's plain connection in autocommit: each call sees the faults
    # committed last, by this process's simulator or anyone else, with no transaction kept open.
    session = sign_in(backend, PILOT)
    sim.set_fault(latency_ms=7, error_rate=0.25)
    assert current_faults(backend.store) == FaultSettings(False, 7, 0.25)
    assert current_faults(backend.store.engine) == FaultSettings(False, 7, 0.25)
    sim.set_fault(offline=True, latency_ms=0, error_rate=0.0)
    with pytest.raises(NotSent):
        backend.send_invitation(session, "friend@example.com", "k1")
    sim.clear_faults()
    assert current_faults(backend.store) == FaultSettings()
    assert backend.send_invitation(session, "friend@example.com", "k1").recipient == (
        "friend@example.com"
    )


def test_a_failing_plain_connection_falls_back_to_a_pooled_read(
    backend: MockBackend, sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim.set_fault(latency_ms=3)
    monkeypatch.setattr(backend.store, "plain_row", lambda sql, parameters: None)
    assert current_faults(backend.store) == FaultSettings(False, 3, 0.0)
