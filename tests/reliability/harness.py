"""Running the driver (tests/reliability/driver.py) as a real process, killing it, and reading the
truth afterwards: the backend through its Simulator (what `sim` reads), the cache from its file.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from desktop.backend.simulator import Simulator
from desktop.paths import BACKEND_DB, CACHE_DB

ROOT = Path(__file__).resolve().parents[2]
PROCESS_TIMEOUT_S = 60.0  # one driver run on a loaded 2-core machine, with room to spare


class DriverFailed(AssertionError):
    """The driver did not reach the milestone it was waited for."""


@dataclass
class DriverProcess:
    """One `python -m tests.reliability.driver ...` process and the lines it printed."""

    process: subprocess.Popen[str]
    lines: queue.Queue[str | None] = field(default_factory=queue.Queue)
    seen: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, data_dir: Path, account: str, *action: str) -> DriverProcess:
        """Launch the driver; its stdout is read line by line on a helper thread."""
        env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.driver", str(data_dir), account, *action],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        driver = cls(process)
        assert process.stdout is not None
        threading.Thread(target=driver._read, args=(process.stdout,), daemon=True).start()
        return driver

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_for(self, prefix: str, timeout: float = PROCESS_TIMEOUT_S) -> str:
        """The first line starting with `prefix` (what follows it); DriverFailed otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self.kill()
                raise DriverFailed(f"no {prefix} within {timeout} s: {self.seen}") from None
            if line is None:
                raise DriverFailed(f"exited ({self.process.wait()}) before {prefix}: {self.seen}")
            self.seen.append(line)
            if line.startswith(prefix):
                return line[len(prefix) :].strip()

    def drain(self) -> list[str]:
        """Every line printed so far, once the process has ended (killed or not)."""
        assert self.process.poll() is not None
        while (line := self.lines.get(timeout=PROCESS_TIMEOUT_S)) is not None:
            self.seen.append(line)
        self.lines.put(None)  # drained: later calls end at once
        return self.seen

    def json_line(self, prefix: str) -> dict[str, Any]:
        """The JSON document of the first `prefix` line."""
        document: dict[str, Any] = json.loads(self.wait_for(prefix))
        return document

    def kill_after(self, seconds: float) -> bool:
        """SIGKILL the process `seconds` from now unless it exits first; True if it was killed."""
        try:
            self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            self.kill()
            return True
        return False

    def send(self, line: str) -> None:
        """Write one line to the driver's stdin."""
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def kill(self) -> None:
        """kill -9."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=PROCESS_TIMEOUT_S)

    def finish(self) -> int:
        """Wait for a clean exit; its status."""
        return self.process.wait(timeout=PROCESS_TIMEOUT_S)

    def close(self) -> None:
        """Never leave a driver behind."""
        self.kill()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


@contextmanager
def driver(data_dir: Path, account: str, *action: str) -> Iterator[DriverProcess]:
    """A driver process that is killed if the block leaves it running."""
    process = DriverProcess.start(data_dir, account, *action)
    try:
        yield process
    finally:
        process.close()


def run_to_state(data_dir: Path, account: str, action: str = "check") -> dict[str, Any]:
    """Run the driver to its STATE line and a clean exit."""
    with driver(data_dir, account, action) as process:
        state = process.json_line("STATE")
        assert process.finish() == 0, process.seen
        return state


def copy_folder(source: Path, target: Path, *, with_cache: bool = True) -> Path:
    """A copy of a prepared data folder (without the cache for a first sync)."""
    target.mkdir(parents=True)
    for item in source.iterdir():
        if item.name.startswith(CACHE_DB) and not with_cache:
            continue
        if item.is_file() and item.name.startswith((BACKEND_DB, CACHE_DB)):
            shutil.copy2(item, target / item.name)
    return target


# -- the truth -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackendTruth:
    """One operator's invitations and tokens as the backend has them."""

    invitations: dict[str, str]  # id -> recipient
    token_states: dict[str, str]  # id -> available | spent | expired

    def sent_to(self, recipient: str) -> int:
        """How many invitations the backend holds for this address."""
        return sum(1 for r in self.invitations.values() if r == recipient)

    @property
    def spent(self) -> int:
        """Tokens spent."""
        return sum(1 for s in self.token_states.values() if s == "spent")


def backend_truth(data_dir: Path, operator: str) -> BackendTruth:
    """What `sim invitations --from` and `sim wallet` say, read in-process."""
    with Simulator(data_dir) as simulator:
        records = simulator.invitations(operator)
        wallet = simulator.wallet(operator)
    return BackendTruth(
        {r.invitation.id: r.invitation.recipient for r in records},
        {t.id: t.state for t in wallet.tokens},
    )


@dataclass(frozen=True)
class CacheTruth:
    """What the cache file holds for the signed-in account (read with sqlite3, not the app)."""

    invitations: list[tuple[str, str]]  # (id, recipient), every row
    outbox: list[tuple[str, str]]  # (key, recipient)
    token_states: dict[str, str]

    def rows_for(self, recipient: str) -> int:
        """Invitation rows for this address (sent or still queued)."""
        sent = sum(1 for _, r in self.invitations if r == recipient)
        return sent + sum(1 for _, r in self.outbox if r == recipient)


def cache_truth(data_dir: Path) -> CacheTruth:
    """Read the cache file as it is on disk (WAL included), without migrating it."""
    path = data_dir / CACHE_DB
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as raw:
        invitations = raw.execute("select id, recipient from invitation").fetchall()
        outbox = raw.execute("select key, recipient from outbox").fetchall()
        tokens = dict(raw.execute("select id, state from token").fetchall())
    raw.close()
    return CacheTruth(invitations, outbox, tokens)


def prepare_tokens(data_dir: Path, operator: str, count: int, tag: str) -> None:
    """Give `operator` `count` more reset tokens, each earned by a real conversion (sim)."""
    with Simulator(data_dir) as simulator:
        policy = simulator.policy()
        simulator.set_policy({"monthly_cap": 1000, "daily_invitation_limit": 1000})
        for n in range(count):
            recipient = f"{tag}{n}@example.com"
            link = simulator.invite(operator, recipient).invitation.link
            simulator.recipient_open(link)
            simulator.recipient_join(link, recipient)
            simulator.recipient_init(link, recipient)
            simulator.recipient_prompt(link, recipient, policy.prompts_required)
