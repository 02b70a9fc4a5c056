"""R5-R7: the monthly cap, billing cycles, the wallet, redemption and usage windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from desktop.backend.api import NoTokens, RedemptionDTO
from desktop.backend.service import MockBackend
from desktop.backend.simulator import InvitationRecord, Simulator
from desktop.domain.invitations import InvitationState
from tests.backend.support import (
    DATABASES,
    ManualClock,
    convert,
    ready_to_convert,
    run_together,
    sign_in,
)

PILOT = "pilot@example.com"
CAPPED = "capped@example.com"


def test_the_fourth_conversion_in_a_cycle_is_capped_and_never_earns_later(
    sim: Simulator, clock: ManualClock
) -> None:
    states = [convert(sim, PILOT, f"new{n}@example.com").invitation.state for n in range(4)]

    assert states == [InvitationState.CONVERTED_REWARDED] * 3 + [InvitationState.CONVERTED_CAPPED]
    wallet = sim.wallet(PILOT)
    assert (wallet.earned_this_cycle, wallet.cap, wallet.available) == (3, 3, 3)

    # pilot's cycle ends 2025-03-14; the capped conversion stays capped in the next one.
    clock.set(datetime(2025, 3, 14, tzinfo=UTC))
    capped = next(r for r in sim.invitations(PILOT) if r.invitation.recipient == "new3@example.com")
    assert capped.invitation.state is InvitationState.CONVERTED_CAPPED
    assert sim.wallet(PILOT).earned_this_cycle == 0
    assert len(sim.wallet(PILOT).tokens) == 3

    assert convert(sim, PILOT, "new4@example.com").invitation.state is (
        InvitationState.CONVERTED_REWARDED
    )
    assert sim.wallet(PILOT).earned_this_cycle == 1


def test_seeded_capped_account_earns_nothing_more_this_cycle(sim: Simulator) -> None:
    wallet = sim.wallet(CAPPED)
    assert (wallet.earned_this_cycle, wallet.cap, wallet.available) == (3, 3, 2)
    assert sorted(token.state for token in wallet.tokens) == ["available", "available", "spent"]

    assert convert(sim, CAPPED, "newcomer@example.com").invitation.state is (
        InvitationState.CONVERTED_CAPPED
    )


def test_a_higher_cap_from_the_policy_is_honoured(sim: Simulator) -> None:
    sim.set_policy({"monthly_cap": 5})
    states = [convert(sim, PILOT, f"new{n}@example.com").invitation.state for n in range(6)]
    assert states.count(InvitationState.CONVERTED_REWARDED) == 5
    assert states[-1] is InvitationState.CONVERTED_CAPPED


@pytest.mark.parametrize(
    ("year", "cycle_start"),
    [(2025, datetime(2025, 2, 28, tzinfo=UTC)), (2024, datetime(2024, 2, 29, tzinfo=UTC))],
)
def test_billing_day_31_starts_februarys_cycle_on_its_last_day(
    sim: Simulator, clock: ManualClock, year: int, cycle_start: datetime
) -> None:
    sim.set_policy({"monthly_cap": 1})
    sim.set_billing_day(PILOT, 31)

    clock.set(cycle_start - timedelta(seconds=1))
    before = sim.wallet(PILOT)
    assert before.cycle_start == datetime(year, 1, 31, tzinfo=UTC)
    assert before.cycle_end == cycle_start
    assert convert(sim, PILOT, "a@example.com").invitation.state is (
        InvitationState.CONVERTED_REWARDED
    )

    # The next second belongs to the next cycle, which ends on March 31.
    link = ready_to_convert(sim, PILOT, "b@example.com")
    clock.set(cycle_start)
    assert sim.recipient_prompt(link, "b@example.com").invitation.state is (
        InvitationState.CONVERTED_REWARDED
    )
    wallet = sim.wallet(PILOT)
    assert (wallet.cycle_start, wallet.cycle_end) == (
        cycle_start,
        datetime(year, 3, 31, tzinfo=UTC),
    )
    assert wallet.earned_this_cycle == 1

    clock.advance(timedelta(seconds=1))
    assert convert(sim, PILOT, "c@example.com").invitation.state is (
        InvitationState.CONVERTED_CAPPED
    )


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_two_threads_converting_for_the_last_slot_earn_exactly_one_token(
    sim: Simulator, database: str, clock: ManualClock
) -> None:
    for n in range(2):
        convert(sim, PILOT, f"early{n}@example.com")
    links = [ready_to_convert(sim, PILOT, f"racer{n}@example.com") for n in range(2)]

    racers = [Simulator.over_url(database, clock) for _ in links]
    try:
        results = run_together(
            *(
                (lambda s=racer, link=link, n=n: s.recipient_prompt(link, f"racer{n}@example.com"))
                for n, (racer, link) in enumerate(zip(racers, links, strict=True))
            )
        )
    finally:
        for racer in racers:
            racer.close()

    assert all(isinstance(result, InvitationRecord) for result in results), results
    states = sorted(
        result.invitation.state for result in results if isinstance(result, InvitationRecord)
    )
    assert states == [InvitationState.CONVERTED_CAPPED, InvitationState.CONVERTED_REWARDED]
    wallet = sim.wallet(PILOT)
    assert wallet.earned_this_cycle == 3
    assert len(wallet.tokens) == 3


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_the_same_redemption_key_twice_spends_one_token(
    backend: MockBackend, sim: Simulator
) -> None:
    session = sign_in(backend, CAPPED)

    first = backend.redeem(session, "spend-1")
    again = backend.redeem(session, "spend-1")

    assert not first.replayed
    assert again.replayed
    assert again.token == first.token
    assert again.usage == first.usage
    assert sim.wallet(CAPPED).available == 1


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_the_same_redemption_key_from_two_clients_at_once_spends_one_token(
    sim: Simulator, database: str, clock: ManualClock
) -> None:
    clients = [MockBackend.over_url(database, clock) for _ in range(2)]
    try:
        sessions = [sign_in(client, CAPPED) for client in clients]
        results = run_together(
            *(
                (lambda c=client, s=session: c.redeem(s, "one-intent"))
                for client, session in zip(clients, sessions, strict=True)
            )
        )
    finally:
        for client in clients:
            client.close()

    assert all(isinstance(result, RedemptionDTO) for result in results), results
    redemptions = [result for result in results if isinstance(result, RedemptionDTO)]
    assert sorted(r.replayed for r in redemptions) == [False, True]
    assert redemptions[0].token.id == redemptions[1].token.id
    assert sim.wallet(CAPPED).available == 1


def test_a_new_key_spends_another_token_until_none_are_left(
    backend: MockBackend, sim: Simulator
) -> None:
    session = sign_in(backend, CAPPED)
    spent = {
        backend.redeem(session, "spend-1").token.id,
        backend.redeem(session, "spend-2").token.id,
    }
    assert len(spent) == 2

    with pytest.raises(NoTokens, match="no usage resets to spend"):
        backend.redeem(session, "spend-3")
    assert sim.wallet(CAPPED).available == 0


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_two_keys_racing_for_the_last_token_one_wins_the_other_gets_no_tokens(
    backend: MockBackend, sim: Simulator, database: str, clock: ManualClock
) -> None:
    backend.redeem(sign_in(backend, CAPPED), "spend-first")
    assert sim.wallet(CAPPED).available == 1

    clients = [MockBackend.over_url(database, clock) for _ in range(2)]
    try:
        sessions = [sign_in(client, CAPPED) for client in clients]
        results = run_together(
            lambda: clients[0].redeem(sessions[0], "key-a"),
            lambda: clients[1].redeem(sessions[1], "key-b"),
        )
    finally:
        for client in clients:
            client.close()

    assert sum(isinstance(result, RedemptionDTO) for result in results) == 1
    assert sum(isinstance(result, NoTokens) for result in results) == 1, results
    assert sim.wallet(CAPPED).available == 0


def test_spending_takes_the_token_that_expires_first(backend: MockBackend, sim: Simulator) -> None:
    available = [token for token in sim.wallet(CAPPED).tokens if token.state == "available"]
    earliest = min(
        available, key=lambda token: token.expires_at or datetime.max.replace(tzinfo=UTC)
    )

    spent = backend.redeem(sign_in(backend, CAPPED), "spend-1").token

    assert spent.id == earliest.id
    assert spent.state == "spent"


def test_tokens_without_expiry_are_spent_last(backend: MockBackend, sim: Simulator) -> None:
    sim.set_policy({"token_expiry_days": "none"})
    forever = convert(sim, PILOT, "newcomer@example.com").invitation
    sim.set_policy({"token_expiry_days": 30})
    expiring = convert(sim, PILOT, "dormant@example.com").invitation

    session = sign_in(backend, PILOT)
    assert backend.redeem(session, "spend-1").token.invitation_id == expiring.id
    last = backend.redeem(session, "spend-2").token
    assert last.invitation_id == forever.id
    assert last.expires_at is None


def test_an_expired_token_cannot_be_spent_and_is_still_listed(
    backend: MockBackend, sim: Simulator, clock: ManualClock
) -> None:
    session = sign_in(backend, CAPPED)
    latest_expiry = max(
        token.expires_at for token in sim.wallet(CAPPED).tokens if token.expires_at is not None
    )
    clock.set(latest_expiry)

    with pytest.raises(NoTokens):
        backend.redeem(session, "too-late")

    wallet = sim.wallet(CAPPED)
    assert sorted(token.state for token in wallet.tokens) == ["expired", "expired", "spent"]
    assert wallet.available == 0
    synced = backend.sync(session, 0).tokens
    assert sorted(token.state for token in synced) == ["expired", "expired", "spent"]


def test_a_token_is_spendable_until_the_instant_it_expires(
    backend: MockBackend, sim: Simulator, clock: ManualClock
) -> None:
    expiring = min(
        token.expires_at for token in sim.wallet(CAPPED).tokens if token.state == "available"
    )
    assert expiring is not None
    clock.set(expiring - timedelta(seconds=1))
    assert backend.redeem(sign_in(backend, CAPPED), "just-in-time").token.state == "spent"


def test_earned_tokens_stay_spendable_outside_the_cohort(
    backend: MockBackend, sim: Simulator
) -> None:
    sim.cohort(CAPPED, "deny")
    assert backend.redeem(sign_in(backend, CAPPED), "spend-1").token.state == "spent"


def test_a_spend_zeroes_both_windows_and_the_next_starts_at_the_next_use(
    backend: MockBackend, sim: Simulator, clock: ManualClock
) -> None:
    convert(sim, PILOT, "dormant@example.com")
    session = sign_in(backend, PILOT)
    before = backend.sync(session, 0).usage
    assert (before.weekly.percent_used, before.five_hour.percent_used) == (82, 40)

    spent = backend.redeem(session, "spend-1").usage
    for window in (spent.weekly, spent.five_hour):
        assert window.used == 0
        assert window.started_at is None
        assert window.resets_at is None

    clock.advance(timedelta(hours=1))
    idle = backend.sync(session, 0).usage
    assert idle.weekly.started_at is None
    assert idle.five_hour.started_at is None

    used = sim.set_usage(PILOT, weekly_percent=10)  # the next use, an hour after the spend
    assert used.weekly.started_at == clock.now
    assert used.weekly.resets_at == clock.now + timedelta(days=7)
    assert used.five_hour.started_at is None


def test_a_window_ends_by_itself(backend: MockBackend, clock: ManualClock) -> None:
    session = sign_in(backend, PILOT)
    five_hour = backend.sync(session, 0).usage.five_hour
    assert five_hour.used == 40
    assert five_hour.resets_at is not None

    clock.set(five_hour.resets_at - timedelta(seconds=1))
    assert backend.sync(session, 0).usage.five_hour.used == 40
    clock.set(five_hour.resets_at)
    after = backend.sync(session, 0).usage
    assert after.five_hour.used == 0
    assert after.five_hour.started_at is None
    assert after.weekly.used == 820  # the weekly window runs on


def test_cycle_in_sync_reports_earned_against_the_cap(backend: MockBackend) -> None:
    cycle = backend.sync(sign_in(backend, CAPPED), 0).cycle
    assert (cycle.earned, cycle.cap) == (3, 3)
    assert cycle.start <= backend.sync(sign_in(backend, CAPPED), 0).now < cycle.end
