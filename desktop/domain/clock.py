"""UTC time helpers shared by every layer (DESIGN R10: stored in UTC, shown in local time)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]
"""A source of the current time; always returns an aware UTC datetime."""

_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d|w)\s*$", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def utc_now() -> datetime:
    """The real current time, aware, in UTC."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """The same instant as an aware UTC datetime; naive values are taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_duration(text: str) -> timedelta:
    """Parse `62d`, `7d`, `5h`, `90m`, `30s` or `2w`, or a sum like `1d 5h`."""
    parts = text.split()
    if not parts:
        raise ValueError("empty duration")
    total = timedelta()
    for part in parts:
        match = _DURATION.match(part)
        if match is None:
            raise ValueError(f"not a duration: {part!r} (use forms like 62d, 5h, 90m)")
        total += timedelta(**{_UNITS[match.group(2).lower()]: int(match.group(1))})
    return total
