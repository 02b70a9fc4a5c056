"""The server-owned offer (issue 14): the offer one account is handed (`Offer`), and its
settings, the copy and switches QA sets with `sim offer` (`OfferSettings`).

Numbers (how long an offer lives, recipients per send, the resend cooldown) are policy values
(desktop.domain.policy); what the offer says and whether it is on live here. `None` copy means
the server's default words (desktop.domain.outcomes).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from desktop.domain.outcomes import OFFER_DESCRIPTION, OFFER_RULES, OFFER_TITLE
from desktop.domain.policy import PolicyError, ReferralPolicy
from desktop.domain.reasons import QT_TRANSLATE_NOOP, Reason, default_time, fill, translated

# -- The client's words for an offer (the server's own copy is shown as it comes) -------------

FALLBACK_TITLE = QT_TRANSLATE_NOOP("offer", "Invite a friend")
"""The neutral title a client shows when the server gives none: the client's words (translated),
the same as the mock server's default `OFFER_TITLE` (the server's, shown as it comes)."""

FALLBACK_DESCRIPTION = QT_TRANSLATE_NOOP(
    "offer", "Invite someone by email: they get a personal link that works only for them."
)
"""The neutral description without the server's: it never promises a reward."""

SEND_CAPACITY_ONE = QT_TRANSLATE_NOOP("offer", "1 invitation left.")
SEND_CAPACITY_MANY = QT_TRANSLATE_NOOP("offer", "{count} invitations left.")
SEND_CAPACITY_NONE = QT_TRANSLATE_NOOP(
    "offer", "No invitations left for now: the next one can be sent from {at}."
)
SEND_CAPACITY_NONE_UNDATED = QT_TRANSLATE_NOOP("offer", "No invitations left for now.")
REWARD_CAPACITY_NONE = QT_TRANSLATE_NOOP("offer", "Invitations sent now earn nothing until {at}.")
REWARD_CAPACITY_NONE_UNDATED = QT_TRANSLATE_NOOP(
    "offer", "Invitations sent now earn nothing this billing cycle."
)
TOO_MANY_RECIPIENTS = QT_TRANSLATE_NOOP(
    "offer", "One send holds at most {limit} addresses: remove {extra}."
)
OVER_SEND_CAPACITY = QT_TRANSLATE_NOOP(
    "offer", "You can send {capacity} more now: remove {extra} of these addresses."
)
REPEATED_RECIPIENT = QT_TRANSLATE_NOOP("offer", "{recipient} is in the list twice.")
RESEND_FROM = QT_TRANSLATE_NOOP("offer", "Resend from {at}")
"""The client's capacity and list sentences (issue 14): one place for their words, each shown
as `fill(translated("offer", template), ...)`."""

RESET_EXPIRES_ONE = QT_TRANSLATE_NOOP(
    "offer", "A reset you earn expires 1 day after it is earned if you do not use it."
)
RESET_EXPIRES_MANY = QT_TRANSLATE_NOOP(
    "offer", "A reset you earn expires {days} days after it is earned if you do not use it."
)
RESET_NEVER_EXPIRES = QT_TRANSLATE_NOOP("offer", "A reset you earn does not expire.")
"""What the module tells every operator about earned resets (DESIGN R6): they expire after the
policy's `token_expiry_days`, or never when the policy sets none. The offer does not carry it:
the policy does, for the server's words and the fallback alike."""


def reset_expiry_text(policy: ReferralPolicy | None) -> str:
    """`A reset you earn expires 30 days after it is earned if you do not use it.`, true to the
    policy in force; "" when the policy is not known yet (never a guessed number)."""
    if policy is None:
        return ""
    days = policy.token_expiry_days
    if days is None:
        return translated("offer", RESET_NEVER_EXPIRES)
    if days == 1:
        return translated("offer", RESET_EXPIRES_ONE)
    return fill(translated("offer", RESET_EXPIRES_MANY), {"days": days})


# One shape for the contract (`SyncDTO.offer`, `GET /v1/offer`), the cache (the `offer` table,
# one row per account) and the window (`AppState.offer`, `as_shown()`); the QA window's `QaOffer`
# holds one too (docs/ARCHITECTURE.md, "One shape per thing").
@dataclass(frozen=True)
class Offer:
    """The server-owned offer of one account (issue 14, docs/CONTRACT.md).

    `offered` is the real client's should_show: False means the module stays absent (R1), and
    `unavailable_reason` says why, for the QA inspector only. Capacities are None when unknown,
    which is not zero. The offer may be used for sending until `expires_at`, and only while its
    terms are unchanged: `send_invitation(..., offer_id=id)` checks both."""

    id: str
    offered: bool
    title: str
    description: str
    rules: tuple[str, ...]
    requires_confirmation: bool
    send_capacity: int | None  # invitations that can still be sent now
    reward_capacity: int | None  # conversions that can still earn a reset this cycle
    rewards_resume_at: datetime | None  # cycle end, when reward_capacity is 0
    send_capacity_frees_at: datetime | None  # next free slot, when send_capacity is 0
    max_recipients: int  # addresses one send may hold
    issued_at: datetime
    expires_at: datetime
    unavailable_reason: Reason | None = None

    def as_shown(self) -> Offer:
        """The offer as the module and the invite dialog show it: the server's title and
        description, or the neutral fallback (the client's words, translated) where it gave
        none; no blank rule; at least one address per send."""
        return dataclasses.replace(
            self,
            title=self.title.strip() or translated("offer", FALLBACK_TITLE),
            description=self.description.strip() or translated("offer", FALLBACK_DESCRIPTION),
            rules=tuple(rule for rule in self.rules if rule.strip()),
            max_recipients=max(self.max_recipients, 1),
        )


