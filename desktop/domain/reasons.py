"""Why an operation was refused or failed: stable reason codes and their one sentence each.

One home for the words (DESIGN R11): the backend raises errors carrying a `Reason`, the wire
carries the code, the controller and the widgets show `explain(...)`. Nothing else composes a
refusal sentence. Templates take named details (`{recipient}`, `{limit}`, `{at}`); times are
formatted by the caller's `format_time` (the UI passes a locale-aware one).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum

Detail = str | int | datetime
"""A value a sentence can name."""

Translate = Callable[[str, str], str]
"""`(context, source) -> translated`: how the app's UI language renders a template."""


def QT_TRANSLATE_NOOP(context: str, source: str) -> str:
    """Mark `source` for translation in `context` without translating it here.

    pyside6-lupdate recognises this call by its name and extracts the literal (docs/UI.md,
    "Translation"); the domain never imports Qt, so the words are translated where they are used:
    `explain` and `describe` pass each template through `translated` before filling it."""
    return source


def _untranslated(context: str, source: str) -> str:
    return source


_translate: Translate = _untranslated


def set_translator(translate: Translate | None) -> None:
    """Render templates through `translate` (the app passes QCoreApplication.translate); None
    restores the source words. Templates are translated before their `{names}` are filled."""
    global _translate
    _translate = translate or _untranslated


def translated(context: str, source: str) -> str:
    """`source` (a template marked with QT_TRANSLATE_NOOP in `context`) in the UI language."""
    return _translate(context, source) if source else source


class Reason(StrEnum):
    """A stable code for why something did not happen. Values are part of the wire contract."""

    # The recipient rules (R2)
    INVALID_EMAIL = "invalid_email"
    EMPTY_EMAIL = "empty_email"
    SELF_INVITE = "self_invite"
    DUPLICATE_PENDING = "duplicate_pending"
    DAILY_LIMIT = "daily_limit"
    NOT_IN_COHORT = "not_in_cohort"
    # Invitations and the wallet
    NOT_FOUND = "not_found"
    NO_ACCOUNT = "no_account"
    NOT_REVOCABLE = "not_revocable"
    NO_TOKENS = "no_tokens"
    # The offer, resending and credits (issue 14, docs/CONTRACT.md)
    OFFER_CHANGED = "offer_changed"
    OFFER_EXPIRED = "offer_expired"
    OFFER_PAUSED = "offer_paused"
    RESEND_TOO_SOON = "resend_too_soon"
    NOT_RESENDABLE = "not_resendable"
    CREDIT_NOT_FOUND = "credit_not_found"
    CREDIT_UNAVAILABLE = "credit_unavailable"
    # The session
    SIGN_IN_FAILED = "sign_in_failed"
    TOO_MANY_SIGN_INS = "too_many_sign_ins"
    SESSION_ENDED = "session_ended"
    NOT_SIGNED_IN = "not_signed_in"
    # The recipient's side of the link
    LINK_UNKNOWN = "link_unknown"
    LINK_REVOKED = "link_revoked"
    LINK_EXPIRED = "link_expired"
    LINK_ENDED = "link_ended"
    LINK_WRONG_EMAIL = "link_wrong_email"
    ALREADY_JOINED = "already_joined"
    NOT_JOINED = "not_joined"
    NO_WORKSPACE = "no_workspace"
    RECIPIENT_NOT_ELIGIBLE = "recipient_not_eligible"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    FORM_EXPIRED = "form_expired"
    CLOCK_INJECTED = "clock_injected"
    # The connection and the server
    OFFLINE = "offline"  # provably nothing reached the backend
    ANSWER_LOST = "answer_lost"  # the request may have been applied
    TIMED_OUT = "timed_out"  # no answer in time: may have been applied
    SERVER_ERROR = "server_error"  # the server failed and rolled back
    INVALID_REQUEST = "invalid_request"
    QA_TOKEN_REQUIRED = "qa_token_required"
    # This computer (desktop.environment.reason_for classifies raw errors into these)
    CACHE_DAMAGED = "cache_damaged"
    CACHE_NEWER = "cache_newer"
    CACHE_DAMAGED_SET_ASIDE = "cache_damaged_set_aside"
    CACHE_NEWER_SET_ASIDE = "cache_newer_set_aside"
    CACHE_LOCKED = "cache_locked"
    DISK_FULL = "disk_full"
    READ_ONLY = "read_only"
    NOT_A_FOLDER = "not_a_folder"
    FOLDER_MISSING = "folder_missing"
    LOCAL_ERROR = "local_error"
    # The embedded mock service's own file, in the data folder
    BACKEND_DAMAGED = "backend_damaged"
    BACKEND_NEWER = "backend_newer"
    BACKEND_UPGRADED = "backend_upgraded"  # a notice: the older file was kept, then rebuilt
    BACKEND_SET_ASIDE = "backend_set_aside"  # a notice: the way out was taken

    @property
    def retryable(self) -> bool:
        """Trying again with the same key may succeed (the refusal is not a rule's answer)."""
        return self in _RETRYABLE

    @property
    def on_this_computer(self) -> bool:
        """A fault of this computer: its disk, the data folder, the cache, or the file of the
        embedded service the app runs for that folder. Never "the server's" problem: a remote
        server's own disk or file fault arrives as SERVER_ERROR (its `cause` names the kind)."""
        return self in _ON_THIS_COMPUTER


