"""How long a test waits, at most, for something that will happen: one rule for the whole suite.

A bound here is a guard against a hang, never a claim about speed (speed lives in bench/). On a
starved machine (load 8-14 on 2 cores, five agents sharing it) a process gets about cores/load of
a core, so everything takes several times longer than at rest; a bound that holds at rest then
fails a test that was only slow. `bound_s(at_rest)` stretches a wait that is generous at rest by
how loaded the machine is when the wait starts, with a margin for load that rises during it.
The pytest-timeout hang guard (tests/conftest.py), the wire and web tests' server start
(tests/wire/support.py, tests/web/support.py), the leak guard's grace for ending threads
(tests/leak_guard.py) and the whole-process runs of the app (`--first-sync-timeout`, the
subprocess's own timeout: tests/ui/test_command_line.py, tests/ui/test_startup_imports.py) use it.
"""

from __future__ import annotations

import os

MARGIN = 2.0
"""On top of the load measured when the wait starts: the load average lags (a minute), and the
load can rise while the test waits."""


def slowdown() -> float:
    """How many times slower than at rest this machine is now, roughly: the 1-minute load
    average per core, never below 1."""
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:  # no load average on this platform
        load = 0.0
    return max(1.0, load / cores)


def bound_s(at_rest_s: float) -> float:
    """A wait that is generous at rest (`at_rest_s` seconds), stretched for the load now."""
    return at_rest_s * MARGIN * slowdown()


def bound_ms(at_rest_ms: int) -> int:
    """`bound_s` in milliseconds (qtbot waits)."""
    return int(bound_s(at_rest_ms / 1000) * 1000)


def first_sync_timeout() -> tuple[str, str]:
    """`--first-sync-timeout` for a test's whole-process run of the app: the app's own default
    (20 s) stretched for the load, since the test asserts what the window shows once synced."""
    from desktop.app import FIRST_SYNC_TIMEOUT_MS

    return ("--first-sync-timeout", f"{bound_s(FIRST_SYNC_TIMEOUT_MS / 1000):.0f}")


def whole_app_args(args: tuple[str, ...]) -> tuple[str, ...]:
    """The app's command line for a test, with `first_sync_timeout()` when it waits for the
    first sync (`--smoke-test`, `--screenshot`)."""
    if "--smoke-test" not in args and "--screenshot" not in args:
        return args
    return (*args, *first_sync_timeout())
