"""How long `serve` outlives the app that started it (`--linger-s`; docs/WIRE.md, "The embedded
default").

The app's embedded server is its data folder's backend over HTTP. When the app closes its stdin,
the server does not stop at once: it stays while requests come, and stops once none has been
in flight for `--linger-s` seconds, so the app's next start can use it instead of importing and
opening the backend itself (docs/PERFORMANCE.md, round 12). An app using it keeps a long poll in
flight all the time, so the server stays while any app uses it. A server that no start could
find any more (its package files changed on disk, `desktop.paths.code_stamp`; its folder's
record names another server or is gone) stops as soon as it is idle.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any

LOOK_EVERY_S = 1.0
"""How often a lingering server looks whether it has been idle long enough."""


class IdleWatch:
    """An ASGI layer that counts the HTTP requests in flight and notes when the last one ended.

    Requests run on the event loop's thread and `idle_for` is read by the linger thread: a lock
    keeps the two consistent."""

    def __init__(self, app: Any, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._in_flight = 0
        self._last = monotonic()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> object:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        with self._lock:
            self._in_flight += 1
        try:
            return await self.app(scope, receive, send)
        finally:
            with self._lock:
                self._in_flight -= 1
                self._last = self._monotonic()

    def idle_for(self) -> float | None:
        """Seconds since the last request ended, or None while one is in flight."""
        with self._lock:
            if self._in_flight:
                return None
            return self._monotonic() - self._last


def linger_then_stop(
    server: Any,
    watch: IdleWatch,
    linger_s: float,
    stale: Callable[[], bool],
    *,
    wait_for_stdin: bool = True,
    look_every_s: float = LOOK_EVERY_S,
) -> None:
    """Wait until stdin closes (the app that started the server has closed it or ended), then
    set uvicorn's `server.should_exit` once no request has been in flight for `linger_s`
    seconds, or at once when idle if `stale()` (no start could find it any more). Run on a
    thread of its own."""
    if wait_for_stdin:
        _wait_for_end_of_stdin()
    pause = threading.Event()  # never set: a wait that ends by its time-out
    while not getattr(server, "should_exit", False):
        idle = watch.idle_for()
        if idle is not None and (idle >= linger_s or stale()):
            server.should_exit = True
            return
        pause.wait(look_every_s)


def _wait_for_end_of_stdin() -> None:
    try:
        while sys.stdin.buffer.read(1024):
            pass
    except (OSError, ValueError):
        pass
