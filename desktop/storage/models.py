"""SQLAlchemy 2.0 models of the client's cache (<data>/cache.sqlite). No secret is ever stored.

The schema here is the head revision; `migrations/versions` builds it step by step. Every row
belongs to the cached account, so switching accounts is one cascading delete.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from desktop.domain.clock import as_utc


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC (DESIGN R10), whatever zone the caller passed."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with UTC datetimes and stable constraint names for batch migrations."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime()}


_ACCOUNT_FK = "account.id"


class SyncStateRow(Base):
    """The single row (id 1) saying whose data is cached and where the delta sync stands."""

    __tablename__ = "sync_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    active_account_id: Mapped[str | None] = mapped_column(String(64))
    cursor: Mapped[int] = mapped_column(Integer, default=0)
    last_synced_at: Mapped[datetime | None]
    backend_now: Mapped[datetime | None]


class AccountRow(Base):
    """The operator's profile."""

    __tablename__ = "account"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    display_name: Mapped[str] = mapped_column(String(200))
    plan: Mapped[str] = mapped_column(String(16))
    billing_day: Mapped[int]


class FlagRow(Base):
    """A feature flag value with the moment it was fetched; absent means never fetched (R1)."""

    __tablename__ = "flag"

    account_id: Mapped[str] = mapped_column(
        ForeignKey(_ACCOUNT_FK, ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    enabled: Mapped[bool]
    fetched_at: Mapped[datetime]


class PolicyRow(Base):
    """The policy values last received, as JSON so a new policy field needs no migration."""

    __tablename__ = "policy"

    account_id: Mapped[str] = mapped_column(
        ForeignKey(_ACCOUNT_FK, ondelete="CASCADE"), primary_key=True
    )
    values_json: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[datetime]


class UsageWindowRow(Base):
    """One usage window (five_hour or weekly) as the backend last reported it (R7)."""

    __tablename__ = "usage_window"

    account_id: Mapped[str] = mapped_column(
        ForeignKey(_ACCOUNT_FK, ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    limit: Mapped[int]
    used: Mapped[int]
    started_at: Mapped[datetime | None]


class CycleRow(Base):
    """The current billing cycle and what it has earned (R5)."""

    __tablename__ = "cycle"

    account_id: Mapped[str] = mapped_column(
        ForeignKey(_ACCOUNT_FK, ondelete="CASCADE"), primary_key=True
    )
    start: Mapped[datetime]
    end: Mapped[datetime]
    earned: Mapped[int]
    cap: Mapped[int]


class TokenRow(Base):
    """A reset token (R6). `invitation_id` is not a foreign key: the backend is the authority."""

    __tablename__ = "token"
    __table_args__ = (Index(None, "account_id", "state"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey(_ACCOUNT_FK, ondelete="CASCADE"))
    granted_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    state: Mapped[str] = mapped_column(String(16))
    invitation_id: Mapped[str] = mapped_column(String(64), index=True)
    spent_at: Mapped[datetime | None]
    # The backend's change version (R8): an upsert only ever replaces a lower one.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Issue 14: referral | complimentary; the server's title; both | five_hour.
    source: Mapped[str] = mapped_column(String(16), default="referral", server_default="referral")
    title: Mapped[str] = mapped_column(Text, default="", server_default="")
    windows: Mapped[str] = mapped_column(String(16), default="both", server_default="both")


class InvitationRow(Base):
    """An invitation as the backend last reported it; its history is in `invitation_event`."""

    __tablename__ = "invitation"
    __table_args__ = (Index(None, "account_id", "sequence"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey(_ACCOUNT_FK, ondelete="CASCADE"))
    recipient: Mapped[str] = mapped_column(String(320))
    link: Mapped[str] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    link_opened: Mapped[bool]
    joined_kind: Mapped[str | None] = mapped_column(String(16))
    workspace_ready: Mapped[bool]
    prompts: Mapped[int]
    prompts_required: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), index=True)
    message_subject: Mapped[str] = mapped_column(Text, default="", server_default="")
    message_body: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The backend's change version (R8): an upsert only ever replaces a lower one.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The backend's creation order: lists show the highest first.
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Issue 14: sent with no reward capacity left, and the resend bookkeeping.
    rewardless: Mapped[bool] = mapped_column(default=False, server_default="0")
    last_sent_at: Mapped[datetime | None]
    resend_available_at: Mapped[datetime | None]
    emails_sent: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class InvitationEventRow(Base):
    """One step of an invitation's status history, in order (`seq`)."""

    __tablename__ = "invitation_event"
    __table_args__ = (UniqueConstraint("invitation_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    invitation_id: Mapped[str] = mapped_column(
        ForeignKey("invitation.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int]
    state: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]


class OutboxRow(Base):
    """A pending operation: an invitation made offline, sent later with its idempotency key (R8)."""

    __tablename__ = "outbox"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey(_ACCOUNT_FK, ondelete="CASCADE"), index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    queued_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str] = mapped_column(Text, default="", server_default="")


class IntentRow(Base):
    """An operation the operator confirmed (a redeem, a revoke) whose outcome is not yet known.

    Its key is the request's idempotency key: every retry, a restart and a second window reuse it,
    so one intent is applied at most once (R11). The row goes when the outcome is definite.
    """

    __tablename__ = "intent"
    __table_args__ = (UniqueConstraint("account_id", "operation", "target"),)

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey(_ACCOUNT_FK, ondelete="CASCADE"), index=True)
    operation: Mapped[str] = mapped_column(String(16))  # redeem | revoke
    target: Mapped[str] = mapped_column(String(64), default="")  # invitation id for a revoke
    created_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # True once an attempt may have reached the backend: only a definite answer ends it then.
    doubtful: Mapped[bool] = mapped_column(default=False)
    # The credit a redeem names ("": the soonest-expiring one); every retry names it again.
    credit_id: Mapped[str] = mapped_column(String(64), default="", server_default="")


class OfferRow(Base):
    """The server-owned offer as last received (issue 14): one per account, replaced whole on
    every sync (so when it arrived is `sync_state.last_synced_at`). Its columns are the fields
    of `desktop.domain.offer.Offer`.

    Capacities are NULL when the server did not say (unknown, never zero)."""

    __tablename__ = "offer"

    account_id: Mapped[str] = mapped_column(
        ForeignKey(_ACCOUNT_FK, ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(200))
    offered: Mapped[bool]
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    rules: Mapped[str] = mapped_column(Text)  # a JSON list of sentences
    requires_confirmation: Mapped[bool]
    send_capacity: Mapped[int | None]
    reward_capacity: Mapped[int | None]
    rewards_resume_at: Mapped[datetime | None]
    send_capacity_frees_at: Mapped[datetime | None]
    max_recipients: Mapped[int]
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    # Why it is not offered (a reason code, QA only); NULL when offered.
    unavailable_reason: Mapped[str | None] = mapped_column(String(32))
