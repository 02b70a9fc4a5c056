"""Recipient email validation and normalisation (DESIGN R2)."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email


class InvalidEmail(ValueError):
    """The text is not a usable email address; the message is fit to show the user."""


def normalise_email(raw: str) -> str:
    """Validate without DNS and return the canonical, lower-case form used for comparisons."""
    text = raw.strip()
    if not text:
        raise InvalidEmail("Enter an email address.")
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidEmail(f"That is not a valid email address: {error}") from None
    return result.normalized.lower()


def same_address(first: str, second: str) -> bool:
    """Whether two addresses are the same person's, compared case-insensitively."""
    try:
        return normalise_email(first) == normalise_email(second)
    except InvalidEmail:
        return first.strip().lower() == second.strip().lower()
