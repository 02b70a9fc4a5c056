"""The signed-in operator's profile: one shape for the contract, the cache and the window.

The backend sends it (`SessionDTO.account`, `SyncDTO.account`), the cache keeps it as it came,
and `AppState.account` shows it, all as this one frozen dataclass: the three layers had the same
five fields, so a field added here reaches all of them (docs/ARCHITECTURE.md, "One shape per
thing").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """The signed-in operator's profile."""

    id: str
    email: str
    display_name: str
    plan: str  # "free" | "plus" | "pro"
    billing_day: int
