"""Recipient email validation and normalisation (DESIGN R2)."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from desktop.domain.reasons import Reason, explain


class InvalidEmail(ValueError):
    """The text is not a usable email address; `reason` and `detail` say why."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(explain(reason, {"detail": detail}))


def normalise_email(raw: str) -> str:
    """Validate without DNS and return the canonical, lower-case form used for comparisons."""
    text = raw.strip()
    if not text:
        raise InvalidEmail(Reason.EMPTY_EMAIL)
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidEmail(Reason.INVALID_EMAIL, str(error)) from None
    return result.normalized.lower()


def same_address(first: str, second: str) -> bool:
    """Whether two addresses are the same person's, compared case-insensitively."""
    try:
        return normalise_email(first) == normalise_email(second)
    except InvalidEmail:
        return first.strip().lower() == second.strip().lower()