def send_capacity_text(
    capacity: int | None,
    frees_at: datetime | None,
    *,
    format_time: Callable[[datetime], str] = default_time,
) -> str:
    """`2 invitations left.`, or when none is left until when; "" when unknown (never zero)."""
    if capacity is None:
        return ""
    if capacity == 1:
        return translated("offer", SEND_CAPACITY_ONE)
    if capacity > 1:
        return fill(translated("offer", SEND_CAPACITY_MANY), {"count": capacity})
    if frees_at is None:
        return translated("offer", SEND_CAPACITY_NONE_UNDATED)
    return fill(translated("offer", SEND_CAPACITY_NONE), {"at": frees_at}, format_time=format_time)


def reward_capacity_text(
    capacity: int | None,
    resumes_at: datetime | None,
    *,
    format_time: Callable[[datetime], str] = default_time,
) -> str:
    """`Invitations sent now earn nothing until 14 Dec.` when no reward capacity is left; ""
    otherwise (unknown is not zero, and a capacity left is no promise)."""
    if capacity != 0:
        return ""
    if resumes_at is None:
        return translated("offer", REWARD_CAPACITY_NONE_UNDATED)
    return fill(
        translated("offer", REWARD_CAPACITY_NONE), {"at": resumes_at}, format_time=format_time
    )


def recipients_problem(count: int, limit: int, capacity: int | None) -> str:
    """Why `count` addresses cannot go in one send ("" when they can): more than the offer's
    `limit`, or more than the send capacity left (unknown capacity: the server decides)."""
    if count > limit:
        return fill(
            translated("offer", TOO_MANY_RECIPIENTS), {"limit": limit, "extra": count - limit}
        )
    if capacity is not None and 0 < capacity < count:
        return fill(
            translated("offer", OVER_SEND_CAPACITY),
            {"capacity": capacity, "extra": count - capacity},
        )
    return ""


@dataclass(frozen=True)
class OfferSettings:
    """What the backend's offer says and how it behaves, as QA set it."""

    title: str | None = None
    description: str | None = None
    rules: tuple[str, ...] | None = None
    requires_confirmation: bool = True
    paused: bool = False  # no offer for anyone; sends are refused (offer_paused)
    report_capacities: bool = True  # False: capacities go out as unknown (None), not zero

    def __post_init__(self) -> None:
        for name in ("title", "description"):
            value = getattr(self, name)
            if value is not None and not value.strip():
                raise PolicyError(f"the offer {name} cannot be empty (omit it for the default)")
        if self.rules is not None and any(not rule.strip() for rule in self.rules):
            raise PolicyError("an offer rule cannot be empty")

    def copy(self, policy: ReferralPolicy) -> tuple[str, str, tuple[str, ...]]:
        """Title, description and rules as the account reads them (default rules name policy
        values, filled in here)."""
        if self.rules is None:
            # Only the server's own templates name policy values; QA's rules are shown verbatim.
            values = {key: value for key, value in policy.to_mapping().items() if value is not None}
            rules = tuple(fill(rule, values) for rule in OFFER_RULES)
        else:
            rules = self.rules
        return (self.title or OFFER_TITLE, self.description or OFFER_DESCRIPTION, rules)

    def to_mapping(self) -> dict[str, object]:
        """Plain values, for JSON and storage."""
        values = dataclasses.asdict(self)
        values["rules"] = None if self.rules is None else list(self.rules)
        return values

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> OfferSettings:
        """Read stored values; unknown keys are refused."""
        return cls().with_values(values)

    def with_values(self, values: Mapping[str, object]) -> OfferSettings:
        """A copy with some values changed (None for copy means the default words)."""
        known = {f.name for f in dataclasses.fields(self)}
        changes: dict[str, object] = {}
        for key, raw in values.items():
            if key not in known:
                names = ", ".join(sorted(known))
                raise PolicyError(f"unknown offer value {key!r} (known: {names})")
            if key == "rules":
                if raw is None:
                    changes[key] = None
                elif isinstance(raw, list | tuple) and all(isinstance(r, str) for r in raw):
                    changes[key] = tuple(str(r) for r in raw)
                else:
                    raise PolicyError("offer rules are a list of sentences")
            elif key in ("title", "description"):
                if raw is not None and not isinstance(raw, str):
                    raise PolicyError(f"the offer {key} is text")
                changes[key] = raw
            else:
                if not isinstance(raw, bool):
                    raise PolicyError(f"the offer's {key} is true or false")
                changes[key] = raw
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]
