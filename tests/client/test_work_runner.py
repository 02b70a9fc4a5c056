"""The work runner's contract (docs/ARCHITECTURE.md): results on the GUI thread, a time-out that
makes a call UNKNOWN, retries with the same work and backoff, the stale-session guard applied
where results arrive, and a bounded shutdown after which nothing calls back."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QThread

from desktop.backend.api import NoTokens, NotSent, OutcomeUnknown, ServerError
from desktop.controller import RetryPolicy
from desktop.controller.runner import WorkRunner
from desktop.domain.reasons import Reason
from desktop.storage import CacheRepository
from tests.client.clock import ManualClock

RETRY = RetryPolicy(attempts=3, first_delay_ms=1, max_delay_ms=4, call_timeout_ms=5_000)


class Session:
    """Stands in for the controller's session generation."""

    def __init__(self) -> None:
        self.generation = 0


class Outcomes:
    """What the runner called back with, and on which thread."""

    def __init__(self) -> None:
        self.done: list[object] = []
        self.failed: list[Exception] = []
        self.stale: list[object] = []
        self.threads: set[threading.Thread] = set()

    def on_done(self, result: object) -> None:
        self.threads.add(threading.current_thread())
        self.done.append(result)

    def on_failed(self, error: Exception) -> None:
        self.threads.add(threading.current_thread())
        self.failed.append(error)

    def on_stale(self, answer: object) -> None:
        self.stale.append(answer)

    @property
    def count(self) -> int:
        return len(self.done) + len(self.failed) + len(self.stale)


@pytest.fixture
def session() -> Session:
    return Session()


@pytest.fixture
def outcomes() -> Outcomes:
    return Outcomes()


def _runner(data_dir: Path, session: Session, retry: RetryPolicy = RETRY) -> WorkRunner:
    return WorkRunner(CacheRepository(data_dir / "cache.sqlite"), retry, lambda: session.generation)


@pytest.fixture
def runner(qtbot, data_dir: Path, session: Session) -> Iterator[WorkRunner]:
    made = _runner(data_dir, session)
    made.start()
    yield made
    assert made.shutdown()
    assert made.is_shut_down


def _calls_running() -> bool:
    return any(t.name.startswith("referral-call-") for t in threading.enumerate())


class Script:
    """Work that fails with the given errors in turn, then answers "ok"; counts its calls."""

    def __init__(self, *errors: Exception) -> None:
        self._errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self._errors:
            raise self._errors.pop(0)
        return "ok"


def test_a_call_answers_on_the_gui_thread(qtbot, runner: WorkRunner, outcomes: Outcomes) -> None:
    runner.call(threading.get_ident, outcomes.on_done, outcomes.on_failed)
    qtbot.waitUntil(lambda: outcomes.count == 1)
    assert outcomes.done != [threading.get_ident()]  # the work ran elsewhere
    assert outcomes.threads == {threading.current_thread()}
    runner.call(Script(NoTokens()), outcomes.on_done, outcomes.on_failed)
    qtbot.waitUntil(lambda: outcomes.count == 2)
    assert isinstance(outcomes.failed[0], NoTokens)


def test_a_call_past_the_timeout_is_unknown_and_its_late_answer_is_dropped(
    qtbot, data_dir: Path, session: Session, outcomes: Outcomes
) -> None:
    runner = _runner(data_dir, session, RetryPolicy(attempts=1, call_timeout_ms=50))
    release = threading.Event()
    try:
        runner.call(lambda: release.wait(5), outcomes.on_done, outcomes.on_failed)
        qtbot.waitUntil(lambda: outcomes.count == 1)
        (error,) = outcomes.failed
        assert isinstance(error, OutcomeUnknown)
        assert error.reason is Reason.TIMED_OUT
        release.set()
        qtbot.waitUntil(lambda: not _calls_running())  # the late answer is in...
        QCoreApplication.processEvents()  # ...and delivered to the GUI thread
        assert outcomes.done == []  # nobody is told twice
    finally:
        release.set()
        assert runner.shutdown()


