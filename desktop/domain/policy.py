"""The one place where every rule's number lives (DESIGN R1-R7)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

FLAG_REFERRAL_PILOT = "referral_pilot"
COHORT_BUCKETS = 10_000


class PolicyError(ValueError):
    """A policy value that is unknown or out of range."""


@dataclass(frozen=True)
class ReferralPolicy:
    """Policy values the backend enforces and the UI reads; never hard-code these elsewhere."""

    dormancy_days: int = 62
    prompts_required: int = 3
    monthly_cap: int = 3
    token_expiry_days: int | None = 30
    daily_invitation_limit: int = 10
    invitation_expiry_days: int | None = None
    rollout_basis_points: int = 1_000
    five_hour_limit: int = 100
    weekly_limit: int = 1_000
    # The join page's sign-in form (anti-guessing): attempts allowed per link and per client
    # address within a sliding window of this many minutes.
    join_attempts_per_link: int = 5
    join_attempts_per_client: int = 30
    join_attempts_window_minutes: int = 10
    # The JSON API's sign-in (POST /v1/sessions): failed attempts allowed per account and per
    # client address within a sliding window of this many minutes (docs/WIRE.md).
    sign_in_failures_per_account: int = 5
    sign_in_failures_per_client: int = 30
    sign_in_window_minutes: int = 10
    # The offer (docs/CONTRACT.md): how long a fetched offer stays valid for sending, how many
    # addresses one send may hold, how soon a pending invitation's email may be sent again.
    offer_expiry_seconds: int = 300
    max_recipients_per_send: int = 5
    resend_cooldown_minutes: int = 15
    # Which windows a referral credit resets: 1 both (DESIGN R6), 0 the 5-hour window only.
    credit_resets_weekly: int = 1

    def __post_init__(self) -> None:
        if self.dormancy_days < 0:
            raise PolicyError("dormancy_days must be 0 or more")
        if self.prompts_required < 1:
            raise PolicyError("prompts_required must be at least 1")
        if self.monthly_cap < 0:
            raise PolicyError("monthly_cap must be 0 or more")
        if self.token_expiry_days is not None and self.token_expiry_days < 1:
            raise PolicyError("token_expiry_days must be at least 1, or none")
        if self.daily_invitation_limit < 1:
            raise PolicyError("daily_invitation_limit must be at least 1")
        if self.invitation_expiry_days is not None and self.invitation_expiry_days < 1:
            raise PolicyError("invitation_expiry_days must be at least 1, or none")
        if not 0 <= self.rollout_basis_points <= COHORT_BUCKETS:
            raise PolicyError(f"rollout_basis_points must be between 0 and {COHORT_BUCKETS}")
        if self.five_hour_limit < 1 or self.weekly_limit < 1:
            raise PolicyError("usage limits must be at least 1")
        if (
            min(
                self.join_attempts_per_link,
                self.join_attempts_per_client,
                self.join_attempts_window_minutes,
            )
            < 1
        ):
            raise PolicyError("join page attempt limits and their window must be at least 1")
        if (
            min(
                self.sign_in_failures_per_account,
                self.sign_in_failures_per_client,
                self.sign_in_window_minutes,
            )
            < 1
        ):
            raise PolicyError("sign-in attempt limits and their window must be at least 1")
        if self.offer_expiry_seconds < 1:
            raise PolicyError("offer_expiry_seconds must be at least 1")
        if self.max_recipients_per_send < 1:
            raise PolicyError("max_recipients_per_send must be at least 1")
        if self.resend_cooldown_minutes < 0:
            raise PolicyError("resend_cooldown_minutes must be 0 or more")
        if self.credit_resets_weekly not in (0, 1):
            raise PolicyError("credit_resets_weekly must be 1 (both windows) or 0 (5-hour only)")

    @property
    def dormancy(self) -> timedelta:
        """Idle time an account must exceed (strictly) to count as dormant."""
        return timedelta(days=self.dormancy_days)

    @property
    def token_lifetime(self) -> timedelta | None:
        """How long a granted token stays spendable; None means it never expires."""
        return None if self.token_expiry_days is None else timedelta(days=self.token_expiry_days)

    @property
    def invitation_lifetime(self) -> timedelta | None:
        """How long a pending invitation stays usable; None means no expiry."""
        if self.invitation_expiry_days is None:
            return None
        return timedelta(days=self.invitation_expiry_days)

    @property
    def offer_lifetime(self) -> timedelta:
        """How long an offer stays valid for sending after it was handed out."""
        return timedelta(seconds=self.offer_expiry_seconds)

    @property
    def resend_cooldown(self) -> timedelta:
        """How long after an invitation's last email the next one may be sent."""
        return timedelta(minutes=self.resend_cooldown_minutes)

    @property
    def rollout_percent(self) -> float:
        """The rollout as a percentage of accounts, for display."""
        return self.rollout_basis_points / 100

    def to_mapping(self) -> dict[str, int | None]:
        """Plain values, for JSON and storage."""
        return dataclasses.asdict(self)

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> ReferralPolicy:
        """Build from stored or user-typed values; unknown keys are refused."""
        return cls().with_values(values)

    def with_values(self, values: Mapping[str, object]) -> ReferralPolicy:
        """A copy with some values changed. Accepts ints or strings ("none" for optional ones)."""
        fields = {f.name: f for f in dataclasses.fields(self)}
        changes: dict[str, int | None] = {}
        for key, raw in values.items():
            if key not in fields:
                known = ", ".join(sorted(fields))
                raise PolicyError(f"unknown policy value {key!r} (known: {known})")
            changes[key] = _parse_value(key, raw, optional="None" in str(fields[key].type))
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


def _parse_value(key: str, raw: object, *, optional: bool) -> int | None:
    if raw is None or (isinstance(raw, str) and raw.strip().lower() in {"none", "never", ""}):
        if not optional:
            raise PolicyError(f"{key} needs a number")
        return None
    if isinstance(raw, bool):
        raise PolicyError(f"{key} needs a whole number, not {raw!r}")
    if isinstance(raw, int):
        return raw
    try:
        return int(str(raw).strip())
    except ValueError:
        raise PolicyError(f"{key} needs a whole number, not {raw!r}") from None
