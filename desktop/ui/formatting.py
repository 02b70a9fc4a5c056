"""How times, counts and windows read on screen. Stored in UTC, shown in local time (R10)."""

from __future__ import annotations

from datetime import datetime

from desktop.domain.clock import as_utc
from desktop.domain.usage import UsageWindow


def local(moment: datetime) -> datetime:
    """The same instant in the machine's local time zone."""
    return as_utc(moment).astimezone()


def short_date(moment: datetime) -> str:
    """`14 Dec` (with the year when it is not the current one)."""
    when = local(moment)
    if when.year != datetime.now().astimezone().year:
        return f"{when.day} {when:%b %Y}"
    return f"{when.day} {when:%b}"


def date_time(moment: datetime) -> str:
    """`Tue 14 Dec, 15:04` in local time."""
    when = local(moment)
    return f"{when:%a} {short_date(moment)}, {when:%H:%M}"


def ago(moment: datetime, now: datetime) -> str:
    """`just now`, `5 minutes ago`, `3 hours ago`, or a date for anything older than a day."""
    seconds = (as_utc(now) - as_utc(moment)).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        minutes = int(seconds // 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    if seconds < 86_400:
        hours = int(seconds // 3600)
        return f"{hours} hour{'s' if hours != 1 else ''} ago"
    return f"on {date_time(moment)}"


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """`1 reset`, `2 resets`."""
    return f"{count} {noun if count == 1 else (plural_noun or noun + 's')}"


def window_reset_text(window: UsageWindow) -> str:
    """When a usage window resets, or that it starts at the next use (R7)."""
    resets_at = window.resets_at
    if resets_at is None:
        return "Starts at your next use"
    return f"Resets {date_time(resets_at)}"


def plan_name(plan: str) -> str:
    """`plus` -> `Plus`."""
    return plan.capitalize() if plan else "Unknown"