_RETRYABLE = frozenset(
    {Reason.OFFLINE, Reason.ANSWER_LOST, Reason.TIMED_OUT, Reason.SERVER_ERROR, Reason.CACHE_LOCKED}
)

_ON_THIS_COMPUTER = frozenset(
    {
        Reason.CACHE_DAMAGED,
        Reason.CACHE_NEWER,
        Reason.CACHE_DAMAGED_SET_ASIDE,
        Reason.CACHE_NEWER_SET_ASIDE,
        Reason.CACHE_LOCKED,
        Reason.DISK_FULL,
        Reason.READ_ONLY,
        Reason.NOT_A_FOLDER,
        Reason.FOLDER_MISSING,
        Reason.LOCAL_ERROR,
        Reason.BACKEND_DAMAGED,
        Reason.BACKEND_NEWER,
        Reason.BACKEND_UPGRADED,
        Reason.BACKEND_SET_ASIDE,
    }
)

_SENTENCES: Mapping[Reason, str] = {
    Reason.INVALID_EMAIL: QT_TRANSLATE_NOOP(
        "reasons", "That is not a valid email address: {detail}"
    ),
    Reason.EMPTY_EMAIL: QT_TRANSLATE_NOOP("reasons", "Enter an email address."),
    Reason.SELF_INVITE: QT_TRANSLATE_NOOP(
        "reasons", "That is your own address. Invite someone else."
    ),
    Reason.DUPLICATE_PENDING: QT_TRANSLATE_NOOP(
        "reasons", "You already have a pending invitation for {recipient}."
    ),
    Reason.DAILY_LIMIT: QT_TRANSLATE_NOOP(
        "reasons",
        "You have sent {limit} invitations in the last 24 hours, the most allowed. "
        "You can send the next one from {at}.",
    ),
    Reason.NOT_IN_COHORT: QT_TRANSLATE_NOOP(
        "reasons", "Invitations are available only to accounts in the referral pilot."
    ),
    Reason.NOT_FOUND: QT_TRANSLATE_NOOP("reasons", "There is no such invitation."),
    Reason.NO_ACCOUNT: QT_TRANSLATE_NOOP("reasons", "There is no account for {email} yet."),
    Reason.NOT_REVOCABLE: QT_TRANSLATE_NOOP(
        "reasons",
        "This invitation can no longer be revoked (it is {state}); only a pending one can.",
    ),
    Reason.NO_TOKENS: QT_TRANSLATE_NOOP("reasons", "You have no usage resets to spend."),
    Reason.OFFER_CHANGED: QT_TRANSLATE_NOOP(
        "reasons",
        "The invitation offer changed after you opened it. Read the new terms, then send again.",
    ),
    Reason.OFFER_EXPIRED: QT_TRANSLATE_NOOP(
        "reasons",
        "The invitation offer you opened expired at {at}. Open it again to see the current terms.",
    ),
    Reason.OFFER_PAUSED: QT_TRANSLATE_NOOP(
        "reasons", "Invitations are paused for now. Nothing was sent."
    ),
    Reason.RESEND_TOO_SOON: QT_TRANSLATE_NOOP(
        "reasons",
        "The email for this invitation went out at {sent_at}. You can send it again from {at}.",
    ),
    Reason.NOT_RESENDABLE: QT_TRANSLATE_NOOP(
        "reasons", "Only a pending invitation's email can be sent again; this one is {state}."
    ),
    Reason.CREDIT_NOT_FOUND: QT_TRANSLATE_NOOP(
        "reasons", "There is no such usage reset in your wallet."
    ),
    Reason.CREDIT_UNAVAILABLE: QT_TRANSLATE_NOOP(
        "reasons", "That usage reset cannot be spent: it is {state}."
    ),
    Reason.SIGN_IN_FAILED: QT_TRANSLATE_NOOP(
        "reasons", "That email and password do not match an account."
    ),
    Reason.TOO_MANY_SIGN_INS: QT_TRANSLATE_NOOP(
        "reasons",
        "Too many failed sign-ins for this account or from this network. "
        "Try again in {minutes} minutes.",
    ),
    Reason.SESSION_ENDED: QT_TRANSLATE_NOOP("reasons", "Your session has ended. Sign in again."),
    Reason.NOT_SIGNED_IN: QT_TRANSLATE_NOOP("reasons", "Sign in first."),
    Reason.LINK_UNKNOWN: QT_TRANSLATE_NOOP("reasons", "That invitation link does not exist."),
    Reason.LINK_REVOKED: QT_TRANSLATE_NOOP(
        "reasons", "This invitation was revoked by the person who sent it."
    ),
    Reason.LINK_EXPIRED: QT_TRANSLATE_NOOP("reasons", "This invitation link has expired."),
    Reason.LINK_ENDED: QT_TRANSLATE_NOOP("reasons", "This invitation has already ended."),
    Reason.LINK_WRONG_EMAIL: QT_TRANSLATE_NOOP(
        "reasons", "This link was sent to another address; use it with the address it was sent to."
    ),
    Reason.ALREADY_JOINED: QT_TRANSLATE_NOOP(
        "reasons", "Someone has already joined through this link."
    ),
    Reason.NOT_JOINED: QT_TRANSLATE_NOOP("reasons", "Join through the link first."),
    Reason.NO_WORKSPACE: QT_TRANSLATE_NOOP(
        "reasons", "Initialise a workspace before sending prompts."
    ),
    Reason.RECIPIENT_NOT_ELIGIBLE: QT_TRANSLATE_NOOP(
        "reasons",
        "This account was active within the last {days} days, so it cannot join through an "
        "invitation. You can keep using it as before.",
    ),
    Reason.TOO_MANY_ATTEMPTS: QT_TRANSLATE_NOOP(
        "reasons",
        "Too many sign-in attempts through this link or from this network. "
        "Try again in {minutes} minutes.",
    ),
    Reason.FORM_EXPIRED: QT_TRANSLATE_NOOP(
        "reasons", "This page has expired. Reload it and try again."
    ),
    Reason.CLOCK_INJECTED: QT_TRANSLATE_NOOP(
        "reasons", "This simulator runs on an injected clock; move that clock instead."
    ),
    Reason.OFFLINE: QT_TRANSLATE_NOOP(
        "reasons", "The referral service cannot be reached: you are offline."
    ),
    Reason.ANSWER_LOST: QT_TRANSLATE_NOOP(
        "reasons", "The connection was lost before the referral service answered."
    ),
    Reason.TIMED_OUT: QT_TRANSLATE_NOOP("reasons", "The referral service did not answer in time."),
    Reason.SERVER_ERROR: QT_TRANSLATE_NOOP(
        "reasons", "The referral service failed to handle the request and changed nothing."
    ),
    Reason.INVALID_REQUEST: QT_TRANSLATE_NOOP(
        "reasons", "The referral service did not understand the request: {detail}"
    ),
    Reason.QA_TOKEN_REQUIRED: QT_TRANSLATE_NOOP(
        "reasons",
        "QA calls need the QA token the server printed at start (send it as X-QA-Token; "
        "sim --backend URL --qa-token TOKEN).",
    ),
    Reason.CACHE_DAMAGED: QT_TRANSLATE_NOOP(
        "reasons",
        "The saved data on this computer is damaged. Move {path} aside and start the app again.",
    ),
    Reason.CACHE_LOCKED: QT_TRANSLATE_NOOP(
        "reasons",
        "The saved data on this computer is in use by another copy of the app. Close it and "
        "try again.",
    ),
    Reason.CACHE_NEWER: QT_TRANSLATE_NOOP(
        "reasons", "The saved data on this computer was written by a newer version of the app."
    ),
    Reason.CACHE_DAMAGED_SET_ASIDE: QT_TRANSLATE_NOOP(
        "reasons",
        "The saved data on this computer was damaged. It was set aside as {path} and is rebuilt "
        "from the referral service; invitations queued while offline may need to be sent again.",
    ),
    Reason.CACHE_NEWER_SET_ASIDE: QT_TRANSLATE_NOOP(
        "reasons",
        "The saved data on this computer came from a newer version of the app. It was set aside "
        "as {path} and is rebuilt from the referral service; invitations queued while offline "
        "may need to be sent again.",
    ),
    Reason.DISK_FULL: QT_TRANSLATE_NOOP(
        "reasons",
        "The disk holding {path} is full, so nothing could be saved. Free some space and try "
        "again.",
    ),
    Reason.READ_ONLY: QT_TRANSLATE_NOOP(
        "reasons",
        "{path} cannot be written. Choose another data folder with --data-dir, or make it "
        "writable.",
    ),
    Reason.NOT_A_FOLDER: QT_TRANSLATE_NOOP(
        "reasons", "{path} is not a folder (a file is in the way). Choose a folder with --data-dir."
    ),
    Reason.FOLDER_MISSING: QT_TRANSLATE_NOOP(
        "reasons", "The folder {path} does not exist. Choose another folder."
    ),
    Reason.LOCAL_ERROR: QT_TRANSLATE_NOOP(
        "reasons",
        "Something went wrong on this computer while reading or writing the app's data. app.log "
        "in the data folder has the details.",
    ),
    Reason.BACKEND_DAMAGED: QT_TRANSLATE_NOOP(
        "reasons",
        "The referral service's data file {path} is damaged. Move it aside and start again with "
        "fresh demo data; the damaged file is kept. (On the command line: "
        "`referral-desktop sim reset-demo`.)",
    ),
    Reason.BACKEND_NEWER: QT_TRANSLATE_NOOP(
        "reasons",
        "The referral service's data file {path} was written by a newer version of this app, "
        "so this one does not touch it. Use the newer version, or move the file aside and start "
        "again with fresh demo data (the file is kept).",
    ),
    Reason.BACKEND_UPGRADED: QT_TRANSLATE_NOOP(
        "reasons",
        "The referral service's data came from an older version of this app. It was kept as "
        "{backup} and the demo data was seeded afresh.",
    ),
    Reason.BACKEND_SET_ASIDE: QT_TRANSLATE_NOOP(
        "reasons",
        "The referral service's data file was moved aside to {backup} and fresh demo data was "
        "seeded.",
    ),
}


