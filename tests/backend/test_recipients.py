"""R3/R4: who can convert through a link, and what conversion takes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from desktop.backend.api import InvalidState, InvitationDTO, LinkRefused
from desktop.backend.simulator import Simulator
from desktop.domain.invitations import InvitationState
from tests.backend.support import ManualClock, convert, ready_to_convert

PILOT = "pilot@example.com"


def test_exactly_62_days_idle_is_not_dormant(sim: Simulator) -> None:
    link = sim.invite(PILOT, "edge62@example.com").invitation.link

    joined = sim.recipient_join(link, "edge62@example.com").invitation

    assert joined.state is InvitationState.NOT_ELIGIBLE
    assert joined.joined_kind is None
    assert "62 days" in joined.reason


def test_62_days_and_one_second_idle_is_dormant(sim: Simulator, clock: ManualClock) -> None:
    link = sim.invite(PILOT, "edge62@example.com").invitation.link
    clock.advance(timedelta(seconds=1))

    joined = sim.recipient_join(link, "edge62@example.com").invitation

    assert joined.state is InvitationState.REACTIVATED
    assert joined.joined_kind == "reactivated"


def test_recently_active_account_ends_not_eligible_for_good(sim: Simulator) -> None:
    link = sim.invite(PILOT, "recent@example.com").invitation.link
    assert sim.recipient_join(link, "recent@example.com").invitation.state is (
        InvitationState.NOT_ELIGIBLE
    )

    with pytest.raises(LinkRefused):
        sim.recipient_init(link, "recent@example.com")
    after = sim.recipient_prompt(link, "recent@example.com", 5).invitation
    assert after.state is InvitationState.NOT_ELIGIBLE
    assert sim.wallet(PILOT).earned_this_cycle == 0


def test_new_address_creates_an_account_when_the_link_is_used(sim: Simulator) -> None:
    emails_before = {account.email for account in sim.status().accounts}
    link = sim.invite(PILOT, "newcomer@example.com").invitation.link
    assert "newcomer@example.com" not in emails_before
    assert "newcomer@example.com" not in {a.email for a in sim.status().accounts}

    joined = sim.recipient_join(link, "newcomer@example.com").invitation

    assert joined.state is InvitationState.JOINED
    assert joined.joined_kind == "new"
    assert joined.link_opened
    assert "newcomer@example.com" in {a.email for a in sim.status().accounts}


def test_a_link_used_with_another_email_is_refused(sim: Simulator) -> None:
    link = sim.invite(PILOT, "dormant@example.com").invitation.link

    with pytest.raises(LinkRefused, match="another address"):
        sim.recipient_join(link, "recent@example.com")
    with pytest.raises(LinkRefused):
        sim.recipient_join(link, "someone-else@example.com")

    assert sim.invitations(PILOT)[0].invitation.state is InvitationState.SENT
    # The invited address itself works, in any letter case.
    assert sim.recipient_join(link, "Dormant@EXAMPLE.com").invitation.state is (
        InvitationState.REACTIVATED
    )


def test_opening_a_link_marks_it_opened_once(sim: Simulator, clock: ManualClock) -> None:
    link = sim.invite(PILOT, "dormant@example.com").invitation.link
    first = sim.recipient_open(link).invitation
    clock.advance(timedelta(minutes=5))
    again = sim.recipient_open(link).invitation

    assert first.state is InvitationState.OPENED
    assert first.link_opened
    assert again.updated_at == first.updated_at
    assert [event.state for event in again.history] == [
        InvitationState.SENT,
        InvitationState.OPENED,
    ]


def test_signing_in_alone_never_converts(sim: Simulator, clock: ManualClock) -> None:
    link = sim.invite(PILOT, "dormant@example.com").invitation.link
    sim.recipient_join(link, "dormant@example.com")
    # Prompts without a workspace are usage, not qualifying prompts.
    sim.recipient_prompt(link, "dormant@example.com", 10)
    clock.advance(timedelta(days=3))

    invitation = sim.invitations(PILOT)[0].invitation
    assert invitation.state is InvitationState.REACTIVATED
    assert invitation.prompts == 0
    assert sim.wallet(PILOT).tokens == ()


def test_conversion_needs_init_then_n_prompts_after_it(sim: Simulator) -> None:
    link = sim.invite(PILOT, "dormant@example.com").invitation.link
    sim.recipient_join(link, "dormant@example.com")
    sim.recipient_prompt(link, "dormant@example.com", 2)  # before init: do not count
    ready = sim.recipient_init(link, "dormant@example.com").invitation
    assert ready.state is InvitationState.WORKSPACE_READY
    assert ready.prompts == 0

    two = sim.recipient_prompt(link, "dormant@example.com", 2).invitation
    assert two.state is InvitationState.PROMPTING
    assert (two.prompts, two.prompts_required) == (2, 3)
    assert "2 of 3 prompts" in two.reason
    assert sim.wallet(PILOT).tokens == ()

    third = sim.recipient_prompt(link, "dormant@example.com").invitation
    assert third.state is InvitationState.CONVERTED_REWARDED
    tokens = sim.wallet(PILOT).tokens
    assert len(tokens) == 1
    assert tokens[0].invitation_id == third.id


def test_one_required_prompt_converts_on_the_first(sim: Simulator) -> None:
    sim.set_policy({"prompts_required": 1})
    link = sim.invite(PILOT, "dormant@example.com").invitation.link
    sim.recipient_join(link, "dormant@example.com")
    sim.recipient_init(link, "dormant@example.com")

    converted = sim.recipient_prompt(link, "dormant@example.com").invitation

    assert converted.state is InvitationState.CONVERTED_REWARDED
    assert (converted.prompts, converted.prompts_required) == (1, 1)


def test_init_before_join_is_refused(sim: Simulator) -> None:
    link = sim.invite(PILOT, "dormant@example.com").invitation.link
    with pytest.raises(InvalidState):
        sim.recipient_init(link, "dormant@example.com")


def test_joining_twice_is_refused(sim: Simulator) -> None:
    link = sim.invite(PILOT, "newcomer@example.com").invitation.link
    sim.recipient_join(link, "newcomer@example.com")
    with pytest.raises(InvalidState):
        sim.recipient_join(link, "newcomer@example.com")


def test_a_converted_recipient_cannot_count_again_until_dormant_again(
    sim: Simulator, clock: ManualClock
) -> None:
    convert(sim, PILOT, "dormant@example.com")
    sim.cohort("free@example.com", "allow")

    clock.advance(timedelta(days=62))
    link = sim.invite("free@example.com", "dormant@example.com").invitation.link
    assert sim.recipient_join(link, "dormant@example.com").invitation.state is (
        InvitationState.NOT_ELIGIBLE
    )

    clock.advance(timedelta(days=62, seconds=1))
    link = sim.invite("free@example.com", "dormant@example.com").invitation.link
    assert sim.recipient_join(link, "dormant@example.com").invitation.state is (
        InvitationState.REACTIVATED
    )


def test_a_revoked_link_is_refused(sim: Simulator) -> None:
    invitation = sim.invite(PILOT, "dormant@example.com").invitation
    sim.revoke(PILOT, invitation.id)

    with pytest.raises(LinkRefused, match="revoked"):
        sim.recipient_open(invitation.link)
    with pytest.raises(LinkRefused, match="revoked"):
        sim.recipient_join(invitation.link, "dormant@example.com")


def test_pending_invitations_expire_when_the_policy_says(
    sim: Simulator, clock: ManualClock
) -> None:
    sim.set_policy({"invitation_expiry_days": 7})
    pending = sim.invite(PILOT, "dormant@example.com").invitation
    joined_link = sim.invite(PILOT, "newcomer@example.com").invitation.link
    sim.recipient_join(joined_link, "newcomer@example.com")

    def by_recipient() -> dict[str, InvitationDTO]:
        return {record.invitation.recipient: record.invitation for record in sim.invitations(PILOT)}

    clock.advance(timedelta(days=7) - timedelta(seconds=1))
    assert by_recipient()["dormant@example.com"].state is InvitationState.SENT
    clock.advance(timedelta(seconds=1))

    states = by_recipient()
    assert states["dormant@example.com"].state is InvitationState.EXPIRED
    assert states["dormant@example.com"].history[-1].at == pending.created_at + timedelta(days=7)
    assert states["newcomer@example.com"].state is InvitationState.JOINED  # joined never expires
    with pytest.raises(LinkRefused, match="expired"):
        sim.recipient_join(pending.link, "dormant@example.com")


def test_prompts_record_usage_on_the_recipient(sim: Simulator) -> None:
    link = ready_to_convert(sim, PILOT, "newcomer@example.com")
    sim.recipient_prompt(link, "newcomer@example.com")

    recipient = next(a for a in sim.status().accounts if a.email == "newcomer@example.com")
    assert recipient.usage.five_hour.used == 3
    assert recipient.usage.weekly.used == 3
