"""The backend's virtual clock, kept in its database so every process agrees on the time.

Frozen by default: it moves only when QA advances it, so demos and the 62-day edge are
reproducible. `run` makes it follow real time from that moment on; `freeze` stops it again.
Tests inject their own `Clock` instead (see BackendStore).

It never goes back below what it has stored. While it runs, a reading is the stored time plus
the real time elapsed since it was stored, and never less than the stored time. The store writes
a reading back (`settle`) in every transaction that changes anything, in any transaction that
finds the real clock behind the stored one, and at least once per `SETTLE_EVERY` of virtual time
otherwise. So when the host clock steps back (NTP, a resumed VM, a hand-set clock), the time holds
at the stored value, which becomes the new starting point, and moves on from there with real
time. Every change is dated at or after the one before it; a reading that changes nothing can be
at most `SETTLE_EVERY` earlier than an earlier such reading, never earlier than a stored change.
(Reads do not write each time: the app and the QA window follow writes to the file, and a write
per read would make them refresh each other in a loop.) Only `reset-demo`, which starts a new
world (every older cursor gets a full snapshot), sets the clock anew.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from desktop.backend.store import BackendState
from desktop.domain.clock import Clock, as_utc


@dataclass(frozen=True)
class ClockView:
    """The backend time and whether it follows real time."""

    now: datetime
    running: bool


class ClockFields(Protocol):
    """The state row's clock columns: the ORM row, or a plain row read without it."""

    @property
    def clock_virtual_at(self) -> datetime: ...
    @property
    def clock_running(self) -> bool: ...
    @property
    def clock_real_anchor(self) -> datetime | None: ...


SETTLE_EVERY = timedelta(minutes=1)
"""A running clock is written back at least this often (in virtual time) by reads."""


def reading(state: ClockFields, real_now: datetime) -> datetime:
    """The virtual time when the real clock reads `real_now`: the stored value, plus the real
    time elapsed since it was stored while running, never less than the stored value."""
    base = as_utc(state.clock_virtual_at)
    if state.clock_running and state.clock_real_anchor is not None:
        return max(base, base + (real_now - as_utc(state.clock_real_anchor)))
    return base


def virtual_now(state: BackendState, real: Clock) -> datetime:
    """The virtual time now (see `reading`)."""
    return reading(state, real())


def running(state: ClockFields) -> bool:
    """Whether the virtual clock follows real time (else it stands still until advanced)."""
    return state.clock_running and state.clock_real_anchor is not None


def settle(state: BackendState, moment: datetime, real_now: datetime, *, wrote: bool) -> None:
    """Store a running clock's reading `moment` (taken at `real_now`) as its new starting point
    when the transaction `wrote` anything, the reading is `SETTLE_EVERY` past the stored time, or
    the real clock is behind the stored one (it stepped back: without a new starting point the
    time would stand still until real time caught up). A later reading, in any process, then
    starts from it and cannot be earlier."""
    if not running(state):
        return
    if wrote or write_back_due(state, moment, real_now):
        state.clock_virtual_at = moment
        state.clock_real_anchor = real_now


def write_back_due(state: ClockFields, moment: datetime, real_now: datetime) -> bool:
    """Whether a transaction that changes nothing must still store the running clock's reading
    `moment` (taken at `real_now`): the real clock stepped back below the stored anchor, or the
    reading is `SETTLE_EVERY` past the stored time. A read-only unit of work that finds this
    true runs as a writer instead (BackendStore.read)."""
    if not state.clock_running or state.clock_real_anchor is None:
        return False
    stepped_back = real_now < as_utc(state.clock_real_anchor)
    return stepped_back or moment - as_utc(state.clock_virtual_at) >= SETTLE_EVERY


def set_virtual_now(state: BackendState, moment: datetime, real: Clock) -> None:
    """Make the virtual clock read `moment` now (frozen or running as before)."""
    state.clock_virtual_at = as_utc(moment)
    state.clock_real_anchor = real() if state.clock_running else None


def advance(state: BackendState, delta: timedelta, real: Clock) -> datetime:
    """Move the virtual clock forward by `delta`; it never goes back."""
    if delta < timedelta(0):
        raise ValueError("the backend clock only moves forward")
    moment = virtual_now(state, real) + delta
    set_virtual_now(state, moment, real)
    return moment


def run(state: BackendState, real: Clock) -> datetime:
    """Follow real time from the current virtual time on."""
    moment = virtual_now(state, real)
    state.clock_running = True
    set_virtual_now(state, moment, real)
    return moment


def freeze(state: BackendState, real: Clock) -> datetime:
    """Stop at the current virtual time."""
    moment = virtual_now(state, real)
    state.clock_running = False
    set_virtual_now(state, moment, real)
    return moment
