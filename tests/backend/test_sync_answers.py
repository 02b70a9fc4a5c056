"""The quiet-sync answer cache never serves what a full read would not (issue 12.7).

Every answer below is compared with a full read of the same database by a second backend whose
cache is emptied first; `answers.hits` tells whether the cache gave it. A send, a redeem, a
write by another process (the `sim` command on the data folder, a simulator in a child process
on PostgreSQL), an expiry at its exact instant, a running clock, a fault and a sign-out must
each show at once, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from desktop.backend.api import AuthenticationError, NotSent, SyncDTO
from desktop.backend.database import BackendStore
from desktop.backend.service import MockBackend
from desktop.backend.simulator import Simulator
from tests.backend.support import DATABASES, ManualClock, sign_in
from tests.backend.test_store import FakeRealTime

PILOT = "pilot@example.com"
CAPPED = "capped@example.com"
MICROSECOND = timedelta(microseconds=1)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def reader(database: str, clock: ManualClock, sim: Simulator) -> Iterator[MockBackend]:
    """A second backend on the same database and clock: it reads every answer in full."""
    with MockBackend.over_url(database, clock) as other:
        yield other


def answered(
    backend: MockBackend, reader: MockBackend, session: str, cursor: int
) -> tuple[SyncDTO, bool]:
    """`backend`'s answer, checked against a full read; and whether its cache gave it."""
    hits = backend.answers.hits
    answer = backend.sync(session, cursor)
    reader.answers.clear()
    assert answer == reader.sync(session, cursor)
    return answer, backend.answers.hits > hits


