"""CPU per call of the backend's writers (issue 12.7): send, its retry, resend, redeem.

Under the server-load bench the writers hold the single writers' queue and the GIL while the
delta syncs wait, so their CPU per call is what the syncs' p99 follows (docs/PERFORMANCE.md).
This measures it in process, without HTTP: `MockBackend` over a fresh database (a SQLite file,
or a database of a throwaway PostgreSQL from tests/postgres.py), one operator in the cohort with
its own session, no daily limit or cap in the way, then per round of `--calls`:

- send: a new idempotency key to a new address;
- retry: the same request again with the same key (answered with the first invitation);
- resend: the invitation's email sent again with a new key (cooldown 0);
- redeem: a new key, spending one of the operator's credits.

Each call is timed with `time.process_time()` (user and system CPU of this process; on
PostgreSQL the server's own CPU is another process's and not counted: it does not hold the
GIL). Every measurement is a child process on a fresh database, so A/B runs of two trees
(`--trees MAIN .`) interleave, the order rotating each round, and each child imports its own
tree. The load average is printed before and after.

    .venv/bin/python bench/writer_cpu.py [--trees DIR ...] [--databases sqlite postgresql]
        [--calls 200] [--rounds 3] [--json results.json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

HERE = Path(__file__).resolve().parent
OPERATIONS = ("send", "retry", "resend", "redeem")
WARM_UP = 10
T = TypeVar("T")


def _load() -> str:
    with contextlib.suppress(OSError):
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return "?"


# -------------------------------------------------------------------------------------------
# The child: one tree, one database
# -------------------------------------------------------------------------------------------


def measure(url: str, calls: int) -> dict[str, float]:
    """CPU ms per call of each operation (and the median of single calls), on `url`."""
    import gc

    from bench.seeding import OPERATOR_PASSWORD, seed_operators
    from desktop.backend.service import MockBackend
    from desktop.backend.simulator import Simulator

    with Simulator.over_url(url) as sim:
        sim.set_policy(
            {
                "daily_invitation_limit": 1_000_000,
                "monthly_cap": 1_000_000,
                "token_expiry_days": "none",
                "resend_cooldown_minutes": 0,
            }
        )
    (operator,) = seed_operators(url, 1, calls + WARM_UP)
    times: dict[str, list[float]] = {name: [] for name in OPERATIONS}
    with MockBackend.over_url(url) as backend:
        session = backend.sign_in(operator, OPERATOR_PASSWORD).token
        gc.collect()
        for number in range(calls + WARM_UP):
            address = f"p{number}@peer.example"
            key = uuid.uuid4().hex
            timed = number >= WARM_UP
            sent = _timed(times, "send", timed, backend.send_invitation, session, address, key)
            _timed(times, "retry", timed, backend.send_invitation, session, address, key)
            new_key = uuid.uuid4().hex
            _timed(times, "resend", timed, backend.resend_invitation, session, sent.id, new_key)
            _timed(times, "redeem", timed, backend.redeem, session, uuid.uuid4().hex)
    result: dict[str, float] = {}
    for name, values in times.items():
        result[name] = 1000 * sum(values) / len(values)
        result[f"{name}_median"] = 1000 * statistics.median(values)
    return result


def _timed(
    times: dict[str, list[float]], name: str, timed: bool, call: Callable[..., T], *args: str
) -> T:
    started = time.process_time()
    result = call(*args)
    spent = time.process_time() - started
    if timed:
        times[name].append(spent)
    return result


# -------------------------------------------------------------------------------------------
# The parent: databases, trees, rounds
# -------------------------------------------------------------------------------------------


@contextmanager
def database_urls(kinds: list[str], work: Path) -> Iterator[dict[str, object]]:
    """A factory of fresh database URLs per kind (one PostgreSQL server for all of them)."""
    server = None
    try:
        factories: dict[str, object] = {}
        for kind in kinds:
            if kind == "sqlite":

                def new_sqlite() -> str:
                    folder = work / f"sqlite-{uuid.uuid4().hex[:8]}"
                    folder.mkdir()
                    return f"sqlite:///{folder / 'backend.sqlite'}"

                factories[kind] = new_sqlite
            elif kind == "postgresql":
                sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
                from tests.postgres import ThrowawayPostgres, find_bin_dir

                bin_dir = find_bin_dir()
                if bin_dir is None:
                    raise SystemExit("PostgreSQL binaries not found (apt install postgresql)")
                server = ThrowawayPostgres(bin_dir).start()
                factories[kind] = server.new_database
            else:
                raise SystemExit(f"unknown database {kind!r}")
        yield factories
    finally:
        if server is not None:
            server.stop()


def run_child(tree: Path, url: str, calls: int) -> dict[str, float]:
    """One measurement in a new process importing `tree` (this script's copy there, or ours)."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    script = tree / "bench" / "writer_cpu.py"
    if not script.exists():
        script = Path(__file__).resolve()
    completed = subprocess.run(
        [sys.executable, str(script), "--child", url, "--calls", str(calls)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"child failed in {tree}:\n{completed.stderr}")
    result: dict[str, float] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trees", nargs="+", type=Path, default=[HERE.parent])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        sys.path.insert(0, os.getcwd())
        print(json.dumps(measure(options.child, options.calls)))
        return
    trees = [tree.resolve() for tree in options.trees]
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC, load {_load()}")
    print(f"trees: {', '.join(str(tree) for tree in trees)}; {options.calls} calls each")
    rows: list[dict[str, object]] = []
    with (
        tempfile.TemporaryDirectory(prefix="writer-cpu-") as work,
        database_urls(options.databases, Path(work)) as factories,
    ):
        for round_number in range(options.rounds):
            order = trees[round_number % len(trees) :] + trees[: round_number % len(trees)]
            for kind in options.databases:
                for tree in order:
                    url = factories[kind]()  # type: ignore[operator]
                    result = run_child(tree, url, options.calls)
                    row = {"round": round_number, "database": kind, "tree": str(tree)}
                    row.update(result)
                    rows.append(row)
                    cells = ", ".join(f"{name} {result[name]:.2f}" for name in OPERATIONS)
                    print(f"round {round_number} {kind:<10} {tree}: {cells} ms (load {_load()})")
    print(f"\nmedian over rounds, CPU ms per call (mean of {options.calls} calls); load {_load()}")
    header = "| database | tree | " + " | ".join(OPERATIONS) + " |"
    print(header)
    print("|" + " --- |" * (2 + len(OPERATIONS)))
    for kind in options.databases:
        for tree in trees:
            mine = [row for row in rows if row["database"] == kind and row["tree"] == str(tree)]
            cells = " | ".join(
                f"{statistics.median(float(row[name]) for row in mine):.2f}"  # type: ignore[arg-type]
                for name in OPERATIONS
            )
            print(f"| {kind} | {tree} | {cells} |")
    if options.json:
        options.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
