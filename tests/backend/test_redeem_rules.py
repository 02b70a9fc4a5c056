"""A redemption's choice of credit at its edges, on both databases (issue 12.7: the credit, or
the redemption a replayed key made, is read in one statement, `wallet._REDEEM_READ`, loaded
once and claimed without reading it again)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from desktop.backend.api import NoTokens
from desktop.backend.service import MockBackend
from desktop.backend.simulator import Simulator
from desktop.domain.credits import Credit
from desktop.domain.reasons import Reason
from tests.backend.support import DATABASES, ManualClock, sign_in

PILOT = "pilot@example.com"  # in the cohort, no tokens
MICROSECOND = timedelta(microseconds=1)

pytestmark = pytest.mark.parametrize("database", DATABASES, indirect=True)


def _synced(backend: MockBackend, session: str, credit_id: str) -> Credit:
    rows = [row for row in backend.sync(session, 0).tokens if row.id == credit_id]
    assert len(rows) == 1
    return rows[0]


def test_the_first_to_expire_is_spent_until_its_expiry_instant(
    backend: MockBackend, sim: Simulator, clock: ManualClock
) -> None:
    session = sign_in(backend, PILOT)
    clock.advance(timedelta(microseconds=250))
    soon = sim.grant(PILOT, expires_days=1)
    later = sim.grant(PILOT, expires_days=2)
    never = sim.grant(PILOT, expires_days=None)
    assert soon.expires_at is not None

    clock.set(soon.expires_at - MICROSECOND)
    spent = backend.redeem(session, "one")
    assert spent.token.id == soon.id
    assert spent.token == _synced(backend, session, soon.id)
    assert spent.token.spent_at == clock.now

    # At its expiry instant a credit is no longer spendable: the next one is taken.
    assert later.expires_at is not None
    clock.set(later.expires_at)
    assert backend.redeem(session, "two").token.id == never.id
    with pytest.raises(NoTokens) as none_left:
        backend.redeem(session, "three")
    assert none_left.value.code.value == "no_credit"
    assert none_left.value.reason is Reason.NO_TOKENS


def test_a_named_credit_must_be_the_accounts_and_spendable(
    backend: MockBackend, sim: Simulator, clock: ManualClock
) -> None:
    session = sign_in(backend, PILOT)
    mine = sim.grant(PILOT, expires_days=1)
    theirs = sim.grant("capped@example.com", expires_days=None)
    for unknown in (theirs.id, "tok_never"):
        with pytest.raises(NoTokens) as refused:
            backend.redeem(session, f"key-{unknown}", unknown)
        assert refused.value.reason is Reason.CREDIT_NOT_FOUND
    assert mine.expires_at is not None
    clock.set(mine.expires_at)
    with pytest.raises(NoTokens) as expired:
        backend.redeem(session, "expired", mine.id)
    assert expired.value.reason is Reason.CREDIT_UNAVAILABLE
    assert expired.value.details == {"state": "expired"}
    assert sim.wallet("capped@example.com").tokens[0].state == "available"


def test_a_replayed_key_answers_the_first_spend_whatever_it_names(
    backend: MockBackend, sim: Simulator, clock: ManualClock
) -> None:
    session = sign_in(backend, PILOT)
    first = sim.grant(PILOT, expires_days=1)
    second = sim.grant(PILOT, expires_days=None)
    sim.set_usage(PILOT, weekly_percent=50, five_hour_percent=20)
    spent = backend.redeem(session, "key-1")
    assert spent.token.id == first.id
    assert not spent.replayed

    clock.advance(timedelta(minutes=3))
    for named in (None, second.id, "tok_never"):
        replay = backend.redeem(session, "key-1", named)
        assert replay.replayed
        assert replay.token == _synced(backend, session, first.id)
        assert replay.usage.weekly.used == 0
        assert replay.usage.five_hour.used == 0
    assert [token.state for token in sim.wallet(PILOT).tokens if token.id == second.id] == [
        "available"
    ]
