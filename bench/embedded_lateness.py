"""GUI-thread lateness while the embedded HTTP server starts: child process vs thread.

    .venv/bin/python bench/embedded_lateness.py [--runs 3]

The real app (`desktop.app.create()`, signed in, synced, window shown offscreen) with the
10 ms heartbeat of bench/responsiveness.py. Per run, three modes:

- `idle`: nothing started, for 3 s (the machine's own noise);
- `child`: `desktop.app._serve_data_folder(app)`, the app's way: `serve` in a child process,
  measured from the start until it listens;
- `thread`: the rejected alternative, uvicorn and the FastAPI app built and run on a thread of
  the app's process, until it listens.

Each measurement runs in a fresh process (nothing imported by an earlier one), the modes
alternating. Reports max and p99 lateness per mode (medians over runs). Docs: docs/WIRE.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtWidgets import QApplication

from bench.responsiveness import Heartbeat, settle, wait_until
from bench.sync_delta import MemoryKeyring
from desktop.app import App, _serve_data_folder, create, tune_garbage_collection
from desktop.ui.sign_in_dialog import DEMO_PASSWORD


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def thread_server(folder: Path) -> tuple[threading.Thread, list[object]]:
    holder: list[object] = []

    def run() -> None:
        import uvicorn

        from desktop.backend.database import BackendStore
        from desktop.backend.service import MockBackend
        from desktop.backend.simulator import Simulator
        from desktop.backend.web.app import create_app
        from desktop.backend.web.serve import bind

        store = BackendStore.open(folder)
        app = create_app(MockBackend.over_store(store), Simulator.over_store(store))
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
        holder.append(server)
        sock = bind("127.0.0.1", 0)
        server.run(sockets=[sock])
        sock.close()
        store.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, holder


def measure(mode: str) -> tuple[float, float, float]:
    """In this (fresh) process: the app signed in and synced, then one mode measured."""
    QApplication.instance() or QApplication([])
    folder = Path(tempfile.mkdtemp(prefix="lateness-")) / "data"
    folder.mkdir()
    app: App = create(folder, keyring_backend=MemoryKeyring())
    tune_garbage_collection(app)
    app.window.show()
    app.start()
    app.controller.sign_in("capped@example.com", DEMO_PASSWORD)
    wait_until(lambda: app.state.sync.last_synced_at is not None, "first sync")
    settle(1000)
    beat = Heartbeat()
    started = time.perf_counter()
    beat.start(mode)
    if mode == "child":
        _serve_data_folder(app)
        server = app.embedded_server
        assert server is not None
        wait_until(server.ready.is_set, "child server")
    elif mode == "thread":
        thread, holder = thread_server(folder)
        wait_until(lambda: bool(holder) and getattr(holder[0], "started", False), "thread")
    else:
        settle(IDLE_MS)
    beat.stop()
    seconds = time.perf_counter() - started
    if mode == "thread":
        holder[0].should_exit = True  # type: ignore[attr-defined]
        thread.join(10)
    values = beat.lateness.get(mode, [0.0])
    app.close()
    return max(values), p99(values), seconds


IDLE_MS = 3000


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--runs", type=int, default=3)
    options.add_argument("--one", choices=MODES, help=argparse.SUPPRESS)
    parsed = options.parse_args()
    if parsed.one is not None:
        print("RESULT", *measure(parsed.one), flush=True)
        return 0
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    rows: dict[str, list[tuple[float, ...]]] = {mode: [] for mode in MODES}
    for _ in range(parsed.runs):
        for mode in MODES:  # alternating, each in a fresh process
            out = subprocess.run(
                [sys.executable, __file__, "--one", mode],
                capture_output=True,
                text=True,
                check=True,
                timeout=300,
            ).stdout
            line = next(x for x in out.splitlines() if x.startswith("RESULT "))
            rows[mode].append(tuple(float(v) for v in line.split()[1:]))
    for mode in MODES:
        worst = statistics.median(r[0] for r in rows[mode])
        p = statistics.median(r[1] for r in rows[mode])
        seconds = statistics.median(r[2] for r in rows[mode])
        print(f"{mode:6}: max {worst:6.1f} ms, p99 {p:5.1f} ms over {seconds * 1000:.0f} ms")
    return 0


MODES = ("idle", "child", "thread")


if __name__ == "__main__":
    sys.exit(main())
