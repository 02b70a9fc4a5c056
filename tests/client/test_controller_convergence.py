"""The cache converges by construction (issue 11): changes apply in the backend's version order,
never by timestamps; the virtual clock never steps back; a delta the cache cannot trust makes the
next sync a full one, and queued invitations survive it."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from desktop.backend.api import InvitationDTO, NotSent, SyncDTO
from desktop.backend.database import BackendStore
from desktop.backend.service import MockBackend
from desktop.backend.simulator import Simulator
from desktop.controller import Controller
from desktop.controller.state import InvitationView, OperationResult
from desktop.domain.invitations import InvitationState
from desktop.domain.outcomes import Outcome
from tests.client.conftest import ControllerFactory, Results, start_signed_in, synced
from tests.client.matching import assert_matches_backend

PILOT = "pilot@example.com"


def invite(qtbot, controller: Controller, email: str) -> OperationResult:
    """Send through the controller and wait for the intent's first result."""
    results = Results(controller)
    key = controller.send_invitation(email)
    return results.wait(qtbot, key)


def sync(qtbot, controller: Controller) -> None:
    """One sync on demand, waited for until it has finished."""
    before = controller.state.sync.last_synced_at
    controller.sync_now()
    qtbot.waitUntil(
        lambda: synced(controller.state) and controller.state.sync.last_synced_at != before,
        timeout=10_000,
    )


def shown(controller: Controller, recipient: str) -> InvitationView:
    (view,) = [i for i in controller.state.invitations if i.recipient == recipient]
    return view


