"""`referral-desktop serve` with per-phase timing of every API call (bench/server_load.py
`--profile DIR`; issue 12.7).

Wraps, in this process only, the phases a call goes through and records each one's wall time per
request: the whole request as the ASGI server sees it (`request`), the wait for a worker thread
(`queue`: from the request's arrival to the endpoint function starting), the fault check
(`faults`), opening the unit of work until the database lock is held (`begin`), the expiry sweep
(`sweep`), the answer cache's look (`cache`), the session look-up, building the answer
(`snapshot`), commit (`commit`), and encoding to JSON (`encode`). A `GET /v1/sync` is also
filed by its path, `[cache|built|full;writer=0|1]` (answered from the quiet cache, built on its
entry after the account's own changes (round 8), or read in full; whether a writer held the
writers' queue at its arrival or took it before the answer), and its
answer carries that in an `x-bench-sync` header, which bench/server_load.py splits its delta-sync
latencies by. With `--cprofile`, each worker
thread also runs a cProfile over the endpoint functions; on exit the merged statistics go to
DIR/cprofile.txt and the phase table to DIR/phases.json. `--pool N` sets the database connection
pool (N kept, N more on overflow) and `--threads N` the worker threads FastAPI runs endpoints on
(anyio's default limiter, 40), to measure those levers.

    python bench/serve_profiled.py DIR [--cprofile] [--pool N] [--threads N] [--switch-ms MS]
        -- <serve args>
"""

from __future__ import annotations

import atexit
import contextlib
import cProfile
import io
import json
import pstats
import signal
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_local = threading.local()
_lock = threading.Lock()
_writers = {"holding": 0, "started": 0}  # units of work holding the writers' queue; begun
_phases: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
_profiles: list[cProfile.Profile] = []


def _record(route: str, phase: str, ms: float) -> None:
    with _lock:
        _phases[route][phase].append(ms)


def _route() -> str:
    return getattr(_local, "route", "?")


