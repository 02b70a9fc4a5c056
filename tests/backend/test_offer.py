"""Issue 14, server side: the offer, its capacities and expiry, rewardless invitations, resend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from desktop.backend.api import (
    InvalidState,
    InvitationDTO,
    InvitationRefused,
    NotInCohort,
    OfferRefused,
)
from desktop.backend.service import MockBackend
from desktop.backend.simulator import Simulator
from desktop.domain.offer import Offer
from desktop.domain.outcomes import OFFER_TITLE
from desktop.domain.reasons import Reason
from tests.backend.support import START, BackendFactory, ManualClock, convert, sign_in
from tests.backend.test_wallet import run_together

PILOT = "pilot@example.com"
CAPPED = "capped@example.com"


def offer_of(backend: MockBackend, session: str) -> Offer:
    offer = backend.sync(session, 0).offer
    assert offer is not None
    return offer


def test_an_operator_in_the_cohort_gets_the_servers_offer_with_its_capacities(
    backend: MockBackend,
) -> None:
    offer = offer_of(backend, sign_in(backend, PILOT))

    assert offer.offered
    assert offer.unavailable_reason is None
    assert offer.title == OFFER_TITLE
    assert offer.rules
    assert all(rule.endswith(".") for rule in offer.rules)
    assert any("3 prompts" in rule for rule in offer.rules)  # policy values filled in
    assert offer.requires_confirmation
    assert (offer.send_capacity, offer.reward_capacity, offer.max_recipients) == (10, 3, 5)
    assert offer.rewards_resume_at is None
    assert offer.send_capacity_frees_at is None
    assert offer.issued_at == START
    assert offer.expires_at == START + timedelta(seconds=300)


def test_the_same_offer_is_handed_out_while_it_lasts_and_a_new_one_after(
    backend: MockBackend, clock: ManualClock
) -> None:
    session = sign_in(backend, PILOT)
    first = backend.offer(session)
    clock.advance(timedelta(seconds=100))
    assert backend.offer(session).id == first.id
    clock.advance(timedelta(seconds=50))  # half its lifetime left: a fresh one
    renewed = backend.offer(session)
    assert renewed.id != first.id
    assert renewed.expires_at == clock.now + timedelta(seconds=300)


@pytest.mark.parametrize(
    ("operator", "reason"),
    [("pro@example.com", Reason.NOT_IN_COHORT), ("free@example.com", Reason.NOT_IN_COHORT)],
)
def test_an_account_outside_the_cohort_is_not_offered_and_qa_sees_why(
    backend: MockBackend, sim: Simulator, operator: str, reason: Reason
) -> None:
    offer = offer_of(backend, sign_in(backend, operator))
    assert not offer.offered
    assert offer.unavailable_reason is reason
    assert offer.send_capacity == 0
    assert sim.offer(operator).unavailable_reason is reason


def test_a_paused_offer_is_not_offered_and_sending_is_refused(
    backend: MockBackend, sim: Simulator
) -> None:
    session = sign_in(backend, PILOT)
    sim.set_offer({"paused": True})

    offer = offer_of(backend, session)
    assert (offer.offered, offer.unavailable_reason) == (False, Reason.OFFER_PAUSED)
    with pytest.raises(OfferRefused) as refused:
        backend.send_invitation(session, "friend@example.com", "key-1")
    assert refused.value.reason is Reason.OFFER_PAUSED
    assert sim.invitations(PILOT) == ()


def test_the_server_copy_and_confirmation_come_from_the_offer_settings(
    backend: MockBackend, sim: Simulator
) -> None:
    sim.set_offer(
        {
            "title": "Share the product",
            "description": "Bring a colleague.",
            "rules": ["One address per invitation."],
            "requires_confirmation": False,
        }
    )
    offer = offer_of(backend, sign_in(backend, PILOT))
    assert (offer.title, offer.description, offer.rules) == (
        "Share the product",
        "Bring a colleague.",
        ("One address per invitation.",),
    )
    assert not offer.requires_confirmation
    sim.set_offer({"title": None, "rules": None})
    assert sim.offer(PILOT).title == OFFER_TITLE


def test_hidden_capacities_go_out_as_unknown_not_zero(backend: MockBackend, sim: Simulator) -> None:
    sim.set_offer({"report_capacities": False})
    offer = offer_of(backend, sign_in(backend, CAPPED))
    assert offer.offered
    assert (offer.send_capacity, offer.reward_capacity, offer.rewards_resume_at) == (
        None,
        None,
        None,
    )


# -- re-validation right before sending ------------------------------------------------------


def test_an_offer_works_for_sending_until_one_second_before_it_expires(
    backend: MockBackend, clock: ManualClock, sim: Simulator
) -> None:
    session = sign_in(backend, PILOT)
    offer = backend.offer(session)

    clock.set(offer.expires_at - timedelta(seconds=1))
    sent = backend.send_invitation(session, "one@example.com", "key-1", offer_id=offer.id)
    assert sent.recipient == "one@example.com"

    clock.set(offer.expires_at)
    with pytest.raises(OfferRefused) as refused:
        backend.send_invitation(session, "two@example.com", "key-2", offer_id=offer.id)
    assert refused.value.reason is Reason.OFFER_EXPIRED
    assert refused.value.details["at"] == offer.expires_at
    assert [r.invitation.recipient for r in sim.invitations(PILOT)] == ["one@example.com"]
    # The same request again is the first invitation, expired offer or not.
    assert backend.send_invitation(session, "one@example.com", "key-1", offer.id).id == sent.id


def test_a_changed_offer_stops_the_send_and_the_new_one_works(
    backend: MockBackend, sim: Simulator
) -> None:
    session = sign_in(backend, PILOT)
    read = backend.offer(session)
    sim.set_offer({"rules": ["New rule."]})

    with pytest.raises(OfferRefused) as refused:
        backend.send_invitation(session, "friend@example.com", "key-1", offer_id=read.id)
    assert refused.value.reason is Reason.OFFER_CHANGED
    assert "changed" in refused.value.message
    fresh = backend.offer(session)
    assert fresh.id != read.id
    assert backend.send_invitation(session, "friend@example.com", "key-1", fresh.id).id


def test_another_accounts_offer_or_an_unknown_one_counts_as_changed(
    backend: MockBackend,
) -> None:
    capped_offer = backend.offer(sign_in(backend, CAPPED))
    session = sign_in(backend, PILOT)
    for offer_id in (capped_offer.id, "off_unknown"):
        with pytest.raises(OfferRefused) as refused:
            backend.send_invitation(session, "friend@example.com", offer_id, offer_id=offer_id)
        assert refused.value.reason is Reason.OFFER_CHANGED


def test_sending_without_an_offer_still_works_for_older_clients(backend: MockBackend) -> None:
    session = sign_in(backend, PILOT)
    assert backend.send_invitation(session, "friend@example.com", "key-1").id


# -- capacities at their edges ---------------------------------------------------------------


def test_send_capacity_one_then_zero_then_refused(backend: MockBackend, sim: Simulator) -> None:
    sim.set_policy({"daily_invitation_limit": 2})
    session = sign_in(backend, PILOT)
    backend.send_invitation(session, "a@example.com", "key-a")
    offer = backend.offer(session)
    assert offer.send_capacity == 1

    backend.send_invitation(session, "b@example.com", "key-b", offer_id=offer.id)
    empty = backend.offer(session)
    assert empty.send_capacity == 0
    assert empty.send_capacity_frees_at == START + timedelta(hours=24)
    # Capacities are not terms: the offer read before still stands.
    assert empty.id == offer.id
    with pytest.raises(InvitationRefused) as refused:
        backend.send_invitation(session, "c@example.com", "key-c", offer_id=offer.id)
    assert refused.value.reason is Reason.DAILY_LIMIT
    assert refused.value.details["at"] == START + timedelta(hours=24)
    # A replay uses no capacity.
    backend.send_invitation(session, "b@example.com", "key-b")
    assert backend.offer(session).send_capacity == 0


def test_reward_capacity_zero_makes_invitations_rewardless_until_the_cycle_ends(
    backend: MockBackend,
) -> None:
    session = sign_in(backend, CAPPED)
    offer = backend.offer(session)
    assert offer.reward_capacity == 0
    cycle = backend.sync(session, 0).cycle
    assert offer.rewards_resume_at == cycle.end

    invitation = backend.send_invitation(session, "friend@example.com", "key-1", offer.id)
    assert invitation.rewardless


def test_reward_capacity_one_then_zero_flips_the_offers_terms(
    backend: MockBackend, sim: Simulator
) -> None:
    sim.set_policy({"monthly_cap": 1})
    session = sign_in(backend, PILOT)
    offer = backend.offer(session)
    assert offer.reward_capacity == 1
    first = backend.send_invitation(session, "first@example.com", "key-1", offer.id)
    assert not first.rewardless

    convert(sim, PILOT, "new@example.com")  # earns the only reset of the cycle
    with pytest.raises(OfferRefused) as refused:
        backend.send_invitation(session, "second@example.com", "key-2", offer.id)
    assert refused.value.reason is Reason.OFFER_CHANGED  # sending now would earn nothing
    now_rewardless = backend.offer(session)
    assert now_rewardless.reward_capacity == 0
    second = backend.send_invitation(session, "second@example.com", "key-2", now_rewardless.id)
    assert second.rewardless
    assert not backend.sync(session, 0).invitations[0].rewardless  # the first stays as it was


# -- resend ----------------------------------------------------------------------------------


def test_a_resend_inside_the_cooldown_is_refused_and_just_after_it_works_once(
    backend: MockBackend, sim: Simulator, clock: ManualClock
) -> None:
    session = sign_in(backend, PILOT)
    sent = backend.send_invitation(session, "friend@example.com", "key-1")
    assert sent.last_sent_at == START
    assert sent.resend_available_at == START + timedelta(minutes=15)

    clock.set(START + timedelta(minutes=15) - timedelta(seconds=1))
    with pytest.raises(InvitationRefused) as refused:
        backend.resend_invitation(session, sent.id, "resend-1")
    assert refused.value.reason is Reason.RESEND_TOO_SOON
    assert refused.value.details["at"] == START + timedelta(minutes=15)
    assert "12:15" in refused.value.message

    clock.set(START + timedelta(minutes=15))
    resent = backend.resend_invitation(session, sent.id, "resend-1")
    assert resent.emails_sent == 2
    assert resent.last_sent_at == clock.now
    assert resent.resend_available_at == clock.now + timedelta(minutes=15)
    assert [m.sent_at for m in sim.outbox() if m.invitation_id == sent.id] == [START, clock.now]

    # The same request again sends nothing more; a new one waits for the next cooldown.
    clock.advance(timedelta(minutes=1))
    assert backend.resend_invitation(session, sent.id, "resend-1").emails_sent == 2
    with pytest.raises(InvitationRefused):
        backend.resend_invitation(session, sent.id, "resend-2")
    assert len([m for m in sim.outbox() if m.invitation_id == sent.id]) == 2


def test_a_resend_is_delta_synced_and_uses_no_send_capacity(
    backend: MockBackend, clock: ManualClock, sim: Simulator
) -> None:
    sim.set_policy({"daily_invitation_limit": 1, "resend_cooldown_minutes": 0})
    session = sign_in(backend, PILOT)
    sent = backend.send_invitation(session, "friend@example.com", "key-1")
    cursor = backend.sync(session, 0).cursor
    backend.resend_invitation(session, sent.id, "resend-1")
    changed = backend.sync(session, cursor).invitations
    assert [(i.id, i.emails_sent) for i in changed] == [(sent.id, 2)]


def test_only_a_pending_invitation_can_be_resent(
    backend: MockBackend, sim: Simulator, clock: ManualClock
) -> None:
    session = sign_in(backend, PILOT)
    sent = backend.send_invitation(session, "friend@example.com", "key-1")
    backend.revoke_invitation(session, sent.id)
    clock.advance(timedelta(hours=1))
    with pytest.raises(InvalidState) as refused:
        backend.resend_invitation(session, sent.id, "resend-1")
    assert refused.value.reason is Reason.NOT_RESENDABLE
    assert backend.sync(session, 0).invitations[0].resend_available_at is None


def test_resending_needs_the_cohort(backend: MockBackend, sim: Simulator) -> None:
    session = sign_in(backend, PILOT)
    sent = backend.send_invitation(session, "friend@example.com", "key-1")
    sim.cohort(PILOT, "deny")
    with pytest.raises(NotInCohort):
        backend.resend_invitation(session, sent.id, "resend-1")


def test_the_resend_sentence_names_both_times() -> None:
    error = InvitationRefused(
        Reason.RESEND_TOO_SOON,
        {
            "sent_at": datetime(2025, 3, 10, 12, tzinfo=UTC),
            "at": datetime(2025, 3, 10, 12, 15, tzinfo=UTC),
        },
    )
    assert "12:00" in error.message
    assert "12:15" in error.message


def test_rules_qa_types_are_shown_as_typed_even_with_braces(sim: Simulator) -> None:
    sim.set_offer({"rules": ["Earn up to {monthly_cap} resets }"]})
    assert sim.offer(PILOT).rules == ("Earn up to {monthly_cap} resets }",)


def test_two_resends_with_one_key_at_the_same_moment_send_one_email(
    backend: MockBackend, make_backend: BackendFactory, sim: Simulator, clock: ManualClock
) -> None:
    session = sign_in(backend, PILOT)
    sent = backend.send_invitation(session, "friend@example.com", "key-1")
    clock.advance(timedelta(minutes=15))
    other = make_backend()

    results = run_together(
        lambda: backend.resend_invitation(session, sent.id, "resend-1"),
        lambda: other.resend_invitation(session, sent.id, "resend-1"),
    )
    assert [r.emails_sent for r in results if isinstance(r, InvitationDTO)] == [2, 2]
    assert len([m for m in sim.outbox() if m.invitation_id == sent.id]) == 2
