"""Idempotency keys: one per operation the user asked for, sent again with every retry of it
(DESIGN R11), so the backend applies it at most once."""

from __future__ import annotations

import os


def new_key() -> str:
    """A fresh idempotency key: 32 hex digits from the OS's random source, as `uuid4().hex`
    without importing uuid (which imports platform: docs/PERFORMANCE.md)."""
    return os.urandom(16).hex()
