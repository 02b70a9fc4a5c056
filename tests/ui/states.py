"""AppState values built by hand, for rendering tests of single widgets."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from desktop.controller.state import (
    AppState,
    Eligibility,
    InvitationView,
    SyncPhase,
    SyncStatus,
    TokenView,
)
from desktop.domain.credits import Credit
from desktop.domain.cycles import RewardCycle
from desktop.domain.invitations import InvitationState, describe_progress
from desktop.domain.policy import ReferralPolicy
from desktop.domain.profile import Profile
from desktop.domain.usage import UsageWindow, WindowKind

NOW = datetime(2024, 12, 2, 10, 0, tzinfo=UTC)
POLICY = ReferralPolicy()


def account(email: str = "pilot@example.com", plan: str = "plus") -> Profile:
    """An operator profile."""
    return Profile(
        id=f"acct-{email.split('@')[0]}",
        email=email,
        display_name=email.split("@")[0].capitalize(),
        plan=plan,
        billing_day=14,
    )


def invitation(
    recipient: str,
    state: InvitationState = InvitationState.SENT,
    *,
    prompts: int = 0,
    minutes_ago: int = 10,
    index: int = 0,
) -> InvitationView:
    """An invitation whose checklist matches its state."""
    order = list(InvitationState)
    reached = order.index(state)
    joined = reached >= order.index(InvitationState.JOINED) and state not in (
        InvitationState.REVOKED,
        InvitationState.EXPIRED,
    )
    return InvitationView(
        id=f"inv-{index}-{recipient}",
        recipient=recipient,
        link="" if state is InvitationState.QUEUED else f"https://invite.example/r/tok{index}",
        state=state,
        created_at=NOW - timedelta(minutes=minutes_ago),
        link_opened=reached >= order.index(InvitationState.OPENED) and joined,
        joined_kind="new" if joined else None,
        workspace_ready=reached >= order.index(InvitationState.WORKSPACE_READY) and joined,
        prompts=prompts,
        prompts_required=POLICY.prompts_required,
        reason=describe_progress(state, prompts, POLICY.prompts_required, POLICY.dormancy_days),
        message_subject="" if state is InvitationState.QUEUED else "Pilot invited you",
        message_body=""
        if state is InvitationState.QUEUED
        else f"Join with this personal link: https://invite.example/r/tok{index}",
    )


def token(
    index: int, state: str = "available", *, expires_in_days: int = 20, recipient: str = ""
) -> TokenView:
    """A reset token granted some days ago."""
    granted = NOW - timedelta(days=10 - index)
    credit = Credit(
        id=f"tok-{index}",
        granted_at=granted,
        expires_at=NOW + timedelta(days=expires_in_days),
        state=state,
        invitation_id=f"inv-{index}",
        spent_at=NOW if state == "spent" else None,
        version=index,
    )
    return TokenView(credit, recipient=recipient or f"peer{index}@example.com")


def credit_changed(view: TokenView, **changes: Any) -> TokenView:
    """The same wallet row with some of its credit's fields changed."""
    return replace(view, credit=replace(view.credit, **changes))


def pilot_state(**changes: object) -> AppState:
    """pilot@: in the cohort, weekly usage mostly used, no tokens, no invitations."""
    state = AppState(
        account=account(),
        eligibility=Eligibility.ELIGIBLE,
        eligibility_fetched_at=NOW,
        policy=POLICY,
        five_hour=UsageWindow(WindowKind.FIVE_HOUR, 100, 40, NOW - timedelta(hours=1)),
        weekly=UsageWindow(WindowKind.WEEKLY, 1000, 820, NOW - timedelta(days=2)),
        cycle=RewardCycle(
            start=datetime(2024, 11, 14, tzinfo=UTC),
            end=datetime(2024, 12, 14, tzinfo=UTC),
            earned=0,
            cap=3,
        ),
        sync=SyncStatus(SyncPhase.SYNCED, NOW),
        backend_now=NOW,
    )
    return replace(state, **changes)  # type: ignore[arg-type]


def capped_state(**changes: object) -> AppState:
    """capped@: cap reached this cycle, two tokens."""
    state = pilot_state(
        account=account("capped@example.com"),
        cycle=RewardCycle(
            start=datetime(2024, 11, 14, tzinfo=UTC),
            end=datetime(2024, 12, 14, tzinfo=UTC),
            earned=3,
            cap=3,
        ),
        tokens=(token(1, recipient="ana@example.com"), token(2, expires_in_days=5)),
    )
    return replace(state, **changes)  # type: ignore[arg-type]


def pro_state(**changes: object) -> AppState:
    """pro@: outside the cohort."""
    state = pilot_state(
        account=account("pro@example.com", "pro"), eligibility=Eligibility.NOT_ELIGIBLE
    )
    return replace(state, **changes)  # type: ignore[arg-type]
