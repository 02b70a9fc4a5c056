"""What the `sim` command needs of a simulator: the in-process `Simulator` or, for
`sim --backend URL`, the client's `RemoteSimulator` over a server's QA endpoints."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from types import TracebackType
from typing import Protocol, Self

from desktop.backend.api import RedemptionDTO, UsageDTO
from desktop.backend.clock import ClockView
from desktop.backend.faults import FaultSettings
from desktop.backend.simulator import (
    BackendStatus,
    CohortAction,
    InvitationRecord,
    OutboxEntry,
    Wallet,
)
from desktop.domain.cohort import CohortDecision
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

    def invite(
        self, from_email: str, to_email: str, idempotency_key: str | None = None
    ) -> InvitationRecord: ...

    def revoke(self, from_email: str, invitation: str) -> InvitationRecord: ...

    def invitations(self, from_email: str | None = None) -> tuple[InvitationRecord, ...]: ...

    def outbox(self) -> tuple[OutboxEntry, ...]: ...

    def wallet(self, email: str) -> Wallet: ...

    def redeem(self, email: str, idempotency_key: str | None = None) -> RedemptionDTO: ...

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
