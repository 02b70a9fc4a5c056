"""Scale: delta sync over 10,000 cached invitations, the first fill of a 10,000-row invitations
view, and memory at idle with 10,000 invitations.

    .venv/bin/python bench/scale.py [--runs 11] [--history 10000] [--only sync|fill|rss]

1. Delta sync: bench/sync_delta.py's measurement (reused as is): 10 changed invitations synced
   through the real controller over an empty cache and over one with 10,000 cached, alternating;
   median of each, ratio. Target: at most 2x.
2. First fill: a settings window (shown, offscreen) already rendering the signed-in operator with
   no invitations receives an `AppState` with 10,000 (made by the controller's own model from
   cached records): the time from that state arriving (`stateChanged` emitted) until the
   invitations view has painted its rows once. A fresh window each run. Target: at most 100 ms.
   Also shown: the same for a window whose very first state has the 10,000 (pages and module
   built too), and a later state with 10 rows changed.
3. Memory: a fresh process runs the app (`desktop.app.create`, its garbage-collection policy, the
   window shown), signs in to a data folder whose cache and backend hold 10,000 invitations,
   syncs, stays idle for 3 s and reports its resident set size (VmRSS); the same with the
   account's three demo invitations only. Alternating, median of `--runs // 2 + 1` each, ratio.
   Target: at most 1.5x.

Platform: QT_QPA_PLATFORM, default offscreen. Exits 0 whether or not the targets are met.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QEvent, QEventLoop, QObject, QSettings, QTimer, Signal
from PySide6.QtWidgets import QApplication

from bench.sync_delta import (
    T0,
    ControllerSetup,
    MemoryKeyring,
    compare,
    invitation,
    sync_answer,
)
from desktop.controller.mapping import sync_delta
from desktop.controller.model import ClientModel
from desktop.controller.state import AppState, Eligibility, SyncPhase, SyncStatus
from desktop.storage import SyncApplied
from desktop.ui.settings_window import SettingsWindow

SYNC_TARGET = 2.0
FILL_TARGET_MS = 100.0
RSS_TARGET = 1.5
RSS_ACCOUNT = "capped@example.com"
IDLE_S = 3.0


# -- 1. delta sync ------------------------------------------------------------------------------


def delta_sync(cached: int, runs: int) -> tuple[float, float]:
    """bench/sync_delta.py's controller measurement: median seconds, empty and full cache."""
    return compare(ControllerSetup, cached, 10, runs)


# -- 2. first fill of the invitations view --------------------------------------------------------


class StateSource(QObject):
    """Emits states to the window like the controller does (implements ControllerPort)."""

    stateChanged = Signal(object)
    operationFinished = Signal(object)
    exportFinished = Signal(str, str)

    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.state = state

    def emit_state(self, state: AppState) -> None:
        self.state = state
        self.stateChanged.emit(state)

    def __getattr__(self, name: str) -> Any:
        return lambda *args: None  # sign_in, sync_now, ...: nothing to do here


def states(rows: int) -> tuple[AppState, AppState, AppState]:
    """(no invitations, `rows` invitations, the same with 10 rows changed), built by the
    controller's model from cached records as at start-up."""
    delta = sync_delta(sync_answer(1, tuple(invitation(n, 0) for n in range(rows)), full=True), T0)
    model = ClientModel()
    model.apply_sync(delta, SyncApplied(delta.invitations, (), (), delta.cursor))
    base = AppState(
        account=delta.account,
        eligibility=Eligibility.ELIGIBLE,
        eligibility_fetched_at=T0,
        policy=delta.policy,
        five_hour=delta.five_hour,
        weekly=delta.weekly,
        sync=SyncStatus(SyncPhase.SYNCED, T0),
        credentials_persistent=True,
        backend_now=T0,
    )
    full = dataclasses.replace(base, invitations=model.invitation_views(set()))
    changed = tuple(
        dataclasses.replace(
            row,
            updated_at=row.updated_at + timedelta(minutes=1),
            prompts=2,
            version=row.version + 1,
        )
        for row in delta.invitations[:10]
    )
    model.apply_sync(delta, SyncApplied(changed, (), (), delta.cursor))
    later = dataclasses.replace(base, invitations=model.invitation_views(set()))
    return base, full, later


