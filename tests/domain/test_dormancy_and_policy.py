"""Dormancy edge (R3) and the policy object that holds every rule's number."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from desktop.domain.clock import parse_duration
from desktop.domain.dormancy import is_dormant
from desktop.domain.policy import PolicyError, ReferralPolicy

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


def test_exactly_62_days_idle_is_not_dormant() -> None:
    assert not is_dormant(NOW - timedelta(days=62), NOW, ReferralPolicy())


def test_62_days_and_one_second_is_dormant() -> None:
    assert is_dormant(NOW - timedelta(days=62, seconds=1), NOW, ReferralPolicy())


def test_dormancy_follows_the_policy_value() -> None:
    policy = ReferralPolicy(dormancy_days=30)
    assert is_dormant(NOW - timedelta(days=31), NOW, policy)
    assert not is_dormant(NOW - timedelta(days=31), NOW, ReferralPolicy())


def test_defaults_match_the_design() -> None:
    policy = ReferralPolicy()
    assert (policy.dormancy_days, policy.prompts_required, policy.monthly_cap) == (62, 3, 3)
    assert policy.token_lifetime == timedelta(days=30)


def test_policy_values_parse_from_text() -> None:
    policy = ReferralPolicy().with_values({"monthly_cap": "5", "token_expiry_days": "none"})
    assert policy.monthly_cap == 5
    assert policy.token_lifetime is None
    assert ReferralPolicy.from_mapping(policy.to_mapping()) == policy


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"cap": "5"}, "unknown policy value"),
        ({"prompts_required": "0"}, "at least 1"),
        ({"monthly_cap": "many"}, "whole number"),
        ({"dormancy_days": "none"}, "needs a number"),
        ({"rollout_basis_points": "10001"}, "between 0 and 10000"),
    ],
)
def test_bad_policy_values_are_refused_with_a_reason(values: dict[str, str], message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        ReferralPolicy().with_values(values)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("62d", timedelta(days=62)),
        ("5h", timedelta(hours=5)),
        ("90m", timedelta(minutes=90)),
        ("1d 5h", timedelta(days=1, hours=5)),
        ("2W", timedelta(weeks=2)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "5", "h5", "5y", "-1d"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - message checked elsewhere
        parse_duration(text)
