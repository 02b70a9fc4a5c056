"""How an operation that changes something ended, and what the operator is told (DESIGN R11).

Four outcomes, nothing else: DONE; REFUSED (a reason code and its sentence); NOT_SENT (provably
nothing reached the backend); UNKNOWN (the request may have been applied). An UNKNOWN outcome
never says that nothing happened: the client settles it with the same key and reports again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum

from desktop.domain.reasons import (
    QT_TRANSLATE_NOOP,
    Detail,
    Reason,
    default_time,
    explain,
    fill,
    translated,
)


class Outcome(StrEnum):
    """The four ways an operation ends."""

    DONE = "done"
    REFUSED = "refused"
    NOT_SENT = "not_sent"  # nothing was applied: it never left, or the server rolled it back
    UNKNOWN = "unknown"

    @property
    def definite(self) -> bool:
        """The operation is settled: its key may be forgotten."""
        return self is not Outcome.UNKNOWN


class Operation(StrEnum):
    """The operations that change something on the backend."""

    SIGN_IN = "sign_in"
    SEND = "send"
    REVOKE = "revoke"
    REDEEM = "redeem"
    RESEND = "resend"  # a pending invitation's email, sent again (issue 14)


def outcome_of(reason: Reason) -> Outcome:
    """The outcome a failure with `reason` stands for.

    A server error is NOT_SENT too: the server answered that it changed nothing (it rolled the
    request back), which proves as much as a request that never left."""
    if reason in (Reason.OFFLINE, Reason.SERVER_ERROR):
        return Outcome.NOT_SENT
    if reason in (Reason.ANSWER_LOST, Reason.TIMED_OUT):
        return Outcome.UNKNOWN
    return Outcome.REFUSED


# What follows the reason's sentence, per operation and outcome. DONE has its own sentences.
_AFTER: Mapping[tuple[Operation, Outcome], str] = {
    (Operation.SEND, Outcome.NOT_SENT): QT_TRANSLATE_NOOP(
        "outcomes",
        "Nothing was sent yet. The invitation is saved on this computer and goes out once, "
        "automatically, when the referral service can be reached.",
    ),
    (Operation.SEND, Outcome.UNKNOWN): QT_TRANSLATE_NOOP(
        "outcomes",
        "The invitation may already have been sent. The app finishes it with the same request "
        "as soon as the referral service answers, so it is never sent twice.",
    ),
    (Operation.SEND, Outcome.REFUSED): QT_TRANSLATE_NOOP(
        "outcomes", "The invitation was not sent."
    ),
    (Operation.REDEEM, Outcome.NOT_SENT): QT_TRANSLATE_NOOP(
        "outcomes",
        "Nothing was spent and your reset is kept. Try again once the referral service can be "
        "reached.",
    ),
    (Operation.REDEEM, Outcome.UNKNOWN): QT_TRANSLATE_NOOP(
        "outcomes",
        "Your reset may have been spent. The app checks with the referral service and shows the "
        "result; it never spends a second reset for this request.",
    ),
    (Operation.REDEEM, Outcome.REFUSED): QT_TRANSLATE_NOOP("outcomes", "Nothing was spent."),
    (Operation.REVOKE, Outcome.NOT_SENT): QT_TRANSLATE_NOOP(
        "outcomes",
        "The invitation was not revoked. Try again once the referral service can be reached.",
    ),
    (Operation.REVOKE, Outcome.UNKNOWN): QT_TRANSLATE_NOOP(
        "outcomes",
        "The invitation may already be revoked. The app checks with the referral service and "
        "shows the result.",
    ),
    (Operation.REVOKE, Outcome.REFUSED): "",
    (Operation.RESEND, Outcome.NOT_SENT): QT_TRANSLATE_NOOP(
        "outcomes",
        "The email was not sent again. Try again once the referral service can be reached.",
    ),
    (Operation.RESEND, Outcome.UNKNOWN): QT_TRANSLATE_NOOP(
        "outcomes",
        "The email may already have gone out again. The app finishes it with the same request as "
        "soon as the referral service answers, so it is never sent twice.",
    ),
    (Operation.RESEND, Outcome.REFUSED): QT_TRANSLATE_NOOP(
        "outcomes", "The email was not sent again."
    ),
    (Operation.SIGN_IN, Outcome.NOT_SENT): QT_TRANSLATE_NOOP(
        "outcomes", "You are not signed in. Try again once connected."
    ),
    (Operation.SIGN_IN, Outcome.UNKNOWN): QT_TRANSLATE_NOOP(
        "outcomes",
        "The sign-in may have gone through. Signing in again reuses the same request, so no "
        "extra session is opened.",
    ),
    (Operation.SIGN_IN, Outcome.REFUSED): "",
}

_AFTER_SERVER_FAILED: Mapping[Operation, str] = {
    Operation.SEND: QT_TRANSLATE_NOOP(
        "outcomes",
        "Nothing was sent yet. The invitation is saved on this computer and goes out once, "
        "automatically, when the referral service works again.",
    ),
    Operation.REDEEM: QT_TRANSLATE_NOOP(
        "outcomes",
        "Nothing was spent and your reset is kept. Try again once the referral service works "
        "again.",
    ),
    Operation.REVOKE: QT_TRANSLATE_NOOP(
        "outcomes",
        "The invitation was not revoked. Try again once the referral service works again.",
    ),
    Operation.RESEND: QT_TRANSLATE_NOOP(
        "outcomes",
        "The email was not sent again. Try again once the referral service works again.",
    ),
    Operation.SIGN_IN: QT_TRANSLATE_NOOP(
        "outcomes", "You are not signed in. Try again once the referral service works again."
    ),
}
"""What follows a NOT_SENT outcome the service itself answered (SERVER_ERROR: it was reached,
failed, and changed nothing, for example on its own full disk), where `_AFTER`'s sentences
would wait for it "to be reached"."""

_DONE: Mapping[Operation, str] = {
    Operation.SEND: QT_TRANSLATE_NOOP("outcomes", "Invitation sent to {recipient}."),
    Operation.REDEEM: QT_TRANSLATE_NOOP(
        "outcomes", "Reset spent: your usage is back to zero used."
    ),
    Operation.REVOKE: QT_TRANSLATE_NOOP(
        "outcomes", "Invitation to {recipient} revoked; its link no longer works."
    ),
    Operation.SIGN_IN: QT_TRANSLATE_NOOP("outcomes", "Signed in as {email}."),
    Operation.RESEND: QT_TRANSLATE_NOOP(
        "outcomes", "The invitation email went to {recipient} again."
    ),
}

REPLAYED_REDEEM = QT_TRANSLATE_NOOP(
    "outcomes", "This request had already spent a reset; no second reset was used."
)
"""A redemption replayed with a key the backend already spent: done, and nothing new."""

RESET_SENTENCES: Mapping[str, str] = {
    "both": QT_TRANSLATE_NOOP(
        "outcomes", "Reset spent: your weekly and 5-hour usage are back to zero used."
    ),
    "five_hour": QT_TRANSLATE_NOOP(
        "outcomes",
        "Reset spent: your 5-hour usage is back to zero; the weekly window is unchanged.",
    ),
}
"""The "reset" result's sentence, one whole sentence per credit's windows (CreditWindows
values): composed from parts it read "your 5-hour usage is (the weekly window is unchanged) back
to zero used"."""

