"""Billing-cycle math (R5): month-end anchors, UTC boundaries, contiguity."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.domain.cycles import cycle_containing, cycle_start_in_month


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def test_billing_day_31_in_february_starts_on_the_last_day() -> None:
    assert cycle_start_in_month(2027, 2, 31) == utc(2027, 2, 28)
    assert cycle_start_in_month(2028, 2, 31) == utc(2028, 2, 29)  # leap year


def test_billing_day_31_cycle_across_february() -> None:
    january = cycle_containing(utc(2027, 2, 27, 23, 59, 59), 31)
    assert (january.start, january.end) == (utc(2027, 1, 31), utc(2027, 2, 28))
    february = cycle_containing(utc(2027, 2, 28), 31)
    assert (february.start, february.end) == (utc(2027, 2, 28), utc(2027, 3, 31))


def test_boundary_instant_belongs_to_the_new_cycle() -> None:
    cycle = cycle_containing(utc(2026, 12, 14), 14)
    assert cycle.start == utc(2026, 12, 14)
    assert utc(2026, 12, 13, 23, 59, 59) not in cycle
    assert utc(2026, 12, 14) in cycle


def test_cycle_crosses_the_year_end() -> None:
    cycle = cycle_containing(utc(2027, 1, 3), 14)
    assert (cycle.start, cycle.end) == (utc(2026, 12, 14), utc(2027, 1, 14))


def test_cycle_is_decided_in_utc_not_local_time() -> None:
    from zoneinfo import ZoneInfo

    # 13 Dec 23:30 in New York is 14 Dec 04:30 UTC: already the new cycle.
    local = datetime(2026, 12, 13, 23, 30, tzinfo=ZoneInfo("America/New_York"))
    assert cycle_containing(local, 14).start == utc(2026, 12, 14)


@pytest.mark.parametrize("day", [0, 32, -1])
def test_impossible_billing_day_is_refused(day: int) -> None:
    with pytest.raises(ValueError, match="billing_day"):
        cycle_start_in_month(2026, 1, day)


moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


@given(moment=moments, day=st.integers(1, 31))
def test_every_moment_lies_in_its_cycle(moment: datetime, day: int) -> None:
    cycle = cycle_containing(moment, day)
    assert cycle.start <= moment < cycle.end
    assert timedelta(days=28) <= cycle.end - cycle.start <= timedelta(days=31)
    last_day = calendar.monthrange(cycle.start.year, cycle.start.month)[1]
    assert cycle.start.day == min(day, last_day)


@given(moment=moments, day=st.integers(1, 31))
def test_cycles_are_contiguous(moment: datetime, day: int) -> None:
    cycle = cycle_containing(moment, day)
    assert cycle_containing(cycle.end, day).start == cycle.end
    assert cycle_containing(cycle.start - timedelta(microseconds=1), day).end == cycle.start
