"""`RemoteSimulator`: the Simulator's QA calls against a server's `/v1/qa/` endpoints, returning
the same dataclasses, so `sim --backend URL ...` runs the same commands as `sim --data-dir`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from types import TracebackType
from typing import Literal, Self

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
from desktop.backend.wire import Json, iso
from desktop.domain.cohort import CohortDecision
from desktop.domain.credits import Credit, CreditWindows
from desktop.domain.offer import Offer, OfferSettings
from desktop.domain.policy import ReferralPolicy
from desktop.remote.client import (
    CONNECT_TIMEOUT_S,
    QA_TOKEN_HEADER,
    READ_TIMEOUT_S,
    HttpTransport,
    read_dto,
)


class RemoteSimulator:
    """QA over HTTP. `qa_token` is needed unless the server is bound to loopback."""

    def __init__(
        self,
        base_url: str,
        qa_token: str | None = None,
        *,
        connect_timeout: float = CONNECT_TIMEOUT_S,
        read_timeout: float = READ_TIMEOUT_S,
    ) -> None:
        headers = {QA_TOKEN_HEADER: qa_token} if qa_token else {}
        self._http = HttpTransport(
            base_url, headers=headers, connect_timeout=connect_timeout, read_timeout=read_timeout
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the pooled connections."""
        self._http.close()

    def _get(self, path: str, **params: str) -> Json:
        return self._http.call("GET", "/v1/qa" + path, params=params or None)

    def _send(self, method: str, path: str, body: Json = None) -> Json:
        return self._http.call(method, "/v1/qa" + path, body=body)

    # -- the Simulator's calls --------------------------------------------------------------

    def reset_demo(self, at: datetime | None = None) -> ClockView:
        """See `Simulator.reset_demo`."""
        body = {"at": None if at is None else iso(at)}
        return read_dto(ClockView, self._send("POST", "/reset-demo", body))

    def status(self) -> BackendStatus:
        """See `Simulator.status`."""
        return read_dto(BackendStatus, self._get("/status"))

    def overview(self) -> BackendOverview:
        """See `Simulator.overview` (one transaction on the server)."""
        return read_dto(BackendOverview, self._get("/overview"))

    def invite(
        self,
        from_email: str,
        to_email: str,
        idempotency_key: str | None = None,
        offer_id: str | None = None,
    ) -> InvitationRecord:
        """See `Simulator.invite`."""
        body = {"from": from_email, "to": to_email, "key": idempotency_key, "offer_id": offer_id}
        return read_dto(InvitationRecord, self._send("POST", "/invitations", body))

    def resend(
        self, from_email: str, invitation: str, idempotency_key: str | None = None
    ) -> InvitationRecord:
        """See `Simulator.resend`."""
        body = {"from": from_email, "invitation": invitation, "key": idempotency_key}
        return read_dto(InvitationRecord, self._send("POST", "/invitations/resend", body))

    # -- the offer and credits (issue 14) ---------------------------------------------------

    def offer_settings(self) -> OfferSettings:
        """See `Simulator.offer_settings`."""
        return read_dto(OfferSettings, self._get("/offer/settings"))

    def set_offer(self, values: Mapping[str, object]) -> OfferSettings:
        """See `Simulator.set_offer`."""
        body = {"values": _plain(values)}
        return read_dto(OfferSettings, self._send("PATCH", "/offer/settings", body))

    def offer(self, email: str) -> Offer:
        """See `Simulator.offer`."""
        return read_dto(Offer, self._get("/offer", email=email))

    def grant(
        self,
        email: str,
        *,
        title: str | None = None,
        expires_days: int | Literal["policy"] | None = "policy",
        windows: CreditWindows | str = CreditWindows.BOTH,
    ) -> Credit:
        """See `Simulator.grant`."""
        body: dict[str, Json] = {
            "email": email,
            "title": title,
            "no_expiry": expires_days is None,
            "windows": CreditWindows(windows).value,
        }
        if isinstance(expires_days, int):
            body["expires_days"] = expires_days
        return read_dto(Credit, self._send("POST", "/grants", body))

    def revoke(self, from_email: str, invitation: str) -> InvitationRecord:
        """See `Simulator.revoke`."""
        body = {"from": from_email, "invitation": invitation}
        return read_dto(InvitationRecord, self._send("POST", "/invitations/revoke", body))

    def invitations(self, from_email: str | None = None) -> tuple[InvitationRecord, ...]:
        """See `Simulator.invitations`."""
        data = self._get("/invitations", **({"from": from_email} if from_email else {}))
        return read_dto(tuple[InvitationRecord, ...], data)

    def outbox(self) -> tuple[OutboxEntry, ...]:
        """See `Simulator.outbox`."""
        return read_dto(tuple[OutboxEntry, ...], self._get("/outbox"))

    def wallet(self, email: str) -> Wallet:
        """See `Simulator.wallet`."""
        return read_dto(Wallet, self._get("/wallet", email=email))

    def redeem(
        self,
        email: str,
        idempotency_key: str | None = None,
        credit_id: str | None = None,
        *,
        spend_if_unused: bool = True,
    ) -> RedemptionDTO:
        """See `Simulator.redeem`."""
        body = {
            "email": email,
            "key": idempotency_key,
            "credit_id": credit_id,
            "spend_if_unused": spend_if_unused,
        }
        return read_dto(RedemptionDTO, self._send("POST", "/redemptions", body))

    def _recipient(self, action: str, link: str, email: str | None, n: int = 1) -> InvitationRecord:
        body = {"link": link, "email": email, "n": n}
        return read_dto(InvitationRecord, self._send("POST", f"/recipient/{action}", body))

    def recipient_open(self, link: str) -> InvitationRecord:
        """See `Simulator.recipient_open`."""
        return self._recipient("open", link, None)

    def recipient_join(self, link: str, email: str) -> InvitationRecord:
        """See `Simulator.recipient_join`."""
        return self._recipient("join", link, email)

    def recipient_init(self, link: str, email: str) -> InvitationRecord:
        """See `Simulator.recipient_init`."""
        return self._recipient("init", link, email)

    def recipient_prompt(self, link: str, email: str, n: int = 1) -> InvitationRecord:
        """See `Simulator.recipient_prompt`."""
        return self._recipient("prompt", link, email, n)

    def cohort(self, email: str, action: CohortAction) -> CohortDecision:
        """See `Simulator.cohort`."""
        body = {"email": email, "action": action}
        return read_dto(CohortDecision, self._send("POST", "/cohort", body))

    def cohort_decision(self, email: str) -> CohortDecision:
        """See `Simulator.cohort_decision`."""
        return read_dto(CohortDecision, self._get("/cohort", email=email))

    def set_usage(
        self,
        email: str,
        weekly_percent: float | None = None,
        five_hour_percent: float | None = None,
    ) -> UsageDTO:
        """See `Simulator.set_usage`."""
        body = {"email": email, "weekly": weekly_percent, "five_hour": five_hour_percent}
        return read_dto(UsageDTO, self._send("POST", "/usage", body))

    def set_billing_day(self, email: str, day: int) -> Wallet:
        """See `Simulator.set_billing_day`."""
        return read_dto(Wallet, self._send("POST", "/billing-day", {"email": email, "day": day}))

    def now(self) -> datetime:
        """See `Simulator.now`."""
        return self.clock().now

    def clock(self) -> ClockView:
        """See `Simulator.clock`."""
        return read_dto(ClockView, self._get("/clock"))

    def advance_clock(self, delta: timedelta) -> ClockView:
        """See `Simulator.advance_clock`."""
        body = {"seconds": delta.total_seconds()}
        return read_dto(ClockView, self._send("POST", "/clock/advance", body))

    def clock_run(self) -> ClockView:
        """See `Simulator.clock_run`."""
        return read_dto(ClockView, self._send("POST", "/clock/run"))

    def clock_freeze(self) -> ClockView:
        """See `Simulator.clock_freeze`."""
        return read_dto(ClockView, self._send("POST", "/clock/freeze"))

    def policy(self) -> ReferralPolicy:
        """See `Simulator.policy`."""
        return read_dto(ReferralPolicy, self._get("/policy"))

    def set_policy(self, values: Mapping[str, object]) -> ReferralPolicy:
        """See `Simulator.set_policy`."""
        body = {"values": dict(values)}
        return read_dto(ReferralPolicy, self._send("PATCH", "/policy", body))

    def faults(self) -> FaultSettings:
        """See `Simulator.faults`."""
        return read_dto(FaultSettings, self._get("/faults"))

    def set_fault(
        self,
        *,
        offline: bool | None = None,
        latency_ms: int | None = None,
        error_rate: float | None = None,
    ) -> FaultSettings:
        """See `Simulator.set_fault`."""
        body = {"offline": offline, "latency_ms": latency_ms, "error_rate": error_rate}
        return read_dto(FaultSettings, self._send("PATCH", "/faults", body))

    def clear_faults(self) -> FaultSettings:
        """See `Simulator.clear_faults`."""
        return read_dto(FaultSettings, self._send("DELETE", "/faults"))

    def link_base(self) -> str:
        """See `Simulator.link_base`."""
        data = self._get("/link-base")
        return str(data["base"]) if isinstance(data, dict) else ""

    def set_link_base(self, base: str | None) -> str:
        """See `Simulator.set_link_base`."""
        data = self._send("PUT", "/link-base", {"base": base})
        return str(data["base"]) if isinstance(data, dict) else ""


def _plain(values: Mapping[str, object]) -> dict[str, Json]:
    """Values for a JSON body (tuples as lists)."""
    return {key: list(v) if isinstance(v, tuple) else v for key, v in values.items()}
