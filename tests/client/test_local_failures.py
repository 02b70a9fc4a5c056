"""What a failure on this computer (the cache, the disk) or from the API means for an operation,
and the retry policy's limits: the plain parts of the controller's outcome logic."""

from __future__ import annotations

import errno
import logging
import re
import sqlite3
from pathlib import Path

import pytest

from desktop.backend.api import NotInCohort, NotSent, OutcomeUnknown, ServerError
from desktop.controller import Controller, RetryPolicy
from desktop.controller.hub import failure_of, local_reason
from desktop.controller.state import SyncPhase
from desktop.credentials import CredentialStore
from desktop.domain.outcomes import Outcome
from desktop.domain.reasons import Reason, explain
from desktop.paths import CACHE_DB
from desktop.storage import CacheRepository, OpenReport


def _os_error(number: int, filename: str | None = None) -> OSError:
    return OSError(number, "message from the system", filename)


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (_os_error(errno.ENOSPC), Reason.DISK_FULL),
        (sqlite3.OperationalError("database or disk is full"), Reason.DISK_FULL),
        (_os_error(errno.EROFS, "/media/cd/ledger.csv"), Reason.READ_ONLY),
        (sqlite3.OperationalError("attempt to write a readonly database"), Reason.READ_ONLY),
        (_os_error(errno.ENOENT, "/gone/away/ledger.csv"), Reason.FOLDER_MISSING),
        (sqlite3.OperationalError("database is locked"), Reason.CACHE_LOCKED),
        (sqlite3.DatabaseError("database disk image is malformed"), Reason.CACHE_DAMAGED),
    ],
)
def test_a_local_failure_is_named_for_what_it_is(error: Exception, reason: Reason) -> None:
    # The classification itself is desktop.environment's; the controller reports its reason.
    assert local_reason(error)[0] is reason


def test_an_unexpected_local_failure_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="desktop.controller.hub"):
        reason, _ = local_reason(KeyError("intent"))
    assert reason is Reason.LOCAL_ERROR
    assert [r.getMessage() for r in caplog.records] == ["unexpected local error"]
    assert caplog.records[0].exc_info is not None


def test_an_expected_local_failure_is_not_logged_as_unexpected(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="desktop.controller.hub"):
        local_reason(_os_error(errno.ENOSPC))
    assert caplog.records == []


@pytest.mark.parametrize(
    ("error", "outcome", "reason"),
    [
        (NotSent(), Outcome.NOT_SENT, Reason.OFFLINE),
        (ServerError(), Outcome.NOT_SENT, Reason.SERVER_ERROR),
        (OutcomeUnknown(Reason.TIMED_OUT), Outcome.UNKNOWN, Reason.TIMED_OUT),
        (NotInCohort(), Outcome.REFUSED, Reason.NOT_IN_COHORT),
        (_os_error(errno.ENOSPC), Outcome.REFUSED, Reason.DISK_FULL),
    ],
)
def test_a_failure_has_one_outcome_and_reason(
    error: Exception, outcome: Outcome, reason: Reason
) -> None:
    assert failure_of(error)[:2] == (outcome, reason)


def test_an_api_failure_keeps_its_details() -> None:
    error = NotSent({"detail": "connection refused"})
    assert failure_of(error) == (Outcome.NOT_SENT, Reason.OFFLINE, {"detail": "connection refused"})


def test_the_smallest_retry_policy_is_allowed() -> None:
    policy = RetryPolicy(attempts=1, first_delay_ms=0, max_delay_ms=0, call_timeout_ms=1)
    assert policy.delay_ms(1) == 0
    same = RetryPolicy(first_delay_ms=7, max_delay_ms=7)
    assert [same.delay_ms(n) for n in (0, 1, 2)] == [7, 7, 7]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"attempts": 0}, "attempts must be at least 1"),
        ({"first_delay_ms": -1}, "delays must satisfy 0 <= first_delay_ms <= max_delay_ms"),
        ({"first_delay_ms": 10, "max_delay_ms": 9}, "delays must satisfy"),
        ({"call_timeout_ms": 0}, "call_timeout_ms must be at least 1"),
    ],
)
def test_a_retry_policy_out_of_bounds_says_which_bound(
    values: dict[str, int], message: str
) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        RetryPolicy(**values)


def test_the_first_retry_waits_the_first_delay_and_a_long_outage_stays_capped() -> None:
    policy = RetryPolicy(first_delay_ms=1, max_delay_ms=2**40)
    assert [policy.delay_ms(n) for n in (0, 1, 2, 3)] == [1, 1, 2, 4]
    # The exponent stops growing at 30: a day offline never waits longer than 2**30 ms here.
    assert policy.delay_ms(31) == 2**30
    assert policy.delay_ms(500) == 2**30


class UnopenableCache(CacheRepository):
    """A cache file the app cannot open at all (here: the disk is full)."""

    def open(self) -> OpenReport:
        raise sqlite3.OperationalError("database or disk is full")


def test_a_cache_that_cannot_be_opened_says_why_naming_the_file_without_a_traceback(
    qtbot, data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    controller = Controller(
        NoBackend(),  # type: ignore[arg-type]
        UnopenableCache(data_dir / CACHE_DB),
        CredentialStore(),
    )
    try:
        with caplog.at_level(logging.WARNING):
            controller.start()
            qtbot.waitUntil(lambda: controller.state.sync.phase is SyncPhase.ERROR)
        said = explain(Reason.DISK_FULL, {"path": str(data_dir / CACHE_DB)})
        assert controller.state.sync.message == said
        assert controller.state.cache_notice == said
        assert controller.state.sync.reason is Reason.DISK_FULL
        (record,) = [r for r in caplog.records if r.name == "desktop.controller.startup"]
        assert record.getMessage() == "the local cache could not be opened"
        # An expected fault of this computer is logged by its sentence, never as a traceback.
        assert [r for r in caplog.records if r.exc_info] == []
    finally:
        controller.shutdown()
    assert controller.is_shut_down


class NoBackend:
    """No call may reach it: nothing is signed in."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"the backend was called: {name}")
