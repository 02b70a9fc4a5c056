"""The QA simulator: the world around the operator, over the same backend database.

Drives recipients through invitation links, the cohort flag, usage, the virtual clock, policy
values and faults, and acts as any operator without a session. The `sim` command and the app's
QA window both use it. Every method is one transaction and returns frozen dataclasses; refusals
raise the same typed errors as the API (desktop.backend.api). Faults never apply here.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from desktop.backend import accounts, clock, invitations, offers, recipients, seed, wallet
from desktop.backend.api import (
    InvalidState,
    InvitationDTO,
    NotFound,
    RedemptionDTO,
    UsageDTO,
)
from desktop.backend.clock import ClockView
from desktop.backend.database import BackendStore, ClosesOnExit
from desktop.backend.faults import FaultSettings, read_faults, write_faults
from desktop.backend.store import Account, Invitation, OutboxMessage
from desktop.backend.transaction import BackendTransaction
from desktop.domain.clock import Clock
from desktop.domain.cohort import CohortDecision
from desktop.domain.credits import Credit, CreditWindows
from desktop.domain.dormancy import is_dormant
from desktop.domain.offer import Offer, OfferSettings
from desktop.domain.policy import ReferralPolicy
from desktop.domain.reasons import Reason
from desktop.domain.usage import WindowKind

CohortAction = Literal["allow", "deny", "clear"]


@dataclass(frozen=True)
class InvitationRecord:
    """An invitation and the operator who sent it."""

    operator: str
    invitation: InvitationDTO


@dataclass(frozen=True)
class Wallet:
    """An account's reset tokens and what it earned in the current billing cycle."""

    email: str
    available: int
    earned_this_cycle: int
    cap: int
    cycle_start: datetime
    cycle_end: datetime
    tokens: tuple[Credit, ...]


@dataclass(frozen=True)
class AccountStatus:
    """One account as QA inspects it."""

    id: str
    email: str
    display_name: str
    plan: str
    billing_day: int
    operator: bool
    last_active: datetime
    dormant: bool
    pilot_list: str | None
    cohort: CohortDecision
    usage: UsageDTO
    wallet: Wallet


@dataclass(frozen=True)
class BackendStatus:
    """The whole backend at a glance."""

    clock: ClockView
    policy: ReferralPolicy
    faults: FaultSettings
    accounts: tuple[AccountStatus, ...]


@dataclass(frozen=True)
class OutboxEntry:
    """An invitation email the mock dispatched."""

    id: int
    invitation_id: str
    recipient: str
    subject: str
    body: str
    sent_at: datetime


@dataclass(frozen=True)
class LinkView:
    """What the invited peer's page shows about a link: who sent it, where it stands, and the
    policy in force (prompts required, dormancy, the page's attempt limits)."""

    operator_name: str
    invitation: InvitationDTO
    policy: ReferralPolicy


@dataclass(frozen=True)
class BackendOverview:
    """Everything QA looks at, as of one moment (one transaction)."""

    status: BackendStatus
    invitations: tuple[InvitationRecord, ...]  # every operator's, oldest first
    outbox: tuple[OutboxEntry, ...]  # oldest first


