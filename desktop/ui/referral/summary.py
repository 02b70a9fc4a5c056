"""The module's words, built from the backend's policy values. It never promises a reward (R2)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from PySide6.QtCore import QCoreApplication

from desktop.controller.state import AppState, InvitationView
from desktop.domain.cycles import RewardCycle
from desktop.domain.offer import (
    FALLBACK_DESCRIPTION,
    FALLBACK_TITLE,
    RESEND_FROM,
    Offer,
    reward_capacity_text,
    send_capacity_text,
)
from desktop.domain.policy import ReferralPolicy
from desktop.domain.reasons import QT_TRANSLATE_NOOP, fill, translated
from desktop.ui.formatting import counted, cycle_date, date_time, time_of_day
from desktop.ui.remembered import remember_last


def summary_text(policy: ReferralPolicy | None) -> str:
    """How an invitation may earn a reset, with the numbers the backend enforces."""
    if policy is None:
        return QCoreApplication.translate("summary", "Invite a peer by email with a personal link.")
    return QCoreApplication.translate(
        "summary",
        "When a peer you invite signs up through your personal link (or comes back after more "
        "than {days} away), initialises a workspace and sends {prompts}, you may earn a usage "
        "reset, up to {cap} per billing cycle. A reset sets your usage back to zero when you "
        "choose to use it.",
    ).format(
        days=counted(
            policy.dormancy_days,
            QCoreApplication.translate("summary", "{count} day"),
            QCoreApplication.translate("summary", "{count} days"),
        ),
        prompts=counted(
            policy.prompts_required,
            QCoreApplication.translate("summary", "{count} prompt"),
            QCoreApplication.translate("summary", "{count} prompts"),
        ),
        cap=policy.monthly_cap,
    )


def cycle_text(cycle: RewardCycle | None) -> str:
    """`2 of 3 resets earned this cycle; the next cycle starts 14 Dec.` When capped, in plain
    words that inviting still works but earns nothing until then (R5)."""
    if cycle is None:
        return QCoreApplication.translate("summary", "Resets earned this cycle: not known yet.")
    if cycle.capped:
        template = QCoreApplication.translate(
            "summary",
            "{earned} of {cap} resets earned this cycle. You can still invite, but conversions "
            "earn nothing until the next cycle starts on {date}.",
        )
    else:
        template = QCoreApplication.translate(
            "summary", "{earned} of {cap} resets earned this cycle; the next cycle starts {date}."
        )
    return template.format(earned=cycle.earned, cap=cycle.cap, date=cycle_date(cycle.end))


class InvitationFilter(StrEnum):
    """Which invitations the list shows: all, those still under way, or ended ones."""

    ALL = "all"
    ACTIVE = "active"
    ENDED = "ended"

    @property
    def label(self) -> str:
        """Shown in the filter."""
        return QCoreApplication.translate("summary", _FILTER_LABELS[self.value])

    def keeps(self, invitation: InvitationView) -> bool:
        """Whether `invitation` is shown under this filter."""
        if self is InvitationFilter.ALL:
            return True
        return invitation.state.is_final is (self is InvitationFilter.ENDED)


_FILTER_LABELS = {
    "all": QT_TRANSLATE_NOOP("summary", "All"),
    "active": QT_TRANSLATE_NOOP("summary", "Active"),
    "ended": QT_TRANSLATE_NOOP("summary", "Ended"),
}


def overview_text(state: AppState) -> str:
    """`Resets earned all time: 4 · Pending invitations: 2` (pending: not ended yet)."""
    earned = len(state.tokens)
    if state.invitation_counts is not None:  # the first screenful: the counts of all
        pending = state.invitation_counts.pending
    else:
        pending = pending_count(state.invitations)
    return QCoreApplication.translate(
        "summary", "Resets earned all time: {earned} · Pending invitations: {pending}"
    ).format(earned=earned, pending=pending)


@remember_last
def pending_count(invitations: tuple[InvitationView, ...]) -> int:
    """How many invitations have not ended yet (remembered for the last list)."""
    return sum(1 for invitation in invitations if not invitation.state.is_final)


def cap_warning_text(cycle: RewardCycle) -> str:
    """Shown before sending when the cap is already reached (R2, R5)."""
    return QCoreApplication.translate(
        "summary",
        "You have already earned {earned} of {cap} resets this cycle: a conversion before "
        "{date} will earn nothing. You can still invite.",
    ).format(earned=cycle.earned, cap=cycle.cap, date=cycle_date(cycle.end))


# -- The server's offer (issue 14): its copy as it comes, the capacities in plain words ----------


def offer_title(offer: Offer | None) -> str:
    """The server's title, or the neutral fallback ("Invite a friend")."""
    return translated("offer", FALLBACK_TITLE) if offer is None else offer.title


def offer_description(offer: Offer | None) -> str:
    """The server's description, or the neutral fallback that promises nothing."""
    return translated("offer", FALLBACK_DESCRIPTION) if offer is None else offer.description


def offer_rules_text(offer: Offer | None) -> str:
    """The server's rules, one bullet a line ("" without any)."""
    if offer is None or not offer.rules:
        return ""
    return "\n".join(f"• {rule}" for rule in offer.rules)


def capacity_text(offer: Offer | None, now: datetime | None = None) -> str:
    """`2 invitations left.`, or none left and when the next frees, and `Invitations sent now
    earn nothing until 14 Dec.` when no reward capacity is left. "" when both are unknown."""
    if offer is None:
        return ""
    send = send_capacity_text(
        offer.send_capacity,
        offer.send_capacity_frees_at,
        format_time=lambda moment: date_time(moment, now=now),
    )
    reward = reward_capacity_text(
        offer.reward_capacity, offer.rewards_resume_at, format_time=cycle_date
    )
    return " ".join(part for part in (send, reward) if part)


def resend_label(invitation: InvitationView | None, now: datetime | None) -> tuple[str, bool]:
    """The Resend button's text and whether it works now: `Resend email` once the cooldown
    has passed by the backend's clock, `Resend from 12:15` before (disabled)."""
    if invitation is None or invitation.resend_available_at is None or invitation.state.is_final:
        return QCoreApplication.translate("summary", "Resend email"), False
    if now is not None and now < invitation.resend_available_at:
        at = time_of_day(invitation.resend_available_at)
        return fill(translated("offer", RESEND_FROM), {"at": at}), False
    return QCoreApplication.translate("summary", "Resend email"), True
