"""A `referral-desktop serve` subprocess on a free loopback port, always stopped."""

from __future__ import annotations

import os
import re
import selectors
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from tests.patience import bound_s

READY = re.compile(r"^Serving .* on (http://\S+)$")
QA_TOKEN = "test-qa-token"
START_TIMEOUT_S = 30.0  # at rest; stretched for the load (tests/patience.py)


class ServerProcess:
    """`python -m desktop serve` over a data folder. `start()` waits for its ready line."""

    def __init__(
        self,
        data_dir: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        log: Path | None = None,
        log_level: str = "info",
    ) -> None:
        self.data_dir = data_dir
        self.log_level = log_level  # `serve`'s default: one line per request
        self.host = host
        self.port = port
        self.log = log or data_dir.parent / "server.log"
        self.url = ""
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> Self:
        """Start it and wait (bounded) until it listens; keeps the port for a restart."""
        command = [
            sys.executable,
            "-m",
            "desktop",
            "serve",
            "--data-dir",
            str(self.data_dir),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--qa-token",
            QA_TOKEN,
            "--log-level",
            self.log_level,
        ]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=log, text=True, env=env
            )
        assert self.process.stdout is not None
        line = _read_line(self.process.stdout, bound_s(START_TIMEOUT_S))
        match = READY.match(line.strip())
        if match is None:
            self.stop()
            raise AssertionError(f"server did not start: {line!r}; log: {self.log.read_text()}")
        self.url = match.group(1)
        self.port = int(self.url.rsplit(":", 1)[1])
        return self

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, in-flight requests die with it."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self._close_pipes()
            self.process = None

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not exit within 10 s."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self._close_pipes()
        self.process = None

    def _close_pipes(self) -> None:
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _read_line(stream: IO[str], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return ""
            if selector.select(left):
                line = stream.readline()
                if not line or line.startswith("Serving "):
                    return line


def wait_until(condition: object, timeout: float = 10.0, interval: float = 0.02) -> None:
    """Poll `condition()` until it is true; AssertionError after `timeout` seconds at rest,
    stretched for the load (tests/patience.py)."""
    assert callable(condition)
    deadline = time.monotonic() + bound_s(timeout)
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(interval)