def _timed(phase: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            _record(_route(), phase, (time.perf_counter() - started) * 1000)

    return wrapper


def install(cprofile: bool, pool: int | None = None, threads: int | None = None) -> None:
    from desktop.backend import answers, database, faults, service, store
    from desktop.backend.web import app as web_app

    if pool is not None:
        store.POSTGRES_POOL_SIZE = pool
        plain_create_engine = store.create_engine

        def create_engine(url: Any, **options: Any) -> Any:
            if str(url).startswith("sqlite"):
                options = {"pool_size": pool, "max_overflow": pool, **options}
            return plain_create_engine(url, **options)

        store.create_engine = create_engine  # type: ignore[assignment]

    # The unit of work: time to the lock (begin), then commit (on leaving the block).
    original_transaction = database.BackendStore.transaction.__wrapped__  # type: ignore[attr-defined]

    @contextlib.contextmanager
    def transaction(self: Any) -> Iterator[Any]:
        started = time.perf_counter()
        generator = original_transaction(self)
        tx = next(generator)
        _record(_route(), "begin+sweep", (time.perf_counter() - started) * 1000)
        with _lock:
            _writers["holding"] += 1
            _writers["started"] += 1
        try:
            try:
                yield tx
            except BaseException:
                with contextlib.suppress(StopIteration):
                    generator.throw(*sys.exc_info())
                raise
            leaving = time.perf_counter()
            with contextlib.suppress(StopIteration):
                next(generator)
            _record(_route(), "commit", (time.perf_counter() - leaving) * 1000)
        finally:
            with _lock:
                _writers["holding"] -= 1

    database.BackendStore.transaction = transaction  # type: ignore[method-assign]
    database.sweep_due_changes = _timed("sweep", database.sweep_due_changes)
    faults.current_faults = _timed("faults", faults.current_faults)
    service._snapshot = _timed("snapshot", service._snapshot)
    answers.SyncAnswers.answer = _timed("cache", answers.SyncAnswers.answer)  # type: ignore[method-assign]
    service.accounts.session_account = _timed("session", service.accounts.session_account)
    web_app._answer = _timed("encode", web_app._answer)
    # GET /v1/sync's own path (WireApp, `sync_body`): the cache's look and the bodies it writes.
    timed_answer_json = _timed("cache", answers.SyncAnswers.answer_json)

    def answer_json(self: Any, store: Any, session: str, cursor: int) -> bytes | answers.Miss:
        body: bytes | answers.Miss = timed_answer_json(self, store, session, cursor)
        tag = _current_tag.get(None)
        if tag is not None:
            tag["path"] = "full" if isinstance(body, answers.Miss) else "cache"
        return body

    answers.SyncAnswers.answer_json = answer_json  # type: ignore[method-assign]
    # The sync after the account's own changes, built on the cache entry (round 8).
    timed_built = _timed("built", service.MockBackend._built_sync)

    def built_sync(self: Any, session: str, cursor: int) -> Any:
        answer = timed_built(self, session, cursor)
        tag = _current_tag.get(None)
        if tag is not None and answer is not None:
            tag["path"] = "built"
        return answer

    service.MockBackend._built_sync = built_sync  # type: ignore[method-assign]
    answers._Entry.json = _timed("encode", answers._Entry.json)  # type: ignore[method-assign]
    service.json_body = _timed("encode", service.json_body)

    # The endpoint functions run on worker threads: note the route and the queue wait there.
    original_faulted = web_app._faulted

    def faulted(call: Callable[[], Any]) -> Any:
        profile = None
        if cprofile:
            profile = getattr(_local, "profile", None)
            if profile is None:
                profile = _local.profile = cProfile.Profile()
                with _lock:
                    _profiles.append(profile)
        _local.route = _current_route.get("?")
        started = _current_arrival.get(None)
        if started is not None:
            _record(_local.route, "arrival->handler", (time.perf_counter() - started) * 1000)
        if profile is not None:
            profile.enable()
        try:
            return original_faulted(call)
        finally:
            if profile is not None:
                profile.disable()

    web_app._faulted = faulted

    original_call = web_app.WireApp.__call__

    async def wire_call(self: Any, scope: Any, receive: Any, send: Any) -> object:
        if threads is not None:
            import anyio.to_thread

            anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        if scope["type"] != "http":
            return await original_call(self, scope, receive, send)
        started = time.perf_counter()
        route_token = _current_route.set(f"{scope.get('method')} {scope.get('path')}")
        arrival_token = _current_arrival.set(started)
        # A sync's path (the quiet cache or a full read) and whether a writer held the writers'
        # queue at its arrival or took it meanwhile, in its own phase table and, for the bench's
        # clients, a response header (this launcher only: `serve` never sets it).
        tag: dict[str, str] = {}
        tag_token = _current_tag.set(tag)
        with _lock:
            writers_before = (_writers["holding"], _writers["started"])

        def tag_of() -> str | None:
            if "path" not in tag:
                return None
            with _lock:
                writer = writers_before[0] > 0 or _writers["started"] != writers_before[1]
            return f"{tag['path']};writer={int(writer)}"

        async def tagged_send(message: Any) -> None:
            found = tag_of() if message["type"] == "http.response.start" else None
            if found is not None:
                headers = [*message.get("headers", []), (SYNC_TAG_HEADER, found.encode())]
                message = {**message, "headers": headers}
            await send(message)

        try:
            return await original_call(self, scope, receive, tagged_send)
        finally:
            route = getattr(scope.get("route"), "path", None) or scope.get("path")
            found = tag_of()
            if found is not None:
                route = f"{route} [{found}]"
            _record(
                f"{scope.get('method')} {route}", "request", (time.perf_counter() - started) * 1000
            )
            _current_route.reset(route_token)
            _current_arrival.reset(arrival_token)
            _current_tag.reset(tag_token)

    web_app.WireApp.__call__ = wire_call  # type: ignore[method-assign]


import contextvars  # noqa: E402

_current_route: contextvars.ContextVar[str] = contextvars.ContextVar("profiled_route")
_current_arrival: contextvars.ContextVar[float] = contextvars.ContextVar("profiled_arrival")
_current_tag: contextvars.ContextVar[dict[str, str]] = contextvars.ContextVar("profiled_tag")
SYNC_TAG_HEADER = b"x-bench-sync"
"""Set on `GET /v1/sync` answers by this launcher only: "cache|built|full;writer=0|1"."""


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def dump(folder: Path) -> None:
    table: dict[str, dict[str, dict[str, float]]] = {}
    with _lock:
        for route, phases in _phases.items():
            table[route] = {
                phase: {
                    "n": len(values),
                    "p50": round(_percentile(values, 0.5), 2),
                    "p99": round(_percentile(values, 0.99), 2),
                    "mean": round(sum(values) / len(values), 2),
                }
                for phase, values in phases.items()
            }
        profiles = list(_profiles)
    (folder / "phases.json").write_text(json.dumps(table, indent=2))
    if profiles:
        out = io.StringIO()
        stats = pstats.Stats(profiles[0], stream=out)
        for profile in profiles[1:]:
            stats.add(profile)
        stats.sort_stats("tottime").print_stats(40)
        stats.sort_stats("cumulative").print_stats(60)
        (folder / "cprofile.txt").write_text(out.getvalue())


def main() -> int:
    arguments = sys.argv[1:]
    split = arguments.index("--")
    own, serve_arguments = arguments[:split], arguments[split + 1 :]
    folder = Path(own[0])
    folder.mkdir(parents=True, exist_ok=True)
    pool = int(own[own.index("--pool") + 1]) if "--pool" in own else None
    threads = int(own[own.index("--threads") + 1]) if "--threads" in own else None
    if "--switch-ms" in own:  # the interpreter's GIL switch interval (default 5 ms)
        sys.setswitchinterval(float(own[own.index("--switch-ms") + 1]) / 1000)
    install("--cprofile" in own, pool, threads)
    atexit.register(dump, folder)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    from desktop.backend.web.serve import main as serve

    try:
        return serve(serve_arguments)
    finally:
        dump(folder)


if __name__ == "__main__":
    sys.exit(main())
