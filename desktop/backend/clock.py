"""The backend's virtual clock, kept in its database so every process agrees on the time.

Frozen by default: it moves only when QA advances it, so demos and the 62-day edge are
reproducible. `run` makes it follow real time from that moment on; `freeze` stops it again.
Tests inject their own `Clock` instead (see BackendStore).

The virtual clock never goes backwards. While it runs it moves by the real time elapsed since
its last reading, and every transaction's reading is stored back (`tick`) as the new starting
point: when the host clock steps back (NTP, a suspended VM, a manual change), the virtual time
stands still until real time has caught up with the step, then moves on from where it was.
Only `reset-demo`, which starts a new world, sets it anew.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from desktop.backend.store import BackendState
from desktop.domain.clock import Clock, as_utc


@dataclass(frozen=True)
class ClockView:
    """The backend time and whether it follows real time."""

    now: datetime
    running: bool


def _reading(state: BackendState, real_now: datetime) -> datetime:
    base = as_utc(state.clock_virtual_at)
    if state.clock_running and state.clock_real_anchor is not None:
        return max(base, base + (real_now - as_utc(state.clock_real_anchor)))
    return base


def virtual_now(state: BackendState, real: Clock) -> datetime:
    """The virtual time now: the frozen value, or the last stored reading plus the real time
    elapsed since it (never less than that reading)."""
    return _reading(state, real())


def tick(state: BackendState, real: Clock) -> datetime:
    """The virtual time now, stored back as the running clock's new starting point, so a later
    reading (in this or any process) can never be earlier. A frozen clock is left as it is."""
    real_now = real()
    moment = _reading(state, real_now)
    if state.clock_running:
        state.clock_virtual_at = moment
        state.clock_real_anchor = real_now
    return moment


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
