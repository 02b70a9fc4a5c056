"""Small builders of cache records for storage tests (plain values, no backend)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from desktop.domain.credits import Credit
from desktop.domain.cycles import RewardCycle
from desktop.domain.invitations import InvitationState
from desktop.domain.offer import Offer
from desktop.domain.policy import ReferralPolicy
from desktop.domain.profile import Profile
from desktop.domain.reasons import Reason
from desktop.domain.usage import UsageWindow, WindowKind
from desktop.storage import (
    CachedInvitation,
    SyncDelta,
)

T0 = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
ACCOUNT = Profile("acc-1", "pilot@example.com", "Pilot", "plus", 10)


def invitation(
    number: int,
    *,
    state: InvitationState = InvitationState.SENT,
    updated: datetime | None = None,
    key: str | None = None,
    version: int = 1,
    sequence: int | None = None,
) -> CachedInvitation:
    """Invitation `number`, created `number` minutes after T0, the `number`-th created unless
    `sequence` says otherwise, last changed at change `version`."""
    created = T0 + timedelta(minutes=number)
    return CachedInvitation(
        id=f"inv-{number}",
        recipient=f"peer{number}@example.com",
        link=f"https://example.invalid/join/{number:032x}",
        state=state,
        created_at=created,
        updated_at=updated or created,
        link_opened=state is not InvitationState.SENT,
        joined_kind=None,
        workspace_ready=False,
        prompts=0,
        prompts_required=3,
        reason=f"reason {number}",
        history=((InvitationState.SENT, created),)
        + (((state, updated or created),) if state is not InvitationState.SENT else ()),
        idempotency_key=key,
        version=version,
        sequence=number if sequence is None else sequence,
    )


def token(
    number: int, *, state: str = "available", invitation_id: str = "inv-1", version: int = 1
) -> Credit:
    """Token `number`, granted `number` hours after T0, expiring 30 days later."""
    granted = T0 + timedelta(hours=number)
    return Credit(
        id=f"tok-{number}",
        granted_at=granted,
        expires_at=granted + timedelta(days=30),
        state=state,
        invitation_id=invitation_id,
        spent_at=granted + timedelta(days=1) if state == "spent" else None,
        version=version,
    )


def delta(
    cursor: int,
    invitations: tuple[CachedInvitation, ...] = (),
    tokens: tuple[Credit, ...] = (),
    *,
    account: Profile = ACCOUNT,
    eligible: bool = True,
    since: int = 0,
    full: bool = False,
    offer: Offer | None = None,
) -> SyncDelta:
    """A sync result carrying the given changed rows (versions since < v <= cursor)."""
    return SyncDelta(
        cursor=cursor,
        account=account,
        eligible=eligible,
        policy=ReferralPolicy(prompts_required=3),
        five_hour=UsageWindow(WindowKind.FIVE_HOUR, 100, 40, T0),
        weekly=UsageWindow(WindowKind.WEEKLY, 1000, 820, T0 - timedelta(days=2)),
        cycle=RewardCycle(T0 - timedelta(days=5), T0 + timedelta(days=26), 1, 3),
        invitations=invitations,
        tokens=tokens,
        backend_now=T0 + timedelta(hours=1),
        fetched_at=T0 + timedelta(hours=1),
        full=full,
        since=since,
        offer=offer,
    )


def offer(
    *,
    send_capacity: int | None = 2,
    reward_capacity: int | None = 1,
    requires_confirmation: bool = True,
    unavailable_reason: Reason | None = None,
) -> Offer:
    """An offer as the server hands it out: its copy, rules and both capacities."""
    return Offer(
        id="off_1_sig",
        offered=unavailable_reason is None,
        title="Bring a colleague",
        description="Share the tool with a colleague.",
        rules=("One address per invitation.", "Resets are earned after 3 prompts."),
        requires_confirmation=requires_confirmation,
        send_capacity=send_capacity,
        reward_capacity=reward_capacity,
        rewards_resume_at=None if reward_capacity else T0 + timedelta(days=20),
        send_capacity_frees_at=None if send_capacity else T0 + timedelta(hours=3),
        max_recipients=5,
        issued_at=T0,
        expires_at=T0 + timedelta(minutes=5),
        unavailable_reason=unavailable_reason,
    )
