"""What the sync's DTO builders read of an invitation and a token: the ORM objects the writers
hold, or the plain rows a sync reads (`service._changed_rows`, Core statements, no identity map).

`invitations.invitation_dto` and `wallet.token_dto` accept either through these Protocols. The
plain rows carry the same values the ORM gives (the columns' types convert them alike; a test
compares them, tests/backend/test_sync_answers.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class EventView(Protocol):
    """A step of an invitation's history."""

    @property
    def state(self) -> str: ...
    @property
    def at(self) -> datetime: ...


class MessageView(Protocol):
    """An email of an invitation, as the referrer's list shows the last one."""

    @property
    def subject(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def sent_at(self) -> datetime: ...


class InvitationView(Protocol):
    """An invitation as `invitation_dto` reads it."""

    @property
    def id(self) -> str: ...
    @property
    def recipient_email(self) -> str: ...
    @property
    def link_token(self) -> str: ...
    @property
    def idempotency_key(self) -> str | None: ...
    @property
    def state(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def version(self) -> int: ...
    @property
    def sequence(self) -> int: ...
    @property
    def link_opened_at(self) -> datetime | None: ...
    @property
    def joined_kind(self) -> str | None: ...
    @property
    def workspace_ready_at(self) -> datetime | None: ...
    @property
    def prompts(self) -> int: ...
    @property
    def prompts_required(self) -> int | None: ...
    @property
    def rewardless(self) -> bool: ...
    @property
    def events(self) -> Sequence[EventView]: ...
    @property
    def messages(self) -> Sequence[MessageView]: ...


class TokenView(Protocol):
    """A token (credit) as `token_dto` reads it."""

    @property
    def id(self) -> str: ...
    @property
    def invitation_id(self) -> str | None: ...
    @property
    def granted_at(self) -> datetime: ...
    @property
    def expires_at(self) -> datetime | None: ...
    @property
    def spent_at(self) -> datetime | None: ...
    @property
    def expired_at(self) -> datetime | None: ...
    @property
    def version(self) -> int: ...
    @property
    def source(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def windows(self) -> str: ...


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
