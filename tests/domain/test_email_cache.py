"""`normalise_email` remembers normal forms (a server asks for the same few again and again):
the remembered answer is the validator's, and an invalid address is refused every time."""

from __future__ import annotations

import pytest

from desktop.domain.emails import InvalidEmail, normalise_email
from desktop.domain.reasons import Reason


@pytest.mark.parametrize(
    "raw",
    [
        "Pilot@Example.com",
        "  pilot+x@example.com ",
        "\uff50\uff49\uff4c\uff4f\uff54@example.com",  # full-width "pilot"
        "ß@straße.de",
    ],
)
def test_a_remembered_normal_form_is_the_validators(raw: str) -> None:
    fresh = normalise_email.__wrapped__(raw)
    assert normalise_email(raw) == fresh
    assert normalise_email(raw) == fresh  # the second answer comes from the cache


def test_an_invalid_address_is_refused_every_time() -> None:
    for _ in range(3):
        with pytest.raises(InvalidEmail) as refused:
            normalise_email("no-at-sign")
        assert refused.value.reason is Reason.INVALID_EMAIL
    assert normalise_email.cache_parameters()["maxsize"] == 4_096
