"""Invitation life cycle states and their plain-word reasons (DESIGN R2-R5)."""

from __future__ import annotations

from enum import StrEnum

from desktop.domain.reasons import QT_TRANSLATE_NOOP, translated


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
        """Short label for lists (English; marked in context "invitations": the UI shows it
        through `translated("invitations", state.label)`)."""
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
    InvitationState.QUEUED: QT_TRANSLATE_NOOP("invitations", "Queued"),
    InvitationState.SENT: QT_TRANSLATE_NOOP("invitations", "Sent"),
    InvitationState.OPENED: QT_TRANSLATE_NOOP("invitations", "Link opened"),
    InvitationState.JOINED: QT_TRANSLATE_NOOP("invitations", "Joined"),
    InvitationState.REACTIVATED: QT_TRANSLATE_NOOP("invitations", "Came back"),
    InvitationState.WORKSPACE_READY: QT_TRANSLATE_NOOP("invitations", "Workspace ready"),
    InvitationState.PROMPTING: QT_TRANSLATE_NOOP("invitations", "Prompting"),
    InvitationState.CONVERTED_REWARDED: QT_TRANSLATE_NOOP("invitations", "Reset earned"),
    InvitationState.CONVERTED_CAPPED: QT_TRANSLATE_NOOP("invitations", "Converted, cap reached"),
    InvitationState.NOT_ELIGIBLE: QT_TRANSLATE_NOOP("invitations", "Not eligible"),
    InvitationState.REVOKED: QT_TRANSLATE_NOOP("invitations", "Revoked"),
    InvitationState.EXPIRED: QT_TRANSLATE_NOOP("invitations", "Expired"),
}


LAST_ATTEMPT = QT_TRANSLATE_NOOP("invitations", "Last attempt: {error}")
"""After a queued invitation's reason: why the last attempt to send it failed."""


def describe_progress(
    state: InvitationState, prompts: int, prompts_required: int, dormancy_days: int
) -> str:
    """Why an invitation is where it is, in words the referrer understands (the backend sends
    it as the invitation's reason; the client says it for an invitation still in its outbox, in
    the UI language once the app set `reasons.set_translator`)."""
    match state:
        case InvitationState.QUEUED:
            template = QT_TRANSLATE_NOOP(
                "invitations", "Waiting for a connection; it will be sent on the next sync."
            )
        case InvitationState.SENT:
            template = QT_TRANSLATE_NOOP(
                "invitations", "Sent. Waiting for your peer to open the link."
            )
        case InvitationState.OPENED:
            template = QT_TRANSLATE_NOOP(
                "invitations", "Link opened. Waiting for your peer to sign up or sign in."
            )
        case InvitationState.JOINED | InvitationState.REACTIVATED:
            template = QT_TRANSLATE_NOOP(
                "invitations", "Signed in. Waiting for your peer to initialise a workspace."
            )
        case InvitationState.WORKSPACE_READY | InvitationState.PROMPTING:
            left = max(prompts_required - prompts, 0)
            template = (
                QT_TRANSLATE_NOOP(
                    "invitations",
                    "Workspace ready. {prompts} of {required} prompts sent; {left} prompt to go.",
                )
                if left == 1
                else QT_TRANSLATE_NOOP(
                    "invitations",
                    "Workspace ready. {prompts} of {required} prompts sent; {left} prompts to go.",
                )
            )
        case InvitationState.CONVERTED_REWARDED:
            template = QT_TRANSLATE_NOOP(
                "invitations", "Your peer is using the product. You earned one usage reset."
            )
        case InvitationState.CONVERTED_CAPPED:
            template = QT_TRANSLATE_NOOP(
                "invitations",
                "Your peer is using the product, but you had already earned this cycle's "
                "maximum, so no reset was earned.",
            )
        case InvitationState.NOT_ELIGIBLE:
            template = QT_TRANSLATE_NOOP(
                "invitations",
                "Your peer's account was active within the last {days} days, so this "
                "invitation cannot earn a reset.",
            )
        case InvitationState.REVOKED:
            template = QT_TRANSLATE_NOOP(
                "invitations", "You revoked this invitation; its link no longer works."
            )
        case InvitationState.EXPIRED:
            template = QT_TRANSLATE_NOOP(
                "invitations", "The link expired before your peer used it."
            )
    return translated("invitations", template).format(
        prompts=prompts,
        required=prompts_required,
        left=max(prompts_required - prompts, 0),
        days=dormancy_days,
    )
