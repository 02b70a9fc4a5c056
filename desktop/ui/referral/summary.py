"""The module's words, built from the backend's policy values. It never promises a reward (R2)."""

from __future__ import annotations

from desktop.controller.state import CycleView
from desktop.domain.policy import ReferralPolicy
from desktop.ui.formatting import plural, short_date


def summary_text(policy: ReferralPolicy | None) -> str:
    """How an invitation may earn a reset, with the numbers the backend enforces."""
    if policy is None:
        return "Invite a peer by email with a personal link."
    expiry = (
        f" A reset stays usable for {plural(policy.token_expiry_days, 'day')} after it is earned."
        if policy.token_expiry_days is not None
        else ""
    )
    return (
        "When a peer you invite signs up through your personal link (or comes back after more "
        f"than {plural(policy.dormancy_days, 'day')} away), initialises a workspace and sends "
        f"{plural(policy.prompts_required, 'prompt')}, you may earn a usage reset, up to "
        f"{policy.monthly_cap} per billing cycle. A reset sets your usage back to zero when you "
        f"choose to use it.{expiry}"
    )


def cycle_text(cycle: CycleView | None) -> str:
    """`2 of 3 resets earned this cycle, resets on 14 Dec`."""
    if cycle is None:
        return "Resets earned this cycle: not known yet."
    return (
        f"{cycle.earned} of {cycle.cap} resets earned this cycle, resets on {short_date(cycle.end)}"
    )


def cap_warning_text(cycle: CycleView) -> str:
    """Shown before sending when the cap is already reached (R2, R5)."""
    return (
        f"You have already earned {cycle.earned} of {cycle.cap} resets this cycle: a conversion "
        f"before {short_date(cycle.end)} will earn nothing. You can still invite."
    )
