"""Reason codes and their sentences, the four outcomes and the one message per outcome (R11)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop.domain.outcomes import REPLAYED_REDEEM, Operation, Outcome, describe, outcome_of
from desktop.domain.reasons import Reason, default_time, explain, fill

AT = datetime(2026, 12, 2, 5, 7, tzinfo=UTC)
CATALOGUE = Path(__file__).parents[2] / "resources" / "i18n" / "referral_desktop.ts"

# A sentence for a person: capitalised (or opening with an acronym, or the path it names), not
# shouting, one line, ending as a sentence does (or with the detail it names last).
SENTENCE = re.compile(r"^([A-Z][a-z' ]|[A-Z]{2,4} [a-z]|… )[^\n]*(\.|\.\)|\{detail\})$")


def test_reason_codes_are_their_names() -> None:
    # The codes travel on the wire: a renamed value would break older clients.
    assert all(reason.value == reason.name.lower() for reason in Reason)


def test_only_connection_server_and_lock_failures_are_retried() -> None:
    retryable = {reason for reason in Reason if reason.retryable}
    assert retryable == {
        Reason.OFFLINE,
        Reason.ANSWER_LOST,
        Reason.TIMED_OUT,
        Reason.SERVER_ERROR,
        Reason.CACHE_LOCKED,
    }


@pytest.mark.parametrize("reason", list(Reason))
def test_every_reason_has_one_plain_sentence(reason: Reason) -> None:
    template = explain(reason, {"detail": "{detail}"})
    assert SENTENCE.match(template), template


def test_sentences_name_their_details() -> None:
    assert explain(Reason.DUPLICATE_PENDING, {"recipient": "peer@example.com"}) == (
        "You already have a pending invitation for peer@example.com."
    )
    assert explain(Reason.DAILY_LIMIT, {"limit": 10, "at": AT}) == (
        "You have sent 10 invitations in the last 24 hours, the most allowed. "
        "You can send the next one from 02 Dec 2026 05:07 UTC."
    )
    assert explain(Reason.DAILY_LIMIT, {"limit": 10, "at": AT}, format_time=lambda _: "soon") == (
        "You have sent 10 invitations in the last 24 hours, the most allowed. "
        "You can send the next one from soon."
    )


def test_a_count_of_one_reads_in_the_singular() -> None:
    assert explain(Reason.DAILY_LIMIT, {"limit": 1, "at": AT}) == (
        "You have sent 1 invitation in the last 24 hours, the most allowed. "
        "You can send the next one from 02 Dec 2026 05:07 UTC."
    )
    assert explain(Reason.DAILY_LIMIT, {"limit": "1", "at": AT}).startswith(
        "You have sent 1 invitation in"  # a detail as the wire carries it, as text
    )
    assert explain(Reason.DAILY_LIMIT, {"limit": 2, "at": AT}).startswith(
        "You have sent 2 invitations in"
    )
    assert explain(Reason.TOO_MANY_SIGN_INS, {"minutes": 1}).endswith("Try again in 1 minute.")
    assert explain(Reason.TOO_MANY_ATTEMPTS, {"minutes": 15}).endswith("Try again in 15 minutes.")
    assert explain(Reason.RECIPIENT_NOT_ELIGIBLE, {"days": 1}).startswith(
        "This account was active within the last day, so"
    )
    assert explain(Reason.RECIPIENT_NOT_ELIGIBLE, {"days": 62}).startswith(
        "This account was active within the last 62 days, so"
    )
    assert explain(Reason.DAILY_LIMIT).startswith("You have sent … invitations")  # no count


def test_a_missing_detail_reads_as_an_ellipsis() -> None:
    assert explain(Reason.NO_ACCOUNT) == "There is no account for … yet."
    assert fill("{a} and {b}", {"a": 1}) == "1 and …"


def test_faults_of_this_computer_are_told_apart_from_the_servers() -> None:
    here = {reason for reason in Reason if reason.on_this_computer}
    assert here == {
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
        Reason.BACKEND_DAMAGED,  # the file of the app's own backend, in the data folder
        Reason.BACKEND_NEWER,
        Reason.BACKEND_UPGRADED,
        Reason.BACKEND_SET_ASIDE,
    }
    # What a server answers, or the way to it, is never this computer's.
    assert not Reason.SERVER_ERROR.on_this_computer
    assert not Reason.OFFLINE.on_this_computer
    assert not Reason.ANSWER_LOST.on_this_computer


def test_a_full_disk_names_its_folder_and_never_leaves_a_blank() -> None:
    assert explain(Reason.DISK_FULL, {"path": "/media/usb/data/cache.sqlite"}) == (
        "The disk holding /media/usb/data/cache.sqlite is full, so nothing could be saved. "
        "Free some space and try again."
    )
    for unknown in (None, {}, {"path": ""}):
        assert explain(Reason.DISK_FULL, unknown) == (
            "The disk holding the app's data folder is full, so nothing could be saved. Free "
            "some space and try again."
        )


def test_a_servers_own_full_disk_is_its_problem_and_names_no_path() -> None:
    theirs = explain(Reason.SERVER_ERROR, {"cause": "disk_full"})
    assert theirs == (
        "The referral service could not save anything: its disk is full. It changed nothing."
    )
    # Any other cause, or none, is the general sentence: the server failed and changed nothing.
    general = "The referral service failed to handle the request and changed nothing."
    assert explain(Reason.SERVER_ERROR) == general
    assert explain(Reason.SERVER_ERROR, {"cause": "read_only"}) == general
    # The cause picks a sentence only for a server's failure.
    assert explain(Reason.DISK_FULL, {"cause": "disk_full", "path": "/d"}).startswith(
        "The disk holding /d is full"
    )


def test_an_operation_on_a_full_disk_says_what_became_of_it() -> None:
    here = {"path": "/data/backend.sqlite"}
    assert describe(Operation.SEND, Outcome.REFUSED, Reason.DISK_FULL, here) == (
        "The disk holding /data/backend.sqlite is full, so nothing could be saved. Free some "
        "space and try again. The invitation was not sent."
    )
    assert describe(Operation.REDEEM, Outcome.REFUSED, Reason.DISK_FULL, here).endswith(
        "try again. Nothing was spent."
    )
    theirs = {"cause": "disk_full"}
    assert outcome_of(Reason.SERVER_ERROR) is Outcome.NOT_SENT  # it rolled back
    assert describe(Operation.REDEEM, Outcome.NOT_SENT, Reason.SERVER_ERROR, theirs) == (
        "The referral service could not save anything: its disk is full. It changed nothing. "
        "Nothing was spent and your reset is kept. Try again once the referral service works "
        "again."
    )
    sent = describe(Operation.SEND, Outcome.NOT_SENT, Reason.SERVER_ERROR, {"cause": "disk_full"})
    assert sent == (
        "The referral service could not save anything: its disk is full. It changed nothing. "
        "Nothing was sent yet. The invitation is saved on this computer and goes out once, "
        "automatically, when the referral service works again."
    )


@pytest.mark.parametrize("operation", list(Operation))
def test_an_operation_the_service_failed_waits_for_it_to_work_not_to_be_reached(
    operation: Operation,
) -> None:
    # The service answered (500 server_error): it was reached. Its own full disk, or any
    # failure of its own, is waited out; only a service that could not be reached is waited for.
    for details in ({"cause": "disk_full"}, {}):
        failed = describe(operation, Outcome.NOT_SENT, Reason.SERVER_ERROR, details)
        assert "can be reached" not in failed
        assert "once connected" not in failed
        assert failed.endswith("when the referral service works again.") or failed.endswith(
            "once the referral service works again."
        )
    offline = describe(operation, Outcome.NOT_SENT, Reason.OFFLINE)
    assert "can be reached" in offline or "once connected" in offline


def test_times_read_in_utc_where_there_is_no_locale() -> None:
    assert default_time(AT) == "02 Dec 2026 05:07 UTC"


@pytest.mark.parametrize(
    ("reason", "outcome"),
    [
        (Reason.OFFLINE, Outcome.NOT_SENT),
        (Reason.SERVER_ERROR, Outcome.NOT_SENT),
        (Reason.ANSWER_LOST, Outcome.UNKNOWN),
        (Reason.TIMED_OUT, Outcome.UNKNOWN),
        (Reason.NO_TOKENS, Outcome.REFUSED),
        (Reason.CACHE_LOCKED, Outcome.REFUSED),
        (Reason.SELF_INVITE, Outcome.REFUSED),
    ],
)
def test_each_failure_is_one_of_the_outcomes(reason: Reason, outcome: Outcome) -> None:
    assert outcome_of(reason) is outcome


def test_only_an_unknown_outcome_is_left_open() -> None:
    assert [o for o in Outcome if not o.definite] == [Outcome.UNKNOWN]


@pytest.mark.parametrize("operation", list(Operation))
@pytest.mark.parametrize("outcome", list(Outcome))
def test_every_message_is_plain_sentences(operation: Operation, outcome: Outcome) -> None:
    message = describe(operation, outcome)
    if message:
        assert SENTENCE.match(message), message
        assert "  " not in message


def test_done_messages_name_what_was_done() -> None:
    assert describe(Operation.SEND, Outcome.DONE, details={"recipient": "a@example.com"}) == (
        "Invitation sent to a@example.com."
    )
    assert describe(Operation.SIGN_IN, Outcome.DONE, details={"email": "a@example.com"}) == (
        "Signed in as a@example.com."
    )
    assert describe(Operation.REDEEM, Outcome.DONE) == (
        "Reset spent: your usage is back to zero used."
    )


def test_a_replayed_redemption_says_no_second_reset_was_used() -> None:
    assert describe(Operation.REDEEM, Outcome.DONE, details={"replayed": 1}) == REPLAYED_REDEEM
    assert "no second reset" in REPLAYED_REDEEM
    assert describe(Operation.REDEEM, Outcome.DONE, details={"replayed": ""}) != REPLAYED_REDEEM
    assert describe(Operation.SEND, Outcome.DONE, details={"replayed": 1}) != REPLAYED_REDEEM


def test_a_failure_says_why_then_what_it_means() -> None:
    message = describe(Operation.REDEEM, Outcome.NOT_SENT, Reason.OFFLINE)
    assert message == (
        "The referral service cannot be reached: you are offline. Nothing was spent and your "
        "reset is kept. Try again once the referral service can be reached."
    )
    unknown = describe(Operation.SEND, Outcome.UNKNOWN, Reason.TIMED_OUT)
    assert unknown.startswith("The referral service did not answer in time. ")
    assert "may already have been sent" in unknown
    # A refusal whose reason says it all adds nothing (and no stray space).
    refused = describe(Operation.REVOKE, Outcome.REFUSED, Reason.NOT_REVOCABLE, {"state": "x"})
    assert refused == explain(Reason.NOT_REVOCABLE, {"state": "x"})


def test_an_unknown_outcome_never_says_that_nothing_happened() -> None:
    for operation in Operation:
        message = describe(operation, Outcome.UNKNOWN, Reason.ANSWER_LOST).lower()
        assert "may" in message
        assert "nothing was" not in message
        assert "not sent" not in message


def test_a_message_formats_its_times_as_the_caller_asks() -> None:
    details = {"limit": 10, "at": AT}
    message = describe(
        Operation.SEND, Outcome.REFUSED, Reason.DAILY_LIMIT, details, format_time=lambda _: "noon"
    )
    assert "You can send the next one from noon." in message
    # A time among the details of a done operation is formatted the caller's way too.
    done = describe(
        Operation.SEND,
        Outcome.DONE,
        details={"recipient": "a@example.com", "at": AT},
        format_time=lambda _: "noon",
    )
    assert done == "Invitation sent to a@example.com."


def test_the_sentence_for_invitations_discarded_at_sign_in_counts_them() -> None:
    from desktop.domain.outcomes import discarded_on_sign_in

    assert discarded_on_sign_in(0) == ""
    assert discarded_on_sign_in(1) == "1 invitation queued by the previous account was discarded."
    assert discarded_on_sign_in(3) == (
        "3 invitations queued by the previous account were discarded."
    )


def test_every_sentence_is_looked_up_under_its_catalogue_entry() -> None:
    """In another UI language a sentence reaches the user only if the domain asks for it
    under the (context, source) the translators' catalogue holds (resources/i18n)."""
    from desktop.domain.invitations import InvitationState, describe_progress
    from desktop.domain.offer import recipients_problem, reward_capacity_text, send_capacity_text
    from desktop.domain.outcomes import discarded_on_sign_in
    from desktop.domain.reasons import set_translator

    root = ET.parse(CATALOGUE).getroot()
    catalogue = {
        (context.findtext("name", ""), message.findtext("source", ""))
        for context in root.iter("context")
        for message in context.iter("message")
    }
    asked: list[tuple[str, str]] = []

    def translate(context: str, source: str) -> str:
        asked.append((context, source))
        return source

    set_translator(translate)
    try:
        for state in InvitationState:
            describe_progress(state, 1, 3, 30)
        describe_progress(InvitationState.JOINED, 2, 3, 30)  # one prompt to go
        send_capacity_text(1, None)
        send_capacity_text(2, None)
        send_capacity_text(0, None)
        send_capacity_text(0, AT)
        reward_capacity_text(0, None)
        reward_capacity_text(0, AT)
        recipients_problem(6, 5, None)
        recipients_problem(2, 5, 1)
        discarded_on_sign_in(1)
        discarded_on_sign_in(2)
        for operation in Operation:
            describe(operation, Outcome.DONE, details={"recipient": "peer@example.com"})
        describe(Operation.REDEEM, Outcome.DONE, details={"code": "reset", "not_cleared": "weekly"})
    finally:
        set_translator(None)
    missing = sorted({entry for entry in asked if entry not in catalogue}, key=str)
    assert not missing, f"looked up under no catalogue entry: {missing}"
    assert len(asked) > 20
