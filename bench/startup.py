"""Start-up against a bare PySide6 window: process start -> first paint, -> cached data on screen.

    .venv/bin/python bench/startup.py [--runs 11] [--history 0] [--no-keyring]

Each run starts a new process (bench/probe.py) and times, from the moment this script spawns it:

- app `first_paint`: the settings window's first paint (the "Loading" window);
- app `cached_data`: the first paint of the cached account, usage and wallet, read from a warm data
  folder (signed in and synced once before; a copy of it for every run) before the first sync of
  this start has finished (the probe checks the painted state's sync phase);
- app `synced`: the first paint after that sync (informational);
- bare `first_paint`: bench/bare_qt.py, a QMainWindow of the same size with one label.

It also reports the CPU time (user + system, all threads: `time.process_time()`) each child had
used at each event, which the load of other processes barely moves.

App and bare runs alternate (the order flips every round), after one untimed start of each, so load
on a shared machine hits both alike; the report is the median of each and the ratios to the bare
window's median first paint. Targets: first paint at most 1.5x, cached data at most 2.5x.

The session token of the warm folder is in a real Secret Service: the script re-runs itself under
`dbus-run-session` with `gnome-keyring-daemon` on a private bus and a temporary HOME (the app then
finds its session exactly as on a desktop: keyring backend discovery included).

Without those tools, or with `--no-keyring`, the app gets keyring's fail backend (forced with
PYTHON_KEYRING_BACKEND, so a desktop's own Secret Service is not used either): a sign-in lasts for
that process only (DESIGN R9). The warm folder is then prepared with `--account` on every start, so
its cache still holds the signed-in account; each timed start paints that cached data (measured),
then finds no stored session and signs out. So without a keyring `first_paint` and `cached_data`
are measured and `synced` cannot be (there is no session to sync with): the report says so.

`--history N` adds N invitations to the warm cache (seeded through the backend's store, then
synced once). Platform: QT_QPA_PLATFORM, default offscreen. Exits 0 whether or not the targets are
met (the report says which).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

PROBE = HERE / "probe.py"
ACCOUNT = "capped@example.com"  # in the cohort, two tokens in the wallet: every part has data
FIRST_PAINT_TARGET = 1.5
CACHED_TARGET = 2.5
RUN_TIMEOUT_S = 120
UNDER_DBUS = "RR_BENCH_DBUS"
NO_KEYRING = "keyring.backends.fail.Keyring"
CPU = "cpu:"
"""Prefix of the events holding the child's CPU time (user + system, all threads) at an event."""

KEYRING_START = """
set -e
printf bench | gnome-keyring-daemon --login >/dev/null 2>&1
gnome-keyring-daemon --start --components=secrets >/dev/null 2>&1
exec "$@"
"""


def reexec_under_dbus(argv: list[str]) -> None:
    """Run this script again on a private D-Bus session with gnome-keyring (and a temp HOME)."""
    home = Path(tempfile.mkdtemp(prefix="rr-bench-home-"))
    runtime = home / "run"
    runtime.mkdir(mode=0o700)
    env = dict(os.environ)
    env.update(
        {
            UNDER_DBUS: "1",
            "HOME": str(home),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_RUNTIME_DIR": str(runtime),
        }
    )
    command = ["dbus-run-session", "--", "sh", "-c", KEYRING_START, "sh", sys.executable]
    try:
        result = subprocess.run([*command, __file__, *argv], env=env, check=False)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    sys.exit(result.returncode)


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    if not os.environ.get(UNDER_DBUS):
        env["PYTHON_KEYRING_BACKEND"] = NO_KEYRING
    env.pop("QT_LOGGING_RULES", None)
    # Measure the app as installed, with its bytecode cached (pip and PyInstaller write it): the
    # untimed first start writes any missing .pyc file, so no timed start compiles source.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_probe(
    args: list[str], cwd: Path, probe: Path = PROBE, env: dict[str, str] | None = None
) -> dict[str, tuple[float, str]]:
    """Start bench/probe.py (or `probe`) once; {event: (seconds since spawn, detail)}; the
    child's CPU time at an event under `CPU + event`."""
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(probe), *args],
        cwd=cwd,
        env=child_env() if env is None else env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )
    events: dict[str, tuple[float, str]] = {}
    for line in result.stdout.splitlines():
        parts = line.split(maxsplit=3)
        if len(parts) >= 3 and parts[0] == "BENCH":
            events[parts[1]] = (float(parts[2]) - started, parts[3] if len(parts) > 3 else "")
        elif len(parts) == 3 and parts[0] == "BENCH_CPU":  # the child's own CPU time
            events[CPU + parts[1]] = (float(parts[2]), "")
    if "first_paint" not in events or "timeout" in events:
        sys.stderr.write(result.stdout[-2000:] + result.stderr[-6000:])
        raise SystemExit(f"probe {args[:1]} failed ({result.returncode}): {events}")
    return events


