"""Invitation life cycle states and their plain-word reasons (DESIGN R2-R5)."""

from __future__ import annotations

from enum import StrEnum


class InvitationState(StrEnum):
    """Where an invitation stands. `queued` exists only in the client's cache."""

    QUEUED = "queued"
    SENT = "sent"
    OPENED = "opened"
    JOINED = "joined"
    REACTIVATED = "reactivated"
    WORKSPACE_READY = "workspace_ready"
    PROMPTING = "prompting"
    CONVERTED_REWARDED = "converted_rewarded"
    CONVERTED_CAPPED = "converted_capped"
    NOT_ELIGIBLE = "not_eligible"
    REVOKED = "revoked"
    EXPIRED = "expired"

    @property
    def is_final(self) -> bool:
        """No further step can change this invitation."""
        return self in _FINAL

    @property
    def is_revocable(self) -> bool:
        """The operator may still revoke it (nobody has joined through the link yet)."""
        return self in _REVOCABLE

    @property
    def label(self) -> str:
        """Short label for lists."""
        return _LABELS[self]


_FINAL = frozenset(
    {
        InvitationState.CONVERTED_REWARDED,
        InvitationState.CONVERTED_CAPPED,
        InvitationState.NOT_ELIGIBLE,
        InvitationState.REVOKED,
        InvitationState.EXPIRED,
    }
)
_REVOCABLE = frozenset({InvitationState.QUEUED, InvitationState.SENT, InvitationState.OPENED})
_LABELS = {
    InvitationState.QUEUED: "Queued",
    InvitationState.SENT: "Sent",
    InvitationState.OPENED: "Link opened",
    InvitationState.JOINED: "Joined",
    InvitationState.REACTIVATED: "Came back",
    InvitationState.WORKSPACE_READY: "Workspace ready",
    InvitationState.PROMPTING: "Prompting",
    InvitationState.CONVERTED_REWARDED: "Reset earned",
    InvitationState.CONVERTED_CAPPED: "Converted, cap reached",
    InvitationState.NOT_ELIGIBLE: "Not eligible",
    InvitationState.REVOKED: "Revoked",
    InvitationState.EXPIRED: "Expired",
}


def describe_progress(
    state: InvitationState, prompts: int, prompts_required: int, dormancy_days: int
) -> str:
    """Why an invitation is where it is, in words the referrer understands."""
    match state:
        case InvitationState.QUEUED:
            return "Waiting for a connection; it will be sent on the next sync."
        case InvitationState.SENT:
            return "Sent. Waiting for your peer to open the link."
        case InvitationState.OPENED:
            return "Link opened. Waiting for your peer to sign up or sign in."
        case InvitationState.JOINED | InvitationState.REACTIVATED:
            return "Signed in. Waiting for your peer to initialise a workspace."
        case InvitationState.WORKSPACE_READY | InvitationState.PROMPTING:
            left = max(prompts_required - prompts, 0)
            noun = "prompt" if left == 1 else "prompts"
            return (
                f"Workspace ready. {prompts} of {prompts_required} prompts sent; "
                f"{left} {noun} to go."
            )
        case InvitationState.CONVERTED_REWARDED:
            return "Your peer is using the product. You earned one usage reset."
        case InvitationState.CONVERTED_CAPPED:
            return (
                "Your peer is using the product, but you had already earned this cycle's "
                "maximum, so no reset was earned."
            )
        case InvitationState.NOT_ELIGIBLE:
            return (
                f"Your peer's account was active within the last {dormancy_days} days, "
                "so this invitation cannot earn a reset."
            )
        case InvitationState.REVOKED:
            return "You revoked this invitation; its link no longer works."
        case InvitationState.EXPIRED:
            return "The link expired before your peer used it."