class ViewPainted(QObject):
    """Quits `loop` right after the invitations view's viewport has painted."""

    def __init__(self, window: SettingsWindow, loop: QEventLoop) -> None:
        super().__init__()
        self._window = window
        self._loop = loop
        self.painted_at = 0.0
        QApplication.instance().installEventFilter(self)  # type: ignore[union-attr]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        section = self._window.referral_section
        if (
            event.type() == QEvent.Type.Paint
            and section is not None
            and watched is section.view.viewport()
            and section.model.rowCount() > 0
            and not self.painted_at
        ):
            QTimer.singleShot(0, self._done)  # after this paint has completed
        return False

    def _done(self) -> None:
        if not self.painted_at:
            self.painted_at = time.perf_counter()
            self._loop.quit()

    def close(self) -> None:
        QApplication.instance().removeEventFilter(self)  # type: ignore[union-attr]


def laid_out(window: SettingsWindow) -> bool:
    """Every row placed: the view scrolls over all of them (uniform rows, per-pixel scrolling)."""
    section = window.referral_section
    if section is None:
        return False
    view = section.view
    rows = section.model.rowCount()
    whole = rows * view.sizeHintForRow(0) - view.viewport().height()
    return rows > 0 and view.verticalScrollBar().maximum() >= whole


def fill_once(
    settings_dir: Path, before: AppState | None, arriving: AppState
) -> tuple[float, float]:
    """Seconds from `arriving` emitted to the view painted, and to all its rows laid out (the
    view lays rows out in batches of 200 between events), in a fresh window."""
    settings = QSettings(str(settings_dir / "ui.ini"), QSettings.Format.IniFormat)
    source = StateSource(before or AppState())
    window = SettingsWindow(settings)
    window.attach(source)  # type: ignore[arg-type]
    window.show()
    settle(300)
    if before is not None:
        source.emit_state(before)
        settle(300)
    loop = QEventLoop()
    probe = ViewPainted(window, loop)
    QTimer.singleShot(10_000, loop.quit)
    started = time.perf_counter()
    source.emit_state(arriving)
    loop.exec()
    probe.close()
    elapsed = probe.painted_at - started if probe.painted_at else float("inf")
    deadline = started + 5
    while not laid_out(window) and time.perf_counter() < deadline:
        QApplication.processEvents()
    complete = time.perf_counter() - started
    window.close()
    window.deleteLater()
    source.deleteLater()
    settle(50)
    return elapsed, complete


def update_once(settings_dir: Path, base: AppState, full: AppState, later: AppState) -> float:
    """Seconds from a 10-rows-changed state to the view repainted, over a filled window."""
    settings = QSettings(str(settings_dir / "ui.ini"), QSettings.Format.IniFormat)
    source = StateSource(base)
    window = SettingsWindow(settings)
    window.attach(source)  # type: ignore[arg-type]
    window.show()
    source.emit_state(full)
    settle(500)
    loop = QEventLoop()
    probe = ViewPainted(window, loop)
    QTimer.singleShot(10_000, loop.quit)
    started = time.perf_counter()
    source.emit_state(later)
    loop.exec()
    probe.close()
    elapsed = probe.painted_at - started if probe.painted_at else float("inf")
    window.close()
    window.deleteLater()
    source.deleteLater()
    settle(50)
    return elapsed


def settle(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


# -- 3. memory at idle ----------------------------------------------------------------------------

RSS_CHILD = """
import os, sys, time
sys.path.insert(0, sys.argv[2])
from pathlib import Path
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication
from bench.sync_delta import MemoryKeyring
from desktop.app import create, tune_garbage_collection
from desktop.ui.sign_in_dialog import DEMO_PASSWORD

qt = QApplication([])
app = create(Path(sys.argv[1]), keyring_backend=MemoryKeyring())
tune_garbage_collection(app)
app.window.show()
app.start()
app.controller.sign_in(sys.argv[3], DEMO_PASSWORD)
loop = QEventLoop()
def check():
    if app.state.sync.phase.value == "synced":
        QTimer.singleShot(int(float(sys.argv[4]) * 1000), loop.quit)
    else:
        QTimer.singleShot(50, check)
QTimer.singleShot(50, check)
QTimer.singleShot(120_000, loop.quit)
loop.exec()
rss = next(l for l in open("/proc/self/status") if l.startswith("VmRSS:")).split()[1]
print("RSS", rss, len(app.state.invitations), flush=True)
app.close()
os._exit(0)
"""


def rss_once(folder: Path, idle_s: float = IDLE_S) -> tuple[int, int]:
    """(VmRSS in KiB, invitations shown) of a fresh app process at idle on `folder`."""
    root = str(Path(__file__).resolve().parent.parent)
    result = subprocess.run(
        [sys.executable, "-c", RSS_CHILD, str(folder), root, RSS_ACCOUNT, str(idle_s)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env=dict(os.environ, QT_QPA_PLATFORM=os.environ["QT_QPA_PLATFORM"]),
    )
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("RSS ")), None)
    if line is None:
        sys.stderr.write(result.stderr[-4000:])
        raise SystemExit(f"the memory run failed ({result.returncode})")
    _, rss, shown = line.split()
    return int(rss), int(shown)


