"""How times, counts and windows read on screen. Stored in UTC, shown in local time (R10).

Every date on screen goes through here, in the user's locale (`QLocale()`): the patterns are
derived from the locale's own long date format, so the day, month and weekday names and their
order always come from one locale ("Tue, Dec 14" in en_US, "Di., 14. Dez." in de_DE), never a
mix. The year is shown when it is not the current one.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from functools import cache
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QDate, QDateTime, QLocale, QTime, QTimeZone

from desktop.domain.clock import as_utc

if TYPE_CHECKING:
    from desktop.domain.invitations import InvitationState
    from desktop.domain.usage import UsageWindow

_zone_override: tzinfo | None = None


def set_display_zone(zone: tzinfo | None) -> None:
    """Show times in `zone` instead of the machine's zone (tests; None restores the machine's)."""
    global _zone_override
    _zone_override = zone


def local(moment: datetime) -> datetime:
    """The same instant in the display time zone (the machine's local zone by default)."""
    return as_utc(moment).astimezone(_zone_override)


def _now() -> datetime:
    return datetime.now(UTC)


@cache
def _patterns(locale_name: str) -> tuple[str, str, str, str]:
    """(date without year, date with year, weekday + date without year, with year)."""
    long_format = QLocale(locale_name).dateFormat(QLocale.FormatType.LongFormat)
    # Month names abbreviated; the weekday (wherever the locale puts it) taken out.
    base = long_format.replace("MMMM", "MMM")
    base = re.sub(r"d{4}[\s,.]*", "", base)
    base = re.sub(r"[\s,]*d{4}", "", base).strip(" ,")
    without_year = re.sub(r"(\s*'[^']*')?[\s,]*y+('[^']*'|年|년)?", "", base).strip(" ,")
    weekday_first = not long_format.lstrip("'").startswith(("d", "M", "y")) or (
        long_format.startswith("dddd")
    )
    if weekday_first:
        return without_year, base, f"ddd, {without_year}", f"ddd, {base}"
    return without_year, base, f"{without_year} ddd", f"{base} ddd"


def _locale(locale: QLocale | None) -> QLocale:
    return locale if locale is not None else QLocale()


def _qdate(when: datetime) -> QDate:
    return QDate(when.year, when.month, when.day)


def _same_year(when: datetime, now: datetime | None) -> bool:
    return when.year == local(now or _now()).year


def short_date(
    moment: datetime, *, locale: QLocale | None = None, now: datetime | None = None
) -> str:
    """`Dec 14` / `14. Dez.` in local time, with the year when it is not the current one."""
    when = local(moment)
    return _format_date(when, _locale(locale), _same_year(when, now), weekday=False)


def _format_date(when: datetime, locale: QLocale, same_year: bool, *, weekday: bool) -> str:
    plain, with_year, day_plain, day_with_year = _patterns(locale.name())
    if weekday:
        pattern = day_plain if same_year else day_with_year
    else:
        pattern = plain if same_year else with_year
    return locale.toString(_qdate(when), pattern)


def time_of_day(moment: datetime, *, locale: QLocale | None = None) -> str:
    """`3:04 PM` / `15:04` in local time."""
    when = local(moment)
    chosen = _locale(locale)
    return chosen.toString(
        QTime(when.hour, when.minute), chosen.timeFormat(QLocale.FormatType.ShortFormat)
    )


def date_time(
    moment: datetime, *, locale: QLocale | None = None, now: datetime | None = None
) -> str:
    """`Tue, Dec 14, 3:04 PM` / `Di., 14. Dez., 15:04` in local time (year when not this one)."""
    when = local(moment)
    chosen = _locale(locale)
    day = _format_date(when, chosen, _same_year(when, now), weekday=True)
    return QCoreApplication.translate("formatting", "{date}, {time}").format(
        date=day, time=time_of_day(moment, locale=chosen)
    )


def cycle_date(moment: datetime, *, locale: QLocale | None = None) -> str:
    """A billing-cycle boundary as its UTC calendar day (R5: cycles are decided in UTC), so the
    module's "next cycle on Dec 14" and the Account page's "day 14" always agree."""
    when = as_utc(moment)
    chosen = _locale(locale)
    return _format_date(when, chosen, _same_year(when, None), weekday=False)


def ago(moment: datetime, now: datetime) -> str:
    """`just now`, `5 minutes ago`, `3 hours ago`, or a date for anything older than a day."""
    seconds = (as_utc(now) - as_utc(moment)).total_seconds()
    if seconds < 60:
        return QCoreApplication.translate("formatting", "just now")
    if seconds < 3600:
        minutes = int(seconds // 60)
        return counted(
            minutes,
            QCoreApplication.translate("formatting", "{count} minute ago"),
            QCoreApplication.translate("formatting", "{count} minutes ago"),
        )
    if seconds < 86_400:
        hours = int(seconds // 3600)
        return counted(
            hours,
            QCoreApplication.translate("formatting", "{count} hour ago"),
            QCoreApplication.translate("formatting", "{count} hours ago"),
        )
    return QCoreApplication.translate("formatting", "on {date}").format(
        date=date_time(moment, now=now)
    )


def counted(count: int, one: str, many: str) -> str:
    """`one` or `many` (translated templates naming `{count}`) for `count`, filled in.

    Two forms, as English has: enough for the pseudo-locale and most European languages. A
    language with more plural forms needs Qt's numerus strings (`tr("%n reset(s)", "", n)`) and an
    English .qm for the source forms (docs/UI.md, "Translation")."""
    return (one if count == 1 else many).format(count=count)


def window_reset_text(window: UsageWindow) -> str:
    """When a usage window resets, or that it starts at the next use (R7)."""
    resets_at = window.resets_at
    if resets_at is None:
        return QCoreApplication.translate("formatting", "Starts at your next use")
    return QCoreApplication.translate("formatting", "Resets {when}").format(
        when=date_time(resets_at)
    )


def state_name(state: InvitationState) -> str:
    """An invitation state's short label (`Prompting`) in the UI language."""
    return QCoreApplication.translate("invitations", state.label)


def plan_name(plan: str) -> str:
    """`plus` -> `Plus`."""
    return plan.capitalize() if plan else QCoreApplication.translate("formatting", "Unknown")


def qdatetime(moment: datetime) -> QDateTime:
    """A UTC QDateTime for the same instant (for widgets that take one)."""
    when = as_utc(moment)
    return QDateTime(_qdate(when), QTime(when.hour, when.minute, when.second), QTimeZone.utc())
