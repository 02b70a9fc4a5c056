"""Shared test set-up: offscreen Qt, an in-memory keyring, temporary data folders."""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# Must happen before any QApplication exists; pytest-qt never sets the platform.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring
import keyring.backend
import pytest
from hypothesis import settings

from desktop.memory_keyring import MemoryKeyring

# The Qt leak guard (an autouse fixture): threads, pool tasks, timers and windows a test leaves.
pytest_plugins = ["pytester", "tests.leak_guard"]

# No per-example deadline: a loaded 2-core machine is slow, not wrong. CI replays the same examples
# every run (derandomize) so a red build is reproducible; local runs keep exploring.
settings.register_profile("dev", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def pytest_addoption(parser: pytest.Parser) -> None:
    """Options of the reliability suite (tests/reliability)."""
    group = parser.getgroup("reliability")
    group.addoption(
        "--reliability-trials",
        type=int,
        default=int(os.environ.get("RELIABILITY_TRIALS", "1")),
        help="trials per kill -9 and race scenario (default 1, or $RELIABILITY_TRIALS)",
    )
    group.addoption(
        "--reliability-report",
        default=os.environ.get("RELIABILITY_REPORT"),
        help="append one JSON line per scenario (trials, survived, lost, duplicated) here",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_timeout_set_timer(item: pytest.Item, settings: Any) -> object:
    """The hang guard (pyproject's `timeout`, or a test's `timeout` mark) is a bound at rest,
    stretched for the machine's load when the test starts (tests/patience.py): at load 8-14 on
    2 cores a test that starts a server twice took longer than 60 s, and was only slow."""
    import pytest_timeout

    from tests.patience import bound_s

    stretched = settings._replace(timeout=bound_s(settings.timeout))
    return pytest_timeout.pytest_timeout_set_timer(item=item, settings=stretched)


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Every test gets a fresh in-memory keyring; the previous backend is restored after."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A fresh, empty data folder for the app or the backend."""
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


@pytest.fixture(autouse=True, scope="session")
def collect_on_the_gui_thread_only() -> Iterator[None]:
    """No automatic cycle collection during the run: it could fire on a worker thread and destroy
    GUI-thread Qt objects there (a segfault in an unrelated test). `no_leftovers` collects after
    each test, on this thread; the app does the same with desktop.ui.garbage.GuiThreadCollector.
    """
    gc.disable()
    yield
    gc.enable()


@pytest.fixture(autouse=True)
def no_leftovers(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the test that leaves a Python thread running (Qt's threads, timers and windows:
    tests/leak_guard.py).

    Garbage is collected here, on the GUI thread: a later collection on a worker thread would
    destroy Qt objects from there and crash an unrelated test.
    """
    from tests.leak_guard import collect_garbage  # a plugin: imported once pytest rewrote it

    threads_before = set(threading.enumerate())
    yield
    collect_garbage()
    leaked_threads = [
        t
        for t in threading.enumerate()
        if t not in threads_before and t.is_alive() and not t.daemon
    ]
    assert not leaked_threads, f"test left threads running: {leaked_threads}"


@pytest.fixture(autouse=True)
def invite_confirmations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The invite dialog's "Send an invitation to …?" box, answered Send; the addresses it
    named, in order. tests/ui/test_invite_dialog.py checks the real box's words and default."""
    from desktop.ui.referral.invite_dialog import InviteDialog

    asked: list[str] = []

    def confirm(cls: type, parent: object, address: str, state: object) -> bool:
        asked.append(address)
        return True

    monkeypatch.setattr(InviteDialog, "confirm_send", classmethod(confirm))
    return asked


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[object]:
    """A throwaway PostgreSQL server for the session (tests/postgres.py). Skipped when Debian's
    postgresql is not installed on a developer machine; under CI a missing server fails."""
    from tests.postgres import ThrowawayPostgres, find_bin_dir

    bin_dir = find_bin_dir()
    if bin_dir is None:
        message = "PostgreSQL server binaries are absent: ./dev setup installs postgresql"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    server = ThrowawayPostgres(bin_dir).start()
    try:
        yield server
    finally:
        server.stop()
