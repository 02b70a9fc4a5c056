"""Load on one shared server: many simulated desktop clients over HTTP on loopback (issue 12.7).

For each database (SQLite file, throwaway PostgreSQL) and each client count (100, 300):

1. Mixed load for a fixed time: every client signs in as its own operator (seeded before the run
   by bench/seeding.py, as real operators each have their own account and one or two desktop
   clients; `--shared-account` signs every client in as pilot@example.com instead, as the first
   rounds did), with its own session, takes a full sync, then loops: delta syncs, now and then a
   send (a new idempotency key, then the same request again as a retry would) or a redeem (a new
   key), with a think time between calls (arrivals: see below). Reports delta-sync latency
   (p50, p99), calls per
   second, errors (transport failures, 5xx and unexpected answers; rule refusals such as
   no_tokens are counted apart), and exactly-once counted at the end in the database: one
   invitation per acknowledged send key (its retry got the same id), one spent token per
   acknowledged redemption.
2. The floor: `GET /bare` of a bare FastAPI app (below) with the same clients under the same
   arrival model and think times for the same time: the p99 the framework and this machine give
   a request that does no work at all, beside the delta-sync p99 of part 1.
3. Throughput, no think time, for a fixed time: delta syncs only against the server, and
   `GET /bare` of a bare FastAPI app returning a JSON body of the median delta-sync size of
   part 1, in alternating slices (`--slices`, both servers up throughout), each side with the
   same clients on the same kind of connection. Both are one uvicorn process with the same
   settings (access log off, log level warning, 5 s keep-alive), the endpoint a plain `def`
   run on anyio's 40 worker threads; the server's endpoint also resolves its bearer token and
   validates its query (its own cost). Reports requests per second of each and the ratio.

Arrivals (`--arrivals`). `jittered` (the default since round 6): each client makes its first
timed call at a random moment within the first think period, and each think is the given one
times a factor drawn uniformly from 0.5-1.5, from a generator seeded by `--seed` and the
client's index (the same seed, the same schedule of intents): desktop clients start and sync at
unrelated moments. `lockstep` (rounds 1-5): every client makes its first call at the same
instant and thinks exactly `--think`, so the server gets bursts of as many requests as there are
clients; the last of a burst waits for all the others however fast each is.

The server is `referral-desktop serve` in a child process (desktop.backend.web.serve); the bare
endpoint is another child; the clients are asyncio tasks with httpx in this process. Targets
(docs/PERFORMANCE.md): delta-sync p99 <= 50 ms at 100 clients, sync throughput >= 0.5x bare,
0 errors, exactly-once.

    .venv/bin/python bench/server_load.py [--clients 100 300] [--databases sqlite postgresql]
        [--seconds 10] [--throughput-seconds 5] [--think 1.0] [--arrivals jittered|lockstep]
        [--seed 1] [--json results.json]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.seeding import OPERATOR_PASSWORD, seed_operators  # noqa: E402
from desktop.backend.datafile import backend_db_path  # noqa: E402
from desktop.backend.simulator import Simulator  # noqa: E402
from desktop.backend.store import sqlite_url  # noqa: E402
from desktop.domain.policy import PolicyError  # noqa: E402

OPERATOR = "pilot@example.com"
PASSWORD = OPERATOR_PASSWORD
TOKENS_READY = 100
"""Conversions done before the run so redeems have tokens to spend (`--shared-account`)."""
CREDITS_EACH = 5
"""Credits each seeded operator holds for its redeems (about one per 20 s of mixed load)."""
START_TIMEOUT_S = 60.0
RAMP_CONCURRENCY = 10
"""Clients signing in and taking their first full sync at once, before the timed part."""
REQUEST_TIMEOUT_S = 30.0
KEEP_ALIVE_EXPIRY_S = 4.0
"""A connection idle this long is opened anew before the next request, as httpx's pool does
(its `keepalive_expiry`, 5 s): the server closes one idle for 5 s (uvicorn's
`timeout_keep_alive`), and a request written as it closes is lost (an error that says nothing
about the server under load: clients idle through the ramp of all the others)."""
ARRIVAL_MODELS = ("jittered", "lockstep")
THINK_JITTER = (0.5, 1.5)
"""`jittered`: each think is `--think` times a factor drawn uniformly from this range."""
LONG_POLL_S = 25.0
"""The long poll's timeout a desktop client asks for (`--long-poll`)."""


# -------------------------------------------------------------------------------------------
# Servers in child processes
# -------------------------------------------------------------------------------------------

