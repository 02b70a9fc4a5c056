"""The writers' rules at their edges, on both databases (issue 12.7: a send reads everything
its rules need in one statement, `invitations._SEND_RULES`; a replayed send and a resend read
the invitation with its history in one, `invitations._WITH_HISTORY`; a redemption its credit,
or the redemption a replayed key made, in one, `wallet._REDEEM_READ`, loaded once and claimed
without reading it again). These pin what each part decides.

Every edge is to the microsecond, by the injected clock: a pending invitation's lifetime, the
daily limit's rolling window, the billing cycle that decides whether an invitation is
rewardless, a credit's expiry; and a replayed key answers what a sync shows, whatever the
rules would say now.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from desktop.backend.api import InvitationDTO, InvitationRefused, NotFound, NotInCohort, NoTokens
from desktop.backend.service import MockBackend
from desktop.backend.simulator import Simulator
from desktop.domain.credits import Credit
from desktop.domain.invitations import InvitationState
from desktop.domain.reasons import Reason
from tests.backend.support import DATABASES, ManualClock, convert, sign_in

PILOT = "pilot@example.com"
MICROSECOND = timedelta(microseconds=1)

pytestmark = pytest.mark.parametrize("database", DATABASES, indirect=True)


def _synced(backend: MockBackend, session: str, invitation_id: str) -> InvitationDTO:
    (row,) = (row for row in backend.sync(session, 0).invitations if row.id == invitation_id)
    return row


def _synced_credit(backend: MockBackend, session: str, credit_id: str) -> Credit:
    (row,) = (row for row in backend.sync(session, 0).tokens if row.id == credit_id)
    return row


def test_a_pending_invitation_blocks_its_address_until_its_expiry_instant(
    backend: MockBackend, sim: Simulator, clock: ManualClock
) -> None:
    sim.set_policy({"invitation_expiry_days": 2})
    session = sign_in(backend, PILOT)
    clock.advance(timedelta(microseconds=123_457))  # an instant that is not a whole second
    first = backend.send_invitation(session, "Friend@Example.com", "first")
    expiry = first.created_at + timedelta(days=2)

    clock.set(expiry - MICROSECOND)
    with pytest.raises(InvitationRefused) as refused:
        backend.send_invitation(session, "friend@example.com", "too-early")
    assert refused.value.reason is Reason.DUPLICATE_PENDING
    assert refused.value.details["recipient"] == "friend@example.com"

    clock.set(expiry)  # the sweep ends it at this instant: the address is free
    again = backend.send_invitation(session, "FRIEND@example.com", "at-expiry")
    assert again.id != first.id
    assert again.state is InvitationState.SENT
    ended = _synced(backend, session, first.id)
    assert ended.state is InvitationState.EXPIRED
    assert ended.history[-1].at == expiry
    # The new one blocks the address in turn; another address is not blocked.
    with pytest.raises(InvitationRefused) as blocked:
        backend.send_invitation(session, "friend@example.com", "third")
    assert blocked.value.reason is Reason.DUPLICATE_PENDING
    assert backend.send_invitation(session, "friend2@example.com", "other").recipient == (
        "friend2@example.com"
    )


def test_a_joined_invitation_blocks_its_address_past_the_lifetime(
    backend: MockBackend, sim: Simulator, clock: ManualClock
) -> None:
    # Only sent and opened invitations expire; joined and later ones stay non-final.
    sim.set_policy({"invitation_expiry_days": 1})
    session = sign_in(backend, PILOT)
    joined = backend.send_invitation(session, "newcomer@example.com", "joined")
    sim.recipient_join(joined.link, "newcomer@example.com")
    clock.advance(timedelta(days=30))
    with pytest.raises(InvitationRefused) as refused:
        backend.send_invitation(session, "newcomer@example.com", "again")
    assert refused.value.reason is Reason.DUPLICATE_PENDING


def test_the_daily_limit_frees_a_slot_at_the_instant_the_oldest_leaves_the_window(
    backend: MockBackend, sim: Simulator, clock: ManualClock
) -> None:
    sim.set_policy({"daily_invitation_limit": 2})
    session = sign_in(backend, PILOT)
    first_at = clock.advance(timedelta(hours=1, microseconds=5))
    first = backend.send_invitation(session, "a@example.com", "a")
    second_at = clock.advance(timedelta(minutes=1))
    second = backend.send_invitation(session, "b@example.com", "b")
    assert second.sequence == first.sequence + 1

    with pytest.raises(InvitationRefused) as refused:
        backend.send_invitation(session, "c@example.com", "c")
    assert refused.value.reason is Reason.DAILY_LIMIT
    assert refused.value.details == {"limit": 2, "at": first_at + timedelta(hours=24)}

    clock.set(first_at + timedelta(hours=24) - MICROSECOND)
    with pytest.raises(InvitationRefused):
        backend.send_invitation(session, "c@example.com", "c")
    clock.set(first_at + timedelta(hours=24))
    third = backend.send_invitation(session, "c@example.com", "c")
    assert third.sequence == second.sequence + 1
    # Full again: the next slot frees when the second send leaves the window.
    with pytest.raises(InvitationRefused) as full:
        backend.send_invitation(session, "d@example.com", "d")
    assert full.value.details["at"] == second_at + timedelta(hours=24)


def test_an_invitation_is_rewardless_exactly_while_the_cycle_is_capped(
    backend: MockBackend, sim: Simulator, clock: ManualClock
) -> None:
    sim.set_policy({"monthly_cap": 1, "prompts_required": 1})
    session = sign_in(backend, PILOT)
    assert not backend.send_invitation(session, "before@example.com", "before").rewardless
    convert(sim, PILOT, "newcomer@example.com")  # earns the cycle's one reset
    assert backend.send_invitation(session, "capped@example.org", "capped").rewardless

    cycle_end = sim.wallet(PILOT).cycle_end
    clock.set(cycle_end - MICROSECOND)
    assert backend.send_invitation(session, "late@example.com", "late").rewardless
    clock.set(cycle_end)  # a new cycle: nothing earned in it yet
    assert not backend.send_invitation(session, "next@example.com", "next").rewardless


def test_a_replayed_send_answers_exactly_what_a_sync_shows(
    backend: MockBackend, sim: Simulator, clock: ManualClock
) -> None:
    sim.set_policy({"daily_invitation_limit": 1})
    session = sign_in(backend, PILOT)
    sent = backend.send_invitation(session, "friend@example.com", "key-1")
    assert sent == _synced(backend, session, sent.id)

    # The invitation moves on; the daily limit is now reached and the cohort refuses this
    # operator: a replay (even with another or an invalid address) is the request that already
    # happened, and answers the invitation as it stands, as a sync shows it.
    sim.recipient_open(sent.link)
    clock.advance(timedelta(minutes=5))
    sim.recipient_join(sent.link, "friend@example.com")
    with pytest.raises(InvitationRefused) as refused:
        backend.send_invitation(session, "other@example.com", "key-2")
    assert refused.value.reason is Reason.DAILY_LIMIT
    for address in ("friend@example.com", "someone-else@example.com", "not an address"):
        replayed = backend.send_invitation(session, address, "key-1")
        assert replayed == _synced(backend, session, sent.id)
        assert replayed.state is InvitationState.JOINED
    sim.cohort(PILOT, "deny")
    assert backend.send_invitation(session, "friend@example.com", "key-1") == _synced(
        backend, session, sent.id
    )
    with pytest.raises(NotInCohort):
        backend.send_invitation(session, "new@example.com", "key-3")
    assert len(sim.invitations(PILOT)) == 1


def test_a_resend_reaches_only_the_operators_own_invitation_and_replays_as_synced(
    backend: MockBackend, sim: Simulator, clock: ManualClock
) -> None:
    # A resend reads the invitation with its history and emails in one statement
    # (invitations._WITH_HISTORY), by id and operator together.
    sim.set_policy({"resend_cooldown_minutes": 0})
    pilot = sign_in(backend, PILOT)
    capped = sign_in(backend, "capped@example.com")
    theirs = backend.send_invitation(capped, "friend@example.com", "theirs")
    emails_before = len(sim.outbox())
    for unknown in (theirs.id, "inv_never"):
        with pytest.raises(NotFound) as refused:
            backend.resend_invitation(pilot, unknown, "resend-1")
        assert refused.value.reason is Reason.NOT_FOUND
    assert len(sim.outbox()) == emails_before

    clock.advance(timedelta(microseconds=1))
    resent = backend.resend_invitation(capped, theirs.id, "resend-1")
    assert resent.emails_sent == 2
    assert resent == _synced(backend, capped, theirs.id)
    clock.advance(timedelta(minutes=1))
    assert backend.resend_invitation(capped, theirs.id, "resend-1") == _synced(
        backend, capped, theirs.id
    )
    assert len(sim.outbox()) == emails_before + 1


# -- redemption -------------------------------------------------------------------------------


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
    assert spent.token == _synced_credit(backend, session, soon.id)
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
        assert replay.token == _synced_credit(backend, session, first.id)
        assert replay.usage.weekly.used == 0
        assert replay.usage.five_hour.used == 0
    assert [token.state for token in sim.wallet(PILOT).tokens if token.id == second.id] == [
        "available"
    ]
