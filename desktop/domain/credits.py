"""Reset credits (issue 14): the credit itself, where one comes from, which usage windows it
resets, and the result codes of a redemption. Pure values; the words live in
desktop.domain.outcomes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from desktop.domain.usage import WindowKind


class CreditSource(StrEnum):
    """How a credit reached the wallet."""

    REFERRAL = "referral"  # earned by a conversion; carries its invitation
    COMPLIMENTARY = "complimentary"  # granted by the service (QA: `sim grant`)


class CreditWindows(StrEnum):
    """Which usage windows spending the credit resets."""

    BOTH = "both"
    FIVE_HOUR = "five_hour"

    @property
    def kinds(self) -> frozenset[WindowKind]:
        """The windows this credit clears."""
        if self is CreditWindows.FIVE_HOUR:
            return frozenset({WindowKind.FIVE_HOUR})
        return frozenset({WindowKind.FIVE_HOUR, WindowKind.WEEKLY})


class RedemptionCode(StrEnum):
    """How a redemption request ended. Values are part of the wire contract."""

    RESET = "reset"  # a credit was spent and its windows cleared
    NOTHING_TO_RESET = "nothing_to_reset"  # its windows held no use; the credit was kept
    NO_CREDIT = "no_credit"  # nothing spendable (raised as NoTokens for older clients)
    ALREADY_REDEEMED = "already_redeemed"  # the same request again: its first result, a success


# One shape for the contract (`SyncDTO.tokens`, `RedemptionDTO.token`), the cache and the window
# (`TokenView.credit`): the three layers had the same fields (docs/ARCHITECTURE.md, "One shape
# per thing").
@dataclass(frozen=True)
class Credit:
    """A usage reset credit in the wallet (R6). `state` is available | spent | expired.

    `invitation_id` is "" for a complimentary credit (no invitation earned it)."""

    id: str
    granted_at: datetime
    expires_at: datetime | None  # None: it never expires
    state: str
    invitation_id: str
    spent_at: datetime | None
    # R8: the change sequence value of the transaction that last changed it; the cache never
    # replaces a higher one with a lower one. No list orders by it.
    version: int
    source: CreditSource = CreditSource.REFERRAL  # earned by inviting, or complimentary
    title: str = ""  # the server's words for it
    windows: CreditWindows = CreditWindows.BOTH  # which usage windows spending it resets
