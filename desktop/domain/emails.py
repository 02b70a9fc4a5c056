"""Recipient email validation and normalisation, and what counts as the operator's own address
(DESIGN R2).

`email_validator` is imported with this module, which the app imports only on first use; the
confusables data (about 1 MB of JSON) is loaded by the first look-alike comparison.
"""

from __future__ import annotations

import unicodedata
from functools import cache, lru_cache
from typing import Any

from email_validator import EmailNotValidError, validate_email

from desktop.domain.reasons import Reason, explain

LOCAL_PART_MAX_OCTETS = 64
"""RFC 5321 §4.5.3.1.1: the part before the @ is at most 64 octets (UTF-8 for SMTPUTF8)."""

_TAG_SEPARATOR = "+"  # pilot+anything@example.com reaches pilot@example.com
_BIDI_MARKS = "\u200e\u200f"  # the confusables data wraps right-to-left glyphs in these


class InvalidEmail(ValueError):
    """The text is not a usable email address; `reason` and `detail` say why."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(explain(reason, {"detail": detail}))


NORMALISED_CACHE_SIZE = 4_096
"""Addresses whose normal form is remembered: email-validator costs about 0.03 ms a call and a
send asked it three times (the recipient, then both sides of the own-address check), for the
same few addresses again and again (an operator's own, a retried send's). An invalid address
is not remembered: its error is raised anew each time."""


@lru_cache(maxsize=NORMALISED_CACHE_SIZE)
def normalise_email(raw: str) -> str:
    """Validate without DNS and return the canonical, lower-case form used for comparisons."""
    text = raw.strip()
    if not text:
        raise InvalidEmail(Reason.EMPTY_EMAIL)
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidEmail(Reason.INVALID_EMAIL, str(error)) from None
    octets = len(result.local_part.encode("utf-8"))
    if octets > LOCAL_PART_MAX_OCTETS:
        # email-validator 2.x no longer enforces this limit by default.
        raise InvalidEmail(
            Reason.INVALID_EMAIL,
            f"The part before the @-sign is {octets} bytes long; at most "
            f"{LOCAL_PART_MAX_OCTETS} are allowed.",
        )
    return result.normalized.lower()


def is_own_address(candidate: str, own: str) -> bool:
    """Whether `candidate` reaches, or passes for, the operator's address `own` (a self-invite).

    True for the address itself in any case, its same-domain plus-addressed forms
    (`pilot+x@example.com`), Unicode compatibility forms (full-width `pilot@example.com`) and
    look-alikes (Cyrillic er, U+0440, for Latin `p`): both addresses are reduced to their Unicode
    UTS #39 skeletons, tags dropped, and compared. Text that is not an address is never own.
    """
    try:
        first = normalise_email(candidate)
        second = normalise_email(own)
    except InvalidEmail:
        return False
    return _mailbox(first) == _mailbox(second)


def load_look_alikes() -> None:
    """Load the confusables tables now (about 0.15 s, once per process), for example on a worker
    thread before the invite dialog opens, so the first `is_own_address` does not pay it."""
    _look_alikes("a")


def _mailbox(address: str) -> tuple[str, str]:
    """(local part without its +tag, domain), both as skeletons."""
    local, _, domain = address.rpartition("@")
    base = skeleton(local).split(_TAG_SEPARATOR, 1)[0]
    return base, skeleton(domain)


def skeleton(text: str) -> str:
    """What `text` looks like: compatibility forms folded (NFKC), case folded, and every
    character replaced by its confusables prototype (Unicode UTS #39 §4)."""
    folded = _fold(text)
    return _fold("".join(_prototype(character) for character in folded))


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


@cache
def _prototype(character: str) -> str:
    """The character every look-alike of `character` maps to (itself when it has none).

    The library lists, for a prototype, its look-alikes and, for a look-alike, its one
    prototype. A pair that lists only each other maps to the smaller of the two, so both
    sides of a comparison agree.
    """
    glyphs = _look_alikes(character)
    if len(glyphs) != 1:
        return character  # no look-alike, or a prototype with several
    (other,) = glyphs
    if len(other) > 1 or len(_look_alikes(other)) > 1:
        return other  # `character` is a look-alike of `other`
    return min(character, other)


@cache
def _look_alikes(text: str) -> tuple[str, ...]:
    from confusable_homoglyphs import confusables  # about 1 MB of data: loaded on first use

    if len(text) != 1:
        return ()  # multi-character prototypes ("rn") are keys, never looked up
    found: list[dict[str, Any]] | bool = confusables.is_confusable(text, greedy=True)
    if isinstance(found, bool):
        return ()
    return tuple(str(glyph["c"]).strip(_BIDI_MARKS) for glyph in found[0]["homoglyphs"])
