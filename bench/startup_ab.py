"""Start-up of two trees side by side, in paired rounds: CPU and wall time to first paint and
cached data, against the same bare window.

    .venv/bin/python bench/startup_ab.py OTHER_TREE [--rounds 30] [--history 0]

OTHER_TREE is another checkout of the project (a `git worktree`, or `git archive main | tar -x`).
Each round starts three processes through this tree's bench/probe.py, in rotating order: the bare
window (bench/bare_qt.py), the app of OTHER_TREE and the app of this tree, each app on its own
copy of one warm data folder (as bench/startup.py makes it, keyring's fail backend), until its
cached data is painted. The other tree runs from a temporary folder holding this tree's `bench/`
and links to its `desktop/` and `resources/`, so both sides use the same probe.

Under load the VM's speed changes from one second to the next (one invocation of
bench/startup.py saw the same code at 303 and 500 ms of CPU), so the medians of each side are
printed beside the median of the differences within a round and the number of rounds in which
this tree was lower: a change smaller than the swing shows there first. CPU time is the child's
`time.process_time()` (user and system, all threads) at the event. Exits 0.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.startup import CPU, NO_KEYRING, run_probe, warm_folder  # noqa: E402

EVENTS = ("first_paint", "cached_data")
Run = dict[str, float]
"""'wall first_paint', 'cpu cached_data', ...: milliseconds."""


def child_env() -> dict[str, str]:
    env = dict(os.environ, PYTHON_KEYRING_BACKEND=NO_KEYRING)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    for name in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH", "QT_LOGGING_RULES"):
        env.pop(name, None)
    return env


def probe_run(probe: Path, args: list[str], cwd: Path) -> Run:
    """One process through `probe`; wall (since spawn) and CPU at each event, in ms."""
    run: Run = {}
    for event, (seconds, _detail) in run_probe(args, cwd, probe, child_env()).items():
        if event.startswith(CPU):
            run[f"cpu {event.removeprefix(CPU)}"] = seconds * 1000
        else:
            run[f"wall {event}"] = seconds * 1000
    return run


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("other", type=Path, help="the other checkout (holds desktop/)")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--history", type=int, default=0, help="extra cached invitations")
    args = parser.parse_args(argv)
    other = args.other.resolve()
    if not (other / "desktop" / "app.py").is_file():
        parser.error(f"{other} holds no desktop/app.py")

    with tempfile.TemporaryDirectory(prefix="rr-bench-ab-") as tmp:
        base = Path(tmp)
        template = base / "warm"
        warm_folder(template, args.history, keyring=False)
        mirror = base / "other"
        shutil.copytree(HERE, mirror / "bench", ignore=shutil.ignore_patterns("__pycache__"))
        for name in ("desktop", "resources"):
            (mirror / name).symlink_to(other / name)
        probes = {"this": HERE / "probe.py", "other": mirror / "bench" / "probe.py"}

        def run(side: str) -> Run:
            if side == "bare":
                return probe_run(probes["this"], ["bare"], base)
            folder = base / f"run-{side}"
            shutil.copytree(template, folder)
            try:
                app_args = ["app", "--until", "cached_data", "--data-dir", str(folder)]
                return probe_run(probes[side], app_args, base)
            finally:
                shutil.rmtree(folder, ignore_errors=True)

        for side in ("bare", "other", "this"):  # untimed: bytecode, page cache
            run(side)
        orders = (("bare", "other", "this"), ("other", "this", "bare"), ("this", "bare", "other"))
        load_before = os.getloadavg()[0]
        rounds = [{side: run(side) for side in orders[i % 3]} for i in range(args.rounds)]
        load_after = os.getloadavg()[0]

    print(
        f"{time.strftime('%Y-%m-%d %H:%M')}, {args.rounds} paired rounds, {args.history:,} extra "
        f"invitations; load average {load_before:.1f} -> {load_after:.1f}"
    )
    print(f"other = {other}, this = {ROOT}")
    for kind in ("cpu", "wall"):
        bare = statistics.median(r["bare"][f"{kind} first_paint"] for r in rounds)
        print(f"  {kind:4} bare first paint {bare:6.0f} ms")
        for event in EVENTS:
            for side in ("other", "this"):
                value = statistics.median(r[side][f"{kind} {event}"] for r in rounds)
                print(f"  {kind:4} {side:5} {event:11} {value:6.0f} ms  {value / bare:4.2f}x bare")
            diffs = [r["other"][f"{kind} {event}"] - r["this"][f"{kind} {event}"] for r in rounds]
            lower = sum(d > 0 for d in diffs)
            print(
                f"  {kind:4} other - this, {event}: median {statistics.median(diffs):+.0f} ms "
                f"within a round; this lower in {lower} of {len(diffs)}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
