"""Monthly billing cycles anchored on an account's billing day (DESIGN R5)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime

from desktop.domain.clock import as_utc


@dataclass(frozen=True)
class BillingCycle:
    """A half-open interval [start, end) in UTC."""

    start: datetime
    end: datetime

    def __contains__(self, moment: datetime) -> bool:
        return self.start <= as_utc(moment) < self.end


# One shape for the contract (`SyncDTO.cycle`), the cache and the window (`AppState.cycle`):
# the three layers had the same four fields (docs/ARCHITECTURE.md, "One shape per thing").
@dataclass(frozen=True)
class RewardCycle:
    """The operator's current billing cycle and what it has earned so far (R5)."""

    start: datetime
    end: datetime
    earned: int
    cap: int

    @property
    def capped(self) -> bool:
        """The cap is reached: a conversion before `end` earns nothing."""
        return self.earned >= self.cap


def cycle_start_in_month(year: int, month: int, billing_day: int) -> datetime:
    """Where the cycle of that month starts: the billing day, or the month's last day if shorter."""
    if not 1 <= billing_day <= 31:
        raise ValueError("billing_day must be between 1 and 31")
    last_day = calendar.monthrange(year, month)[1]
    return datetime(year, month, min(billing_day, last_day), tzinfo=UTC)


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def cycle_containing(moment: datetime, billing_day: int) -> BillingCycle:
    """The billing cycle that contains `moment`, decided in UTC."""
    moment = as_utc(moment)
    year, month = moment.year, moment.month
    start = cycle_start_in_month(year, month, billing_day)
    if moment < start:
        year, month = _shift_month(year, month, -1)
        start = cycle_start_in_month(year, month, billing_day)
    next_year, next_month = _shift_month(year, month, 1)
    return BillingCycle(start, cycle_start_in_month(next_year, next_month, billing_day))
