"""Usage windows that begin at first use and reset by themselves (DESIGN R7)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from desktop.domain.clock import as_utc


class WindowKind(StrEnum):
    """The two usage windows every account has."""

    FIVE_HOUR = "five_hour"
    WEEKLY = "weekly"

    @property
    def length(self) -> timedelta:
        """How long a window lasts once it has begun."""
        return timedelta(hours=5) if self is WindowKind.FIVE_HOUR else timedelta(days=7)

    @property
    def label(self) -> str:
        """Name shown to the user."""
        return "5-hour" if self is WindowKind.FIVE_HOUR else "Weekly"


@dataclass(frozen=True)
class UsageWindow:
    """One window: its limit, what is used, and when it began (None: starts at next use)."""

    kind: WindowKind
    limit: int
    used: int
    started_at: datetime | None

    @property
    def resets_at(self) -> datetime | None:
        """When the window ends, known only once it has begun."""
        return None if self.started_at is None else as_utc(self.started_at) + self.kind.length

    @property
    def percent_used(self) -> int:
        """Whole percent used, 0-100."""
        if self.limit <= 0:
            return 100
        return min(100, round(100 * self.used / self.limit))

    @property
    def remaining(self) -> int:
        """Units left in this window."""
        return max(self.limit - self.used, 0)

    def at(self, now: datetime) -> UsageWindow:
        """The window as it stands at `now`: after its end, used is back to zero, not yet begun."""
        end = self.resets_at
        if end is not None and as_utc(now) >= end:
            return UsageWindow(self.kind, self.limit, 0, None)
        return self

    def record_use(self, amount: int, now: datetime) -> UsageWindow:
        """Add use at `now`, beginning a new window if none is running."""
        current = self.at(now)
        started = current.started_at if current.started_at is not None else as_utc(now)
        return UsageWindow(self.kind, self.limit, current.used + amount, started)

    def cleared(self) -> UsageWindow:
        """Closed by a reset: nothing used, the next window begins at the next use."""
        return UsageWindow(self.kind, self.limit, 0, None)
