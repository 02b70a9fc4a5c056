"""Issue 14, server side: credits with a source, a title, an expiry or none and the windows they
reset; redeeming a named credit and the four result codes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from desktop.backend.api import NoTokens, error_for
from desktop.backend.service import MockBackend
from desktop.backend.simulator import Simulator
from desktop.domain.credits import CreditSource, CreditWindows, RedemptionCode
from desktop.domain.outcomes import CREDIT_TITLE_COMPLIMENTARY
from desktop.domain.reasons import Reason
from tests.backend.support import ManualClock, convert, sign_in

PILOT = "pilot@example.com"
CAPPED = "capped@example.com"


def test_a_complimentary_credit_without_expiry_never_expires_and_is_spent_by_name(
    backend: MockBackend, sim: Simulator, clock: ManualClock
) -> None:
    granted = sim.grant(PILOT, title="Welcome back", expires_days=None)
    assert granted.source is CreditSource.COMPLIMENTARY
    assert (granted.title, granted.expires_at, granted.invitation_id) == ("Welcome back", None, "")
    assert granted.windows is CreditWindows.BOTH

    clock.advance(timedelta(days=400))
    session = sign_in(backend, PILOT)
    assert [t.state for t in backend.sync(session, 0).tokens] == ["available"]
    redemption = backend.redeem(session, "spend-1", credit_id=granted.id)
    assert redemption.code is RedemptionCode.RESET
    assert redemption.token.id == granted.id
    assert redemption.token.state == "spent"


def test_a_named_credit_is_spent_even_when_another_expires_sooner(
    backend: MockBackend, sim: Simulator
) -> None:
    later = sim.grant(PILOT, expires_days=20)
    sooner = sim.grant(PILOT, expires_days=2)
    session = sign_in(backend, PILOT)
    assert backend.redeem(session, "k1", credit_id=later.id).token.id == later.id
    assert backend.redeem(session, "k2").token.id == sooner.id  # default: soonest-expiring


def test_a_complimentary_credit_defaults_and_is_outside_the_cap(sim: Simulator) -> None:
    granted = sim.grant(CAPPED)
    assert granted.title == CREDIT_TITLE_COMPLIMENTARY
    assert granted.expires_at == granted.granted_at + timedelta(days=30)  # the policy's expiry
    wallet = sim.wallet(CAPPED)
    assert (wallet.earned_this_cycle, wallet.available) == (3, 3)


def test_a_referral_credit_names_its_invitation_and_resets_both_windows_by_default(
    sim: Simulator,
) -> None:
    record = convert(sim, PILOT, "new@example.com")
    (token,) = sim.wallet(PILOT).tokens
    assert token.source is CreditSource.REFERRAL
    assert token.invitation_id == record.invitation.id
    assert "new@example.com" in token.title
    assert token.windows is CreditWindows.BOTH


def test_a_credit_that_resets_the_five_hour_window_only_leaves_the_weekly_one(
    backend: MockBackend, sim: Simulator
) -> None:
    credit = sim.grant(PILOT, windows="five_hour")
    session = sign_in(backend, PILOT)
    sim.set_usage(PILOT, weekly_percent=50, five_hour_percent=40)

    redemption = backend.redeem(session, "spend-1", credit_id=credit.id)
    assert redemption.code is RedemptionCode.RESET
    assert redemption.usage.five_hour.used == 0
    assert redemption.usage.five_hour.started_at is None
    assert redemption.usage.weekly.percent_used == 50
    assert redemption.usage_before is not None
    assert redemption.usage_before.five_hour.percent_used == 40
    assert backend.sync(session, 0).usage.weekly.percent_used == 50

    replay = backend.redeem(session, "spend-1", credit_id=credit.id)
    assert (replay.code, replay.replayed) == (RedemptionCode.ALREADY_REDEEMED, True)
    assert replay.usage.weekly.percent_used == 50
    assert replay.usage.five_hour.used == 0


def test_the_policy_can_make_referral_credits_reset_the_five_hour_window_only(
    sim: Simulator,
) -> None:
    sim.set_policy({"credit_resets_weekly": 0})
    convert(sim, PILOT, "new@example.com")
    (token,) = sim.wallet(PILOT).tokens
    assert token.windows is CreditWindows.FIVE_HOUR


def test_an_already_redeemed_replay_is_a_success_that_spends_nothing(
    backend: MockBackend, sim: Simulator
) -> None:
    session = sign_in(backend, CAPPED)
    first = backend.redeem(session, "spend-1")
    again = backend.redeem(session, "spend-1")
    assert first.code is RedemptionCode.RESET
    assert not first.replayed
    assert again.code is RedemptionCode.ALREADY_REDEEMED
    assert again.replayed
    assert again.token.id == first.token.id
    assert sim.wallet(CAPPED).available == 1
    # A replay naming another credit is still the first request's answer.
    other = next(t for t in sim.wallet(CAPPED).tokens if t.state == "available")
    assert backend.redeem(session, "spend-1", credit_id=other.id).token.id == first.token.id


def test_nothing_to_reset_keeps_the_credit_when_asked_to(
    backend: MockBackend, sim: Simulator
) -> None:
    session = sign_in(backend, CAPPED)  # both windows empty at seeding
    kept = backend.redeem(session, "spend-1", spend_if_unused=False)
    assert kept.code is RedemptionCode.NOTHING_TO_RESET
    assert kept.token.state == "available"
    assert sim.wallet(CAPPED).available == 2
    # The same key may still spend later: nothing happened the first time.
    sim.set_usage(CAPPED, five_hour_percent=10)
    assert backend.redeem(session, "spend-1", spend_if_unused=False).code is RedemptionCode.RESET
    assert sim.wallet(CAPPED).available == 1


def test_a_five_hour_credit_with_only_weekly_use_has_nothing_to_reset(
    backend: MockBackend, sim: Simulator
) -> None:
    credit = sim.grant(PILOT, windows="five_hour")
    sim.set_usage(PILOT, weekly_percent=80, five_hour_percent=0)
    session = sign_in(backend, PILOT)
    result = backend.redeem(session, "k", credit_id=credit.id, spend_if_unused=False)
    assert result.code is RedemptionCode.NOTHING_TO_RESET


def test_no_credit_is_still_no_tokens(backend: MockBackend) -> None:
    session = sign_in(backend, PILOT)
    with pytest.raises(NoTokens) as refused:
        backend.redeem(session, "spend-1")
    assert refused.value.code is RedemptionCode.NO_CREDIT
    assert refused.value.reason is Reason.NO_TOKENS


def test_a_named_credit_that_cannot_be_spent_is_refused_with_why(
    backend: MockBackend, sim: Simulator, clock: ManualClock
) -> None:
    pilot_credit = sim.grant(PILOT, expires_days=1)
    capped_session = sign_in(backend, CAPPED)
    spent = next(t for t in sim.wallet(CAPPED).tokens if t.state == "spent")
    with pytest.raises(NoTokens) as refused:
        backend.redeem(capped_session, "k1", credit_id=spent.id)
    assert refused.value.reason is Reason.CREDIT_UNAVAILABLE
    assert "spent" in refused.value.message
    for unknown in (pilot_credit.id, "tok_unknown"):
        with pytest.raises(NoTokens) as refused:
            backend.redeem(capped_session, "k2", credit_id=unknown)
        assert refused.value.reason is Reason.CREDIT_NOT_FOUND

    clock.advance(timedelta(days=1))
    with pytest.raises(NoTokens) as refused:
        backend.redeem(sign_in(backend, PILOT), "k3", credit_id=pilot_credit.id)
    assert refused.value.details == {"state": "expired"}


def test_new_reasons_rebuild_their_error_classes() -> None:
    assert isinstance(error_for(Reason.CREDIT_UNAVAILABLE, {"state": "spent"}), NoTokens)
    assert isinstance(error_for(Reason.NO_TOKENS), NoTokens)
    assert error_for(Reason.OFFER_EXPIRED).reason is Reason.OFFER_EXPIRED
