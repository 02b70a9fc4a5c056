"""Whole process, start to exit: the app's `--smoke-test` against a bare Qt window (issue 15).

    .venv/bin/python bench/whole_process.py [--runs 7] [--server] [--lingering] [--floor]

- app: `python -m desktop --data-dir COPY --account pilot@example.com --smoke-test` on a copy
  of a warm data folder (signed in and synced once before): window painted, signed in, the
  first sync shown, exit. The embedded default (in-process backend; its HTTP child starts after
  the first paint only when the app keeps running, so not in a smoke test). With `--server`,
  also against a `referral-desktop serve` already running (`--backend URL`).
  With `--lingering`, also the embedded default on a warm folder whose own embedded server an
  earlier start left running (`--server-linger-minutes`, docs/WIRE.md): the same command, no
  option; the app finds the server and calls it over HTTP. That side runs on one folder (the
  server is the folder's; a copy of the folder would not use it), the others each run on a fresh
  copy of a warm folder of their own; children run with their bytecode cached, as an installed
  app does.
- bare: a QMainWindow of the same size with one label, in a fresh interpreter, that quits at its
  first paint.

- floor (`--floor`): what the embedded default cannot do without, wherever it runs (in this
  process or a child started first): a fresh interpreter, no Qt, that imports the backend,
  opens a copy of the warm folder's backend database, signs pilot@ in and syncs once, then
  exits. And `import sqlalchemy.orm` alone (the required stack's ORM, which the backend's
  store is built on). If the backend alone is above the target, moving it to another process
  or thread cannot bring the app under it. (Against a running server the client imports
  neither SQLAlchemy nor an HTTP library since round 11: no client floor is printed.)

Runs alternate (the order flips every round) after one untimed start of each. Reported: median
wall time (spawn to exit) and median CPU time (user + system of the child), and the ratios to the
bare window. Target (issue 15): the app at most 3x the bare window. Exits 0 either way.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from desktop.embedded_server import EmbeddedServer

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT = "pilot@example.com"
TARGET = 3.0

BARE = """
import sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

class QuitAtFirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            QTimer.singleShot(0, QApplication.quit)
        return False

app = QApplication(sys.argv)
window = QMainWindow()
window.resize(980, 760)
label = QLabel("Hello from a bare QMainWindow")
window.setCentralWidget(label)
quitter = QuitAtFirstPaint()
label.installEventFilter(quitter)
window.show()
sys.exit(app.exec())
"""

BACKEND_FLOOR = """
import sys
from pathlib import Path
from desktop.backend.seed import DEMO_PASSWORD
from desktop.backend.service import MockBackend

backend = MockBackend(Path(sys.argv[1]))
session = backend.sign_in("pilot@example.com", DEMO_PASSWORD)
backend.sync(session.token, 0)
backend.close()
"""


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"  # no desktop keyring
    # Measure the app as installed, with its bytecode cached (pip and PyInstaller write it): the
    # untimed first start of each side writes any missing .pyc file (as bench/startup.py does).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def timed(command: Sequence[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one child process, spawn to exit."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        command, cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=120
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-3000:])
        raise SystemExit(f"{command[:4]} exited with {result.returncode}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def app_command(folder: Path, backend: str | None) -> list[str]:
    command = [sys.executable, "-m", "desktop", "--data-dir", str(folder)]
    if backend is not None:
        command += ["--backend", backend]
    return [*command, "--account", ACCOUNT, "--smoke-test"]


def start_server(folder: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "desktop", "serve", "--data-dir", str(folder), "--port", "0"],
        cwd=ROOT,
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("Serving ") and " on " in line:
            return process, line.rsplit(" on ", 1)[1].strip()
    raise SystemExit("serve did not start")


def leave_running(folder: Path) -> EmbeddedServer:
    """The folder's embedded server as an app leaves it when it closes: started the way the app
    starts it, then released (lingering)."""
    server = EmbeddedServer(folder, linger_s=600)
    server.start()
    if not server.ready.wait(120) or server.url is None:
        raise SystemExit(f"the embedded server did not start: {server.problem}")
    server.release()
    return server


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--server", action="store_true", help="also against a running server")
    parser.add_argument(
        "--lingering",
        action="store_true",
        help="also the embedded default with the folder's server left running by an earlier start",
    )
    parser.add_argument(
        "--floor", action="store_true", help="also the embedded backend alone, and the ORM import"
    )
    options = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="whole-process-") as scratch:
        root = Path(scratch)
        warm = root / "warm"
        timed(app_command(warm, None))  # seeds the folder, signs in, syncs once
        sides: dict[str, list[str] | None] = {"bare": [sys.executable, "-c", BARE], "app": None}
        server = None
        if options.server:
            server_dir = root / "server"
            server, url = start_server(server_dir)
            sides["app, server running"] = None
            # A warm folder for this side too: its cache signed in and synced once against
            # that server (a fresh folder would create the cache, Alembic and all, every run).
            warm_remote = root / "warm-remote"
            timed(app_command(warm_remote, url))
        lingering = None
        if options.lingering:
            linger_dir = root / "warm-lingering"
            shutil.copytree(warm, linger_dir)
            lingering = leave_running(linger_dir)
            sides["app, its server lingering"] = None
        if options.floor:
            sides["floor: backend alone"] = None
            sides["floor: import sqlalchemy.orm"] = [sys.executable, "-c", "import sqlalchemy.orm"]
        try:
            results: dict[str, list[tuple[float, float]]] = {name: [] for name in sides}

            def run(name: str, n: int) -> tuple[float, float]:
                command = sides[name]
                if command is not None:
                    return timed(command)
                folder = root / f"run-{list(sides).index(name)}-{n}"
                if name == "floor: backend alone":
                    shutil.copytree(warm, folder)
                    return timed([sys.executable, "-c", BACKEND_FLOOR, str(folder)])
                if name == "app":
                    shutil.copytree(warm, folder)
                    return timed(app_command(folder, None))
                if name == "app, its server lingering":
                    return timed(app_command(linger_dir, None))
                shutil.copytree(warm_remote, folder)
                return timed(app_command(folder, url))

            for name in sides:
                run(name, -1)  # untimed: caches warm alike
            order = list(sides)
            for n in range(options.runs):
                for name in order if n % 2 == 0 else reversed(order):
                    results[name].append(run(name, n))
        finally:
            if server is not None:
                server.terminate()
                server.wait(10)
            if lingering is not None:
                lingering.stop()
    print(
        f"{datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} CPUs, {platform.platform()}, "
        f"Python {platform.python_version()}, load {load_before:.1f} -> {os.getloadavg()[0]:.1f}"
    )
    print(f"median of {options.runs} runs each, alternating; spawn -> exit")
    bare_wall = statistics.median(w for w, _ in results["bare"])
    bare_cpu = statistics.median(c for _, c in results["bare"])
    for name, runs in results.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        verdict = ""
        if name != "bare":
            ratio = wall / bare_wall
            verdict = f"  {ratio:.2f}x wall, {cpu / bare_cpu:.2f}x CPU"
            if name.startswith("floor"):  # not the app: what any app with it must spend
                verdict += f"; {'above' if ratio > TARGET else 'under'} the app's {TARGET}x"
            else:
                verdict += f"; target <= {TARGET}x: " + ("met" if ratio <= TARGET else "NOT met")
        print(f"  {name:<28} wall {wall * 1000:6.0f} ms  CPU {cpu * 1000:6.0f} ms{verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