_SENTENCES_FOR_ONE: Mapping[Reason, tuple[str, str]] = {
    Reason.DAILY_LIMIT: (
        "limit",
        QT_TRANSLATE_NOOP(
            "reasons",
            "You have sent 1 invitation in the last 24 hours, the most allowed. "
            "You can send the next one from {at}.",
        ),
    ),
    Reason.TOO_MANY_SIGN_INS: (
        "minutes",
        QT_TRANSLATE_NOOP(
            "reasons",
            "Too many failed sign-ins for this account or from this network. "
            "Try again in 1 minute.",
        ),
    ),
    Reason.RECIPIENT_NOT_ELIGIBLE: (
        "days",
        QT_TRANSLATE_NOOP(
            "reasons",
            "This account was active within the last day, so it cannot join through an "
            "invitation. You can keep using it as before.",
        ),
    ),
    Reason.TOO_MANY_ATTEMPTS: (
        "minutes",
        QT_TRANSLATE_NOOP(
            "reasons",
            "Too many sign-in attempts through this link or from this network. "
            "Try again in 1 minute.",
        ),
    ),
}
"""The sentence for a count of one, where `_SENTENCES` counts a detail (`{limit} invitations`):
(the counted detail, the sentence naming one). As `send_capacity_text` in desktop.domain.offer,
a whole sentence per count, so each reads right and translates whole."""