SERVE_CODE = "import sys; from desktop.backend.web.serve import main; sys.exit(main(sys.argv[1:]))"

BARE_CODE = """
import sys, uvicorn
from fastapi import FastAPI
from fastapi.responses import Response
size = int(sys.argv[1])
body = ('{"pad":"' + 'x' * max(size - 10, 0) + '"}').encode()
app = FastAPI()

@app.get("/bare")
def bare() -> Response:
    return Response(body, media_type="application/json")

print("Serving bare on http://127.0.0.1:" + sys.argv[2], flush=True)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning",
            access_log=False, timeout_keep_alive=5)
"""


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


CHILD_PIDS: dict[str, int] = {}
"""The process id of each running child server, by base URL."""


def cpu_seconds(base: str) -> float:
    """CPU time (user + system) the child server at `base` has used so far (Linux /proc; NaN
    elsewhere). Per request, it compares the two servers whatever else the machine runs."""
    try:
        fields = Path(f"/proc/{CHILD_PIDS[base]}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, KeyError):
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def child_server(command: list[str], port: int, log: Path) -> Iterator[str]:
    """Start a server child (its output into `log`), wait until it answers on `port`, stop it
    on exit."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with log.open("ab") as output:
        process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=output, stderr=output, env=env, cwd=ROOT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}: {command}")
            try:
                httpx.get(base + "/", timeout=1.0)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError("server did not start in time") from None
                time.sleep(0.05)
        CHILD_PIDS[base] = process.pid
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def serve_command(
    database_url: str,
    port: int,
    profile: Path | None = None,
    launcher_options: list[str] | None = None,
) -> list[str]:
    """The server child's command; with `profile`, bench/serve_profiled.py times each phase of
    every call and writes its tables into that folder (`launcher_options`: its --cprofile,
    --pool N, --threads N)."""
    arguments = ["--database", database_url, "--port", str(port), "--log-level", "warning"]
    if profile is not None:
        launcher = [sys.executable, str(ROOT / "bench" / "serve_profiled.py"), str(profile)]
        return [*launcher, *(launcher_options or []), "--", *arguments]
    return [sys.executable, "-c", SERVE_CODE, *arguments]


# -------------------------------------------------------------------------------------------
# Preparing the database
# -------------------------------------------------------------------------------------------


def prepare(database_url: str, clients: int, shared: bool) -> list[str]:
    """No daily limit, cap or sign-in limit in the way; tokens ready for redeems;
    prompts_required 1. The operator each client signs in as: `clients` new ones (or pilot@
    for all when `shared`)."""
    with Simulator.over_url(database_url) as sim:
        sim.set_policy(
            {
                "daily_invitation_limit": 1_000_000,
                "monthly_cap": 1_000_000,
                "prompts_required": 1,
                "token_expiry_days": "none",
            }
        )
        # Every client signs in as pilot@ from 127.0.0.1, ten at a time: the HTTP sign-in limits
        # count attempts in flight, so they would refuse most of the ramp. (A tree from before
        # the limits refuses the keys.)
        with contextlib.suppress(PolicyError):
            sim.set_policy(
                {
                    "sign_in_failures_per_account": 1_000_000,
                    "sign_in_failures_per_client": 1_000_000,
                }
            )
        if shared:
            for n in range(TOKENS_READY):
                peer = f"ready{n}@example.com"
                link = sim.invite(OPERATOR, peer).invitation.link
                sim.recipient_join(link, peer)
                sim.recipient_init(link, peer)
                sim.recipient_prompt(link, peer)
    if shared:
        return [OPERATOR] * clients
    return seed_operators(database_url, clients, CREDITS_EACH)


# -------------------------------------------------------------------------------------------
# Clients
# -------------------------------------------------------------------------------------------


@dataclass
class Tally:
    """What the clients saw."""

    delta_sync_ms: list[float] = field(default_factory=list)
    sync_sizes: list[int] = field(default_factory=list)
    calls: int = 0
    error_count: int = 0
    errors: list[str] = field(default_factory=list)  # the first few, as samples
    refusals: dict[str, int] = field(default_factory=dict)
    sends: dict[str, str] = field(default_factory=dict)  # key -> invitation id
    send_retries_differing: int = 0
    redemptions: dict[str, str] = field(default_factory=dict)  # key -> token id (new spends)
    warmup_calls: int = 0
    polls: int = 0  # long polls answered
    # Delta-sync latencies by the server's path, "cache|built|full;writer=0|1" (with --profile only:
    # bench/serve_profiled.py's `x-bench-sync` header).
    sync_by_path: dict[str, list[float]] = field(default_factory=dict)

    def error(self, what: str) -> None:
        self.error_count += 1
        if len(self.errors) < 5:
            self.errors.append(what)

    def absorb(self, other: Tally) -> None:
        """Add another run's latencies and errors to this one's."""
        self.delta_sync_ms += other.delta_sync_ms
        self.sync_sizes += other.sync_sizes
        self.calls += other.calls
        self.error_count += other.error_count
        self.errors += other.errors[: max(0, 5 - len(self.errors))]

    def refused(self, body: Any) -> None:
        reason = body.get("reason", "?") if isinstance(body, dict) else "?"
        self.refusals[reason] = self.refusals.get(reason, 0) + 1


class Answer:
    """A response as the clients read it."""

    def __init__(self, status_code: int, content: bytes, tag: str | None = None) -> None:
        self.status_code = status_code
        self.content = content
        self.tag = tag  # bench/serve_profiled.py's `x-bench-sync` header, if any

    def json(self) -> Any:
        return json.loads(self.content)


class Connection:
    """One simulated client's keep-alive HTTP/1.1 connection, written straight on asyncio
    streams. httpx's pool cost ~1-2 ms of the bench process's CPU per request, so with 100
    clients the one client process, not the server, set the pace (the bare endpoint answered
    only 130-150 requests/s); this costs a few tens of microseconds."""

    def __init__(self, base: str) -> None:
        host_port = base.removeprefix("http://")
        self.host, port = host_port.rsplit(":", 1)
        self.port = int(port)
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._last_used = 0.0

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        return await asyncio.wait_for(
            self._exchange(method, path, params, json, headers), REQUEST_TIMEOUT_S
        )

    async def _exchange(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None,
        body_value: Any,
        headers: dict[str, str] | None,
    ) -> Answer:
        if params:
            path += "?" + "&".join(f"{key}={value}" for key, value in params.items())
        body = b"" if body_value is None else json.dumps(body_value).encode()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if body_value is not None:
            lines.append("Content-Type: application/json")
        lines.append(f"Content-Length: {len(body)}")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        idle = time.monotonic() - self._last_used
        if self._streams is None or self._streams[0].at_eof() or idle > KEEP_ALIVE_EXPIRY_S:
            self.close()
            self._streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._streams
        try:
            writer.write(data)
            head = await reader.readuntil(b"\r\n\r\n")
            status_line, *header_lines = head.decode("latin-1").split("\r\n")
            status = int(status_line.split(" ", 2)[1])
            length = 0
            keep = True
            tag = None
            for line in header_lines:
                name, _, value = line.partition(":")
                name = name.strip().lower()
                if name == "content-length":
                    length = int(value)
                elif name == "connection" and value.strip().lower() == "close":
                    keep = False
                elif name == "x-bench-sync":
                    tag = value.strip()
            content = await reader.readexactly(length) if length else b""
        except BaseException:
            self.close()
            raise
        if not keep:
            self.close()
        self._last_used = time.monotonic()
        return Answer(status, content, tag)

    def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None


TRANSPORT_ERRORS = (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError)


def _json(response: Answer) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


@dataclass
class Pacing:
    """When one client makes its calls: its first call `offset` seconds into the timed part,
    then a think after each call (`think_s()`)."""

    think: float
    arrivals: str = "lockstep"
    rng: random.Random | None = None
    offset: float = 0.0

    @classmethod
    def of(cls, think: float, arrivals: str, seed: int, index: int) -> Pacing:
        """Client `index`'s pacing: the same for the same seed, arrival model and index."""
        if arrivals == "lockstep" or think <= 0:
            return cls(think)
        rng = random.Random(seed * 1_000_003 + index)
        return cls(think, arrivals, rng, rng.uniform(0.0, think))

    def think_s(self) -> float:
        if self.rng is None:
            return self.think
        return self.think * self.rng.uniform(*THINK_JITTER)


async def call(
    tally: Tally, client: Connection, method: str, url: str, **kwargs: Any
) -> Answer | None:
    tally.calls += 1
    try:
        response = await client.request(method, url, **kwargs)
    except TRANSPORT_ERRORS as error:
        tally.error(f"{method} {url}: {type(error).__name__}")
        return None
    if response.status_code >= 500:
        tally.error(f"{method} {url}: {response.status_code}")
        return None
    return response


async def sign_in_and_sync(
    tally: Tally, client: Connection, ramp: asyncio.Semaphore, email: str
) -> tuple[dict[str, str], int] | None:
    """A client's start: sign in with its own session, then a full sync: (headers, cursor), or
    None (counted as an error) when either fails. `ramp` bounds how many start at once."""
    async with ramp:
        try:
            return await _start(tally, client, email)
        except RuntimeError as error:
            tally.error(str(error))
            return None


async def _start(tally: Tally, client: Connection, email: str) -> tuple[dict[str, str], int]:
    signed = await call(
        tally,
        client,
        "POST",
        "/v1/sessions",
        json={"email": email, "password": PASSWORD},
        headers={"Idempotency-Key": f"bench-sign-in-{uuid.uuid4()}"},
    )
    if signed is None or signed.status_code != 200:
        raise RuntimeError(f"sign-in answered {None if signed is None else signed.status_code}")
    auth = {"Authorization": f"Bearer {signed.json()['token']}"}
    first = await call(tally, client, "GET", "/v1/sync", params={"cursor": 0}, headers=auth)
    if first is None or first.status_code != 200:
        raise RuntimeError("the first (full) sync failed")
    return auth, int(first.json()["cursor"])


async def run_client(
    tally: Tally,
    client: Connection,
    start: tuple[dict[str, str], int],
    deadline: float,
    pacing: Pacing,
    index: int,
    mix: bool,
) -> None:
    auth, cursor = start
    step = index  # clients start at different points of the cycle
    if pacing.offset > 0:
        await asyncio.sleep(pacing.offset)
    while time.monotonic() < deadline:
        step += 1
        kind = "sync"
        if mix and step % 10 == 3:
            kind = "send"
        elif mix and step % 20 == 7:
            kind = "redeem"
        if kind == "sync":
            started = time.perf_counter()
            answer = await call(
                tally, client, "GET", "/v1/sync", params={"cursor": cursor}, headers=auth
            )
            elapsed = (time.perf_counter() - started) * 1000
            if answer is not None:
                if answer.status_code != 200:
                    tally.error(f"sync answered {answer.status_code}")
                else:
                    tally.delta_sync_ms.append(elapsed)
                    if answer.tag is not None:
                        tally.sync_by_path.setdefault(answer.tag, []).append(elapsed)
                    tally.sync_sizes.append(len(answer.content))
                    cursor = int(answer.json()["cursor"])
        elif kind == "send":
            key = f"bench-send-{uuid.uuid4()}"
            body = {"email": f"peer-{uuid.uuid4().hex[:12]}@example.com"}
            ids = []
            for _ in range(2):  # the request, then the same request again (a retry)
                answer = await call(
                    tally,
                    client,
                    "POST",
                    "/v1/invitations",
                    json=body,
                    headers={**auth, "Idempotency-Key": key},
                )
                if answer is None:
                    continue
                if answer.status_code == 200:
                    ids.append(answer.json()["id"])
                elif 400 <= answer.status_code < 500:
                    tally.refused(_json(answer))
                else:
                    tally.error(f"send answered {answer.status_code}")
            if ids:
                tally.sends[key] = ids[0]
                if len(set(ids)) != 1:
                    tally.send_retries_differing += 1
        else:
            key = f"bench-redeem-{uuid.uuid4()}"
            answer = await call(
                tally, client, "POST", "/v1/redemptions", headers={**auth, "Idempotency-Key": key}
            )
            if answer is not None:
                if answer.status_code == 200:
                    data = answer.json()
                    if not data["replayed"]:
                        tally.redemptions[key] = data["token"]["id"]
                elif 400 <= answer.status_code < 500:
                    tally.refused(_json(answer))
                else:
                    tally.error(f"redeem answered {answer.status_code}")
        if pacing.think > 0:
            await asyncio.sleep(pacing.think_s())


async def long_poll(tally: Tally, base: str, auth: dict[str, str], deadline: float) -> None:
    """What a desktop client does besides its calls: one long poll on its own connection,
    asked again as soon as it answers (docs/WIRE.md, `GET /v1/changes`). Polls that return
    early because something changed are counted in `tally.polls`."""
    connection = Connection(base)
    after = 0
    try:
        while time.monotonic() < deadline:
            left = max(0.0, min(LONG_POLL_S, deadline - time.monotonic()))
            answer = await call(
                tally,
                connection,
                "GET",
                "/v1/changes",
                params={"after": after, "timeout": round(left, 2)},
                headers=auth,
            )
            if answer is None:
                continue
            if answer.status_code != 200:
                tally.error(f"changes answered {answer.status_code}")
                continue
            after = int(answer.json()["cursor"])
            tally.polls += 1
    finally:
        connection.close()


async def run_bare_client(
    tally: Tally, client: Connection, deadline: float, pacing: Pacing
) -> None:
    """Calls of `GET /bare`, paced like a mixed-load client (the floor) or back to back."""
    if pacing.offset > 0:
        await asyncio.sleep(pacing.offset)
    while time.monotonic() < deadline:
        started = time.perf_counter()
        answer = await call(tally, client, "GET", "/bare")
        if answer is not None:
            tally.delta_sync_ms.append((time.perf_counter() - started) * 1000)
        if pacing.think > 0:
            await asyncio.sleep(pacing.think_s())


async def load(
    base: str,
    operators: list[str],
    seconds: float,
    think: float,
    *,
    mix: bool,
    bare: bool = False,
    polls: bool = False,
    cpu_mark: list[float] | None = None,
    arrivals: str = "lockstep",
    seed: int = 1,
) -> tuple[Tally, float]:
    """Run one client task per entry of `operators` (the address it signs in as) for `seconds`,
    each paced by `think` and the arrival model (`Pacing`); the tally and the measured wall
    time."""
    tally = Tally()
    connections = [Connection(base) for _ in operators]
    try:
        starts: list[tuple[Connection, tuple[dict[str, str], int]]] = []
        if not bare:
            # Every client signs in and takes its full sync first; the timed part follows.
            warmup = Tally()
            ramp = asyncio.Semaphore(RAMP_CONCURRENCY)
            started_clients = await asyncio.gather(
                *(
                    sign_in_and_sync(warmup, connection, ramp, email)
                    for connection, email in zip(connections, operators, strict=True)
                )
            )
            starts = [
                (connection, start)
                for connection, start in zip(connections, started_clients, strict=True)
                if start is not None
            ]
            tally.warmup_calls = warmup.calls
            tally.error_count += warmup.error_count
            tally.errors.extend(warmup.errors[:5])
        if cpu_mark is not None:  # the server's CPU time when the timed part begins
            cpu_mark.append(cpu_seconds(base))
        started = time.monotonic()
        deadline = started + seconds
        if bare:
            tasks = [
                run_bare_client(
                    tally, connection, deadline, Pacing.of(think, arrivals, seed, index)
                )
                for index, connection in enumerate(connections)
            ]
        else:
            tasks = [
                run_client(
                    tally,
                    connection,
                    start,
                    deadline,
                    Pacing.of(think, arrivals, seed, index),
                    index,
                    mix,
                )
                for index, (connection, start) in enumerate(starts)
            ]
            if polls:
                tasks += [long_poll(tally, base, start[0], deadline) for _, start in starts]
        await asyncio.gather(*tasks)
        return tally, time.monotonic() - started
    finally:
        for connection in connections:
            connection.close()


# -------------------------------------------------------------------------------------------
# Exactly-once, counted in the database
# -------------------------------------------------------------------------------------------


def exactly_once(database_url: str, tally: Tally, operators: list[str]) -> dict[str, Any]:
    with Simulator.over_url(database_url) as sim:
        records = sim.invitations()
        by_key: dict[str, list[str]] = {}
        for record in records:
            key = record.invitation.idempotency_key
            if key is not None and key.startswith("bench-send-"):
                by_key.setdefault(key, []).append(record.invitation.id)
        wallets = [sim.wallet(email) for email in sorted(set(operators))]
    spent = {token.id for wallet in wallets for token in wallet.tokens if token.state == "spent"}
    acknowledged_tokens = list(tally.redemptions.values())
    sends_ok = all(by_key.get(key) == [invitation] for key, invitation in tally.sends.items())
    return {
        "sends_acknowledged": len(tally.sends),
        "bench_invitations_in_db": sum(len(ids) for ids in by_key.values()),
        "keys_with_two_invitations": sum(1 for ids in by_key.values() if len(ids) > 1),
        "send_retries_answered_differently": tally.send_retries_differing,
        "redemptions_acknowledged": len(acknowledged_tokens),
        "tokens_spent_in_db": len(spent),
        "holds": (
            sends_ok
            and all(len(ids) == 1 for ids in by_key.values())
            and tally.send_retries_differing == 0
            and len(set(acknowledged_tokens)) == len(acknowledged_tokens)
            and set(acknowledged_tokens) == spent
        ),
    }


# -------------------------------------------------------------------------------------------
# Runs
# -------------------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def by_path(tally: Tally) -> dict[str, dict[str, float]]:
    """`Tally.sync_by_path` as n, p50, p99 and each path's share of the slowest 1% of syncs."""
    if not tally.sync_by_path:
        return {}
    limit = percentile(tally.delta_sync_ms, 0.99)
    return {
        path: {
            "n": len(values),
            "p50_ms": round(percentile(values, 0.50), 1),
            "p99_ms": round(percentile(values, 0.99), 1),
            "in_slowest_1pct": sum(1 for value in values if value >= limit),
        }
        for path, values in sorted(tally.sync_by_path.items())
    }


@contextmanager
def databases(kinds: list[str], work: Path) -> Iterator[dict[str, str]]:
    """A fresh database URL per kind (one PostgreSQL server for all of them)."""
    server = None
    try:
        urls: dict[str, str] = {}
        for kind in kinds:
            if kind == "sqlite":
                folder = work / f"sqlite-{uuid.uuid4().hex[:6]}"
                folder.mkdir()
                urls[kind] = sqlite_url(backend_db_path(folder))
            elif kind == "postgresql":
                from tests.postgres import ThrowawayPostgres, find_bin_dir

                if server is None:
                    bin_dir = find_bin_dir()
                    if bin_dir is None:
                        raise SystemExit("PostgreSQL binaries not found (apt install postgresql)")
                    server = ThrowawayPostgres(bin_dir).start()
                urls[kind] = server.new_database()
            else:
                raise SystemExit(f"unknown database {kind!r}")
        yield urls
    finally:
        if server is not None:
            server.stop()


def launcher_options(options: argparse.Namespace) -> list[str]:
    """bench/serve_profiled.py's options from ours."""
    chosen = ["--cprofile"] if options.cprofile else []
    if options.pool is not None:
        chosen += ["--pool", str(options.pool)]
    if options.threads is not None:
        chosen += ["--threads", str(options.threads)]
    if options.switch_ms is not None:
        chosen += ["--switch-ms", str(options.switch_ms)]
    return chosen


def timed_load(
    base: str, operators: list[str], seconds: float, *, bare: bool
) -> tuple[Tally, float, float]:
    """A throughput `load` of `base`, with the CPU seconds its server used in the timed part
    (not in the ramp: sign-ins hash passwords)."""
    mark: list[float] = []
    run = load(base, operators, seconds, 0.0, mix=False, bare=bare, cpu_mark=mark)
    tally, wall = asyncio.run(run)
    return tally, wall, cpu_seconds(base) - mark[0]


def run_one(
    kind: str, url: str, clients: int, options: argparse.Namespace, work: Path
) -> dict[str, Any]:
    operators = prepare(url, clients, options.shared_account)
    port = _free_port()
    log = work / f"server-{kind}-{clients}.log"
    profile = None if options.profile is None else options.profile / f"{kind}-{clients}"
    with child_server(
        serve_command(url, port, profile, launcher_options(options)), port, log
    ) as base:
        mixed_mark: list[float] = []
        mixed, wall = asyncio.run(
            load(
                base,
                operators,
                options.seconds,
                options.think,
                mix=True,
                polls=options.long_poll,
                cpu_mark=mixed_mark,
                arrivals=options.arrivals,
                seed=options.seed,
            )
        )
        mixed_cpu = cpu_seconds(base) - mixed_mark[0]
        size = int(statistics.median(mixed.sync_sizes)) if mixed.sync_sizes else 1000
        bare_port = _free_port()
        bare_command = [sys.executable, "-c", BARE_CODE, str(size), str(bare_port)]
        # Sync-only and bare in alternating slices, both servers up, so a change in the shared
        # machine's load falls on both sides of the ratio alike.
        syncs, bare = Tally(), Tally()
        sync_wall = bare_wall = sync_cpu = bare_cpu = 0.0
        piece = options.throughput_seconds / options.slices
        with child_server(bare_command, bare_port, work / f"bare-{clients}.log") as bare_base:
            # The floor: the bare endpoint under the mixed part's arrivals and think times.
            floor, _ = asyncio.run(
                load(
                    bare_base,
                    operators,
                    options.floor_seconds or options.seconds,
                    options.think,
                    mix=False,
                    bare=True,
                    arrivals=options.arrivals,
                    seed=options.seed,
                )
            )
            for _ in range(options.slices):
                part, part_wall, used = timed_load(base, operators, piece, bare=False)
                syncs.absorb(part)
                sync_wall += part_wall
                sync_cpu += used
                part, part_wall, used = timed_load(bare_base, operators, piece, bare=True)
                bare.absorb(part)
                bare_wall += part_wall
                bare_cpu += used
    sync_rps = len(syncs.delta_sync_ms) / sync_wall
    bare_rps = len(bare.delta_sync_ms) / bare_wall
    result = {
        "database": kind,
        "clients": clients,
        "seconds": round(wall, 1),
        "think_s": options.think,
        "arrivals": options.arrivals,
        "seed": options.seed,
        "mixed_calls_per_s": round((mixed.calls - mixed.polls) / wall, 1),
        "delta_syncs": len(mixed.delta_sync_ms),
        "delta_sync_p50_ms": round(percentile(mixed.delta_sync_ms, 0.50), 1),
        "delta_sync_p99_ms": round(percentile(mixed.delta_sync_ms, 0.99), 1),
        # With --profile: the delta syncs by the server's path (quiet cache or full read) and
        # whether a writer held the writers' queue meanwhile; n, p50, p99, and how many of the
        # mixed part's slowest 1% each path has.
        "delta_sync_by_path": by_path(mixed),
        "median_sync_bytes": size,
        # The server's CPU in the timed mixed part per call made (syncs, sends, redeems).
        "mixed_cpu_ms_per_call": round(mixed_cpu * 1000 / max(mixed.calls - mixed.polls, 1), 3),
        "floor_bare_p50_ms": round(percentile(floor.delta_sync_ms, 0.50), 1),
        "floor_bare_p99_ms": round(percentile(floor.delta_sync_ms, 0.99), 1),
        "long_polls": options.long_poll,
        "long_polls_answered": mixed.polls,
        "errors": mixed.error_count + syncs.error_count + bare.error_count + floor.error_count,
        "error_samples": (mixed.errors + syncs.errors + bare.errors + floor.errors)[:5],
        "refusals": mixed.refusals,
        "sync_only_rps": round(sync_rps, 1),
        "sync_only_p99_ms": round(percentile(syncs.delta_sync_ms, 0.99), 1),
        "bare_rps": round(bare_rps, 1),
        "bare_p99_ms": round(percentile(bare.delta_sync_ms, 0.99), 1),
        "throughput_ratio": round(sync_rps / bare_rps, 2) if bare_rps else float("nan"),
        # Server CPU per answered request in the timed parts: the comparison that holds
        # whatever else the shared machine runs.
        "sync_cpu_ms_per_request": round(sync_cpu * 1000 / max(len(syncs.delta_sync_ms), 1), 3),
        "bare_cpu_ms_per_request": round(bare_cpu * 1000 / max(len(bare.delta_sync_ms), 1), 3),
        "shared_account": options.shared_account,
        "exactly_once": exactly_once(url, mixed, operators),
    }
    return result


IN_PROCESS_OPERATORS = 20
"""Operators the `--in-process` measurement rotates through (each with its own session)."""


def in_process(kind: str, url: str, calls: int) -> dict[str, Any]:
    """CPU per call of `MockBackend.sync` in this process, no HTTP (`--in-process CALLS`): a
    quiet delta sync, the delta sync after the account's own send and after its own redeem (the
    write itself not timed), and a cursor-0 sync; `time.process_time` around the sync only, so
    a quick A/B of the sync's own work (PostgreSQL's server process is not counted)."""
    from desktop.backend.api import NoTokens
    from desktop.backend.service import MockBackend

    operators = prepare(url, IN_PROCESS_OPERATORS, False)
    timings: dict[str, float] = {"quiet": 0.0, "after_send": 0.0, "after_redeem": 0.0, "full": 0.0}
    with MockBackend.over_url(url) as backend, Simulator.over_url(url) as sim:
        sessions = [backend.sign_in(email, PASSWORD).token for email in operators]
        cursors = [backend.sync(session, 0).cursor for session in sessions]
        for n in range(calls):
            at = n % len(sessions)
            session, cursor = sessions[at], cursors[at]
            started = time.process_time()
            backend.sync(session, cursor)
            timings["quiet"] += time.process_time() - started
            backend.send_invitation(
                session, f"peer-{uuid.uuid4().hex[:12]}@example.com", f"in-process-{n}"
            )
            started = time.process_time()
            cursor = backend.sync(session, cursor).cursor
            timings["after_send"] += time.process_time() - started
            try:
                backend.redeem(session, f"in-process-redeem-{n}")
            except NoTokens:
                sim.grant(operators[at], expires_days=None)
                backend.redeem(session, f"in-process-redeem-{n}")
            started = time.process_time()
            cursor = backend.sync(session, cursor).cursor
            timings["after_redeem"] += time.process_time() - started
            backend.sync(session, cursor)  # the entry again, for the next quiet sync
            started = time.process_time()
            backend.sync(session, 0)
            timings["full"] += time.process_time() - started
            cursors[at] = cursor
    return {
        "database": kind,
        "calls": calls,
        "cpu_ms_per_sync": {name: round(used * 1000 / calls, 3) for name, used in timings.items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[100, 300])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--seconds", type=float, default=10.0, help="mixed load duration")
    parser.add_argument("--throughput-seconds", type=float, default=5.0)
    parser.add_argument(
        "--slices",
        type=int,
        default=2,
        help="throughput: sync-only and bare alternate in this many slices each",
    )
    parser.add_argument("--think", type=float, default=1.0, help="pause between a client's calls")
    parser.add_argument(
        "--arrivals",
        choices=ARRIVAL_MODELS,
        default="jittered",
        help="jittered: random first call within one think, thinks 0.5-1.5x (seeded); "
        "lockstep: all clients at once, exact thinks (rounds 1-5)",
    )
    parser.add_argument("--seed", type=int, default=1, help="the jittered schedule's seed")
    parser.add_argument(
        "--floor-seconds",
        type=float,
        default=None,
        help="the bare endpoint under the same arrivals (default: --seconds)",
    )
    parser.add_argument(
        "--long-poll",
        action="store_true",
        help="each client also keeps a long poll (GET /v1/changes) open during the mixed load",
    )
    parser.add_argument(
        "--shared-account",
        action="store_true",
        help="every client signs in as pilot@example.com (the first rounds' bench)",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", type=Path, help="keep the servers' logs in this folder")
    parser.add_argument(
        "--profile", type=Path, help="time each phase of the server's calls into this folder"
    )
    parser.add_argument("--cprofile", action="store_true", help="with --profile: cProfile too")
    parser.add_argument("--pool", type=int, help="with --profile: connection pool size")
    parser.add_argument("--threads", type=int, help="with --profile: worker threads")
    parser.add_argument(
        "--switch-ms", type=float, help="with --profile: the server's GIL switch interval, ms"
    )
    parser.add_argument(
        "--in-process",
        type=int,
        metavar="CALLS",
        help="instead: CPU per sync in this process, no HTTP (quiet, after a send, after a "
        "redeem, cursor 0), CALLS of each per database",
    )
    options = parser.parse_args()
    if options.in_process:
        with tempfile.TemporaryDirectory(prefix="server-load-") as scratch:
            for kind in options.databases:
                with databases([kind], Path(scratch)) as urls:
                    print(json.dumps(in_process(kind, urls[kind], options.in_process)), flush=True)
        return 0
    try:
        import desktop.backend.web.serve  # noqa: F401
    except ImportError:
        print("server_load: needs the HTTP server (desktop.backend.web.serve)", file=sys.stderr)
        return 2

    results = []
    with tempfile.TemporaryDirectory(prefix="server-load-") as scratch:
        work = str(options.keep or scratch)
        Path(work).mkdir(parents=True, exist_ok=True)
        for kind in options.databases:
            for clients in options.clients:
                with databases([kind], Path(work)) as urls:
                    result = run_one(kind, urls[kind], clients, options, Path(work))
                results.append(result)
                print(json.dumps(result), flush=True)
    print()
    print(
        f"{'db':<11}{'clients':>8}{'sync p50':>10}{'sync p99':>10}{'floor p99':>10}{'calls/s':>9}"
        f"{'sync/s':>8}{'bare/s':>8}{'ratio':>7}{'cpu ms':>13}{'errors':>7}  exactly-once"
    )
    for r in results:
        print(
            f"{r['database']:<11}{r['clients']:>8}{r['delta_sync_p50_ms']:>10}"
            f"{r['delta_sync_p99_ms']:>10}{r['floor_bare_p99_ms']:>10}"
            f"{r['mixed_calls_per_s']:>9}{r['sync_only_rps']:>8}"
            f"{r['bare_rps']:>8}{r['throughput_ratio']:>7}"
            f"{r['sync_cpu_ms_per_request']:>7}/{r['bare_cpu_ms_per_request']:<5}{r['errors']:>7}  "
            f"{r['exactly_once']['holds']}"
        )
        for path, row in r["delta_sync_by_path"].items():
            print(f"    sync [{path}]: {row}")
    if options.json is not None:
        options.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
