"""The JSON documents `referral-desktop sim --json` prints. Keys are stable (docs/SIM.md).

Times are ISO 8601 in UTC with a `Z` suffix; absent times are null.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from desktop.backend.api import RedemptionDTO, UsageDTO
from desktop.backend.clock import ClockView
from desktop.backend.faults import FaultSettings
from desktop.backend.simulator import (
    AccountStatus,
    BackendStatus,
    InvitationRecord,
    OutboxEntry,
    Wallet,
)
from desktop.domain.cohort import CohortDecision
from desktop.domain.credits import Credit
from desktop.domain.offer import Offer, OfferSettings
from desktop.domain.policy import ReferralPolicy
from desktop.domain.usage import UsageWindow

Document = dict[str, object]


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z suffix, or None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def clock_doc(view: ClockView) -> Document:
    """`{"now", "running"}`."""
    return {"now": iso(view.now), "running": view.running}


def policy_doc(policy: ReferralPolicy) -> Document:
    """Every policy value by name (None for "never")."""
    return dict(policy.to_mapping())


def faults_doc(faults: FaultSettings) -> Document:
    """`{"offline", "latency_ms", "error_rate"}`."""
    return {
        "offline": faults.offline,
        "latency_ms": faults.latency_ms,
        "error_rate": faults.error_rate,
    }


def window_doc(window: UsageWindow) -> Document:
    """One usage window."""
    return {
        "used": window.used,
        "limit": window.limit,
        "percent_used": window.percent_used,
        "remaining": window.remaining,
        "started_at": iso(window.started_at),
        "resets_at": iso(window.resets_at),
    }


def usage_doc(usage: UsageDTO) -> Document:
    """Both usage windows at `now`."""
    return {
        "now": iso(usage.now),
        "five_hour": window_doc(usage.five_hour),
        "weekly": window_doc(usage.weekly),
    }


def invitation_doc(record: InvitationRecord) -> Document:
    """An invitation with its checklist, plain-words reason and history."""
    invitation = record.invitation
    return {
        "id": invitation.id,
        "from": record.operator,
        "recipient": invitation.recipient,
        "link": invitation.link,
        "state": invitation.state.value,
        "label": invitation.state.label,
        "reason": invitation.reason,
        "created_at": iso(invitation.created_at),
        "updated_at": iso(invitation.updated_at),
        "checklist": {
            "link_opened": invitation.link_opened,
            "account": invitation.joined_kind,
            "workspace_ready": invitation.workspace_ready,
            "prompts": invitation.prompts,
            "prompts_required": invitation.prompts_required,
        },
        "history": [
            {"state": event.state.value, "at": iso(event.at)} for event in invitation.history
        ],
        "idempotency_key": invitation.idempotency_key,
        "rewardless": invitation.rewardless,
        "last_sent_at": iso(invitation.last_sent_at),
        "resend_available_at": iso(invitation.resend_available_at),
        "emails_sent": invitation.emails_sent,
    }


def invitations_doc(records: Iterable[InvitationRecord]) -> Document:
    """`{"invitations": [...]}`."""
    return {"invitations": [invitation_doc(record) for record in records]}


def token_doc(token: Credit) -> Document:
    """One credit: id, state, granted, expires, spent, invitation (null for a complimentary
    one), source, title, windows."""
    return {
        "id": token.id,
        "state": token.state,
        "granted": iso(token.granted_at),
        "expires": iso(token.expires_at),
        "spent": iso(token.spent_at),
        "invitation": token.invitation_id or None,
        "source": token.source.value,
        "title": token.title,
        "windows": token.windows.value,
    }


def offer_settings_doc(settings: OfferSettings) -> Document:
    """The offer's copy and switches as QA set them (null copy: the default words)."""
    return dict(settings.to_mapping())


def offer_doc(email: str, offer: Offer) -> Document:
    """An account's current offer, with why it is not offered (QA only)."""
    return {
        "email": email,
        "id": offer.id,
        "offered": offer.offered,
        "unavailable_reason": None
        if offer.unavailable_reason is None
        else offer.unavailable_reason.value,
        "title": offer.title,
        "description": offer.description,
        "rules": list(offer.rules),
        "requires_confirmation": offer.requires_confirmation,
        "send_capacity": offer.send_capacity,
        "send_capacity_frees_at": iso(offer.send_capacity_frees_at),
        "reward_capacity": offer.reward_capacity,
        "rewards_resume_at": iso(offer.rewards_resume_at),
        "max_recipients": offer.max_recipients,
        "issued_at": iso(offer.issued_at),
        "expires_at": iso(offer.expires_at),
    }


def wallet_doc(wallet: Wallet) -> Document:
    """An account's wallet and this cycle's earnings against the cap."""
    return {
        "email": wallet.email,
        "available": wallet.available,
        "earned_this_cycle": wallet.earned_this_cycle,
        "cap": wallet.cap,
        "cycle": {"start": iso(wallet.cycle_start), "end": iso(wallet.cycle_end)},
        "tokens": [token_doc(token) for token in wallet.tokens],
    }


def cohort_doc(email: str, decision: CohortDecision) -> Document:
    """Whether the account is in the pilot, the rule that decided it, and why."""
    return {
        "email": email,
        "eligible": decision.eligible,
        "rule": decision.rule.value,
        "bucket": decision.bucket,
        "rollout_basis_points": decision.rollout_basis_points,
        "reason": decision.reason,
    }


def account_doc(account: AccountStatus) -> Document:
    """One account in `status`."""
    return {
        "id": account.id,
        "email": account.email,
        "display_name": account.display_name,
        "plan": account.plan,
        "billing_day": account.billing_day,
        "role": "operator" if account.operator else "recipient",
        "last_active": iso(account.last_active),
        "dormant": account.dormant,
        "pilot_list": account.pilot_list,
        "cohort": cohort_doc(account.email, account.cohort),
        "usage": usage_doc(account.usage),
        "wallet": {
            "available": account.wallet.available,
            "earned_this_cycle": account.wallet.earned_this_cycle,
            "cap": account.wallet.cap,
        },
    }


def status_doc(status: BackendStatus) -> Document:
    """`{"clock", "policy", "faults", "accounts"}`."""
    return {
        "clock": clock_doc(status.clock),
        "policy": policy_doc(status.policy),
        "faults": faults_doc(status.faults),
        "accounts": [account_doc(account) for account in status.accounts],
    }


def outbox_doc(entries: Iterable[OutboxEntry]) -> Document:
    """`{"messages": [...]}`, oldest first."""
    return {
        "messages": [
            {
                "id": entry.id,
                "invitation": entry.invitation_id,
                "to": entry.recipient,
                "subject": entry.subject,
                "body": entry.body,
                "sent_at": iso(entry.sent_at),
            }
            for entry in entries
        ]
    }


def redemption_doc(email: str, redemption: RedemptionDTO) -> Document:
    """The token spent and the usage right after."""
    return {
        "email": email,
        "replayed": redemption.replayed,
        "code": redemption.code.value,
        "token": token_doc(redemption.token),
        "usage": usage_doc(redemption.usage),
    }
