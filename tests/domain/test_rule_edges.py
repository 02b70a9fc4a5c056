"""Edges of the domain rules that mutation testing found unguarded (docs/MUTATION.md): policy
bounds and their refusals, time helpers, usage windows, cycle ends, cohort decisions, the
referrer's progress sentences."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from desktop.domain.clock import as_utc, parse_duration, utc_now
from desktop.domain.cohort import CohortDecision, CohortRule, cohort_bucket, evaluate_cohort
from desktop.domain.cycles import cycle_containing, cycle_start_in_month
from desktop.domain.emails import InvalidEmail, normalise_email
from desktop.domain.invitations import InvitationState, describe_progress
from desktop.domain.policy import FLAG_REFERRAL_PILOT, PolicyError, ReferralPolicy
from desktop.domain.reasons import Reason
from desktop.domain.usage import UsageWindow, WindowKind

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)

# -- policy bounds: the lowest allowed value passes, one below is refused with its sentence ---

JOIN_LIMITS = "join page attempt limits and their window must be at least 1"
SIGN_IN_LIMITS = "sign-in attempt limits and their window must be at least 1"
BOUNDS = [
    ("dormancy_days", 0, "dormancy_days must be 0 or more"),
    ("prompts_required", 1, "prompts_required must be at least 1"),
    ("monthly_cap", 0, "monthly_cap must be 0 or more"),
    ("token_expiry_days", 1, "token_expiry_days must be at least 1, or none"),
    ("daily_invitation_limit", 1, "daily_invitation_limit must be at least 1"),
    ("invitation_expiry_days", 1, "invitation_expiry_days must be at least 1, or none"),
    ("rollout_basis_points", 0, "rollout_basis_points must be between 0 and 10000"),
    ("five_hour_limit", 1, "usage limits must be at least 1"),
    ("weekly_limit", 1, "usage limits must be at least 1"),
    ("join_attempts_per_link", 1, JOIN_LIMITS),
    ("join_attempts_per_client", 1, JOIN_LIMITS),
    ("join_attempts_window_minutes", 1, JOIN_LIMITS),
    ("sign_in_failures_per_account", 1, SIGN_IN_LIMITS),
    ("sign_in_failures_per_client", 1, SIGN_IN_LIMITS),
    ("sign_in_window_minutes", 1, SIGN_IN_LIMITS),
    ("offer_expiry_seconds", 1, "offer_expiry_seconds must be at least 1"),
    ("max_recipients_per_send", 1, "max_recipients_per_send must be at least 1"),
    ("resend_cooldown_minutes", 0, "resend_cooldown_minutes must be 0 or more"),
]


@pytest.mark.parametrize(("name", "lowest", "refusal"), BOUNDS)
def test_each_policy_value_has_its_lowest_allowed_value(
    name: str, lowest: int, refusal: str
) -> None:
    assert getattr(ReferralPolicy(**{name: lowest}), name) == lowest
    with pytest.raises(PolicyError) as refused:
        ReferralPolicy(**{name: lowest - 1})
    assert str(refused.value) == refusal


def test_rollout_may_cover_every_bucket_but_no_more() -> None:
    assert ReferralPolicy(rollout_basis_points=10_000).rollout_percent == 100
    with pytest.raises(PolicyError):
        ReferralPolicy(rollout_basis_points=10_001)


@pytest.mark.parametrize("word", ["none", "never", "", "  NEVER ", None])
def test_optional_values_are_switched_off_by_words(word: str | None) -> None:
    policy = ReferralPolicy().with_values({"token_expiry_days": word})
    assert policy.token_expiry_days is None


def test_a_required_value_cannot_be_switched_off() -> None:
    with pytest.raises(PolicyError, match=r"^monthly_cap needs a number$"):
        ReferralPolicy().with_values({"monthly_cap": "none"})


def test_refusals_name_the_value_and_what_was_wrong() -> None:
    with pytest.raises(PolicyError) as unknown:
        ReferralPolicy().with_values({"cap": 5})
    text = str(unknown.value)
    assert text.startswith("unknown policy value 'cap' (known: credit_resets_weekly, ")
    assert "monthly_cap, offer_expiry_seconds, prompts_required" in str(unknown.value)
    with pytest.raises(PolicyError) as not_a_number:
        ReferralPolicy().with_values({"monthly_cap": "five"})
    assert str(not_a_number.value) == "monthly_cap needs a whole number, not 'five'"
    with pytest.raises(PolicyError) as a_bool:
        ReferralPolicy().with_values({"monthly_cap": True})
    assert str(a_bool.value) == "monthly_cap needs a whole number, not True"


# -- time --------------------------------------------------------------------------------------


def test_utc_now_is_aware_and_in_utc() -> None:
    assert utc_now().tzinfo is UTC


def test_as_utc_makes_naive_and_foreign_times_aware_utc() -> None:
    naive = datetime(2026, 1, 1, 9)
    assert as_utc(naive).tzinfo is UTC
    assert as_utc(naive) == datetime(2026, 1, 1, 9, tzinfo=UTC)
    paris = datetime(2026, 1, 1, 10, tzinfo=timezone(timedelta(hours=1)))
    assert as_utc(paris).tzinfo is UTC
    assert as_utc(paris).hour == 9


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty duration"),
        ("   ", "empty duration"),
        ("3 days", "not a duration: '3' (use forms like 62d, 5h, 90m)"),
    ],
)
def test_a_bad_duration_says_what_to_type(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=r"duration") as refused:
        parse_duration(text)
    assert str(refused.value) == message


# -- usage windows -----------------------------------------------------------------------------


def test_an_ended_window_keeps_its_kind_and_limit() -> None:
    window = UsageWindow(WindowKind.FIVE_HOUR, 100, 80, NOW - timedelta(hours=6))
    assert window.at(NOW) == UsageWindow(WindowKind.FIVE_HOUR, 100, 0, None)
    assert window.cleared() == UsageWindow(WindowKind.FIVE_HOUR, 100, 0, None)


def test_a_later_use_does_not_move_the_running_windows_reset_time() -> None:
    begun = UsageWindow(WindowKind.WEEKLY, 1000, 0, None).record_use(10, NOW)
    later = begun.record_use(5, NOW + timedelta(days=2))
    assert later.started_at == NOW
    assert later.resets_at == NOW + timedelta(days=7)
    assert later.used == 15


# -- billing cycles ----------------------------------------------------------------------------


def test_a_cycle_ends_where_the_next_begins() -> None:
    cycle = cycle_containing(NOW, billing_day=14)
    assert cycle.start in cycle
    assert cycle.end not in cycle
    assert cycle.end - timedelta(microseconds=1) in cycle
    assert cycle_containing(cycle.end, billing_day=14).start == cycle.end


def test_a_billing_day_out_of_range_is_refused_in_words() -> None:
    with pytest.raises(ValueError, match=r"^billing_day must be between 1 and 31$"):
        cycle_start_in_month(2026, 2, 32)


# -- cohort decisions carry their evidence -------------------------------------------------------


@pytest.mark.parametrize(
    ("deny", "allow", "expected"),
    [
        ({"acct-0001"}, {"acct-0001"}, (False, CohortRule.DENY_LIST)),
        (set(), {"acct-0001"}, (True, CohortRule.ALLOW_LIST)),
        (set(), set(), (False, CohortRule.ROLLOUT)),
    ],
)
def test_every_decision_carries_the_bucket_and_rollout(
    deny: set[str], allow: set[str], expected: tuple[bool, CohortRule]
) -> None:
    decision = evaluate_cohort(
        FLAG_REFERRAL_PILOT, "acct-0001", deny=deny, allow=allow, rollout_basis_points=1_000
    )
    bucket = cohort_bucket(FLAG_REFERRAL_PILOT, "acct-0001")
    assert decision == CohortDecision(*expected, bucket, 1_000)
    assert decision.eligible is expected[0]


# -- addresses ---------------------------------------------------------------------------------


def test_an_empty_address_asks_for_one() -> None:
    with pytest.raises(InvalidEmail) as refused:
        normalise_email("   ")
    assert str(refused.value) == "Enter an email address."
    assert (refused.value.reason, refused.value.detail) == (Reason.EMPTY_EMAIL, "")


def test_an_invalid_address_says_why() -> None:
    with pytest.raises(InvalidEmail) as refused:
        normalise_email("no-at-sign")
    invalid = refused.value
    assert invalid.reason is Reason.INVALID_EMAIL
    assert "@" in invalid.detail  # the validator's own explanation: it needs an @-sign
    assert str(invalid) == f"That is not a valid email address: {invalid.detail}"


# -- what the referrer reads about each invitation -------------------------------------------


@pytest.mark.parametrize(
    ("state", "sentence"),
    [
        (
            InvitationState.QUEUED,
            "Waiting for a connection; it will be sent on the next sync.",
        ),
        (InvitationState.SENT, "Sent. Waiting for your peer to open the link."),
        (InvitationState.OPENED, "Link opened. Waiting for your peer to sign up or sign in."),
        (
            InvitationState.JOINED,
            "Signed in. Waiting for your peer to initialise a workspace.",
        ),
        (
            InvitationState.REACTIVATED,
            "Signed in. Waiting for your peer to initialise a workspace.",
        ),
        (
            InvitationState.CONVERTED_REWARDED,
            "Your peer is using the product. You earned one usage reset.",
        ),
        (
            InvitationState.CONVERTED_CAPPED,
            "Your peer is using the product, but you had already earned this cycle's "
            "maximum, so no reset was earned.",
        ),
        (
            InvitationState.NOT_ELIGIBLE,
            "Your peer's account was active within the last 62 days, "
            "so this invitation cannot earn a reset.",
        ),
        (InvitationState.REVOKED, "You revoked this invitation; its link no longer works."),
        (InvitationState.EXPIRED, "The link expired before your peer used it."),
    ],
)
def test_each_state_explains_itself(state: InvitationState, sentence: str) -> None:
    assert describe_progress(state, 0, 3, 62) == sentence


@pytest.mark.parametrize(
    ("prompts", "required", "sentence"),
    [
        (0, 3, "Workspace ready. 0 of 3 prompts sent; 3 prompts to go."),
        (2, 3, "Workspace ready. 2 of 3 prompts sent; 1 prompt to go."),
        (3, 3, "Workspace ready. 3 of 3 prompts sent; 0 prompts to go."),
        (4, 3, "Workspace ready. 4 of 3 prompts sent; 0 prompts to go."),
    ],
)
def test_prompt_progress_counts_what_is_left(prompts: int, required: int, sentence: str) -> None:
    assert describe_progress(InvitationState.PROMPTING, prompts, required, 62) == sentence