def test_an_expiry_dated_before_the_opening_still_reaches_the_window(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    # Issue 11's repro: invite, `sim clock advance 3d`, open the link,
    # `sim policy invitation_expiry_days=1`.
    controller = make_controller()
    start_signed_in(qtbot, controller)
    sent = invite(qtbot, controller, "late@example.com")
    assert sent.outcome is Outcome.DONE
    assert sent.invitation is not None
    simulator.advance_clock(timedelta(days=3))
    simulator.recipient_open(sent.invitation.link)
    sync(qtbot, controller)
    assert shown(controller, "late@example.com").state is InvitationState.OPENED

    simulator.set_policy({"invitation_expiry_days": 1})
    sync(qtbot, controller)

    expired = shown(controller, "late@example.com")
    assert expired.state is InvitationState.EXPIRED
    assert [state for state, _ in expired.history][-1] is InvitationState.EXPIRED
    assert_matches_backend(controller.state, simulator)
    # What the stale row used to block: the address can be invited again at once.
    again = invite(qtbot, controller, "late@example.com")
    assert again.outcome is Outcome.DONE
    assert_matches_backend(controller.state, simulator)

    # And it stays converged after a restart (the cache file holds the same).
    controller.shutdown()
    restarted = make_controller()
    restarted.start()
    qtbot.waitUntil(lambda: synced(restarted.state), timeout=10_000)
    states = {i.id: i.state for i in restarted.state.invitations}
    assert states[expired.id] is InvitationState.EXPIRED
    assert_matches_backend(restarted.state, simulator)


class SteppingRealClock:
    """The host's real clock, which the test can step back as NTP or a resumed VM would."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self.now

    def move(self, delta: timedelta) -> None:
        with self._lock:
            self.now += delta


@pytest.fixture
def real_clock() -> SteppingRealClock:
    return SteppingRealClock()


@pytest.fixture
def running_backend(
    data_dir: Path, backend: MockBackend, real_clock: SteppingRealClock
) -> Iterator[tuple[MockBackend, Simulator]]:
    """The same backend file, its virtual clock running on a host clock that can step back."""
    store = BackendStore.open(data_dir, real_clock=real_clock)
    with MockBackend.over_store(store) as server:
        simulator = Simulator.over_store(store)
        simulator.clock_run()
        yield server, simulator


def test_a_host_clock_stepping_back_neither_rewinds_the_backend_nor_loses_a_change(
    qtbot,
    make_controller: ControllerFactory,
    running_backend: tuple[MockBackend, Simulator],
    real_clock: SteppingRealClock,
) -> None:
    server, simulator = running_backend
    controller = make_controller(server)
    start_signed_in(qtbot, controller)
    sent = invite(qtbot, controller, "newcomer@example.com")
    assert sent.invitation is not None
    link = sent.invitation.link
    real_clock.move(timedelta(hours=1))
    simulator.recipient_open(link)
    sync(qtbot, controller)
    opened_at = simulator.now()

    real_clock.move(timedelta(hours=-3))  # the host clock steps back past the opening
    simulator.recipient_join(link, "newcomer@example.com")
    assert simulator.now() >= opened_at
    sync(qtbot, controller)

    joined = shown(controller, "newcomer@example.com")
    assert joined.state is InvitationState.JOINED
    moments = [at for _, at in joined.history]
    assert moments == sorted(moments)
    assert_matches_backend(controller.state, simulator)


class TamperingApi:
    """The real backend, whose next sync answer can be spoiled and whose sends can fail, with
    the cursors sync was asked for."""

    def __init__(self, inner: MockBackend) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self.cursors: list[int] = []
        self.spoil_next_sync = False
        self.sends_fail = False

    def sync(self, session: str, cursor: int) -> SyncDTO:
        answer = self._inner.sync(session, cursor)
        with self._lock:
            self.cursors.append(cursor)
            spoil, self.spoil_next_sync = self.spoil_next_sync, False
        if spoil:  # a row the answer's cursor does not cover: the answer is not consistent
            rows = tuple(
                dataclasses.replace(row, version=answer.cursor + 1) for row in answer.invitations
            )
            answer = dataclasses.replace(answer, invitations=rows)
        return answer

    def send_invitation(self, session: str, email: str, idempotency_key: str) -> InvitationDTO:
        if self.sends_fail:
            raise NotSent()  # offline: provably nothing reached the backend
        return self._inner.send_invitation(session, email, idempotency_key)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def test_an_inconsistent_answer_leads_to_a_full_resync_that_keeps_queued_invitations(
    qtbot, make_controller: ControllerFactory, backend: MockBackend, simulator: Simulator
) -> None:
    api = TamperingApi(backend)
    controller = make_controller(api)  # type: ignore[arg-type]
    start_signed_in(qtbot, controller)
    api.sends_fail = True
    queued = invite(qtbot, controller, "queued@example.com")
    assert queued.outcome is Outcome.NOT_SENT  # kept in the outbox
    # Something changed on the backend (a QA invite), and its answer comes back spoiled.
    simulator.invite(PILOT, "elsewhere@example.com")
    spoiled = len(api.cursors)
    api.spoil_next_sync = True
    controller.sync_now()
    qtbot.waitUntil(lambda: len(api.cursors) > spoiled, timeout=10_000)
    controller.sync_now()  # the next sync (the failed flush may already have asked for one)...

    def resynced() -> None:
        assert len(api.cursors) > spoiled + 1
        assert synced(controller.state)
        assert "elsewhere@example.com" in {i.recipient for i in controller.state.invitations}

    qtbot.waitUntil(resynced, timeout=10_000)
    assert api.cursors[spoiled] > 0
    assert api.cursors[spoiled + 1] == 0  # ...starts from scratch
    recipients = {i.recipient: i.state for i in controller.state.invitations}
    assert recipients["elsewhere@example.com"] is InvitationState.SENT
    assert recipients["queued@example.com"] is InvitationState.QUEUED  # the outbox is kept
    assert_matches_backend(controller.state, simulator)

    api.sends_fail = False
    results = Results(controller)
    controller.sync_now()
    qtbot.waitUntil(lambda: any(r.outcome is Outcome.DONE for r in results.of(queued.key)))
    qtbot.waitUntil(
        lambda: synced(controller.state) and not controller.state.sync.pending_operations
    )
    keys = [r.invitation.idempotency_key for r in simulator.invitations(PILOT)]
    assert keys.count(queued.key) == 1
    assert_matches_backend(controller.state, simulator)


def test_invitations_under_a_frozen_clock_are_listed_newest_first_in_both_windows(
    qtbot, make_controller: ControllerFactory, simulator: Simulator
) -> None:
    from desktop.controller.qa import read_snapshot

    controller = make_controller()
    start_signed_in(qtbot, controller)
    order = [f"peer{n}@example.com" for n in range(5)]
    for email in order:
        assert invite(qtbot, controller, email).outcome is Outcome.DONE
    sync(qtbot, controller)
    backend_rows = [
        i for i in controller.state.invitations if i.state is not InvitationState.QUEUED
    ]
    assert len({i.created_at for i in backend_rows}) == 1  # the frozen clock: one timestamp
    newest_first = list(reversed(order))
    assert [i.recipient for i in backend_rows] == newest_first
    assert [i.sequence for i in backend_rows] == sorted(
        (i.sequence for i in backend_rows), reverse=True
    )

    qa = read_snapshot(simulator, PILOT)
    assert [i.view.recipient for i in qa.invitations] == newest_first
    assert [i.view for i in qa.invitations] == backend_rows  # the same rows, one order

    # A queued (local-only) invitation goes first in the settings window.
    simulator.set_fault(offline=True)
    assert invite(qtbot, controller, "offline@example.com").outcome is Outcome.NOT_SENT
    assert [i.recipient for i in controller.state.invitations] == [
        "offline@example.com",
        *newest_first,
    ]