def memory(history: int, runs: int) -> tuple[float, float, int, int]:
    """Median VmRSS (KiB) at idle: with the demo invitations only, and with `history` more."""
    from bench.seeding import seed_invitations
    from desktop.backend.database import BackendStore

    with tempfile.TemporaryDirectory(prefix="rr-bench-rss-") as tmp:
        small, large = Path(tmp) / "small", Path(tmp) / "large"
        for folder in (small, large):
            folder.mkdir()
            BackendStore.open(folder).close()
        seed_invitations(large, RSS_ACCOUNT, history)
        _, shown_small = rss_once(small, 0)  # untimed: fills each cache, writes bytecode
        _, shown_large = rss_once(large, 0)
        on_small: list[int] = []
        on_large: list[int] = []
        for number in range(runs):
            order = (small, large) if number % 2 == 0 else (large, small)
            for folder in order:
                rss, _ = rss_once(folder)
                (on_small if folder is small else on_large).append(rss)
        return statistics.median(on_small), statistics.median(on_large), shown_small, shown_large


# -- report -------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--history", type=int, default=10_000)
    parser.add_argument("--only", choices=("sync", "fill", "rss"))
    args = parser.parse_args()
    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    import keyring

    keyring.set_keyring(MemoryKeyring())
    print(
        f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, {platform.platform()}, "
        f"Python {platform.python_version()}, QT_QPA_PLATFORM={os.environ['QT_QPA_PLATFORM']}"
    )
    if args.only in (None, "sync"):
        empty, full = delta_sync(args.history, args.runs)
        ratio = full / empty
        print(
            f"delta sync of 10 changes (controller, median of {args.runs}): empty cache "
            f"{empty * 1000:.1f} ms, {args.history:,} cached {full * 1000:.1f} ms, ratio "
            f"{ratio:.2f}x  target <= {SYNC_TARGET}x: {verdict(ratio <= SYNC_TARGET)}",
            flush=True,
        )
    if args.only in (None, "fill"):
        base, full_state, later = states(args.history)
        with tempfile.TemporaryDirectory(prefix="rr-bench-fill-") as tmp:
            folder = Path(tmp)
            fill_once(folder, base, full_state)  # untimed: first use of every widget class
            filled = [fill_once(folder, base, full_state) for _ in range(args.runs)]
            firsts = [fill_once(folder, None, full_state)[0] for _ in range(args.runs)]
            updates = [update_once(folder, base, full_state, later) for _ in range(args.runs)]
        fills = [painted for painted, _ in filled]
        fill = statistics.median(fills) * 1000
        complete = statistics.median(done for _, done in filled) * 1000
        print(
            f"first fill of the invitations view with {args.history:,} rows, state arriving -> "
            f"rows painted (median of {args.runs}): {fill:.1f} ms  target <= "
            f"{FILL_TARGET_MS:.0f} ms: {verdict(fill <= FILL_TARGET_MS)}  "
            f"[{' '.join(f'{f * 1000:.0f}' for f in fills)}]",
            flush=True,
        )
        print(
            f"  all {args.history:,} rows laid out (batches of 200 between events): "
            f"{complete:.1f} ms",
            flush=True,
        )
        print(
            f"  (window's very first state with {args.history:,} rows: "
            f"{statistics.median(firsts) * 1000:.1f} ms; 10 rows changed in a filled view: "
            f"{statistics.median(updates) * 1000:.1f} ms)",
            flush=True,
        )
    if args.only in (None, "rss"):
        rss_runs = args.runs // 2 + 1
        small, large, shown_small, shown_large = memory(args.history, rss_runs)
        ratio = large / small
        print(
            f"RSS at idle after sign-in and sync (median of {rss_runs} processes each): "
            f"{shown_small} invitations {small / 1024:.1f} MiB, {shown_large:,} invitations "
            f"{large / 1024:.1f} MiB, ratio {ratio:.2f}x  target <= {RSS_TARGET}x: "
            f"{verdict(ratio <= RSS_TARGET)}",
            flush=True,
        )
    del qt_app
    sys.stdout.flush()
    os._exit(0)  # PySide6 can crash while finalizing the interpreter; the report is out


if __name__ == "__main__":
    sys.exit(main())