class Simulator(ClosesOnExit):
    """Everything QA can do to the backend of a data folder besides being the signed-in client.

    `clock` replaces the database's virtual clock (tests); the clock methods then refuse.
    """

    def __init__(self, data_dir: Path, clock: Clock | None = None) -> None:
        self._store = BackendStore.open(data_dir, clock)

    @classmethod
    def over_store(cls, store: BackendStore) -> Simulator:
        """A simulator over an already open store."""
        simulator = cls.__new__(cls)
        simulator._store = store
        return simulator

    @property
    def store(self) -> BackendStore:
        """The database this simulator works on."""
        return self._store

    @classmethod
    def over_url(cls, url: str, clock: Clock | None = None) -> Simulator:
        """A simulator over the backend database at `url` (see BackendStore.open_url)."""
        return cls.over_store(BackendStore.open_url(url, clock))

    def close(self) -> None:
        """Release the database connections."""
        self._store.close()

    # -- demo and overview ------------------------------------------------------------------

    def reset_demo(self, at: datetime | None = None) -> ClockView:
        """Wipe everything and seed the demo again, at `at` or the real now; the clock is frozen.

        Policy back to defaults, faults cleared, every session ended.
        """
        with self._store.transaction() as tx:
            moment = self._store.seed_time() if at is None else at
            seed.reset(tx, moment)
            return ClockView(moment, running=False)

    def status(self) -> BackendStatus:
        """Clock, policy, faults and every account with its cohort answer, usage and wallet."""
        with self._store.transaction() as tx:
            return self._status(tx)

    def overview(self) -> BackendOverview:
        """`status()`, `invitations()` and `outbox()` read in one transaction, so they agree:
        every dispatched message's invitation is there, as of the same moment."""
        # A read (no write lock, unless a sweep is due): the QA window asks after every change,
        # and under the lock the settings window's calls queued behind it.
        return self._store.read(
            lambda tx: BackendOverview(self._status(tx), _invitations(tx), _outbox(tx))
        )

    def _status(self, tx: BackendTransaction) -> BackendStatus:
        rows = tx.session.scalars(
            select(Account).order_by(Account.password_hash.is_(None), Account.email)
        )
        return BackendStatus(
            clock=self._clock_view(tx),
            policy=tx.policy,
            faults=read_faults(tx.state),
            accounts=tuple(_account_status(tx, account) for account in rows),
        )

    # -- the operator's side ----------------------------------------------------------------

    def invite(
        self,
        from_email: str,
        to_email: str,
        idempotency_key: str | None = None,
        offer_id: str | None = None,
    ) -> InvitationRecord:
        """Send an invitation as the operator would, with the same rules and errors."""
        key = idempotency_key or f"sim-{secrets.token_hex(8)}"
        with self._store.transaction() as tx:
            operator = accounts.require_account(tx, from_email)
            return _record(tx, invitations.send(tx, operator, to_email, key, offer_id))

    def revoke(self, from_email: str, invitation: str) -> InvitationRecord:
        """Revoke a pending invitation as its operator; `invitation` is its id or link."""
        with self._store.transaction() as tx:
            operator = accounts.require_account(tx, from_email)
            found = _find_invitation(tx, invitation)
            return _record(tx, invitations.revoke(tx, operator, found.id))

    def resend(
        self, from_email: str, invitation: str, idempotency_key: str | None = None
    ) -> InvitationRecord:
        """Send a pending invitation's email again as its operator (after the cooldown)."""
        key = idempotency_key or f"sim-{secrets.token_hex(8)}"
        with self._store.transaction() as tx:
            operator = accounts.require_account(tx, from_email)
            found = _find_invitation(tx, invitation)
            return _record(tx, invitations.resend(tx, operator, found.id, key))

    # -- the offer --------------------------------------------------------------------------

    def offer_settings(self) -> OfferSettings:
        """The offer's copy and switches as QA set them."""
        with self._store.transaction() as tx:
            return tx.offer_settings

    def set_offer(self, values: Mapping[str, object]) -> OfferSettings:
        """Change some offer settings (title, description, rules, requires_confirmation, paused,
        report_capacities; None copy means the default words). Outstanding offers whose terms
        this changes stop working for sending (offer_changed)."""
        with self._store.transaction() as tx:
            tx.save_offer_settings(tx.offer_settings.with_values(values))
            return tx.offer_settings

    def offer(self, email: str) -> Offer:
        """The account's current offer, as the app would get it (QA sees why it is not offered)."""
        with self._store.transaction() as tx:
            return offers.current_offer(tx, accounts.require_account(tx, email))

    def invitations(self, from_email: str | None = None) -> tuple[InvitationRecord, ...]:
        """Every invitation, oldest first (creation order); only one operator's with
        `from_email`."""
        with self._store.transaction() as tx:
            operator = None if from_email is None else accounts.require_account(tx, from_email)
            return _invitations(tx, operator)

    def outbox(self) -> tuple[OutboxEntry, ...]:
        """Every dispatched invitation email, oldest first."""
        with self._store.transaction() as tx:
            return _outbox(tx)

    def wallet(self, email: str) -> Wallet:
        """The account's tokens (available, spent and expired) and this cycle's earnings."""
        with self._store.transaction() as tx:
            return _wallet(tx, accounts.require_account(tx, email))

    def redeem(
        self,
        email: str,
        idempotency_key: str | None = None,
        credit_id: str | None = None,
        *,
        spend_if_unused: bool = True,
    ) -> RedemptionDTO:
        """Spend a credit (default: the earliest-expiring), as the operator would."""
        key = idempotency_key or f"sim-{secrets.token_hex(8)}"
        with self._store.transaction() as tx:
            account = accounts.require_account(tx, email)
            return wallet.redeem(tx, account, key, credit_id, spend_if_unused=spend_if_unused)

    def grant(
        self,
        email: str,
        *,
        title: str | None = None,
        expires_days: int | Literal["policy"] | None = "policy",
        windows: CreditWindows | str = CreditWindows.BOTH,
    ) -> Credit:
        """Give the account a complimentary credit. `expires_days`: the policy's token expiry by
        default, a number of days, or None for no expiry."""
        with self._store.transaction() as tx:
            account = accounts.require_account(tx, email)
            if expires_days == "policy":
                lifetime = tx.policy.token_lifetime
            elif expires_days is None:
                lifetime = None
            else:
                if expires_days < 1:
                    raise ValueError("a credit expires at least 1 day after its grant")
                lifetime = timedelta(days=expires_days)
            try:
                credit_windows = CreditWindows(windows)
            except ValueError:
                raise ValueError(f"unknown windows {windows!r} (both or five_hour)") from None
            token = wallet.grant_complimentary(
                tx, account, title=title, lifetime=lifetime, credit_windows=credit_windows
            )
            tx.session.flush()
            return wallet.token_dto(token, tx.now)

    # -- the recipient's side ---------------------------------------------------------------

    def link_view(self, link: str) -> LinkView:
        """The invitation behind a link as its page shows it; changes nothing (NotFound if none)."""
        with self._store.transaction() as tx:
            invitation = recipients.invitation_for_link(tx, link)
            operator = tx.session.get_one(Account, invitation.operator_id)
            return LinkView(
                operator.display_name, invitations.invitation_dto(tx, invitation), tx.policy
            )

    def recipient_open(self, link: str) -> InvitationRecord:
        """The recipient opens the link."""
        with self._store.transaction() as tx:
            return _record(tx, recipients.open_link(tx, link))

    def recipient_join(self, link: str, email: str) -> InvitationRecord:
        """The recipient signs up (new address) or signs in (existing account) through the link."""
        with self._store.transaction() as tx:
            return _record(tx, recipients.join(tx, link, email))

    def recipient_init(self, link: str, email: str) -> InvitationRecord:
        """The recipient initialises a workspace."""
        with self._store.transaction() as tx:
            return _record(tx, recipients.initialise_workspace(tx, link, email))

    def recipient_prompt(self, link: str, email: str, n: int = 1) -> InvitationRecord:
        """The recipient sends `n` prompts; the N-th after initialising converts."""
        with self._store.transaction() as tx:
            return _record(tx, recipients.send_prompts(tx, link, email, n))

    # -- cohort and usage -------------------------------------------------------------------

    def cohort(self, email: str, action: CohortAction) -> CohortDecision:
        """Put the account on the pilot's allow or deny list, or take it off both."""
        if action not in ("allow", "deny", "clear"):
            raise ValueError(f"unknown cohort action {action!r} (allow, deny or clear)")
        with self._store.transaction() as tx:
            account = accounts.require_account(tx, email)
            account.pilot_list = None if action == "clear" else action
            return accounts.cohort_decision(account, tx.policy)

    def cohort_decision(self, email: str) -> CohortDecision:
        """Whether the account is in the pilot cohort, and which rule decided it."""
        with self._store.transaction() as tx:
            return accounts.cohort_decision(accounts.require_account(tx, email), tx.policy)

    def set_usage(
        self,
        email: str,
        weekly_percent: float | None = None,
        five_hour_percent: float | None = None,
    ) -> UsageDTO:
        """Set how much of each window is used (None leaves it). A window that had not begun
        begins now when set above zero, as a use would."""
        with self._store.transaction() as tx:
            account = accounts.require_account(tx, email)
            if weekly_percent is not None:
                accounts.set_window_percent(tx, account, WindowKind.WEEKLY, weekly_percent)
            if five_hour_percent is not None:
                accounts.set_window_percent(tx, account, WindowKind.FIVE_HOUR, five_hour_percent)
            return accounts.windows(account, tx.policy, tx.now)

    def set_billing_day(self, email: str, day: int) -> Wallet:
        """Move the account's billing day (1-31); cycles are anchored on it (R5)."""
        if not 1 <= day <= 31:
            raise ValueError("the billing day must be between 1 and 31")
        with self._store.transaction() as tx:
            account = accounts.require_account(tx, email)
            account.billing_day = day
            return _wallet(tx, account)

    # -- clock ------------------------------------------------------------------------------

    def now(self) -> datetime:
        """The backend time."""
        return self.clock().now

    def clock(self) -> ClockView:
        """The backend time and whether it follows real time."""
        with self._store.transaction() as tx:
            return self._clock_view(tx)

    def advance_clock(self, delta: timedelta) -> ClockView:
        """Move the virtual clock forward; due expiries happen on the next call."""
        with self._store.transaction() as tx:
            self._require_virtual_clock()
            clock.advance(tx.state, delta, self._store.real_clock)
            return self._clock_view(tx)

    def clock_run(self) -> ClockView:
        """Let the virtual clock follow real time from now on."""
        with self._store.transaction() as tx:
            self._require_virtual_clock()
            clock.run(tx.state, self._store.real_clock)
            return self._clock_view(tx)

    def clock_freeze(self) -> ClockView:
        """Stop the virtual clock where it is."""
        with self._store.transaction() as tx:
            self._require_virtual_clock()
            clock.freeze(tx.state, self._store.real_clock)
            return self._clock_view(tx)

    def _require_virtual_clock(self) -> None:
        if self._store.injected_clock is not None:
            raise InvalidState(Reason.CLOCK_INJECTED)

    def _clock_view(self, tx: BackendTransaction) -> ClockView:
        running = self._store.injected_clock is None and tx.state.clock_running
        return ClockView(self._store.now_for(tx.state), running)

    # -- policy and faults ------------------------------------------------------------------

    def policy(self) -> ReferralPolicy:
        """The policy the backend enforces (a read: the HTTP sign-in asks for it every time)."""
        return self._store.read(lambda tx: tx.policy)

    def set_policy(self, values: Mapping[str, object]) -> ReferralPolicy:
        """Change some policy values (PolicyError for unknown keys or values out of range)."""
        with self._store.transaction() as tx:
            before = tx.policy
            tx.save_policy(before.with_values(values))
            if tx.policy.prompts_required != before.prompts_required:
                # Pending invitations show "k of N": clients must fetch them again.
                tx.session.execute(
                    update(Invitation)
                    .where(Invitation.state.not_in(invitations.FINAL_STATES))
                    .values(version=tx.change_version())
                    .execution_options(synchronize_session=False)
                )
            return tx.policy

    def faults(self) -> FaultSettings:
        """The faults applied to API calls."""
        with self._store.transaction() as tx:
            return read_faults(tx.state)

    def set_fault(
        self,
        *,
        offline: bool | None = None,
        latency_ms: int | None = None,
        error_rate: float | None = None,
    ) -> FaultSettings:
        """Change some faults (None leaves one as it is); the running app sees them at once."""
        with self._store.transaction() as tx:
            current = read_faults(tx.state)
            updated = FaultSettings(
                offline=current.offline if offline is None else offline,
                latency_ms=current.latency_ms if latency_ms is None else latency_ms,
                error_rate=current.error_rate if error_rate is None else error_rate,
            )
            write_faults(tx.state, updated)
            return updated

    def link_base(self) -> str:
        """Where invitation links point (`<server URL>/join/`)."""
        with self._store.transaction() as tx:
            return invitations.link_base(tx)

    def set_link_base(self, base: str | None) -> str:
        """Point invitation links at `base` (None: the placeholder LINK_PREFIX). Every pending
        invitation is marked changed so clients fetch its new link with their next sync."""
        if base is not None and not base.endswith(invitations.LINK_PATH):
            base = base.rstrip("/") + invitations.LINK_PATH
        with self._store.transaction() as tx:
            if tx.state.link_base != base:
                tx.state.link_base = base
                tx.session.execute(
                    update(Invitation)
                    .values(version=tx.change_version())
                    .execution_options(synchronize_session=False)
                )
            return invitations.link_base(tx)

    def clear_faults(self) -> FaultSettings:
        """No faults: online, no latency, no errors."""
        with self._store.transaction() as tx:
            write_faults(tx.state, FaultSettings())
            return FaultSettings()