def test_a_call_without_a_timeout_waits_for_its_answer(
    qtbot, data_dir: Path, session: Session, outcomes: Outcomes
) -> None:
    runner = _runner(data_dir, session, RetryPolicy(attempts=1, call_timeout_ms=1))
    release = threading.Event()
    try:
        runner.call(lambda: release.wait(5), outcomes.on_done, outcomes.on_failed, timeout=False)
        with qtbot.assertNotEmitted(runner._signals.finished, wait=100):
            pass
        assert outcomes.count == 0
        release.set()
        qtbot.waitUntil(lambda: outcomes.count == 1)
        assert outcomes.done == [True]
    finally:
        release.set()
        assert runner.shutdown()


def test_retryable_errors_are_retried_up_to_the_attempts(
    qtbot, runner: WorkRunner, outcomes: Outcomes
) -> None:
    work = Script(NotSent(), ServerError())
    runner.call_retrying(work, outcomes.on_done, outcomes.on_failed)
    qtbot.waitUntil(lambda: outcomes.count == 1)
    assert (outcomes.done, work.calls) == (["ok"], 3)

    given_up = Script(NotSent(), NotSent(), ServerError(), NotSent())
    runner.call_retrying(given_up, outcomes.on_done, outcomes.on_failed)
    qtbot.waitUntil(lambda: outcomes.count == 2)
    assert given_up.calls == RETRY.attempts
    assert isinstance(outcomes.failed[0], ServerError)  # the last clean failure


def test_a_rule_refusal_is_not_retried(qtbot, runner: WorkRunner, outcomes: Outcomes) -> None:
    work = Script(NoTokens())
    runner.call_retrying(work, outcomes.on_done, outcomes.on_failed)
    qtbot.waitUntil(lambda: outcomes.count == 1)
    assert work.calls == 1
    assert isinstance(outcomes.failed[0], NoTokens)


def test_a_lost_answer_wins_over_later_clean_failures(
    qtbot, runner: WorkRunner, outcomes: Outcomes
) -> None:
    lost = OutcomeUnknown(Reason.ANSWER_LOST)
    work = Script(lost, NotSent(), ServerError())
    runner.call_retrying(work, outcomes.on_done, outcomes.on_failed)
    qtbot.waitUntil(lambda: outcomes.count == 1)
    assert work.calls == 3
    assert outcomes.failed == [lost]  # it may have been applied: that is what counts


def test_one_attempt_is_one_call(qtbot, data_dir: Path, session: Session) -> None:
    runner = _runner(data_dir, session, RetryPolicy(attempts=1))
    outcomes = Outcomes()
    work = Script(NotSent())
    try:
        runner.call_retrying(work, outcomes.on_done, outcomes.on_failed)
        qtbot.waitUntil(lambda: outcomes.count == 1)
        assert work.calls == 1
        assert isinstance(outcomes.failed[0], NotSent)
    finally:
        assert runner.shutdown()


def test_a_result_from_an_ended_session_goes_to_its_stale_handler(
    qtbot, runner: WorkRunner, session: Session, outcomes: Outcomes
) -> None:
    release = threading.Event()

    def answer() -> str:
        release.wait(5)
        return "late"

    def refuse() -> str:
        release.wait(5)
        raise NoTokens()

    runner.call(answer, outcomes.on_done, outcomes.on_failed, stale=outcomes.on_stale)
    runner.call(refuse, outcomes.on_done, outcomes.on_failed, stale=outcomes.on_stale)
    runner.call(answer, outcomes.on_done, outcomes.on_failed)  # no stale handler: dropped
    runner.call(answer, outcomes.on_done, outcomes.on_failed, any_session=True)
    session.generation += 1
    release.set()
    qtbot.waitUntil(lambda: outcomes.count == 3)
    # The two calls finish in either order: one answer and one error, both told as stale.
    assert len(outcomes.stale) == 2
    assert "late" in outcomes.stale
    assert any(isinstance(answer, NoTokens) for answer in outcomes.stale)
    assert outcomes.done == ["late"]  # only the one wanted whatever the session
    assert outcomes.failed == []


