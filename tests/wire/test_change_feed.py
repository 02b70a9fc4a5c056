"""The server's change feed (`GET /v1/changes`, desktop.backend.web.feed) under several waiters:
a change for one account wakes that account's waiters with the new cursor and leaves the others
asleep; the waiters of one account share one look per wake; a change made by another process
on the same file is still seen, within the feed's period.

Runs the service in process (httpx's ASGI transport) so the feed's looks can be counted."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from desktop.backend.service import MockBackend
from desktop.backend.simulator import Simulator
from desktop.backend.web.app import WireApp, create_app

ROOT = Path(__file__).resolve().parents[2]
NEVER_S = 3600.0  # a feed period no test waits for: only this process's writes wake it


@pytest.fixture
def world(data_dir: Path) -> Iterator[tuple[MockBackend, Simulator]]:
    with Simulator(data_dir) as sim, MockBackend(data_dir) as backend:
        yield backend, sim


Body = Callable[[WireApp, httpx.AsyncClient], Awaitable[Any]]


def run(backend: MockBackend, period_s: float, body: Body, hold_s: float = 0.0) -> Any:
    simulator = Simulator.over_store(backend.store)
    wire = create_app(backend, simulator, change_poll_s=period_s, change_hold_s=hold_s)

    async def main() -> Any:
        transport = httpx.ASGITransport(app=wire)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await body(wire, client)

    # On a thread of its own: in a worker process that ran the browser tests before, Playwright's
    # sync API keeps an event loop running on this thread, where asyncio.run() refuses to start.
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="feed-test") as pool:
        result = pool.submit(asyncio.run, main()).result()
    # The framework's worker threads (sync endpoints) are told to stop as the loop closes and
    # end a moment later; the leak check after the test must not see them still running.
    for thread in threading.enumerate():
        if thread.name == "AnyIO worker thread":
            thread.join(timeout=10)
    return result


async def sign_in(client: httpx.AsyncClient, email: str, key: str) -> dict[str, str]:
    answer = await client.post(
        "/v1/sessions",
        json={"email": email, "password": "demo"},
        headers={"Idempotency-Key": key},
    )
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['token']}"}


async def cursor_of(client: httpx.AsyncClient, auth: dict[str, str]) -> int:
    answer = await client.get("/v1/changes", params={"after": 0}, headers=auth)
    answer.raise_for_status()
    return int(answer.json()["cursor"])


def long_poll(
    client: httpx.AsyncClient, auth: dict[str, str], after: int, timeout: float = 30
) -> asyncio.Task[int]:
    async def poll() -> int:
        answer = await client.get(
            "/v1/changes", params={"after": after, "timeout": timeout}, headers=auth
        )
        answer.raise_for_status()
        return int(answer.json()["cursor"])

    return asyncio.create_task(poll())


async def until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, "the feed never got there"
        await asyncio.sleep(0.01)


def test_a_change_wakes_its_accounts_waiters_with_one_look_and_leaves_the_others_asleep(
    world: tuple[MockBackend, Simulator],
) -> None:
    backend, sim = world

    async def body(wire: WireApp, client: httpx.AsyncClient) -> None:
        feed = wire.feed
        pilots = [await sign_in(client, "pilot@example.com", f"p{n}") for n in range(3)]
        capped = await sign_in(client, "capped@example.com", "c")
        before = await cursor_of(client, pilots[0])
        capped_before = await cursor_of(client, capped)
        pilot_polls = [long_poll(client, auth, before) for auth in pilots]
        capped_poll = long_poll(client, capped, capped_before)
        await until(lambda: feed.waiting() == 4)
        looks = feed.looks

        await asyncio.to_thread(sim.cohort, "pilot@example.com", "deny")
        woken = await asyncio.gather(*pilot_polls)
        await until(feed.settled)

        assert len(set(woken)) == 1  # one new cursor, handed to all three
        assert woken[0] != before
        assert woken[0] == await cursor_of(client, pilots[0])
        assert not capped_poll.done()  # another account's waiter slept through it
        assert feed.looks - looks == 1  # one look for the one account that changed

        reads = feed.reads
        again = [long_poll(client, auth, woken[0]) for auth in pilots]
        await until(lambda: feed.waiting() == 4)
        assert feed.reads == reads  # asked again with the look's cursor: no read of their own
        await asyncio.to_thread(sim.set_usage, "pilot@example.com", weekly_percent=10)
        assert len(set(await asyncio.gather(*again))) == 1
        await until(feed.settled)
        assert feed.looks - looks == 2

        await asyncio.to_thread(sim.cohort, "capped@example.com", "deny")
        assert await capped_poll != capped_before
        await until(feed.settled)
        assert feed.looks - looks == 3

    run(backend, NEVER_S, body)


def test_a_write_through_the_server_wakes_the_writers_account(
    world: tuple[MockBackend, Simulator],
) -> None:
    backend, _ = world

    async def body(wire: WireApp, client: httpx.AsyncClient) -> None:
        pilot = await sign_in(client, "pilot@example.com", "p")
        before = await cursor_of(client, pilot)
        poll = long_poll(client, pilot, before)
        await until(lambda: wire.feed.waiting() == 1)
        sent = await client.post(
            "/v1/invitations",
            json={"email": "friend@example.com"},
            headers={**pilot, "Idempotency-Key": "invite-1"},
        )
        sent.raise_for_status()
        assert await poll != before

    run(backend, NEVER_S, body)


def test_an_ended_session_is_told_so_and_a_wait_without_changes_times_out(
    world: tuple[MockBackend, Simulator],
) -> None:
    backend, _ = world

    async def body(wire: WireApp, client: httpx.AsyncClient) -> None:
        pilot = await sign_in(client, "pilot@example.com", "p")
        other = await sign_in(client, "pilot@example.com", "q")
        before = await cursor_of(client, pilot)
        assert await long_poll(client, pilot, before, timeout=0.2) == before
        waiting = asyncio.create_task(
            client.get("/v1/changes", params={"after": before}, headers=other)
        )
        await until(lambda: wire.feed.waiting() == 1)
        (await client.delete("/v1/sessions/current", headers=other)).raise_for_status()
        assert (await waiting).status_code == 401

    run(backend, NEVER_S, body)


def test_a_burst_of_changes_costs_a_client_one_answer_per_hold(
    world: tuple[MockBackend, Simulator],
) -> None:
    backend, sim = world
    hold_s = 0.5

    async def body(wire: WireApp, client: httpx.AsyncClient) -> None:
        pilot = await sign_in(client, "pilot@example.com", "p")
        before = await cursor_of(client, pilot)
        first = long_poll(client, pilot, before)
        await until(lambda: wire.feed.waiting() == 1)
        changed = time.monotonic()  # the feed answers the first poll after this (same clock)
        await asyncio.to_thread(sim.set_usage, "pilot@example.com", weekly_percent=10)
        moved = await first
        second = long_poll(client, pilot, moved)
        await until(lambda: wire.feed.waiting() == 1)
        await asyncio.to_thread(sim.set_usage, "pilot@example.com", weekly_percent=20)
        assert await second != moved
        assert time.monotonic() - changed >= hold_s  # held until the hold since the first
        assert await cursor_of(client, pilot) != moved  # an unknown cursor: at once

    run(backend, NEVER_S, body, hold_s)


def test_a_change_by_another_process_is_seen_within_the_feeds_period(
    world: tuple[MockBackend, Simulator], data_dir: Path
) -> None:
    backend, _ = world

    async def body(wire: WireApp, client: httpx.AsyncClient) -> None:
        pilot = await sign_in(client, "pilot@example.com", "p")
        before = await cursor_of(client, pilot)
        poll = long_poll(client, pilot, before)
        await until(lambda: wire.feed.waiting() == 1)
        looks = wire.feed.looks
        command = [sys.executable, "-m", "desktop", "sim", "--data-dir", str(data_dir)]
        changed = await asyncio.to_thread(
            subprocess.run,
            [*command, "cohort", "pilot@example.com", "deny"],
            cwd=ROOT,
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
            capture_output=True,
        )
        assert changed.returncode == 0, changed.stderr
        assert await poll != before
        assert wire.feed.looks > looks  # found by the feed's own look, not by this process's news

    run(backend, 0.2, body)
