"""Cohort eligibility for the referral pilot flag (DESIGN R1)."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from desktop.domain.policy import COHORT_BUCKETS
from desktop.domain.reasons import QT_TRANSLATE_NOOP, translated


class CohortRule(StrEnum):
    """Which step of the evaluation decided the answer."""

    DENY_LIST = "deny_list"
    ALLOW_LIST = "allow_list"
    ROLLOUT = "rollout"


@dataclass(frozen=True)
class CohortDecision:
    """Whether an account is in the cohort, and why, in words QA can read."""

    eligible: bool
    rule: CohortRule
    bucket: int
    rollout_basis_points: int

    @property
    def reason(self) -> str:
        """One sentence explaining the decision (in the UI language once the app set it)."""
        if self.rule is CohortRule.DENY_LIST:
            return translated(
                "cohort",
                QT_TRANSLATE_NOOP("cohort", "Excluded: the account is on the pilot's deny list."),
            )
        if self.rule is CohortRule.ALLOW_LIST:
            return translated(
                "cohort",
                QT_TRANSLATE_NOOP("cohort", "Included: the account is on the pilot's allow list."),
            )
        template = (
            QT_TRANSLATE_NOOP(
                "cohort",
                "Included: bucket {bucket} of {buckets} is below the rollout of {rollout} "
                "buckets ({percent}%).",
            )
            if self.eligible
            else QT_TRANSLATE_NOOP(
                "cohort",
                "Not included: bucket {bucket} of {buckets} is not below the rollout of "
                "{rollout} buckets ({percent}%).",
            )
        )
        return translated("cohort", template).format(
            bucket=self.bucket,
            buckets=COHORT_BUCKETS,
            rollout=self.rollout_basis_points,
            percent=f"{self.rollout_basis_points / 100:g}",
        )


def cohort_bucket(flag: str, account_id: str) -> int:
    """A stable bucket in [0, 10000) for (flag, account); independent of process and platform."""
    digest = hashlib.sha256(f"{flag}:{account_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % COHORT_BUCKETS


def evaluate_cohort(
    flag: str,
    account_id: str,
    *,
    deny: Collection[str],
    allow: Collection[str],
    rollout_basis_points: int,
) -> CohortDecision:
    """Deny list first, then allow list, then the percentage rollout. Plan tier plays no part."""
    bucket = cohort_bucket(flag, account_id)
    if account_id in deny:
        return CohortDecision(False, CohortRule.DENY_LIST, bucket, rollout_basis_points)
    if account_id in allow:
        return CohortDecision(True, CohortRule.ALLOW_LIST, bucket, rollout_basis_points)
    return CohortDecision(
        bucket < rollout_basis_points, CohortRule.ROLLOUT, bucket, rollout_basis_points
    )