def test_a_cache_job_runs_on_the_cache_thread_in_order(
    qtbot, runner: WorkRunner, session: Session, outcomes: Outcomes
) -> None:
    runner.cache(lambda cache: cache.open(), lambda _: None, outcomes.on_failed)
    for n in range(3):
        runner.cache(lambda _, n=n: n, outcomes.on_done, outcomes.on_failed)
    runner.cache(lambda _: 1 / 0, outcomes.on_done, outcomes.on_failed)
    qtbot.waitUntil(lambda: outcomes.count == 4)
    assert outcomes.done == [0, 1, 2]
    assert isinstance(outcomes.failed[0], ZeroDivisionError)
    runner.cache(lambda _: "old", outcomes.on_done, outcomes.on_failed, stale=outcomes.on_stale)
    session.generation += 1
    qtbot.waitUntil(lambda: outcomes.count == 5)
    assert outcomes.stale == ["old"]


def test_later_runs_once_unless_the_session_changed(
    qtbot, runner: WorkRunner, session: Session
) -> None:
    fired: list[str] = []
    runner.later(1, lambda: fired.append("now"))
    qtbot.waitUntil(lambda: fired == ["now"])
    runner.later(20, lambda: fired.append("old session"))
    session.generation += 1
    runner.later(40, lambda: fired.append("new session"))
    qtbot.waitUntil(lambda: fired == ["now", "new session"])


def test_after_shutdown_nothing_calls_back(
    qtbot, data_dir: Path, session: Session, outcomes: Outcomes
) -> None:
    runner = _runner(data_dir, session)
    runner.start()
    release = threading.Event()
    fired: list[str] = []
    runner.call(lambda: release.wait(5), outcomes.on_done, outcomes.on_failed)
    runner.later(1, lambda: fired.append("later"))
    assert runner.shutdown(wait_ms=50) is False  # the call still runs: abandoned, not awaited
    assert runner.closed
    assert not runner.is_shut_down
    release.set()
    runner.call(lambda: "after", outcomes.on_done, outcomes.on_failed)
    runner.cache(lambda _: "after", outcomes.on_done, outcomes.on_failed)
    runner.later(1, lambda: fired.append("after"))
    qtbot.waitUntil(lambda: runner.is_shut_down)
    with qtbot.assertNotEmitted(runner._signals.finished, wait=50):
        pass
    assert (outcomes.count, fired) == (0, [])
    assert runner.shutdown() is True  # twice is fine, and now everything has ended


def test_a_call_answering_after_its_runner_was_deleted_reaches_nobody(
    qtbot, data_dir: Path, session: Session, outcomes: Outcomes
) -> None:
    """App.close deletes the controller (and its runner) right after waking the change feed's
    long poll: the poll's thread then emits its answer. The channel it emits through must
    outlive the runner (deleted under the emitting thread, the app crashed as it closed)."""
    runner = _runner(data_dir, session)
    runner.start()
    release = threading.Event()
    runner.call(lambda: release.wait(5), outcomes.on_done, outcomes.on_failed, detached=True)
    signals = runner._signals
    runner.shutdown(wait_ms=50)
    shiboken6.delete(runner)  # as App.close deletes the controller that owns it
    assert shiboken6.isValid(signals)
    release.set()
    qtbot.waitUntil(lambda: not _calls_running())
    QCoreApplication.processEvents()
    assert outcomes.count == 0


def test_retries_wait_the_first_delay_then_double_up_to_the_cap(
    qtbot, data_dir: Path, session: Session, outcomes: Outcomes
) -> None:
    clock = ManualClock()
    policy = RetryPolicy(attempts=4, first_delay_ms=250, max_delay_ms=600, call_timeout_ms=5_000)
    runner = WorkRunner(
        CacheRepository(data_dir / "cache.sqlite"), policy, lambda: session.generation, wait=clock
    )
    work = Script(NotSent(), NotSent(), NotSent())
    try:
        runner.call_retrying(work, outcomes.on_done, outcomes.on_failed)
        for number in (1, 2, 3):
            clock.fire(clock.wait_for(qtbot, number))
        qtbot.waitUntil(lambda: outcomes.count == 1)
        assert outcomes.done == ["ok"]
        assert clock.delays == [250, 500, 600]  # 1000 is past the cap
        assert work.calls == 4
    finally:
        assert runner.shutdown()


