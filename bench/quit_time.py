"""How long closing the app takes with work in flight (issue 11: bounded shutdown, at most 2 s).

    .venv/bin/python bench/quit_time.py [--runs 5]

Each run builds the real app (`desktop.app.create`) on a fresh data folder, offscreen, signs the
demo operator in and waits for the first sync, then puts work in flight and times `App.close()`
on the GUI thread:

- `slow backend`: the mock backend's latency fault at 10 s, a sync and a send in flight;
- `blocked keyring`: a keyring whose reads and writes wait for an unlock prompt nobody answers
  (until the run ends), a sign-in in flight (its session being stored);
- `idle`: nothing in flight (the baseline).

Reported: the median and the maximum of each, against the 2 s bound. Exits 0 either way.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QCoreApplication, QEventLoop
from PySide6.QtWidgets import QApplication

from desktop.app import App, create
from desktop.memory_keyring import MemoryKeyring

ACCOUNT = "pilot@example.com"
BOUND_S = 2.0


class BlockedKeyring(MemoryKeyring):
    """Every read and write waits until `release` is set (an unlock prompt left open)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.blocked = True

    def get_password(self, service: str, username: str) -> str | None:
        if self.blocked:
            self.release.wait(60)
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.blocked:
            self.release.wait(60)
        super().set_password(service, username, password)


def spin_until(done: Callable[[], object], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for the app")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def signed_in_app(folder: Path, keyring: MemoryKeyring) -> App:
    app = create(folder, keyring_backend=keyring)
    app.start()
    app.controller.sign_in(ACCOUNT, "demo")
    spin_until(lambda: app.controller.state.signed_in and app.controller.state.sync.last_synced_at)
    return app


def close_time(app: App) -> float:
    started = time.perf_counter()
    app.close()
    return time.perf_counter() - started


def slow_backend(folder: Path) -> float:
    app = signed_in_app(folder, MemoryKeyring())
    app.simulator.set_fault(latency_ms=10_000)
    app.controller.sync_now()
    app.controller.send_invitation("slow.peer@example.com")
    deadline = time.monotonic() + 0.5  # both calls under way (each waits 10 s for its answer)
    spin_until(lambda: time.monotonic() > deadline)
    return close_time(app)


def blocked_keyring(folder: Path) -> float:
    keyring = BlockedKeyring()
    app = create(folder, keyring_backend=keyring)
    app.start()
    app.controller.sign_in(ACCOUNT, "demo")
    # Half a second for the start-up's keyring read (or the sign-in's write) to start waiting.
    deadline = time.monotonic() + 0.5
    spin_until(lambda: time.monotonic() > deadline)
    try:
        return close_time(app)
    finally:
        keyring.release.set()


def idle(folder: Path) -> float:
    return close_time(signed_in_app(folder, MemoryKeyring()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    QApplication.instance() or QApplication(sys.argv)
    cases = {"idle": idle, "slow backend": slow_backend, "blocked keyring": blocked_keyring}
    times: dict[str, list[float]] = {name: [] for name in cases}
    with tempfile.TemporaryDirectory(prefix="quit-time-") as scratch:
        for run in range(options.runs):
            for name, case in cases.items():
                times[name].append(case(Path(scratch) / f"{name.replace(' ', '-')}-{run}"))
    print(f"{time.strftime('%Y-%m-%d %H:%M')}, load {os.getloadavg()[0]:.1f}, {options.runs} runs")
    for name, seconds in times.items():
        worst = max(seconds)
        verdict = "within" if worst <= BOUND_S else "OVER"
        print(
            f"  {name:<16} median {statistics.median(seconds) * 1000:6.0f} ms, "
            f"max {worst * 1000:6.0f} ms: {verdict} the {BOUND_S:.0f} s bound"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
