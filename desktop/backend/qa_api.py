"""What `sim` and the QA window need of a simulator: the in-process `Simulator` or, against a
server (`sim --backend URL`, `--backend URL --qa`), the client's `RemoteSimulator` over its QA
endpoints. Both implement every call here (tests/wire/test_qa_over_http.py holds them to it)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from types import TracebackType
from typing import Literal, Protocol, Self

from desktop.backend.api import RedemptionDTO, UsageDTO
from desktop.backend.clock import ClockView
from desktop.backend.faults import FaultSettings
from desktop.backend.simulator import (
    BackendOverview,
    BackendStatus,
    CohortAction,
    InvitationRecord,
    OutboxEntry,
    Wallet,
)
from desktop.domain.cohort import CohortDecision
from desktop.domain.credits import Credit, CreditWindows
from desktop.domain.offer import Offer, OfferSettings
from desktop.domain.policy import ReferralPolicy


class QaApi(Protocol):
    """The Simulator's QA calls (see desktop.backend.simulator.Simulator for each)."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    def close(self) -> None: ...

    def reset_demo(self, at: datetime | None = None) -> ClockView: ...

    def status(self) -> BackendStatus: ...

    def overview(self) -> BackendOverview: ...

    def invite(
        self,
        from_email: str,
        to_email: str,
        idempotency_key: str | None = None,
        offer_id: str | None = None,
    ) -> InvitationRecord: ...

    def resend(
        self, from_email: str, invitation: str, idempotency_key: str | None = None
    ) -> InvitationRecord: ...

    def offer_settings(self) -> OfferSettings: ...

    def set_offer(self, values: Mapping[str, object]) -> OfferSettings: ...

    def offer(self, email: str) -> Offer: ...

    def grant(
        self,
        email: str,
        *,
        title: str | None = None,
        expires_days: int | Literal["policy"] | None = "policy",
        windows: CreditWindows | str = CreditWindows.BOTH,
    ) -> Credit: ...

    def revoke(self, from_email: str, invitation: str) -> InvitationRecord: ...

    def invitations(self, from_email: str | None = None) -> tuple[InvitationRecord, ...]: ...

    def outbox(self) -> tuple[OutboxEntry, ...]: ...

    def wallet(self, email: str) -> Wallet: ...

    def redeem(
        self,
        email: str,
        idempotency_key: str | None = None,
        credit_id: str | None = None,
        *,
        spend_if_unused: bool = True,
    ) -> RedemptionDTO: ...

    def recipient_open(self, link: str) -> InvitationRecord: ...

    def recipient_join(self, link: str, email: str) -> InvitationRecord: ...

    def recipient_init(self, link: str, email: str) -> InvitationRecord: ...

    def recipient_prompt(self, link: str, email: str, n: int = 1) -> InvitationRecord: ...

    def cohort(self, email: str, action: CohortAction) -> CohortDecision: ...

    def cohort_decision(self, email: str) -> CohortDecision: ...

    def set_usage(
        self,
        email: str,
        weekly_percent: float | None = None,
        five_hour_percent: float | None = None,
    ) -> UsageDTO: ...

    def set_billing_day(self, email: str, day: int) -> Wallet: ...

    def now(self) -> datetime: ...

    def clock(self) -> ClockView: ...

    def advance_clock(self, delta: timedelta) -> ClockView: ...

    def clock_run(self) -> ClockView: ...

    def clock_freeze(self) -> ClockView: ...

    def policy(self) -> ReferralPolicy: ...

    def set_policy(self, values: Mapping[str, object]) -> ReferralPolicy: ...

    def faults(self) -> FaultSettings: ...

    def set_fault(
        self,
        *,
        offline: bool | None = None,
        latency_ms: int | None = None,
        error_rate: float | None = None,
    ) -> FaultSettings: ...

    def clear_faults(self) -> FaultSettings: ...

    def link_base(self) -> str: ...

    def set_link_base(self, base: str | None) -> str: ...
