"""Sign-in attempt limits of the HTTP service (issue 12 item 8): the join page's form and the
JSON API's `POST /v1/sessions`.

Both count attempts in sliding windows of real (monotonic) time, injected so tests move it by
hand: a limit protects against guessing passwords, which happens in real time whatever the
backend's virtual clock says. Numbers are policy values (desktop.domain.policy).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

MAX_LIMITER_KEYS = 50_000
"""Counters kept at most (the least recently used go first), so a flood of addresses or
accounts cannot grow the server's memory without bound."""


class AttemptLimiter:
    """Sliding-window counters: an attempt is allowed only if every key has room for it."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._attempts: OrderedDict[str, deque[float]] = OrderedDict()

    def attempt(self, limits: Mapping[str, int], window_s: float) -> float | None:
        """Record one attempt under every key, or None if allowed; else the seconds until the
        fullest key has room again (nothing recorded)."""
        return self.reserve(limits, window_s)[1]

    def reserve(self, limits: Mapping[str, int], window_s: float) -> tuple[float, float | None]:
        """As `attempt`, also returning the moment recorded, for `withdraw`."""
        now = self._now()
        with self._lock:
            wait = 0.0
            for key, limit in limits.items():
                times = self._attempts.setdefault(key, deque())
                self._attempts.move_to_end(key)
                while times and now - times[0] >= window_s:
                    times.popleft()
                if len(times) >= limit:
                    wait = max(wait, times[len(times) - limit] + window_s - now)
            if wait > 0:
                return now, wait
            for key in limits:
                self._attempts[key].append(now)
            while len(self._attempts) > MAX_LIMITER_KEYS:
                self._attempts.popitem(last=False)
            return now, None

    def clear(self) -> None:
        """Forget every attempt."""
        with self._lock:
            self._attempts.clear()

    def withdraw(self, keys: Mapping[str, int], moment: float) -> None:
        """Take back an attempt `reserve` recorded at `moment` (it turned out not to count)."""
        with self._lock:
            for key in keys:
                times = self._attempts.get(key)
                if times is not None and moment in times:
                    times.remove(moment)


@dataclass(frozen=True)
class SignInLimits:
    """Failed sign-ins allowed per account and per client address within a window."""

    per_account: int
    per_client: int
    window_s: float


@dataclass(frozen=True)
class SignInTicket:
    """One sign-in attempt let through: `settle(ticket, ...)` once it is answered."""

    counted: Mapping[str, int]
    moment: float
    replay: bool


class SignInLimiter:
    """Failed API sign-ins per account and per client address (issue 12 item 8).

    Every attempt takes a slot before the password is checked (so parallel guesses cannot
    overrun the limit), and a successful one gives it back: only failures count, so signing in
    many clients from one address (a QA lab, the load bench) is never refused. The same request
    again (the same idempotency key, address and password: a retry after a lost answer) is a
    replay, never a new attempt: it is let through uncounted, even while the limit holds, so
    the retry of a sign-in that succeeded still gets its session. A new password under an old
    key is a new attempt. Requests are recognised by an HMAC under a per-process secret:
    passwords are never kept."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._limiter = AttemptLimiter(now)
        self._now = now
        self._secret = secrets.token_bytes(32)
        self._lock = threading.Lock()
        self._seen: OrderedDict[bytes, float] = OrderedDict()

    def begin(
        self, email: str, password: str, key: str, client: str, limits: SignInLimits
    ) -> tuple[SignInTicket | None, float]:
        """Let an attempt through (a ticket), or refuse it: (None, seconds until allowed)."""
        request = self._digest(email, password, key)
        now = self._now()
        with self._lock:
            seen = self._seen.get(request)
            if seen is not None and now - seen < limits.window_s:
                return SignInTicket({}, now, replay=True), 0.0
        counted = {
            f"account:{email.strip().casefold()}": limits.per_account,
            f"client:{client}": limits.per_client,
        }
        moment, wait = self._limiter.reserve(counted, limits.window_s)
        if wait is not None:
            return None, wait
        with self._lock:
            self._seen[request] = moment
            self._seen.move_to_end(request)
            while len(self._seen) > MAX_LIMITER_KEYS:
                self._seen.popitem(last=False)
        return SignInTicket(counted, moment, replay=False), 0.0

    def clear(self) -> None:
        """Forget every attempt and request (QA's reset-demo: a fresh world)."""
        self._limiter.clear()
        with self._lock:
            self._seen.clear()

    def settle(self, ticket: SignInTicket, *, wrong_password: bool) -> None:
        """An attempt refused for its credentials keeps its slot; any other end (signed in, a
        server fault) gives it back."""
        if not wrong_password and not ticket.replay:
            self._limiter.withdraw(ticket.counted, ticket.moment)

    def _digest(self, email: str, password: str, key: str) -> bytes:
        message = "\0".join((email.strip().casefold(), password, key)).encode()
        return hmac.new(self._secret, message, hashlib.sha256).digest()