REDEMPTION_RESULTS: Mapping[str, str] = {
    "reset": RESET_SENTENCES["both"],
    "nothing_to_reset": QT_TRANSLATE_NOOP(
        "outcomes",
        "Nothing to reset: no usage counted in the windows this reset covers, so it was kept.",
    ),
    "no_credit": QT_TRANSLATE_NOOP("outcomes", "You have no usage resets to spend."),
    "already_redeemed": REPLAYED_REDEEM,
}
"""One sentence per redemption result code (desktop.domain.credits.RedemptionCode); like every
marked template, shown as `fill(translated("outcomes", template), ...)`."""

RESET_NOT_CLEARED = QT_TRANSLATE_NOOP(
    "outcomes",
    "But the referral service still counts use in {not_cleared} after the reset; the numbers "
    "shown are the service's.",
)
"""After a reset, a window the credit resets that did not go to zero (the client checks)."""

WINDOW_NAMES: Mapping[str, str] = {
    "five_hour": QT_TRANSLATE_NOOP("outcomes", "the 5-hour window"),
    "weekly": QT_TRANSLATE_NOOP("outcomes", "the weekly window"),
}
"""A usage window named inside a sentence (desktop.domain.usage.WindowKind values)."""

CREDIT_SOURCE_WORDS: Mapping[str, str] = {
    "referral": QT_TRANSLATE_NOOP("outcomes", "Earned by inviting {recipient}"),
    "complimentary": QT_TRANSLATE_NOOP("outcomes", "Complimentary"),
}
"""Where a credit came from, in the wallet (desktop.domain.credits.CreditSource values)."""

