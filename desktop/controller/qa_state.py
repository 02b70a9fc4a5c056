"""Immutable snapshots the QA controller emits and the QA simulator window renders.

Kept apart from `desktop.controller.qa` (which drives the backend's Simulator) so the UI can read
these types without importing anything of the backend. No Qt, no ORM objects here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from desktop.controller.state import InvitationView
from desktop.domain.cohort import CohortDecision
from desktop.domain.offer import Offer, OfferSettings
from desktop.domain.policy import ReferralPolicy
from desktop.domain.usage import UsageWindow


@dataclass(frozen=True)
class QaClock:
    """The backend's virtual time and whether it follows real time."""

    now: datetime
    running: bool


@dataclass(frozen=True)
class QaFaults:
    """What goes wrong with the app's API calls."""

    offline: bool = False
    latency_ms: int = 0
    error_rate: float = 0.0

    @property
    def any(self) -> bool:
        """At least one fault is on."""
        return self.offline or self.latency_ms > 0 or self.error_rate > 0


@dataclass(frozen=True)
class QaAccount:
    """One backend account as QA inspects it: cohort answer with its reason, usage, wallet."""

    email: str
    display_name: str
    plan: str
    operator: bool
    billing_day: int
    last_active: datetime
    dormant: bool
    pilot_list: str | None  # None | "allow" | "deny"
    cohort: CohortDecision
    five_hour: UsageWindow
    weekly: UsageWindow
    available_tokens: int
    earned_this_cycle: int
    cap: int


@dataclass(frozen=True)
class QaInvitation:
    """An invitation as the backend has it, with the operator who sent it."""

    operator: str
    view: InvitationView


@dataclass(frozen=True)
class QaOutboxMessage:
    """An invitation email the mock backend dispatched, with the personal link it carries."""

    id: int
    invitation_id: str
    operator: str  # who sent the invitation, "" if unknown
    recipient: str
    subject: str
    body: str
    link: str
    sent_at: datetime


@dataclass(frozen=True)
class QaOffer:
    """The signed-in operator's offer as the backend hands it out (the server's own copy, not
    the window's fallback words), with what only QA sees: the reason's sentence when it is not
    offered (the product keeps the module absent, R1) and the settings QA can change
    (`sim offer set`)."""

    offer: Offer
    reason: str  # `offer.unavailable_reason` as a sentence; "" when offered
    settings: OfferSettings


@dataclass(frozen=True)
class QaSnapshot:
    """The backend as the QA window shows it, read in one go after every action."""

    clock: QaClock
    policy: ReferralPolicy
    faults: QaFaults
    accounts: tuple[QaAccount, ...]
    operator: str | None  # the signed-in operator's email when the snapshot was read
    invitations: tuple[QaInvitation, ...]  # the operator's, newest first
    outbox: tuple[QaOutboxMessage, ...]  # every operator's, newest first
    offer: QaOffer | None = None  # the operator's offer (None: nobody signed in)

    def account(self, email: str | None) -> QaAccount | None:
        """The account with this address (case-insensitive), if the backend knows it."""
        if email is None:
            return None
        wanted = email.casefold()
        return next((a for a in self.accounts if a.email.casefold() == wanted), None)

    @property
    def operator_account(self) -> QaAccount | None:
        """The signed-in operator's account."""
        return self.account(self.operator)