def smoke(data_dir: Path, *extra: str) -> str:
    """One `--smoke-test` start of the app; its JSON line."""
    result = subprocess.run(
        [sys.executable, "-m", "desktop", "--data-dir", str(data_dir), "--smoke-test", *extra],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-4000:])
        raise SystemExit(f"the app's smoke test failed ({result.returncode})")
    return result.stdout.strip().splitlines()[-1]


def warm_folder(folder: Path, history: int, keyring: bool) -> str:
    """A data folder signed in as ACCOUNT and synced once; with `history` extra invitations.

    With a keyring the later starts restore the stored session, as the timed starts will. Without
    one a start that is not given `--account` signs out (nothing stored), which would empty the
    cache the timed starts are to show, so every start here signs in.
    """
    again = () if keyring else ("--account", ACCOUNT)
    smoke(folder, "--account", ACCOUNT)
    if history:
        from bench.seeding import seed_invitations

        seed_invitations(folder, ACCOUNT, history)
        smoke(folder, *again)  # a sync pulls them into the cache
    return smoke(folder, *again)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:6.0f} ms"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="timed starts of each side")
    parser.add_argument("--history", type=int, default=0, help="extra cached invitations")
    parser.add_argument("--no-keyring", action="store_true", help="no Secret Service")
    args = parser.parse_args(argv)
    tools = all(shutil.which(tool) for tool in ("dbus-run-session", "gnome-keyring-daemon"))
    if not args.no_keyring and tools and not os.environ.get(UNDER_DBUS):
        reexec_under_dbus(argv)
    keyring = bool(os.environ.get(UNDER_DBUS))
    keyring_kind = (
        "Secret Service (gnome-keyring, private D-Bus session)"
        if keyring
        else f"none ({NO_KEYRING}: the app shows the cache, then signs out; no first sync)"
    )

    with tempfile.TemporaryDirectory(prefix="rr-bench-startup-") as tmp:
        base = Path(tmp)
        template = base / "warm"
        summary = warm_folder(template, args.history, keyring)
        print(f"warm data folder ({ACCOUNT}, {args.history:,} extra invitations): {summary}")

        def app_run(number: int) -> dict[str, tuple[float, str]]:
            folder = base / f"run-{number}"
            shutil.copytree(template, folder)
            until = [] if keyring else ["--until", "cached_data"]
            try:
                return run_probe(["app", *until, "--data-dir", str(folder)], base)
            finally:
                shutil.rmtree(folder, ignore_errors=True)

        def bare_run() -> dict[str, tuple[float, str]]:
            return run_probe(["bare"], base)

        app_run(-1)  # untimed: page cache, bytecode
        bare_run()
        app: list[dict[str, tuple[float, str]]] = []
        bare: list[dict[str, tuple[float, str]]] = []
        for number in range(args.runs):
            if number % 2:
                bare.append(bare_run())
                app.append(app_run(number))
            else:
                app.append(app_run(number))
                bare.append(bare_run())

    def median(runs: list[dict[str, tuple[float, str]]], event: str) -> float | None:
        values = [run[event][0] for run in runs if event in run]
        return statistics.median(values) if values else None

    def series(runs: list[dict[str, tuple[float, str]]], event: str) -> str:
        return " ".join(f"{run[event][0] * 1000:.0f}" for run in runs if event in run)

    phases = sorted({run["cached_data"][1] for run in app if "cached_data" in run})
    bare_paint = median(bare, "first_paint")
    assert bare_paint is not None
    print(
        f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, {platform.platform()}, "
        f"Python {platform.python_version()}, QT_QPA_PLATFORM={child_env()['QT_QPA_PLATFORM']}"
    )
    print(f"keyring: {keyring_kind}")
    print(f"median of {args.runs} starts each, alternating; process spawn -> event")
    print(f"  bare Qt  first paint  {ms(bare_paint)}   [{series(bare, 'first_paint')}]")
    rows = (
        ("first paint", "first_paint", FIRST_PAINT_TARGET),
        ("cached data", "cached_data", CACHED_TARGET),
        ("first sync shown", "synced", None),
    )
    for label, event, target in rows:
        value = median(app, event)
        if value is None:
            why = "" if keyring else ": no stored session without a keyring (--no-keyring)"
            print(f"  app      {label:16} (not measured{why})")
            continue
        ratio = value / bare_paint
        verdict = ""
        if target is not None:
            verdict = f"target <= {target}x: {'met' if ratio <= target else 'NOT met'}"
        print(
            f"  app      {label:16} {ms(value)}   {ratio:4.2f}x bare  {verdict}"
            f"   [{series(app, event)}]"
        )
    # CPU time (user + system, every thread) each child had used at the event: what the app does
    # that a bare window does not, whatever the load of other processes.
    bare_cpu = median(bare, CPU + "first_paint")
    if bare_cpu is not None:
        print(f"  CPU time at the event (process_time), medians; bare first paint {ms(bare_cpu)}")
        for label, event, _ in rows:
            value = median(app, CPU + event)
            if value is not None:
                print(
                    f"  app      {label:16} {ms(value)}   {value / bare_cpu:4.2f}x bare"
                    f"   [{series(app, CPU + event)}]"
                )
    print(f"  sync phase painted with the cached data: {', '.join(phases)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