def _invitations(
    tx: BackendTransaction, operator: Account | None = None
) -> tuple[InvitationRecord, ...]:
    query = select(Invitation).options(
        selectinload(Invitation.events), selectinload(Invitation.messages)
    )
    if operator is not None:
        query = query.where(Invitation.operator_id == operator.id)
    rows = tx.session.scalars(query.order_by(Invitation.sequence))
    return tuple(_record(tx, row) for row in rows)


def _outbox(tx: BackendTransaction) -> tuple[OutboxEntry, ...]:
    rows = tx.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    return tuple(
        OutboxEntry(row.id, row.invitation_id, row.recipient, row.subject, row.body, row.sent_at)
        for row in rows
    )


def _find_invitation(tx: BackendTransaction, invitation: str) -> Invitation:
    found = tx.session.get(Invitation, invitation)
    if found is None:
        try:
            found = recipients.invitation_for_link(tx, invitation)
        except NotFound:
            raise NotFound(Reason.NOT_FOUND) from None
    return found


def _record(tx: BackendTransaction, invitation: Invitation) -> InvitationRecord:
    operator = tx.session.get_one(Account, invitation.operator_id)
    return InvitationRecord(operator.email, invitations.invitation_dto(tx, invitation))


def _wallet(tx: BackendTransaction, account: Account) -> Wallet:
    cycle = wallet.current_cycle(tx, account)
    return Wallet(
        email=account.email,
        available=wallet.available_count(tx, account),
        earned_this_cycle=wallet.earned_in(tx, account, cycle),
        cap=tx.policy.monthly_cap,
        cycle_start=cycle.start,
        cycle_end=cycle.end,
        tokens=tuple(wallet.token_dto(token, tx.now) for token in wallet.tokens_of(tx, account)),
    )


def _account_status(tx: BackendTransaction, account: Account) -> AccountStatus:
    return AccountStatus(
        id=account.id,
        email=account.email,
        display_name=account.display_name,
        plan=account.plan,
        billing_day=account.billing_day,
        operator=account.is_operator,
        last_active=account.last_active_at,
        dormant=is_dormant(account.last_active_at, tx.now, tx.policy),
        pilot_list=account.pilot_list,
        cohort=accounts.cohort_decision(account, tx.policy),
        usage=accounts.windows(account, tx.policy, tx.now),
        wallet=_wallet(tx, account),
    )


__all__ = [
    "AccountStatus",
    "BackendOverview",
    "BackendStatus",
    "ClockView",
    "CohortAction",
    "FaultSettings",
    "InvitationRecord",
    "LinkView",
    "OutboxEntry",
    "Simulator",
    "Wallet",
]
