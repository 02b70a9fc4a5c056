"""Issue 14's pure values: offer settings, the new policy values, credit windows, new reasons."""

from __future__ import annotations

import pytest

from desktop.domain.credits import CreditWindows, RedemptionCode
from desktop.domain.offer import OfferSettings
from desktop.domain.outcomes import OFFER_RULES, OFFER_TITLE, REDEMPTION_RESULTS
from desktop.domain.policy import PolicyError, ReferralPolicy
from desktop.domain.reasons import Reason, explain
from desktop.domain.usage import WindowKind


def test_offer_settings_round_trip_and_default_copy() -> None:
    settings = OfferSettings().with_values({"title": "T", "rules": ["a.", "b."], "paused": True})
    assert OfferSettings.from_mapping(settings.to_mapping()) == settings
    title, _, rules = OfferSettings().copy(ReferralPolicy(prompts_required=1, monthly_cap=5))
    assert title == OFFER_TITLE
    assert len(rules) == len(OFFER_RULES)
    assert any("1 prompts" in rule for rule in rules)
    assert any("5 resets" in rule for rule in rules)


@pytest.mark.parametrize(
    "values",
    [
        {"colour": "red"},
        {"title": ""},
        {"title": 3},
        {"rules": "one rule"},
        {"rules": ["ok.", ""]},
        {"paused": "yes"},
    ],
)
def test_offer_settings_refuse_what_they_cannot_show(values: dict[str, object]) -> None:
    with pytest.raises(PolicyError):
        OfferSettings().with_values(values)


@pytest.mark.parametrize(
    "values",
    [
        {"offer_expiry_seconds": 0},
        {"max_recipients_per_send": 0},
        {"resend_cooldown_minutes": -1},
        {"credit_resets_weekly": 2},
    ],
)
def test_new_policy_values_are_checked(values: dict[str, object]) -> None:
    with pytest.raises(PolicyError):
        ReferralPolicy().with_values(values)


def test_a_zero_cooldown_is_allowed() -> None:
    assert ReferralPolicy(resend_cooldown_minutes=0).resend_cooldown.total_seconds() == 0


def test_credit_windows_name_the_windows_they_clear() -> None:
    assert CreditWindows.BOTH.kinds == {WindowKind.FIVE_HOUR, WindowKind.WEEKLY}
    assert CreditWindows.FIVE_HOUR.kinds == {WindowKind.FIVE_HOUR}


def test_every_redemption_code_has_its_sentence_and_every_new_reason_one() -> None:
    assert set(REDEMPTION_RESULTS) == {code.value for code in RedemptionCode}
    for reason in (
        Reason.OFFER_CHANGED,
        Reason.OFFER_EXPIRED,
        Reason.OFFER_PAUSED,
        Reason.RESEND_TOO_SOON,
        Reason.NOT_RESENDABLE,
        Reason.CREDIT_NOT_FOUND,
        Reason.CREDIT_UNAVAILABLE,
    ):
        sentence = explain(reason)
        assert sentence.endswith(".")
        assert not reason.retryable
