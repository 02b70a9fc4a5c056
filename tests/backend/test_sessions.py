"""Sign-in is exactly-once per request key: a repeated request returns the same session (R11)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktop.backend import accounts
from desktop.backend.api import AuthenticationError, OutcomeUnknown
from desktop.backend.service import MockBackend
from desktop.backend.simulator import Simulator
from desktop.backend.store import SessionRecord
from desktop.domain.reasons import Reason
from tests.backend.support import DATABASES, FAIL_AFTER, BackendFactory, ScriptedRandom

PILOT = "pilot@example.com"


def _sessions(backend: MockBackend) -> int:
    with Session(backend.store.engine) as session:
        return int(session.scalar(select(func.count()).select_from(SessionRecord)) or 0)


def test_the_same_key_returns_the_same_session_and_opens_no_second_one(
    backend: MockBackend,
) -> None:
    first = backend.sign_in(PILOT, "demo", "key-1")
    again = backend.sign_in(PILOT, "demo", "key-1")

    assert again.token == first.token
    assert _sessions(backend) == 1
    assert backend.sign_in(PILOT, "demo", "key-2").token != first.token
    assert _sessions(backend) == 2


def test_a_lost_answer_then_a_retry_with_the_key_leaves_one_session(
    make_backend: BackendFactory, sim: Simulator
) -> None:
    lossy = make_backend(ScriptedRandom(*FAIL_AFTER))
    sim.set_fault(error_rate=0.5)
    with pytest.raises(OutcomeUnknown):
        lossy.sign_in(PILOT, "demo", "key-1")
    sim.clear_faults()

    session = lossy.sign_in(PILOT, "demo", "key-1")
    lossy.sync(session.token, 0)  # the session the lost answer opened is the one in use
    assert _sessions(lossy) == 1


def test_the_key_never_opens_a_session_without_the_password(backend: MockBackend) -> None:
    backend.sign_in(PILOT, "demo", "key-1")
    with pytest.raises(AuthenticationError) as refused:
        backend.sign_in(PILOT, "wrong", "key-1")
    assert refused.value.reason is Reason.SIGN_IN_FAILED


def test_a_replay_after_signing_out_does_not_revive_the_session(backend: MockBackend) -> None:
    token = backend.sign_in(PILOT, "demo", "key-1").token
    backend.sign_out(token)
    with pytest.raises(AuthenticationError) as refused:
        backend.sign_in(PILOT, "demo", "key-1")
    assert refused.value.reason is Reason.SESSION_ENDED


def test_a_password_hashed_before_the_lock_is_still_checked_against_the_stored_one(
    backend: MockBackend,
) -> None:
    # Sign-in hashes the password on a snapshot, then compares under the write lock: a proof
    # made before the password changed, or a forged one, opens nothing.
    store = backend.store
    with store.transaction() as tx:
        proof = accounts.password_proof(tx, PILOT, "demo")
    assert proof is not None
    with store.transaction() as tx:
        pilot = accounts.require_account(tx, PILOT)
        accounts.set_password(pilot, "changed")
    with store.transaction() as tx, pytest.raises(AuthenticationError):
        accounts.sign_in(tx, PILOT, "demo", "key-1", proof)
    with store.transaction() as tx:
        salt = accounts.require_account(tx, PILOT).password_salt
        assert salt is not None
        with pytest.raises(AuthenticationError):
            accounts.sign_in(tx, PILOT, "wrong", "key-2", (salt, b"forged"))
    assert backend.sign_in(PILOT, "changed", "key-3").account.email == PILOT
    with pytest.raises(AuthenticationError):
        backend.sign_in(PILOT, "demo", "key-4")


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_an_ended_or_unknown_session_can_neither_send_nor_redeem(
    backend: MockBackend, sim: Simulator
) -> None:
    # The session and its account are read in one statement (accounts.session_account): an
    # ended session and a token never issued are refused alike, and change nothing.
    operator = "capped@example.com"  # in the cohort, holds two tokens
    ended = backend.sign_in(operator, "demo", "ended").token
    live = backend.sign_in(operator, "demo", "live").token
    pending = backend.send_invitation(live, "peer@example.com", "first")
    backend.sign_out(ended)
    tokens_before = sim.wallet(operator).available
    invitations_before = sim.invitations(operator)
    calls: list[tuple[Callable[..., object], tuple[object, ...]]] = [
        (backend.send_invitation, ("other@example.com", "k-send")),
        (backend.send_invitation, ("peer@example.com", "first")),  # a replay of the live send
        (backend.redeem, ("k-redeem",)),
        (backend.resend_invitation, (pending.id, "k-resend")),
        (backend.revoke_invitation, (pending.id,)),
        (backend.sync, (0,)),
        (backend.offer, ()),
    ]
    for token in (ended, "never-issued", ""):
        for call, arguments in calls:
            with pytest.raises(AuthenticationError) as refused:
                call(token, *arguments)
            assert refused.value.reason is Reason.SESSION_ENDED
    assert sim.wallet(operator).available == tokens_before
    assert sim.invitations(operator) == invitations_before
    # The operator's other session is untouched: it sends and redeems.
    assert backend.send_invitation(live, "other@example.com", "k-send").recipient == (
        "other@example.com"
    )
    assert backend.redeem(live, "k-redeem").replayed is False
