"""What the sync's DTO builders read of an invitation and a token: the ORM objects the writers
hold, or the plain rows a sync reads (`service._read_changed`: Core statements, no identity map).

`invitations.invitation_dto` and `wallet.token_dto` accept either (`InvitationView`,
`TokenView`). The plain rows carry the same values the ORM gives (the columns' types convert
them alike; a test compares them, tests/backend/test_sync_answers.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

from desktop.backend.store import Invitation, Token


@dataclass(frozen=True, slots=True)
class EventRow:
    state: str
    at: datetime


@dataclass(frozen=True, slots=True)
class MessageRow:
    subject: str
    body: str
    sent_at: datetime


@dataclass(frozen=True, slots=True)
class InvitationRow:
    """An invitation read as a plain row, with its history and emails in id order."""

    id: str
    recipient_email: str
    link_token: str
    idempotency_key: str | None
    state: str
    created_at: datetime
    updated_at: datetime
    version: int
    sequence: int
    link_opened_at: datetime | None
    joined_kind: str | None
    workspace_ready_at: datetime | None
    prompts: int
    prompts_required: int | None
    rewardless: bool
    events: tuple[EventRow, ...]
    messages: tuple[MessageRow, ...]


@dataclass(frozen=True, slots=True)
class TokenRow:
    id: str
    invitation_id: str | None
    granted_at: datetime
    expires_at: datetime | None
    spent_at: datetime | None
    expired_at: datetime | None
    version: int
    source: str
    title: str
    windows: str


INVITATION_FIELDS = tuple(
    name for name in InvitationRow.__dataclass_fields__ if name not in ("events", "messages")
)
TOKEN_FIELDS = tuple(TokenRow.__dataclass_fields__)

InvitationView: TypeAlias = Invitation | InvitationRow
"""An invitation as `invitations.invitation_dto` reads it."""
TokenView: TypeAlias = Token | TokenRow
"""A token (credit) as `wallet.token_dto` reads it."""