CREDIT_WINDOWS_WORDS: Mapping[str, str] = {
    "both": QT_TRANSLATE_NOOP("outcomes", "Weekly and 5-hour"),
    "five_hour": QT_TRANSLATE_NOOP("outcomes", "5-hour only"),
}
"""Which windows spending a credit resets, in the wallet (CreditWindows values)."""

CREDIT_NEVER_EXPIRES = QT_TRANSLATE_NOOP("outcomes", "Never expires")

DISCARDED_ON_SIGN_IN_ONE = QT_TRANSLATE_NOOP(
    "outcomes", "1 invitation queued by the previous account was discarded."
)
DISCARDED_ON_SIGN_IN_MANY = QT_TRANSLATE_NOOP(
    "outcomes", "{count} invitations queued by the previous account were discarded."
)


def discarded_on_sign_in(count: int) -> str:
    """After another account signed in: what happened to the previous one's queued invitations
    ("" when none was discarded)."""
    if count <= 0:
        return ""
    if count == 1:
        return translated("outcomes", DISCARDED_ON_SIGN_IN_ONE)
    return fill(translated("outcomes", DISCARDED_ON_SIGN_IN_MANY), {"count": count})


# -- Server-written copy: the mock backend's default offer and credit titles (docs/CONTRACT.md).
# The server owns these words; QA replaces them with `sim offer set` and `sim grant --title`.

OFFER_TITLE = "Invite a friend"
"""The offer's default title, also the neutral fallback a client shows without an offer."""

OFFER_DESCRIPTION = (
    "Invite people you think would like the product. Each one gets a personal link by email."
)

OFFER_RULES: tuple[str, ...] = (
    "Each invitation goes to one email address, and its link works only with that address.",
    "A usage reset can be earned only after the invited person initialises a workspace and "
    "sends {prompts_required} prompts.",
    "At most {monthly_cap} resets can be earned per billing cycle; invitations sent after "
    "that earn nothing.",
)
"""The default rules, short sentences; `{names}` are policy values filled in by the backend."""

CREDIT_TITLE_REFERRAL = "Usage reset for inviting {recipient}"
CREDIT_TITLE_COMPLIMENTARY = "Complimentary usage reset"


def describe(
    operation: Operation,
    outcome: Outcome,
    reason: Reason | None = None,
    details: Mapping[str, Detail] | None = None,
    *,
    format_time: Callable[[datetime], str] = default_time,
) -> str:
    """The whole message for one operation's outcome, in one place."""
    if outcome is Outcome.DONE:
        if operation is Operation.REDEEM and details and details.get("replayed"):
            return translated("outcomes", REPLAYED_REDEEM)
        if operation is Operation.REDEEM and details and "code" in details:
            return _redeemed(details)
        return fill(translated("outcomes", _DONE[operation]), details, format_time=format_time)
    first = "" if reason is None else explain(reason, details, format_time=format_time)
    if outcome is Outcome.NOT_SENT and reason is Reason.SERVER_ERROR:
        after = translated("outcomes", _AFTER_SERVER_FAILED[operation])
    else:
        after = translated("outcomes", _AFTER[(operation, outcome)])
    return " ".join(part for part in (first, after) if part)


def _redeemed(details: Mapping[str, Detail]) -> str:
    """A redemption's result code in words; after a reset, whether its windows really cleared
    (`not_cleared`: the windows, by kind, separated by commas, that still count use)."""
    code = str(details["code"])
    if code != "reset":
        return translated("outcomes", REDEMPTION_RESULTS[code])
    windows = str(details.get("windows", "both"))
    text = translated("outcomes", RESET_SENTENCES.get(windows, RESET_SENTENCES["both"]))
    kinds = [kind for kind in str(details.get("not_cleared", "")).split(",") if kind]
    if kinds:
        names = " and ".join(translated("outcomes", WINDOW_NAMES.get(kind, kind)) for kind in kinds)
        not_cleared = fill(translated("outcomes", RESET_NOT_CLEARED), {"not_cleared": names})
        text = f"{text} {not_cleared}"
    return text
