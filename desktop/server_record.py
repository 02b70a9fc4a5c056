"""`embedded-server.json`: which embedded server a data folder has (desktop.embedded_server
writes it once its child listens; the next start reads it to call that server while it runs:
desktop.deferred.DeferredBackend). Light on purpose: a start imports it before its first call.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

log = logging.getLogger("desktop.server_record")

STATE_FILE = "embedded-server.json"
"""`{"url", "instance", "data_dir"}` of the last embedded server of a data folder (no secret in
it: the instance is a name, not a credential; `data_dir` tells a copy of the folder that the
server is the original's)."""
PROBE_TIMEOUT_S = 3.0
"""How long a start waits for the folder's last server to answer `GET /v1/health` once it has
accepted the connection (a dead server's port refuses at once). An idle machine answers in about
a millisecond; with 8 busy processes on 2 cores (the niced server waits for a core), 8 of 15
probes took over 0.5 s, and none of 15 missed with 3 s. Waiting for a server that accepted is
the better bet: the in-process backend it would fall back to costs more CPU than that on the
same loaded machine. Only a stranger on the port that accepts and never answers costs the whole
wait. The client's connect time-out is the same."""


def remember(data_dir: Path, url: str, instance: str) -> None:
    """Record the folder's embedded server, listening at `url` under the name `instance`."""
    state = {"url": url, "instance": instance, "data_dir": _where(data_dir)}
    try:
        (data_dir / STATE_FILE).write_text(json.dumps(state))
    except OSError:
        log.warning("could not write %s", data_dir / STATE_FILE)


def forget(data_dir: Path) -> None:
    """Remove the folder's record: no start calls the server it named (which then stops once
    idle: desktop.backend.web.linger)."""
    try:
        (data_dir / STATE_FILE).unlink(missing_ok=True)
    except OSError:
        log.warning("could not remove %s", data_dir / STATE_FILE)


def _recorded(data_dir: Path) -> tuple[str, str, str] | None:
    """(url, instance, data folder) of the folder's record; None: none, or not readable."""
    try:
        state = json.loads((data_dir / STATE_FILE).read_text())
        return str(state["url"]), str(state["instance"]), str(state["data_dir"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def named_instance(data_dir: Path) -> str | None:
    """The instance the folder's record names (None: no readable record)."""
    recorded = _recorded(data_dir)
    return None if recorded is None else recorded[1]


def last_port(data_dir: Path) -> int:
    """The port of the folder's last embedded server (0: none known)."""
    recorded = _recorded(data_dir)
    try:
        return 0 if recorded is None else int(recorded[0].rsplit(":", 1)[1])
    except (ValueError, IndexError):
        return 0


def find_running(data_dir: Path, timeout_s: float | None = None) -> str | None:
    """The URL of the data folder's embedded server if one is running and can be used: its
    `STATE_FILE` names this folder (not a copy's original), and the server answers
    `GET /v1/health` with the instance that file names and this build's code stamp. None
    otherwise, whatever the reason (no file, a copied folder, refused, another build, a stranger
    on the port)."""
    import http.client

    from desktop.paths import code_stamp

    recorded = _recorded(data_dir)
    if recorded is None or recorded[2] != _where(data_dir):
        return None
    url, instance, _ = recorded
    try:
        host, port = url.removeprefix("http://").rsplit(":", 1)
        wait = PROBE_TIMEOUT_S if timeout_s is None else timeout_s
        connection = http.client.HTTPConnection(host, int(port), timeout=wait)
    except ValueError:
        return None
    try:
        connection.request("GET", "/v1/health")
        answer = connection.getresponse()
        health = json.loads(answer.read()) if answer.status == 200 else {}
    except (OSError, http.client.HTTPException, ValueError):
        return None
    finally:
        connection.close()
    if not isinstance(health, dict) or health.get("instance") != instance:
        return None
    if health.get("code") != code_stamp():
        log.info("the embedded server at %s runs another build: not used", url)
        return None
    return url


def _where(data_dir: Path) -> str:
    return str(data_dir.resolve())