def test_a_cancelled_wait_never_fires_and_shutdown_cancels_the_rest(
    qtbot, data_dir: Path, session: Session
) -> None:
    clock = ManualClock()
    runner = WorkRunner(
        CacheRepository(data_dir / "cache.sqlite"), RETRY, lambda: session.generation, wait=clock
    )
    fired: list[str] = []
    cancel = runner.later(100, lambda: fired.append("cancelled"))
    runner.schedule(200, lambda: fired.append("at shutdown"))
    cancel()
    assert [wait.cancelled for wait in clock.waits] == [True, False]
    assert runner.shutdown()
    assert [wait.cancelled for wait in clock.waits] == [True, True]
    assert fired == []


def test_cache_work_runs_on_the_thread_named_referral_cache(
    qtbot, runner: WorkRunner, outcomes: Outcomes
) -> None:
    """The name a thread dump or a debugger shows for the cache's worker."""
    runner.cache(
        lambda _: (QThread.currentThread().objectName(), threading.get_ident()),
        outcomes.on_done,
        outcomes.on_failed,
    )
    qtbot.waitUntil(lambda: outcomes.count == 1)
    ((name, ident),) = outcomes.done
    assert name == "referral-cache"
    assert ident != threading.get_ident()


def test_cache_work_still_running_past_the_shutdown_wait_is_finished_not_abandoned(
    qtbot, data_dir: Path, session: Session, outcomes: Outcomes, caplog: pytest.LogCaptureFixture
) -> None:
    """A slow machine: the cache thread is still in a job when the shutdown's wait is over, with
    a write queued behind it (a send written ahead to the outbox). Shutdown waits for both and
    for the cache's close; abandoning the thread lost the write and aborted the process at exit
    ("QThread: Destroyed while thread is still running")."""
    runner = _runner(data_dir, session)
    runner.start()
    started, wait_over = threading.Event(), threading.Event()
    done_on_the_cache_thread: list[str] = []

    class WaitOver(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            wait_over.set()  # the shutdown's wait for the cache thread has run out

    def slow(_: object) -> None:
        started.set()
        assert wait_over.wait(60), "shutdown never got past its wait"
        done_on_the_cache_thread.append("slow job")

    runner.cache(slow, outcomes.on_done, outcomes.on_failed)
    runner.cache(
        lambda cache: done_on_the_cache_thread.append("queued write"),
        outcomes.on_done,
        outcomes.on_failed,
    )
    qtbot.waitUntil(started.is_set)
    handler = WaitOver(logging.WARNING)
    logger = logging.getLogger("desktop.controller.runner")
    logger.addHandler(handler)
    try:
        with caplog.at_level(logging.WARNING, logger="desktop.controller.runner"):
            assert runner.shutdown(wait_ms=0) is True
    finally:
        logger.removeHandler(handler)
        wait_over.set()
    assert runner.is_shut_down
    assert done_on_the_cache_thread == ["slow job", "queued write"]
    assert [r.getMessage() for r in caplog.records] == [
        "the cache thread is still finishing its work; waiting for it"
    ]
    assert outcomes.count == 0  # after shutdown nothing calls back


def test_a_released_call_is_joined_once_what_it_waits_on_is_closed(
    qtbot, data_dir: Path, session: Session, outcomes: Outcomes
) -> None:
    """`shutdown` never waits for the change feed's long poll; App.close closes the API (the
    poll returns at once) and then joins it, so no call thread of the app still runs (inside
    the backend, or emitting) while the process exits."""
    runner = _runner(data_dir, session)
    runner.start()
    api_closed = threading.Event()
    runner.call(lambda: api_closed.wait(30), outcomes.on_done, outcomes.on_failed, detached=True)
    assert runner.shutdown(wait_ms=50)  # not waited for
    assert _calls_running()
    assert not runner.join_released(0.05)  # what it waits on is still open
    api_closed.set()
    assert runner.join_released(10)
    assert not _calls_running()
