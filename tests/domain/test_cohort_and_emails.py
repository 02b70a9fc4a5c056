"""Cohort evaluation (R1) and recipient address normalisation (R2)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.domain.cohort import CohortRule, cohort_bucket, evaluate_cohort
from desktop.domain.emails import InvalidEmail, is_own_address, normalise_email
from desktop.domain.policy import FLAG_REFERRAL_PILOT

PINNED_PILOT_BUCKET = 5460
PINNED_OTHER_BUCKET = 6410


def test_bucket_is_pinned_and_depends_on_the_flag() -> None:
    # Pinned: a change of hash would silently move every account in or out of the pilot.
    assert cohort_bucket(FLAG_REFERRAL_PILOT, "acct-0001") == PINNED_PILOT_BUCKET
    assert cohort_bucket("other_flag", "acct-0001") == PINNED_OTHER_BUCKET


@given(st.text(min_size=1, max_size=40))
def test_bucket_always_within_10000(account: str) -> None:
    assert 0 <= cohort_bucket(FLAG_REFERRAL_PILOT, account) < 10_000


def test_rollout_spreads_accounts_evenly() -> None:
    inside = sum(
        evaluate_cohort(
            FLAG_REFERRAL_PILOT, f"acct-{i}", deny=(), allow=(), rollout_basis_points=1_000
        ).eligible
        for i in range(20_000)
    )
    assert 1_800 <= inside <= 2_200  # 10% of 20,000, within sampling noise


def test_deny_list_beats_allow_list_and_rollout() -> None:
    decision = evaluate_cohort(
        FLAG_REFERRAL_PILOT, "a", deny={"a"}, allow={"a"}, rollout_basis_points=10_000
    )
    assert not decision.eligible
    assert decision.rule is CohortRule.DENY_LIST
    assert "deny list" in decision.reason


def test_allow_list_beats_a_zero_rollout() -> None:
    decision = evaluate_cohort(
        FLAG_REFERRAL_PILOT, "a", deny=(), allow={"a"}, rollout_basis_points=0
    )
    assert decision.eligible
    assert decision.rule is CohortRule.ALLOW_LIST


def test_rollout_edge_is_strictly_below() -> None:
    bucket = cohort_bucket(FLAG_REFERRAL_PILOT, "edge")
    at_edge = evaluate_cohort(
        FLAG_REFERRAL_PILOT, "edge", deny=(), allow=(), rollout_basis_points=bucket
    )
    above = evaluate_cohort(
        FLAG_REFERRAL_PILOT, "edge", deny=(), allow=(), rollout_basis_points=bucket + 1
    )
    assert not at_edge.eligible
    assert above.eligible
    assert f"bucket {bucket}" in at_edge.reason


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Peer@Example.com", "peer@example.com"),
        ("  peer@EXAMPLE.com \n", "peer@example.com"),
        ("first.last+tag@example.co.uk", "first.last+tag@example.co.uk"),
    ],
)
def test_addresses_are_normalised(raw: str, expected: str) -> None:
    assert normalise_email(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "peer", "peer@", "@example.com", "a@@b.com", "a@b"])
def test_invalid_addresses_are_refused_with_a_message(raw: str) -> None:
    with pytest.raises(InvalidEmail) as error:
        normalise_email(raw)
    assert str(error.value)


def test_addresses_compare_case_insensitively() -> None:
    assert is_own_address("Pilot@Example.com", "pilot@example.COM")
    assert not is_own_address("pilot@example.com", "pilot2@example.com")


local_parts = st.from_regex(r"[a-z][a-z0-9._+-]{0,15}[a-z0-9]", fullmatch=True).filter(
    lambda s: ".." not in s
)
domains = st.from_regex(r"[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,5})?\.(com|org|net|io)", fullmatch=True)


@given(local=local_parts, domain=domains, data=st.data())
def test_normalisation_is_idempotent_and_case_blind(
    local: str, domain: str, data: st.DataObject
) -> None:
    address = f"{local}@{domain}"
    flips = data.draw(st.lists(st.booleans(), min_size=len(address), max_size=len(address)))
    shouted = "".join(c.upper() if f else c for c, f in zip(address, flips, strict=True))
    assert normalise_email(shouted) == normalise_email(address) == address
    assert normalise_email(normalise_email(address)) == address
