"""R1/R2 as the backend enforces them: the cohort, the refusals, links, idempotent sends."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from desktop.backend.api import (
    InvalidState,
    InvitationDTO,
    InvitationRefused,
    NotFound,
    NotInCohort,
)
from desktop.backend.service import MockBackend
from desktop.backend.simulator import Simulator
from desktop.domain.cohort import CohortRule
from desktop.domain.invitations import InvitationState
from tests.backend.support import DATABASES, ManualClock, convert, run_together, sign_in

PILOT = "pilot@example.com"
LINK_PREFIX = "https://referrals.example/join/"


def test_seeded_cohort_reasons_cover_every_rule(sim: Simulator) -> None:
    decisions = {
        email: sim.cohort_decision(email)
        for email in (
            "pilot@example.com",
            "capped@example.com",
            "pro@example.com",
            "free@example.com",
        )
    }
    assert decisions["pilot@example.com"].eligible
    assert decisions["pilot@example.com"].rule is CohortRule.ALLOW_LIST
    assert decisions["capped@example.com"].eligible
    assert decisions["capped@example.com"].rule is CohortRule.ROLLOUT
    assert not decisions["pro@example.com"].eligible
    assert decisions["pro@example.com"].rule is CohortRule.DENY_LIST
    assert not decisions["free@example.com"].eligible
    assert decisions["free@example.com"].rule is CohortRule.ROLLOUT


@pytest.mark.parametrize("operator", ["pro@example.com", "free@example.com"])
def test_an_account_outside_the_cohort_is_refused_by_the_backend(
    backend: MockBackend, sim: Simulator, operator: str
) -> None:
    session = sign_in(backend, operator)
    with pytest.raises(NotInCohort):
        backend.send_invitation(session, "friend@example.com", "key-1")
    assert sim.invitations(operator) == ()
    assert not backend.sync(session, 0).eligible


def test_revoking_is_refused_once_the_account_leaves_the_cohort(
    backend: MockBackend, sim: Simulator
) -> None:
    session = sign_in(backend, PILOT)
    invitation = backend.send_invitation(session, "friend@example.com", "key-1")
    sim.cohort(PILOT, "deny")

    with pytest.raises(NotInCohort):
        backend.revoke_invitation(session, invitation.id)
    with pytest.raises(NotInCohort):
        backend.send_invitation(session, "other@example.com", "key-2")


def test_the_cohort_flag_flips_for_the_backend_at_once(
    backend: MockBackend, sim: Simulator
) -> None:
    session = sign_in(backend, "free@example.com")
    sim.cohort("free@example.com", "allow")

    assert backend.sync(session, 0).eligible
    assert backend.send_invitation(session, "friend@example.com", "key-1").state is (
        InvitationState.SENT
    )
    sim.cohort("free@example.com", "clear")
    assert not backend.sync(session, 0).eligible


def test_rollout_change_moves_accounts_by_bucket(sim: Simulator) -> None:
    bucket = sim.cohort_decision("free@example.com").bucket
    sim.set_policy({"rollout_basis_points": bucket + 1})
    assert sim.cohort_decision("free@example.com").eligible
    sim.set_policy({"rollout_basis_points": bucket})
    assert not sim.cohort_decision("free@example.com").eligible


def test_self_invite_is_refused_whatever_the_case(sim: Simulator) -> None:
    with pytest.raises(InvitationRefused) as refused:
        sim.invite(PILOT, "  Pilot@Example.COM ")
    assert refused.value.reason == "self_invite"


def test_invalid_address_is_refused(sim: Simulator) -> None:
    with pytest.raises(InvitationRefused) as refused:
        sim.invite(PILOT, "not an address")
    assert refused.value.reason == "invalid_email"
    assert refused.value.message


def test_duplicate_pending_invitation_is_refused(sim: Simulator) -> None:
    first = sim.invite(PILOT, "friend@example.com").invitation
    sim.recipient_open(first.link)

    with pytest.raises(InvitationRefused) as refused:
        sim.invite(PILOT, "FRIEND@example.com")
    assert refused.value.reason == "duplicate_pending"

    # Once the first one has ended, the same address can be invited again.
    sim.revoke(PILOT, first.id)
    assert sim.invite(PILOT, "friend@example.com").invitation.state is InvitationState.SENT


def test_joined_but_unconverted_invitation_still_counts_as_pending(sim: Simulator) -> None:
    link = sim.invite(PILOT, "newcomer@example.com").invitation.link
    sim.recipient_join(link, "newcomer@example.com")
    with pytest.raises(InvitationRefused) as refused:
        sim.invite(PILOT, "newcomer@example.com")
    assert refused.value.reason == "duplicate_pending"


def test_daily_limit_allows_the_last_slot_and_refuses_one_more(
    sim: Simulator, clock: ManualClock
) -> None:
    sim.set_policy({"daily_invitation_limit": 3})
    first_sent = clock.advance(timedelta(hours=1))
    for number in range(3):
        sim.invite(PILOT, f"friend{number}@example.com")
        clock.advance(timedelta(hours=1))

    with pytest.raises(InvitationRefused) as refused:
        sim.invite(PILOT, "one-more@example.com")
    assert refused.value.reason == "daily_limit"
    # The refusal says when sending works again: when the oldest of the three leaves the window.
    assert refused.value.details["at"] == first_sent + timedelta(hours=24)
    assert "from 11 Mar 2025 13:00 UTC" in refused.value.message

    # Rolling 24 hours: the first slot frees exactly 24 hours after it was used.
    clock.set(first_sent + timedelta(hours=24) - timedelta(seconds=1))
    with pytest.raises(InvitationRefused):
        sim.invite(PILOT, "one-more@example.com")
    clock.advance(timedelta(seconds=1))
    assert sim.invite(PILOT, "one-more@example.com").invitation.state is InvitationState.SENT


def test_revoked_invitations_still_use_their_daily_slot(sim: Simulator) -> None:
    sim.set_policy({"daily_invitation_limit": 1})
    sim.revoke(PILOT, sim.invite(PILOT, "friend@example.com").invitation.id)
    with pytest.raises(InvitationRefused) as refused:
        sim.invite(PILOT, "other@example.com")
    assert refused.value.reason == "daily_limit"


def test_an_idempotent_resend_returns_the_first_and_uses_no_daily_slot(
    backend: MockBackend, sim: Simulator
) -> None:
    sim.set_policy({"daily_invitation_limit": 2})
    session = sign_in(backend, PILOT)

    first = backend.send_invitation(session, "friend@example.com", "key-a")
    for _ in range(3):
        assert backend.send_invitation(session, "friend@example.com", "key-a") == first
    second = backend.send_invitation(session, "other@example.com", "key-b")

    assert second.id != first.id
    assert len(sim.invitations(PILOT)) == 2
    assert len(sim.outbox()) == 3 + 2  # the seed's three, then one per invitation
    with pytest.raises(InvitationRefused) as refused:
        backend.send_invitation(session, "third@example.com", "key-c")
    assert refused.value.reason == "daily_limit"
    # A replay after the limit is reached still answers with the original.
    assert backend.send_invitation(session, "friend@example.com", "key-a").id == first.id


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_the_same_send_from_two_clients_at_once_makes_one_invitation(
    sim: Simulator, database: str, clock: ManualClock
) -> None:
    clients = [MockBackend.over_url(database, clock) for _ in range(3)]
    try:
        sessions = [sign_in(client, PILOT) for client in clients]
        results = run_together(
            *(
                (lambda c=client, s=session: c.send_invitation(s, "friend@example.com", "k1"))
                for client, session in zip(clients, sessions, strict=True)
            )
        )
    finally:
        for client in clients:
            client.close()

    assert all(isinstance(result, InvitationDTO) for result in results), results
    assert len({result.id for result in results if isinstance(result, InvitationDTO)}) == 1
    assert len(sim.invitations(PILOT)) == 1


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_concurrent_sends_for_the_last_daily_slot_send_exactly_one(
    sim: Simulator, database: str, clock: ManualClock
) -> None:
    sim.set_policy({"daily_invitation_limit": 2})
    sim.invite(PILOT, "first@example.com")
    clients = [MockBackend.over_url(database, clock) for _ in range(3)]
    try:
        sessions = [sign_in(client, PILOT) for client in clients]
        results = run_together(
            *(
                (
                    lambda c=client, s=session, n=n: c.send_invitation(
                        s, f"racer{n}@example.com", f"key-{n}"
                    )
                )
                for n, (client, session) in enumerate(zip(clients, sessions, strict=True))
            )
        )
    finally:
        for client in clients:
            client.close()

    sent = [result for result in results if isinstance(result, InvitationDTO)]
    refused = [result for result in results if isinstance(result, InvitationRefused)]
    assert len(sent) == 1, results
    assert [error.reason for error in refused] == ["daily_limit", "daily_limit"]
    assert len(sim.invitations(PILOT)) == 2


def test_idempotency_keys_belong_to_one_operator(backend: MockBackend, sim: Simulator) -> None:
    pilot = backend.send_invitation(sign_in(backend, PILOT), "friend@example.com", "same-key")
    capped = backend.send_invitation(
        sign_in(backend, "capped@example.com"), "friend@example.com", "same-key"
    )
    assert pilot.id != capped.id


def test_link_tokens_carry_192_random_bits_and_differ_for_the_same_email(
    sim: Simulator,
) -> None:
    links = []
    for _ in range(3):
        invitation = sim.invite(PILOT, "friend@example.com").invitation
        links.append(invitation.link)
        sim.revoke(PILOT, invitation.id)

    assert len(set(links)) == 3
    for link in links:
        assert link.startswith(LINK_PREFIX)
        token = link.removeprefix(LINK_PREFIX)
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) * 8 >= 128
        assert "friend" not in token.lower()


def test_sending_dispatches_a_message_with_the_link(sim: Simulator) -> None:
    invitation = sim.invite(PILOT, "Friend@Example.com").invitation

    message = sim.outbox()[-1]
    assert message.recipient == "friend@example.com"
    assert message.invitation_id == invitation.id
    assert invitation.link in message.body
    assert invitation.recipient == "friend@example.com"


def test_sending_to_an_existing_account_reveals_nothing(sim: Simulator) -> None:
    known = sim.invite(PILOT, "recent@example.com").invitation
    unknown = sim.invite(PILOT, "nobody@example.com").invitation
    assert known.state is unknown.state is InvitationState.SENT
    assert known.joined_kind is unknown.joined_kind is None
    assert known.reason == unknown.reason


def test_revoke_is_allowed_only_while_pending(backend: MockBackend, sim: Simulator) -> None:
    session = sign_in(backend, PILOT)
    sent = backend.send_invitation(session, "friend@example.com", "key-1")
    opened = backend.send_invitation(session, "dormant@example.com", "key-2")
    sim.recipient_open(opened.link)
    joined = backend.send_invitation(session, "newcomer@example.com", "key-3")
    sim.recipient_join(joined.link, "newcomer@example.com")

    assert backend.revoke_invitation(session, sent.id).state is InvitationState.REVOKED
    assert backend.revoke_invitation(session, opened.id).state is InvitationState.REVOKED
    with pytest.raises(InvalidState):
        backend.revoke_invitation(session, joined.id)
    # Revoking again (a retry) answers with the revoked invitation.
    assert backend.revoke_invitation(session, sent.id).state is InvitationState.REVOKED


def test_converted_invitation_cannot_be_revoked(sim: Simulator) -> None:
    converted = convert(sim, PILOT, "dormant@example.com").invitation
    with pytest.raises(InvalidState):
        sim.revoke(PILOT, converted.id)


def test_another_operators_invitation_is_not_found(backend: MockBackend) -> None:
    theirs = backend.send_invitation(sign_in(backend, "capped@example.com"), "x@example.com", "k")
    with pytest.raises(NotFound):
        backend.revoke_invitation(sign_in(backend, PILOT), theirs.id)


@pytest.mark.parametrize(
    "variant",
    [
        "pilot+x@example.com",
        "\uff50\uff49\uff4c\uff4f\uff54@example.com",  # full-width
        "\u0440il\u043et@example.com",  # Cyrillic er and o
    ],
)
def test_variants_of_the_own_address_are_refused_as_self_invites(
    sim: Simulator, variant: str
) -> None:
    with pytest.raises(InvitationRefused) as refused:
        sim.invite(PILOT, variant)
    assert refused.value.reason == "self_invite"
    assert sim.invite(PILOT, "pilar@example.com").invitation.recipient == "pilar@example.com"


def test_a_65_octet_local_part_is_refused(sim: Simulator) -> None:
    with pytest.raises(InvitationRefused) as refused:
        sim.invite(PILOT, "a" * 65 + "@example.com")
    assert refused.value.reason == "invalid_email"
    assert sim.invite(PILOT, "a" * 64 + "@example.com")
