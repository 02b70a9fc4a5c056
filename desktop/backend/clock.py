"""The backend's virtual clock, kept in its database so every process agrees on the time.

Frozen by default: it moves only when QA advances it, so demos and the 62-day edge are
reproducible. `run` makes it follow real time from that moment on; `freeze` stops it again.
Tests inject their own `Clock` instead (see BackendStore).
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


def virtual_now(state: BackendState, real: Clock) -> datetime:
    """The virtual time now: the frozen value, or the frozen value plus real time since `run`."""
    if state.clock_running and state.clock_real_anchor is not None:
        return as_utc(state.clock_virtual_at) + (real() - as_utc(state.clock_real_anchor))
    return as_utc(state.clock_virtual_at)


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