_SENTENCES_FOR_CAUSE: Mapping[tuple[Reason, str], str] = {
    (Reason.SERVER_ERROR, Reason.DISK_FULL.value): QT_TRANSLATE_NOOP(
        "reasons",
        "The referral service could not save anything: its disk is full. It changed nothing.",
    ),
}
"""A server's failure whose `cause` detail is a fault of the server's own computer (the wire
names the kind, never the server's paths): the sentence for that cause. Another cause reads as
the general SERVER_ERROR sentence."""

_SENTENCES_WITHOUT_PATH: Mapping[Reason, str] = {
    Reason.DISK_FULL: QT_TRANSLATE_NOOP(
        "reasons",
        "The disk holding the app's data folder is full, so nothing could be saved. Free some "
        "space and try again.",
    ),
}
"""A fault of this computer whose path is not known (an error that names no file): the
sentence that needs none, rather than a blank where the path would be."""


def sentence(reason: Reason, details: Mapping[str, Detail] | None = None) -> str:
    """The untranslated template for `reason`: its sentence for a count of one when the counted
    detail is 1, for the `cause` detail of a server's failure, without a path when none is
    known; else its general one."""
    counted = _SENTENCES_FOR_ONE.get(reason)
    if counted is not None and details and str(details.get(counted[0], "")) == "1":
        return counted[1]
    cause = _SENTENCES_FOR_CAUSE.get((reason, str((details or {}).get("cause", ""))))
    if cause is not None:
        return cause
    if reason in _SENTENCES_WITHOUT_PATH and not (details or {}).get("path"):
        return _SENTENCES_WITHOUT_PATH[reason]
    return _SENTENCES[reason]


def default_time(moment: datetime) -> str:
    """A plain UTC rendering for places without a locale (the command line, logs)."""
    return moment.strftime("%d %b %Y %H:%M UTC")


def explain(
    reason: Reason,
    details: Mapping[str, Detail] | None = None,
    *,
    format_time: Callable[[datetime], str] = default_time,
) -> str:
    """The one sentence for `reason`, naming its details."""
    return fill(translated("reasons", sentence(reason, details)), details, format_time=format_time)


def fill(
    template: str,
    details: Mapping[str, Detail] | None = None,
    *,
    format_time: Callable[[datetime], str] = default_time,
) -> str:
    """`template` with its `{names}` replaced by details; a missing detail reads as "…"."""
    values = {
        key: format_time(value) if isinstance(value, datetime) else str(value)
        for key, value in (details or {}).items()
    }
    return template.format_map(_Blank(values))


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "…"
