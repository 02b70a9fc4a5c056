"""The outbox and the cache at their edges: "Send now" on a queued invitation, a cache that
cannot record what the backend did, and what each says to the operator."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop.backend.api import NotInCohort, NotSent, OutcomeUnknown, ServerError
from desktop.backend.service import MockBackend
from desktop.backend.simulator import Simulator
from desktop.controller import Controller
from desktop.controller.state import AppState, SyncPhase
from desktop.credentials import CredentialStore
from desktop.domain.invitations import InvitationState
from desktop.domain.outcomes import Operation, Outcome
from desktop.domain.reasons import Reason, explain
from desktop.paths import CACHE_DB
from desktop.storage import CacheRepository
from tests.client.conftest import FAST_RETRY, HOUR_MS, Results, start_signed_in, synced
from tests.client.matching import assert_matches_backend
from tests.client.scripted import ScriptedApi

DISK_FULL = sqlite3.OperationalError("database or disk is full")


def full_disk_at(cache: CacheRepository) -> str:
    """The sentence for a full disk under `cache`: it names the cache's file (and so its
    folder), as the cache thread reports a driver's error."""
    return explain(Reason.DISK_FULL, {"path": str(cache.path)})


class FailingCache(CacheRepository):
    """The real cache, except that the next call of a chosen method raises."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.failing: dict[str, Exception] = {}

    def __getattribute__(self, name: str) -> Any:
        failing = object.__getattribute__(self, "failing") if name != "failing" else None
        if failing and name in failing:
            error = failing.pop(name)

            def fail(*args: object, **kwargs: object) -> None:
                raise error

            return fail
        return object.__getattribute__(self, name)


@pytest.fixture
def cache(data_dir: Path) -> FailingCache:
    return FailingCache(data_dir / CACHE_DB)


@pytest.fixture
def api(backend: MockBackend) -> ScriptedApi:
    return ScriptedApi(backend)


@pytest.fixture
def controller(qtbot, api: ScriptedApi, cache: FailingCache) -> Iterator[Controller]:
    made = Controller(
        api,  # type: ignore[arg-type]
        cache,
        CredentialStore(),
        sync_interval_ms=HOUR_MS,
        retry=FAST_RETRY,
    )
    yield made
    made.shutdown()
    assert made.is_shut_down


def _backend_keys(simulator: Simulator) -> list[str]:
    return [r.invitation.idempotency_key for r in simulator.invitations("pilot@example.com")]


def _spent(simulator: Simulator) -> set[str]:
    return {t.id for t in simulator.wallet("capped@example.com").tokens if t.state == "spent"}


def test_send_now_sends_a_queued_invitation_with_its_key_once(
    qtbot, controller: Controller, api: ScriptedApi, simulator: Simulator
) -> None:
    start_signed_in(qtbot, controller)
    # The backend is out of reach: the send is queued, and the syncs that would flush it fail.
    api.fail_before("send_invitation", NotSent(), times=FAST_RETRY.attempts)
    api.fail_before("sync", NotSent(), times=10_000)
    results = Results(controller)
    key = controller.send_invitation("later@example.com")
    queued = results.wait(qtbot, key)
    assert (queued.outcome, queued.reason) == (Outcome.NOT_SENT, Reason.OFFLINE)
    assert queued.subject == "later@example.com"
    qtbot.waitUntil(lambda: controller.state.sync.phase is SyncPhase.OFFLINE)
    (row,) = controller.state.invitations
    assert (row.id, row.state) == (f"local-{key}", InvitationState.QUEUED)
    assert controller.state.sync.pending_operations == 1
    assert _backend_keys(simulator) == []

    controller.send_queued_now("no-such-key")  # a row that is gone by now: nothing happens
    gate = api.hold("send_invitation")
    calls = api.count("send_invitation")
    controller.send_queued_now(key)
    qtbot.waitUntil(lambda: api.count("send_invitation") == calls + 1)
    controller.send_queued_now(key)  # a second click while it is in flight
    gate.set()
    qtbot.waitUntil(lambda: results.of(key)[-1].outcome is Outcome.DONE)
    sent = results.of(key)[-1]
    assert [r.outcome for r in results.of(key)] == [Outcome.NOT_SENT, Outcome.DONE]
    assert sent.invitation is not None
    assert sent.invitation.recipient == "later@example.com"
    assert api.count("send_invitation") == calls + 1
    assert _backend_keys(simulator) == [key]
    qtbot.waitUntil(lambda: controller.state.sync.pending_operations == 0)
    assert [v.id for v in controller.state.invitations] == [sent.invitation.id]


def test_a_queued_send_remembers_why_it_waits(
    qtbot, controller: Controller, api: ScriptedApi, cache: FailingCache
) -> None:
    start_signed_in(qtbot, controller)
    phases: list[SyncPhase] = []
    controller.stateChanged.connect(lambda state: phases.append(state.sync.phase))
    api.fail_before("send_invitation", NotSent(), times=FAST_RETRY.attempts)
    api.fail_before("sync", NotSent(), times=10_000)
    results = Results(controller)
    key = controller.send_invitation("later@example.com")
    results.wait(qtbot, key)
    qtbot.waitUntil(lambda: controller.state.sync.phase is SyncPhase.OFFLINE)
    assert controller.state.sync.message == explain(Reason.OFFLINE)
    # Offline is not an error, not even for a moment between the send and the next sync.
    assert SyncPhase.ERROR not in phases
    # The reason is in the cache too: a restart shows why the invitation still waits.
    (queued,) = cache.snapshot().outbox
    assert (queued.key, queued.last_error) == (key, explain(Reason.OFFLINE))


def test_a_lost_send_answer_leaves_the_sync_in_error_not_offline(
    qtbot, controller: Controller, api: ScriptedApi, simulator: Simulator
) -> None:
    start_signed_in(qtbot, controller)
    # Syncs wait until the lost answer has been told: the change feed wakes on the send's
    # commit, and a sync finding the send first would settle it before it is ever unknown.
    syncs = api.hold("sync")
    api.fail_after("send_invitation", OutcomeUnknown(), times=FAST_RETRY.attempts)
    api.fail_before("sync", NotSent(), times=1)
    results = Results(controller)
    key = controller.send_invitation("doubt@example.com")
    lost = results.wait(qtbot, key)
    assert (lost.outcome, lost.reason) == (Outcome.UNKNOWN, Reason.ANSWER_LOST)
    assert "may already have been sent" in lost.message
    syncs.set()
    settled = results.wait(qtbot, key, definite=True)  # the backoff sync finds it by key
    assert settled.outcome is Outcome.DONE
    assert settled.settles
    assert _backend_keys(simulator) == [key]
    qtbot.waitUntil(lambda: synced(controller.state))
    assert_matches_backend(controller.state, simulator)


def test_a_cohort_refusal_drops_the_send_and_syncs_the_flag(
    qtbot, controller: Controller, api: ScriptedApi, simulator: Simulator, cache: FailingCache
) -> None:
    start_signed_in(qtbot, controller)
    syncs = api.count("sync")
    api.fail_before("send_invitation", NotInCohort())
    results = Results(controller)
    key = controller.send_invitation("out@example.com")
    refused = results.wait(qtbot, key)
    assert (refused.outcome, refused.reason) == (Outcome.REFUSED, Reason.NOT_IN_COHORT)
    assert refused.subject == "out@example.com"
    assert api.count("send_invitation") == 1
    qtbot.waitUntil(lambda: api.count("sync") > syncs)
    qtbot.waitUntil(lambda: synced(controller.state))
    assert controller.state.sync.pending_operations == 0
    assert controller.state.invitations == ()
    assert cache.snapshot().outbox == ()  # a restart does not send it again
    assert _backend_keys(simulator) == []


def test_a_sync_the_cache_cannot_store_says_what_is_wrong_here(
    qtbot, controller: Controller, cache: FailingCache
) -> None:
    start_signed_in(qtbot, controller)
    states: list[AppState] = []
    controller.stateChanged.connect(states.append)
    cache.failing["apply_sync"] = DISK_FULL
    controller.sync_now()
    qtbot.waitUntil(lambda: any(s.sync.phase is SyncPhase.ERROR for s in states))
    error = next(s for s in states if s.sync.phase is SyncPhase.ERROR)
    assert error.sync.message == full_disk_at(cache)
    # The backoff's next sync stores it.
    qtbot.waitUntil(lambda: synced(controller.state))
    assert controller.state.sync.message == ""


def test_a_send_the_cache_cannot_record_is_reported_by_the_next_sync(
    qtbot, controller: Controller, cache: FailingCache, simulator: Simulator
) -> None:
    start_signed_in(qtbot, controller)
    # Every published status, not the current one: a sync may already have moved on from it.
    seen: list[tuple[SyncPhase, str]] = []
    controller.stateChanged.connect(
        lambda state: seen.append((state.sync.phase, state.sync.message))
    )
    cache.failing["complete_send"] = DISK_FULL
    results = Results(controller)
    key = controller.send_invitation("unrecorded@example.com")
    qtbot.waitUntil(lambda: (SyncPhase.ERROR, full_disk_at(cache)) in seen)
    assert _backend_keys(simulator) == [key]  # it went out: the cache failed afterwards
    controller.sync_now()
    done = results.wait(qtbot, key, definite=True)
    assert done.outcome is Outcome.DONE
    assert done.operation is Operation.SEND
    assert done.subject == "unrecorded@example.com"
    assert [r.outcome for r in results.of(key)] == [Outcome.DONE]
    qtbot.waitUntil(lambda: synced(controller.state))
    assert_matches_backend(controller.state, simulator)


def test_a_send_the_cache_cannot_queue_is_not_sent(
    qtbot, controller: Controller, cache: FailingCache, api: ScriptedApi
) -> None:
    start_signed_in(qtbot, controller)
    cache.failing["queue_invitation"] = DISK_FULL
    results = Results(controller)
    key = controller.send_invitation("nowhere@example.com")
    failed = results.wait(qtbot, key)
    assert (failed.outcome, failed.reason) == (Outcome.REFUSED, Reason.DISK_FULL)
    assert failed.subject == "nowhere@example.com"
    assert api.count("send_invitation") == 0
    assert controller.state.invitations == ()
    assert controller.state.sync.pending_operations == 0


def test_a_redeem_the_cache_cannot_record_is_still_done(
    qtbot, controller: Controller, cache: FailingCache, simulator: Simulator
) -> None:
    start_signed_in(qtbot, controller, "capped@example.com")
    spent_before = _spent(simulator)
    cache.failing["store_redemption"] = DISK_FULL
    results = Results(controller)
    key = controller.redeem()
    done = results.wait(qtbot, key, definite=True)
    assert done.outcome is Outcome.DONE
    # The intent stayed open in the cache: the sync it asks for replays it with its key, the
    # backend answers with the same spend, and the intent closes.
    qtbot.waitUntil(lambda: synced(controller.state) and controller.state.pending == ())
    assert {r.outcome for r in results.of(key)} == {Outcome.DONE}
    assert len(_spent(simulator) - spent_before) == 1
    assert len(controller.state.available_tokens) == 1


def test_revoking_a_queued_invitation_names_it_and_leaves_nothing_to_send(
    qtbot, controller: Controller, api: ScriptedApi, simulator: Simulator
) -> None:
    start_signed_in(qtbot, controller)
    api.fail_before("send_invitation", NotSent(), times=FAST_RETRY.attempts)
    api.fail_before("sync", NotSent(), times=10_000)
    results = Results(controller)
    send = controller.send_invitation("unwanted@example.com")
    results.wait(qtbot, send)
    revoke = controller.revoke_invitation(f"local-{send}")
    dropped = results.wait(qtbot, revoke)
    assert (dropped.operation, dropped.outcome) == (Operation.REVOKE, Outcome.DONE)
    assert (
        dropped.message == "Invitation to unwanted@example.com revoked; its link no longer works."
    )
    assert dropped.subject == f"local-{send}"
    assert controller.state.invitations == ()
    assert controller.state.sync.pending_operations == 0


def test_a_queued_invitation_the_cache_cannot_drop_stays_and_says_why(
    qtbot, controller: Controller, api: ScriptedApi, cache: FailingCache
) -> None:
    start_signed_in(qtbot, controller)
    api.fail_before("send_invitation", NotSent(), times=FAST_RETRY.attempts)
    api.fail_before("sync", NotSent(), times=10_000)
    results = Results(controller)
    send = controller.send_invitation("stuck@example.com")
    results.wait(qtbot, send)
    cache.failing["complete_send"] = DISK_FULL
    failed = results.wait(qtbot, controller.revoke_invitation(f"local-{send}"))
    assert (failed.operation, failed.outcome, failed.reason) == (
        Operation.REVOKE,
        Outcome.REFUSED,
        Reason.DISK_FULL,
    )
    assert [v.id for v in controller.state.invitations] == [f"local-{send}"]


def test_a_send_answered_after_sign_out_is_still_told(
    qtbot, controller: Controller, api: ScriptedApi, simulator: Simulator
) -> None:
    start_signed_in(qtbot, controller)
    results = Results(controller)
    gate = api.hold_answer("send_invitation")
    key = controller.send_invitation("late@example.com")
    qtbot.waitUntil(lambda: api.applied("send_invitation") == 1)
    controller.sign_out()
    gate.set()
    done = results.wait(qtbot, key)
    assert (done.operation, done.outcome, done.subject) == (
        Operation.SEND,
        Outcome.DONE,
        "late@example.com",
    )
    assert done.message == "Invitation sent to late@example.com."
    assert _backend_keys(simulator) == [key]


def test_a_send_lost_after_sign_out_is_unknown_not_failed(
    qtbot, controller: Controller, api: ScriptedApi, simulator: Simulator
) -> None:
    start_signed_in(qtbot, controller)
    results = Results(controller)
    # No sync finds the send before the sign-out (the change feed would start one): that
    # would tell it went out, which is another test's case.
    syncs = api.hold("sync")
    gate = api.hold_answer("send_invitation")
    api.fail_after("send_invitation", OutcomeUnknown())
    key = controller.send_invitation("doubt@example.com")
    qtbot.waitUntil(lambda: api.applied("send_invitation") == 1)
    controller.sign_out()
    gate.set()
    syncs.set()
    lost = results.wait(qtbot, key)
    assert (lost.operation, lost.outcome, lost.reason, lost.subject) == (
        Operation.SEND,
        Outcome.UNKNOWN,
        Reason.ANSWER_LOST,
        "doubt@example.com",
    )
    assert _backend_keys(simulator) == [key]


def test_a_send_refused_after_sign_out_waits_for_the_next_session(
    qtbot, controller: Controller, api: ScriptedApi
) -> None:
    start_signed_in(qtbot, controller)
    results = Results(controller)
    gate = api.hold("send_invitation")
    api.fail_before("send_invitation", NotSent())
    key = controller.send_invitation("next@example.com")
    qtbot.waitUntil(lambda: api.count("send_invitation") == 1)
    controller.sign_out()
    gate.set()
    ended = results.wait(qtbot, key)
    assert (ended.operation, ended.outcome, ended.reason) == (
        Operation.SEND,
        Outcome.NOT_SENT,
        Reason.SESSION_ENDED,
    )


def test_a_server_error_on_a_send_shows_an_error_not_offline(
    qtbot, controller: Controller, api: ScriptedApi
) -> None:
    start_signed_in(qtbot, controller)
    api.fail_before("send_invitation", ServerError(), times=FAST_RETRY.attempts)
    results = Results(controller)
    phases: list[SyncPhase] = []
    controller.operationFinished.connect(lambda _: phases.append(controller.state.sync.phase))
    key = controller.send_invitation("later@example.com")
    failed = results.wait(qtbot, key)
    assert (failed.outcome, failed.reason) == (Outcome.NOT_SENT, Reason.SERVER_ERROR)
    assert phases[0] is SyncPhase.ERROR
    qtbot.waitUntil(lambda: results.of(key)[-1].outcome is Outcome.DONE)  # the next sync


def test_a_lost_send_that_a_sync_found_meanwhile_is_done_once_with_its_invitation(
    qtbot, controller: Controller, api: ScriptedApi, simulator: Simulator
) -> None:
    start_signed_in(qtbot, controller)
    results = Results(controller)
    gate = api.hold_answer("send_invitation")
    api.fail_after("send_invitation", OutcomeUnknown(), times=FAST_RETRY.attempts)
    key = controller.send_invitation("found@example.com")
    qtbot.waitUntil(lambda: api.applied("send_invitation") == 1)
    controller.sync_now()  # finds it on the backend while its answer is still on the way
    found = results.wait(qtbot, key)
    assert found.outcome is Outcome.DONE
    assert found.message == "Invitation sent to found@example.com."
    assert found.subject == "found@example.com"
    # It carries the invitation the sync found, so the invite dialog can show what was sent.
    (record,) = simulator.invitations("pilot@example.com")
    assert found.invitation is not None
    assert (found.invitation.id, found.invitation.link) == (
        record.invitation.id,
        record.invitation.link,
    )
    gate.set()  # its own answers, lost on every retry, then tell nothing more
    retries = FAST_RETRY.attempts
    qtbot.waitUntil(lambda: api.applied("send_invitation") == retries)
    qtbot.waitUntil(lambda: controller.state.sync.pending_operations == 0)
    read = api.applied("sync")
    controller.sync_now()
    qtbot.waitUntil(lambda: api.applied("sync") > read and not controller.state.pending)
    assert results.of(key) == [found]
    assert _backend_keys(simulator) == [key]


def test_a_redeem_or_revoke_the_cache_cannot_open_is_refused_and_names_its_target(
    qtbot, controller: Controller, cache: FailingCache, api: ScriptedApi
) -> None:
    start_signed_in(qtbot, controller, "capped@example.com")
    results = Results(controller)
    cache.failing["open_intent"] = DISK_FULL
    redeem = results.wait(qtbot, controller.redeem())
    assert (redeem.operation, redeem.outcome, redeem.reason, redeem.subject) == (
        Operation.REDEEM,
        Outcome.REFUSED,
        Reason.DISK_FULL,
        "",
    )
    cache.failing["open_intent"] = DISK_FULL
    revoke = results.wait(qtbot, controller.revoke_invitation("inv-1"))
    assert (revoke.operation, revoke.outcome, revoke.reason, revoke.subject) == (
        Operation.REVOKE,
        Outcome.REFUSED,
        Reason.DISK_FULL,
        "inv-1",
    )
    assert api.count("redeem") == api.count("revoke_invitation") == 0
    assert controller.state.pending == ()


def test_a_redeem_whose_attempt_the_cache_cannot_note_is_refused_and_never_sent(
    qtbot, controller: Controller, cache: FailingCache, api: ScriptedApi
) -> None:
    # The attempt is written ahead of the request: a cache that cannot write it stops the
    # spend before it leaves, says why, and closes the intent (nothing to replay later).
    start_signed_in(qtbot, controller, "capped@example.com")
    results = Results(controller)
    cache.failing["note_attempt"] = DISK_FULL
    redeem = results.wait(qtbot, controller.redeem())
    assert (redeem.operation, redeem.outcome, redeem.reason) == (
        Operation.REDEEM,
        Outcome.REFUSED,
        Reason.DISK_FULL,
    )
    assert redeem.message.startswith(full_disk_at(cache))
    qtbot.waitUntil(lambda: controller.state.pending == ())
    assert cache.snapshot().intents == ()
    assert api.count("redeem") == 0


def test_a_send_queued_as_the_session_ends_names_its_recipient(
    qtbot, controller: Controller, api: ScriptedApi
) -> None:
    start_signed_in(qtbot, controller)
    results = Results(controller)
    key = controller.send_invitation("kept@example.com")
    controller.sign_out()  # before the cache has even queued it
    ended = results.wait(qtbot, key)
    assert (ended.operation, ended.outcome, ended.reason, ended.subject) == (
        Operation.SEND,
        Outcome.NOT_SENT,
        Reason.SESSION_ENDED,
        "kept@example.com",
    )
    assert api.count("send_invitation") == 0


def test_a_sign_in_the_cache_cannot_start_is_refused_and_the_next_one_works(
    qtbot, controller: Controller, cache: FailingCache
) -> None:
    controller.start()
    results = Results(controller)
    cache.failing["start_session"] = DISK_FULL
    controller.sign_in("pilot@example.com", "demo")
    qtbot.waitUntil(lambda: len(results.all) == 1)
    failed = results.all[0]
    assert (failed.operation, failed.outcome, failed.reason) == (
        Operation.SIGN_IN,
        Outcome.REFUSED,
        Reason.DISK_FULL,
    )
    controller.sign_in("pilot@example.com", "demo")  # not stuck "signing in"
    qtbot.waitUntil(lambda: len(results.all) == 2)
    assert results.all[1].outcome is Outcome.DONE
    qtbot.waitUntil(lambda: synced(controller.state))


def test_a_sent_invitation_is_reported_under_its_recipient(
    qtbot, controller: Controller, simulator: Simulator
) -> None:
    # Every result names what it is about (its subject): for a send, the recipient.
    start_signed_in(qtbot, controller)
    results = Results(controller)
    key = controller.send_invitation("friend@example.com")
    done = results.wait(qtbot, key)
    assert (done.operation, done.outcome, done.subject) == (
        Operation.SEND,
        Outcome.DONE,
        "friend@example.com",
    )
    assert done.message == "Invitation sent to friend@example.com."
    assert _backend_keys(simulator) == [key]


def test_a_second_invitation_to_a_pending_address_is_refused_here_without_a_request(
    qtbot, controller: Controller, api: ScriptedApi
) -> None:
    start_signed_in(qtbot, controller)
    results = Results(controller)
    assert results.wait(qtbot, controller.send_invitation("twice@example.com")).outcome is (
        Outcome.DONE
    )
    sends = api.count("send_invitation")
    again = results.wait(qtbot, controller.send_invitation("twice@example.com"))
    assert (again.outcome, again.reason) == (Outcome.REFUSED, Reason.DUPLICATE_PENDING)
    assert api.count("send_invitation") == sends  # R2 is checked here first


def test_a_send_naming_an_offer_whose_terms_changed_is_refused_and_not_sent(
    qtbot, controller: Controller, simulator: Simulator
) -> None:
    state = start_signed_in(qtbot, controller)
    assert state.offer is not None
    read = state.offer.id  # the terms the operator read in the invite dialog
    simulator.set_offer({"description": "New terms."})
    results = Results(controller)
    refused = results.wait(qtbot, controller.send_invitation("terms@example.com", read))
    assert (refused.outcome, refused.reason) == (Outcome.REFUSED, Reason.OFFER_CHANGED)
    assert _backend_keys(simulator) == []


def test_a_refused_send_the_cache_cannot_drop_says_what_is_wrong_here(
    qtbot, controller: Controller, api: ScriptedApi, cache: FailingCache
) -> None:
    start_signed_in(qtbot, controller)
    seen: list[tuple[SyncPhase, str]] = []
    controller.stateChanged.connect(
        lambda state: seen.append((state.sync.phase, state.sync.message))
    )
    api.fail_before("send_invitation", NotInCohort())
    cache.failing["complete_send"] = DISK_FULL
    controller.send_invitation("out@example.com")
    qtbot.waitUntil(lambda: (SyncPhase.ERROR, full_disk_at(cache)) in seen)
    assert api.count("send_invitation") == 1


def test_one_sync_sends_every_queued_invitation_oldest_first(
    qtbot, controller: Controller, api: ScriptedApi, simulator: Simulator
) -> None:
    start_signed_in(qtbot, controller)
    simulator.set_fault(offline=True)
    results = Results(controller)
    first = controller.send_invitation("first@example.com")
    assert results.wait(qtbot, first).outcome is Outcome.NOT_SENT
    second = controller.send_invitation("second@example.com")
    assert results.wait(qtbot, second).outcome is Outcome.NOT_SENT
    simulator.set_fault(offline=False)
    start = len(api.calls)
    controller.sync_now()
    qtbot.waitUntil(lambda: controller.state.sync.pending_operations == 0)
    calls = [
        (name, args) for name, args in api.calls[start:] if name in ("sync", "send_invitation")
    ]
    # The sync that found the backend again sent both, not one per backoff round.
    assert [name for name, _ in calls[:3]] == ["sync", "send_invitation", "send_invitation"]
    assert [args[-1] for _, args in calls[1:3]] == [first, second]
    assert _backend_keys(simulator) == [first, second]
