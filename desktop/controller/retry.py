"""How the controller retries: exponential backoff with a cap, no jitter (one client)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """Retries of retryable backend errors (offline, timeout, server error).

    An operation (sign-in, send, revoke, redeem) is tried `attempts` times, waiting
    `delay_ms(1)`, `delay_ms(2)`... in between, always with the same idempotency key. A failed
    sync is retried after `delay_ms(failures)`, never later than the periodic interval. A call
    that has not answered after `call_timeout_ms` counts as a timeout (it may still go through).
    """

    attempts: int = 3
    first_delay_ms: int = 250
    max_delay_ms: int = 30_000
    call_timeout_ms: int = 15_000

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.first_delay_ms < 0 or self.max_delay_ms < self.first_delay_ms:
            raise ValueError("delays must satisfy 0 <= first_delay_ms <= max_delay_ms")
        if self.call_timeout_ms < 1:
            raise ValueError("call_timeout_ms must be at least 1")

    def delay_ms(self, failures: int) -> int:
        """The wait after the `failures`-th consecutive failure (1-based): doubling, capped."""
        exponent = min(max(failures, 1) - 1, 30)
        return int(min(self.first_delay_ms * (2**exponent), self.max_delay_ms))
