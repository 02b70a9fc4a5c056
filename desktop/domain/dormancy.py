"""Who may convert through a link (DESIGN R3)."""

from __future__ import annotations

from datetime import datetime

from desktop.domain.clock import as_utc
from desktop.domain.policy import ReferralPolicy


def is_dormant(last_active: datetime, at: datetime, policy: ReferralPolicy) -> bool:
    """True when the idle time exceeds the policy's dormancy strictly: exactly 62 days is not."""
    return as_utc(at) - as_utc(last_active) > policy.dormancy
