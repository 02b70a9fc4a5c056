# ruff: noqa: RUF001 (look-alike characters are what these tests are about)
"""The operator's own address and its variants are self-invites (DESIGN R2, issue 11 item 4)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from desktop.domain.emails import (
    LOCAL_PART_MAX_OCTETS,
    InvalidEmail,
    is_own_address,
    normalise_email,
    skeleton,
)
from desktop.domain.reasons import Reason

OWN = "pilot@example.com"


@pytest.mark.parametrize(
    "variant",
    [
        "pilot@example.com",
        " PILOT@Example.COM ",
        "pilot+x@example.com",  # plus-addressing on the same domain
        "pilot+@example.com",
        "Pilot+referral+2@example.com",
        "ｐｉｌｏｔ@example.com",  # full-width (NFKC compatibility form)
        "pilot@ｅｘａｍｐｌｅ.ｃｏｍ",
        "pilot＋x@example.com",  # a full-width plus sign is a plus too
        "𝐩𝐢𝐥𝐨𝐭@example.com",  # mathematical bold
        "\u0440ilot@example.com",  # Cyrillic er for p
        "p\u0456l\u043et@example.com",  # Cyrillic i and o among Latin letters
        "\u0440\u0456l\u043et@example.com",  # p, i and o Cyrillic
        "pilot@\u0435xample.com",  # Cyrillic ie in the domain
        "\u03a1ILOT@example.com",  # Greek capital rho
        "pi1ot@example.com",  # digit one for l: the same skeleton
    ],
)
def test_variants_of_the_own_address_are_own(variant: str) -> None:
    assert is_own_address(variant, OWN)


@pytest.mark.parametrize(
    "other",
    [
        "pilar@example.com",  # a different person at the same domain
        "pilot2@example.com",
        "copilot@example.com",
        "dormant@example.com",
        "pilot@example.org",  # another domain
        "pilot+x@other.com",  # plus-addressing counts on the same domain only
        "\u0438\u0432\u0430\u043d@example.com",  # a wholly Cyrillic name that looks like no one
        "not an address",
        "",
    ],
)
def test_other_people_are_not_own(other: str) -> None:
    assert not is_own_address(other, OWN)


def test_an_own_address_with_a_tag_is_the_same_mailbox_as_without() -> None:
    assert is_own_address("pilot@example.com", "pilot+work@example.com")
    assert not is_own_address("pilar@example.com", "pilot+work@example.com")


def test_skeleton_folds_case_width_and_look_alikes_but_keeps_letters_apart() -> None:
    assert skeleton("ＰＩＬＯＴ") == skeleton("pilot") == skeleton("\u0440ilot")
    assert skeleton("rnike") == skeleton("mike")  # a two-letter look-alike
    assert skeleton("pilar") != skeleton("pilot")


def test_a_local_part_of_64_octets_is_accepted_and_65_refused() -> None:
    limit = LOCAL_PART_MAX_OCTETS
    assert normalise_email("a" * limit + "@example.com") == "a" * limit + "@example.com"
    with pytest.raises(InvalidEmail) as refused:
        normalise_email("a" * (limit + 1) + "@example.com")
    assert refused.value.reason is Reason.INVALID_EMAIL
    assert "65 bytes" in refused.value.detail


def test_the_local_part_limit_counts_utf8_octets_not_characters() -> None:
    # é is two octets: 32 of them are 64 octets, 33 are 66 (33 characters, well under 64).
    assert normalise_email("é" * 32 + "@example.com")
    with pytest.raises(InvalidEmail) as refused:
        normalise_email("é" * 33 + "@example.com")
    assert refused.value.reason is Reason.INVALID_EMAIL


def test_the_look_alike_tables_load_on_first_use_only() -> None:
    script = (
        "import sys; import desktop.domain.emails as e;"
        "before = 'confusable_homoglyphs' in sys.modules; e.load_look_alikes();"
        "print(before, 'confusable_homoglyphs' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.split() == ["False", "True"]
