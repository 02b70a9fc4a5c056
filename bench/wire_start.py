"""What the embedded server and the HTTP client cost: the numbers behind docs/WIRE.md's choice.

    .venv/bin/python bench/wire_start.py [--runs 5]

- `serve` child: spawn -> listening (wall) and the child's CPU time (user+sys) until it is
  stopped again, over a fresh data folder and a warm one;
- imports in a fresh interpreter: the HTTP client (desktop.remote.client: http.client since round
  11; httpx, which it was built on before, for comparison) and the server
  (desktop.backend.web.app: FastAPI, pydantic, uvicorn's config);
- a delta sync of an operator (no change): in process (MockBackend) vs over HTTP on loopback
  (HttpApi -> serve), median and p90 of 200 calls.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def serve_once(data_dir: Path) -> tuple[float, float]:
    from desktop.embedded_server import EmbeddedServer

    cpu_before = child_cpu()
    started = time.perf_counter()
    server = EmbeddedServer(data_dir)
    server.start()
    assert server.ready.wait(120), "the server did not start"
    ready = time.perf_counter() - started
    server.stop()
    return ready, child_cpu() - cpu_before


def import_time(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return float(out.stdout)


def syncs(runs: int) -> tuple[list[float], list[float]]:
    from desktop.backend.service import MockBackend
    from desktop.embedded_server import EmbeddedServer
    from desktop.remote.client import HttpApi

    folder = Path(tempfile.mkdtemp(prefix="wire-bench-"))
    try:
        local: list[float] = []
        with MockBackend(folder) as backend:
            session = backend.sign_in("pilot@example.com", "demo", "bench").token
            cursor = backend.sync(session, 0).cursor
            for _ in range(runs):
                t = time.perf_counter()
                backend.sync(session, cursor)
                local.append(time.perf_counter() - t)
        server = EmbeddedServer(folder)
        server.start()
        assert server.ready.wait(120)
        assert server.url
        remote: list[float] = []
        api = HttpApi(server.url)
        try:
            session = api.sign_in("pilot@example.com", "demo", "bench-http").token
            cursor = api.sync(session, 0).cursor
            for _ in range(runs):
                t = time.perf_counter()
                api.sync(session, cursor)
                remote.append(time.perf_counter() - t)
        finally:
            api.close()
            server.stop()
        return local, remote
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def ms(values: list[float], q: float = 0.5) -> str:
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000:.1f} ms"


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--runs", type=int, default=5)
    runs = options.parse_args().runs
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    fresh, warm = [], []
    folder = Path(tempfile.mkdtemp(prefix="wire-bench-"))
    try:
        for n in range(runs):
            target = folder / f"fresh{n}"
            target.mkdir()
            fresh.append(serve_once(target))
            warm.append(serve_once(folder / "fresh0"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for name, rows in (("fresh folder", fresh), ("warm folder", warm)):
        ready = statistics.median(r for r, _ in rows)
        cpu = statistics.median(c for _, c in rows)
        print(
            f"serve child, {name}: listening after {ready * 1000:.0f} ms, CPU {cpu * 1000:.0f} ms"
        )
    for module in ("desktop.remote.client", "httpx", "desktop.backend.web.app"):
        times = [import_time(module) for _ in range(runs)]
        print(f"import {module}: {statistics.median(times) * 1000:.0f} ms")
    local, remote = syncs(200)
    print(f"delta sync in process: p50 {ms(local)}, p90 {ms(local, 0.9)}")
    print(f"delta sync over HTTP:  p50 {ms(remote)}, p90 {ms(remote, 0.9)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