def in_another_process(database: str, code: str) -> None:
    """Run `code` with `sim` (a Simulator on `database`, its own virtual clock) in a child."""
    program = (
        "import sys\nimport datetime\nfrom datetime import timedelta\n"
        "from desktop.backend.simulator import Simulator\n"
        "with Simulator.over_url(sys.argv[1]) as sim:\n    " + code
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    completed = subprocess.run(
        [sys.executable, "-c", program, database],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_a_quiet_sync_comes_from_the_cache_and_equals_a_full_read(
    backend: MockBackend, reader: MockBackend, sim: Simulator
) -> None:
    session = sign_in(backend, PILOT)
    cursor = backend.sync(session, 0).cursor

    # The full sync kept the standing part: the next delta sync comes from the cache.
    second, second_cached = answered(backend, reader, session, cursor)
    assert second_cached
    assert (second.cursor, second.invitations, second.tokens, second.full) == (
        cursor,
        (),
        (),
        False,
    )

    # Another account's send moves the global cursor only: still answered from the cache.
    sim.invite(CAPPED, "someone@example.com")
    moved, cached = answered(backend, reader, session, cursor)
    assert cached
    assert (moved.cursor > cursor, moved.since, moved.invitations) == (True, cursor, ())


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_a_send_and_a_redeem_show_in_the_next_sync(
    backend: MockBackend, reader: MockBackend, sim: Simulator
) -> None:
    sim.grant(PILOT, expires_days=None)
    session = sign_in(backend, PILOT)
    cursor = backend.sync(session, 0).cursor
    answered(backend, reader, session, cursor)
    assert answered(backend, reader, session, cursor)[1]

    sent = backend.send_invitation(session, "friend@example.com", "send-1")
    after_send, cached = answered(backend, reader, session, cursor)
    assert not cached
    assert [invitation.id for invitation in after_send.invitations] == [sent.id]
    assert after_send.offer is not None
    assert after_send.offer.send_capacity is not None
    cursor = after_send.cursor
    assert answered(backend, reader, session, cursor)[1]

    spent = backend.redeem(session, "redeem-1")
    after_redeem, cached = answered(backend, reader, session, cursor)
    assert not cached
    assert [(token.id, token.state) for token in after_redeem.tokens] == [(spent.token.id, "spent")]
    assert after_redeem.usage == spent.usage


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_writes_by_another_process_show_in_the_next_sync(
    backend: MockBackend, reader: MockBackend, database: str
) -> None:
    session = sign_in(backend, PILOT)
    cursor = backend.sync(session, 0).cursor
    before, _ = answered(backend, reader, session, cursor)
    assert answered(backend, reader, session, cursor)[1]

    # The account's row only (no change version): usage windows set by QA.
    in_another_process(database, "sim.set_usage('pilot@example.com', weekly_percent=5)")
    usage, cached = answered(backend, reader, session, cursor)
    assert not cached
    assert usage.usage.weekly != before.usage.weekly

    # The state row only: the policy.
    in_another_process(database, "sim.set_policy({'daily_invitation_limit': 3})")
    policy, cached = answered(backend, reader, session, cursor)
    assert not cached
    assert policy.policy.daily_invitation_limit == 3
    assert policy.offer is not None
    assert policy.offer.send_capacity == 3

    # A token of the account: a change version.
    in_another_process(database, "sim.grant('pilot@example.com', expires_days=None)")
    granted, cached = answered(backend, reader, session, cursor)
    assert not cached
    assert [token.state for token in granted.tokens] == ["available"]


def test_the_sim_command_on_the_data_folder_shows_in_the_next_sync(
    backend: MockBackend, reader: MockBackend, data_dir: Path
) -> None:
    session = sign_in(backend, PILOT)
    cursor = backend.sync(session, 0).cursor
    answered(backend, reader, session, cursor)
    assert answered(backend, reader, session, cursor)[1]

    command = [sys.executable, "-m", "desktop.backend.cli", "--data-dir", str(data_dir)]
    completed = subprocess.run(
        [*command, "cohort", PILOT, "deny"],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr

    denied, cached = answered(backend, reader, session, cursor)
    assert not cached
    assert denied.eligible is False
    assert denied.offer is not None
    assert denied.offer.offered is False


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_an_expiry_shows_at_its_exact_instant(
    backend: MockBackend, reader: MockBackend, sim: Simulator, clock: ManualClock
) -> None:
    credit = sim.grant(PILOT, expires_days=1)
    assert credit.expires_at is not None
    session = sign_in(backend, PILOT)
    cursor = backend.sync(session, 0).cursor

    clock.set(credit.expires_at - MICROSECOND)
    answered(backend, reader, session, cursor)
    before, cached = answered(backend, reader, session, cursor)
    assert cached
    assert before.tokens == ()

    clock.set(credit.expires_at)
    due = backend.sync(session, cursor)
    assert [(token.id, token.state) for token in due.tokens] == [(credit.id, "expired")]
    reader.answers.clear()
    assert reader.sync(session, cursor) == due


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_an_expiry_reached_by_another_process_moving_the_virtual_clock_shows(
    database: str,
) -> None:
    with (
        Simulator.over_url(database) as sim,
        MockBackend.over_url(database) as backend,
        MockBackend.over_url(database) as reader,
    ):
        credit = sim.grant(PILOT, expires_days=1)
        assert credit.expires_at is not None
        session = sign_in(backend, PILOT)
        cursor = backend.sync(session, 0).cursor
        to_go = credit.expires_at - sim.now()

        in_another_process(database, f"sim.advance_clock({to_go - MICROSECOND!r})")
        answered(backend, reader, session, cursor)
        before, cached = answered(backend, reader, session, cursor)
        assert cached
        assert before.tokens == ()

        in_another_process(database, f"sim.advance_clock({MICROSECOND!r})")
        due = backend.sync(session, cursor)
        assert (due.now, [token.state for token in due.tokens]) == (credit.expires_at, ["expired"])
        reader.answers.clear()
        assert reader.sync(session, cursor) == due


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_a_running_clock_is_never_answered_from_an_older_moment(database: str) -> None:
    real = FakeRealTime()
    with (
        Simulator.over_store(BackendStore.open_url(database, real_clock=real)) as sim,
        MockBackend.over_store(BackendStore.open_url(database, real_clock=real)) as backend,
        MockBackend.over_store(BackendStore.open_url(database, real_clock=real)) as reader,
    ):
        start = sim.clock_run().now
        session = sign_in(backend, PILOT)
        cursor = backend.sync(session, 0).cursor
        answered(backend, reader, session, cursor)
        assert answered(backend, reader, session, cursor)[1]  # real time stood still

        real.now += MICROSECOND
        moved, cached = answered(backend, reader, session, cursor)
        assert not cached
        assert moved.now == start + MICROSECOND

        real.now += timedelta(minutes=1)  # the reading is due to be stored: a writer
        stored, cached = answered(backend, reader, session, cursor)
        assert not cached
        assert stored.now == start + timedelta(minutes=1) + MICROSECOND


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_a_fault_or_a_sign_out_is_never_hidden_by_the_cache(
    backend: MockBackend, reader: MockBackend, sim: Simulator
) -> None:
    session = sign_in(backend, PILOT)
    cursor = backend.sync(session, 0).cursor
    answered(backend, reader, session, cursor)
    assert answered(backend, reader, session, cursor)[1]

    sim.set_fault(offline=True)
    with pytest.raises(NotSent):
        backend.sync(session, cursor)
    sim.clear_faults()
    assert answered(backend, reader, session, cursor)[1]

    backend.sign_out(session)
    with pytest.raises(AuthenticationError):
        backend.sync(session, cursor)
