"""Conversions: backend DTOs to cache records, cache records to the views the UI renders.

Only shapes that differ between the layers are converted here (the invitation). The profile,
the billing cycle, the credit and the offer pass through as they are
(`desktop.domain.profile.Profile`, `desktop.domain.cycles.RewardCycle`,
`desktop.domain.credits.Credit`, `desktop.domain.offer.Offer`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from operator import attrgetter

from desktop.backend.api import (
    InvitationDTO,
    SyncDTO,
)
from desktop.controller.state import InvitationView
from desktop.domain.invitations import LAST_ATTEMPT, InvitationState, describe_progress
from desktop.domain.policy import ReferralPolicy
from desktop.domain.reasons import translated
from desktop.storage import (
    CachedInvitation,
    QueuedInvitation,
    SyncDelta,
)

LOCAL_PREFIX = "local-"


def invitation_record(dto: InvitationDTO) -> CachedInvitation:
    """An invitation as the cache keeps it."""
    return CachedInvitation(
        id=dto.id,
        recipient=dto.recipient,
        link=dto.link,
        state=dto.state,
        created_at=dto.created_at,
        updated_at=dto.updated_at,
        link_opened=dto.link_opened,
        joined_kind=dto.joined_kind,
        workspace_ready=dto.workspace_ready,
        prompts=dto.prompts,
        prompts_required=dto.prompts_required,
        reason=dto.reason,
        history=tuple((event.state, event.at) for event in dto.history),
        idempotency_key=dto.idempotency_key,
        message_subject=dto.message_subject,
        message_body=dto.message_body,
        version=dto.version,
        sequence=dto.sequence,
        rewardless=dto.rewardless,
        last_sent_at=dto.last_sent_at,
        resend_available_at=dto.resend_available_at,
        emails_sent=dto.emails_sent,
    )


def sync_delta(dto: SyncDTO, fetched_at: datetime) -> SyncDelta:
    """One sync answer as a cache write; `fetched_at` is the client's clock."""
    return SyncDelta(
        cursor=dto.cursor,
        account=dto.account,
        eligible=dto.eligible,
        policy=dto.policy,
        five_hour=dto.usage.five_hour,
        weekly=dto.usage.weekly,
        cycle=dto.cycle,
        invitations=tuple(invitation_record(row) for row in dto.invitations),
        tokens=dto.tokens,
        backend_now=dto.now,
        fetched_at=fetched_at,
        full=dto.full,
        since=dto.since,
        offer=dto.offer,
    )


def invitation_view(record: CachedInvitation) -> InvitationView:
    """A backend invitation as a checklist row."""
    return InvitationView(
        id=record.id,
        recipient=record.recipient,
        link=record.link,
        state=record.state,
        created_at=record.created_at,
        link_opened=record.link_opened,
        joined_kind=record.joined_kind,
        workspace_ready=record.workspace_ready,
        prompts=record.prompts,
        prompts_required=record.prompts_required,
        reason=record.reason,
        history=record.history,
        message_subject=record.message_subject,
        message_body=record.message_body,
        sequence=record.sequence,
        rewardless=record.rewardless,
        last_sent_at=record.last_sent_at,
        resend_available_at=record.resend_available_at,
        emails_sent=record.emails_sent,
    )


_NEWEST_FIRST = attrgetter("sequence", "created_at", "id")  # sorted descending; unique by id


def newest_first(views: Iterable[InvitationView]) -> tuple[InvitationView, ...]:
    """The one order of every invitation list (the settings window's and the QA window's):
    the backend's creation sequence, newest first. Timestamps cannot order them: under the
    frozen demo clock many invitations share one. (Rows cached before sequences existed have 0
    until the next full sync; they keep their old order among themselves.)"""
    return tuple(sorted(views, key=_NEWEST_FIRST, reverse=True))


def placed_newest_first(
    ordered: Sequence[InvitationView], added: Iterable[InvitationView]
) -> tuple[InvitationView, ...]:
    """`ordered` (in `newest_first` order, none of `added`'s ids in it) with each of `added`
    put where `newest_first` would put it: the same tuple as sorting everything again, found by
    bisection, so one new invitation costs no sort of thousands."""
    rows = list(ordered)
    for view in added:
        key = _NEWEST_FIRST(view)
        low, high = 0, len(rows)
        while low < high:
            middle = (low + high) // 2
            if _NEWEST_FIRST(rows[middle]) > key:
                low = middle + 1
            else:
                high = middle
        rows.insert(low, view)
    return tuple(rows)


def local_id(key: str) -> str:
    """The id a queued invitation shows under until the backend gives it one."""
    return f"{LOCAL_PREFIX}{key}"


def queued_view(entry: QueuedInvitation, policy: ReferralPolicy | None) -> InvitationView:
    """An outbox entry as a checklist row in state QUEUED."""
    rules = policy or ReferralPolicy()
    reason = describe_progress(
        InvitationState.QUEUED, 0, rules.prompts_required, rules.dormancy_days
    )
    if entry.last_error:
        last = translated("invitations", LAST_ATTEMPT).format(error=entry.last_error)
        reason = f"{reason} {last}"
    return InvitationView(
        id=local_id(entry.key),
        recipient=entry.recipient,
        link="",
        state=InvitationState.QUEUED,
        created_at=entry.queued_at,
        link_opened=False,
        joined_kind=None,
        workspace_ready=False,
        prompts=0,
        prompts_required=rules.prompts_required,
        reason=reason,
        history=((InvitationState.QUEUED, entry.queued_at),),
    )
