"""Issue 14's pure values: offer settings, the new policy values, credit windows, new reasons."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from desktop.domain.credits import CreditWindows, RedemptionCode
from desktop.domain.offer import Offer, OfferSettings
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


SERVER_OFFER = Offer(
    id="off_1",
    offered=True,
    title="Bring a colleague",
    description="Share the tool.",
    rules=("One address per invitation.",),
    requires_confirmation=True,
    send_capacity=None,
    reward_capacity=0,
    rewards_resume_at=datetime(2026, 12, 14, tzinfo=UTC),
    send_capacity_frees_at=None,
    max_recipients=5,
    issued_at=datetime(2026, 12, 2, tzinfo=UTC),
    expires_at=datetime(2026, 12, 2, tzinfo=UTC) + timedelta(minutes=5),
)


def test_the_window_shows_the_servers_offer_as_it_came() -> None:
    assert SERVER_OFFER.as_shown() == SERVER_OFFER


def test_the_window_fills_in_what_the_server_left_blank_with_neutral_words() -> None:
    blank = dataclasses.replace(
        SERVER_OFFER, title=" ", description="", rules=("", "Kept.", "  "), max_recipients=0
    )
    shown = blank.as_shown()
    assert (shown.title, shown.description) == (
        "Invite a friend",
        "Invite someone by email: they get a personal link that works only for them.",
    )
    assert shown.rules == ("Kept.",)
    assert shown.max_recipients == 1  # one address per send at the least
    # Nothing else changes: the capacities stay unknown or zero as the server said.
    assert (
        dataclasses.replace(shown, title=" ", description="", rules=blank.rules, max_recipients=0)
        == blank
    )
    assert dataclasses.replace(SERVER_OFFER, max_recipients=1).as_shown().max_recipients == 1


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


# -- the client's words for an offer (desktop/domain/offer.py) --------------------------------


def test_send_capacity_words_at_their_edges() -> None:
    from desktop.domain.offer import send_capacity_text

    frees = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    assert send_capacity_text(None, None) == ""  # unknown says nothing: it is not zero
    assert send_capacity_text(2, None) == "2 invitations left."
    assert send_capacity_text(1, None) == "1 invitation left."
    assert send_capacity_text(0, frees) == (
        "No invitations left for now: the next one can be sent from 03 Dec 2026 08:00 UTC."
    )
    assert send_capacity_text(0, None) == "No invitations left for now."


def test_reward_capacity_words_never_promise() -> None:
    from desktop.domain.offer import reward_capacity_text

    resumes = datetime(2026, 12, 14, tzinfo=UTC)
    assert reward_capacity_text(None, None) == ""
    assert reward_capacity_text(1, None) == ""  # a capacity left is no promise
    assert reward_capacity_text(0, None) == "Invitations sent now earn nothing this billing cycle."
    assert reward_capacity_text(0, resumes, format_time=lambda at: at.strftime("%d %b")) == (
        "Invitations sent now earn nothing until 14 Dec."
    )


def test_recipients_per_send_against_the_limit_and_the_capacity() -> None:
    from desktop.domain.offer import recipients_problem

    assert recipients_problem(5, 5, None) == ""
    assert recipients_problem(6, 5, None) == "One send holds at most 5 addresses: remove 1."
    assert recipients_problem(1, 5, 1) == ""
    assert recipients_problem(2, 5, 1) == "You can send 1 more now: remove 1 of these addresses."
    assert recipients_problem(3, 5, None) == ""  # unknown capacity: the server decides


def test_redemption_codes_in_plain_words() -> None:
    from desktop.domain.outcomes import Operation, Outcome, describe

    def done(**details: str | int) -> str:
        return describe(Operation.REDEEM, Outcome.DONE, details=details)

    assert done(code="reset", windows="both", not_cleared="") == (
        "Reset spent: your weekly and 5-hour usage are back to zero used."
    )
    assert done(code="reset", windows="five_hour", not_cleared="") == (
        "Reset spent: your 5-hour usage is back to zero; the weekly window is unchanged."
    )
    assert done(code="reset", windows="both", not_cleared="five_hour,weekly").endswith(
        "still counts use in the 5-hour window and the weekly window after the reset; the "
        "numbers shown are the service's."
    )
    assert done(code="nothing_to_reset").startswith("Nothing to reset")
    assert done(replayed=1) == ("This request had already spent a reset; no second reset was used.")


def test_offer_rules_set_to_none_go_back_to_the_default_rules() -> None:
    """`sim offer set rules=null` undoes QA's own rules: the account reads the server's."""
    policy = ReferralPolicy()
    default = OfferSettings().copy(policy)[2]
    assert default
    custom = OfferSettings().with_values({"rules": ["Only invite friends."]})
    assert custom.copy(policy)[2] == ("Only invite friends.",)
    assert custom.with_values({"rules": None}).copy(policy)[2] == default
    assert custom.with_values({"rules": None}).rules is None
