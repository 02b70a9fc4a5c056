"""The app's embedded HTTP server: `referral-desktop serve` for its data folder, in a child
process on loopback, so invitation links open in a browser (docs/WIRE.md, "The embedded
default").

The app that starts it keeps calling its in-process MockBackend; the child serves the same
database file over HTTP (SQLite in WAL mode serialises the two processes' writers). It is
started after the first paint, never imported before it. When the app closes its stdin (or
dies: the pipe closes with it) the child stops, or, with `linger_s`, stays until no request
has come for that long. The app's next start finds it (`find_running`) and calls it over HTTP
instead of importing and opening the backend itself (desktop.deferred.DeferredBackend). It
prefers the port it had last time, so links in earlier messages keep working.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

from desktop.server_record import last_port, remember

log = logging.getLogger("desktop.embedded_server")

STOP_TIMEOUT_S = 5.0


def serve_command(data_dir: Path, port: int, instance: str, linger_s: float) -> list[str]:
    """The command line of the child: the bundle's executable, or this interpreter."""
    if getattr(sys, "frozen", False):
        program = [sys.executable, "serve"]
    else:
        program = [sys.executable, "-m", "desktop", "serve"]
    return [
        *program,
        "--data-dir",
        str(data_dir),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--or-any-port",
        "--exit-with-stdin",
        "--linger-s",
        str(linger_s),
        "--instance",
        instance,
        # One argument with "=": a URL-safe token starts with "-" once in 64, which argparse
        # would read as an option (the child then did not start).
        f"--qa-token={secrets.token_urlsafe(24)}",  # QA goes through the folder's database
        "--log-level",
        "warning",
    ]


class EmbeddedServer:
    """One child `serve` process for a data folder. `start()` returns at once.

    `linger_s`: how long the child stays after `release()` (or the app's end) while nobody
    calls it; 0 stops it with the app."""

    def __init__(self, data_dir: Path, linger_s: float = 0.0) -> None:
        self.data_dir = data_dir
        self.linger_s = linger_s
        self.instance = secrets.token_hex(8)
        self.url: str | None = None
        self.ready = threading.Event()
        self.problem = ""  # why the child ended without serving (its exit status, log tail)
        self._process: subprocess.Popen[bytes] | None = None

    def last_port(self) -> int:
        """The port of the previous embedded server of this folder (0: none known)."""
        return last_port(self.data_dir)

    def start(self) -> None:
        """Start the child; its URL arrives in `url` (and `ready` is set) once it listens."""
        if self._process is not None:
            return
        log_file = (self.data_dir / "server.log").open("ab")
        try:
            self._process = subprocess.Popen(
                serve_command(self.data_dir, self.last_port(), self.instance, self.linger_s),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log_file,
            )
        finally:
            log_file.close()
        assert self._process.stdout is not None
        threading.Thread(
            target=self._read, args=(self._process.stdout,), name="embedded-server", daemon=True
        ).start()

    def _read(self, stdout: IO[bytes]) -> None:
        from desktop.backend.web.serve import READY_PREFIX

        with stdout:
            for raw in stdout:
                line = raw.decode("utf-8", "replace").strip()
                if line.startswith(READY_PREFIX) and " on " in line:
                    self.url = line.rsplit(" on ", 1)[1]
                    self._remember()
                    log.info("embedded server for %s at %s", self.data_dir, self.url)
                    self.ready.set()
        if self.url is None:
            self.problem = self._why_it_ended()
            log.warning("embedded server for %s did not start: %s", self.data_dir, self.problem)
        self.ready.set()  # ended (or never started): nobody waits forever

    def _why_it_ended(self) -> str:
        """The child's exit status and the end of its log, for the app log and the tests."""
        process = self._process
        status: int | None = None
        if process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                status = process.wait(STOP_TIMEOUT_S)
        try:
            tail = (self.data_dir / "server.log").read_text("utf-8", "replace").splitlines()[-20:]
        except OSError:
            tail = []
        return f"exit status {status}; server.log ends: " + " | ".join(tail)

    def _remember(self) -> None:
        if self.url is not None:
            remember(self.data_dir, self.url, self.instance)

    def release(self) -> None:
        """Let the child go on its own (close its stdin, do not wait): it lingers `linger_s`
        after the last request, then stops. With no linger this is `stop()`."""
        if self.linger_s <= 0:
            self.stop()
            return
        process = self._process
        if process is not None and process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()

    def stop(self) -> None:
        """Stop the child now (close its stdin; a lingering one is also terminated), kill it if
        it has not stopped within 5 s."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
        if self.linger_s > 0:
            with contextlib.suppress(OSError):
                process.terminate()
        try:
            process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT_S)

    def exit_status(self, timeout_s: float) -> int | None:
        """The child's exit status once it has ended, waiting at most `timeout_s` (None: still
        running, or never started)."""
        process = self._process
        if process is None:
            return None
        try:
            return process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            return None
