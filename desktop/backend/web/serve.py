"""`referral-desktop serve`: the mock backend of a data folder as an HTTP service (uvicorn).

Binds loopback unless told otherwise, prints the URL and the QA token, points invitation links
at itself (`--public-url`, default the bound URL) and serves until interrupted (or, with
`--exit-with-stdin`, until its parent closes its stdin: the app's embedded server; with
`--linger-s`, once idle that long after that: desktop.backend.web.linger).
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import secrets
import socket
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from desktop.backend.web.linger import IdleWatch, linger_then_stop
from desktop.paths import code_stamp, default_data_dir
from desktop.server_record import named_instance

log = logging.getLogger("desktop.backend.web")

QA_TOKEN_ENV = "REFERRAL_QA_TOKEN"
"""A fixed QA token for `serve` (otherwise a fresh one each start)."""
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")
"""uvicorn's level names; `--log-level` sets the server's own loggers to the same level."""
READY_PREFIX = "Serving "
"""The line `serve` prints once it accepts connections: `Serving <data> on <URL>`."""


def parser() -> argparse.ArgumentParser:
    """The options of `referral-desktop serve`."""
    options = argparse.ArgumentParser(
        prog="referral-desktop serve",
        description="Serve the mock referral backend of a data folder over HTTP (docs/WIRE.md).",
    )
    where = options.add_mutually_exclusive_group()
    where.add_argument("--data-dir", type=Path, help="data folder holding backend.sqlite")
    where.add_argument(
        "--database", metavar="URL", help="a database URL instead (postgresql+psycopg://...)"
    )
    options.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback)")
    options.add_argument("--port", type=int, default=8765, help="port (0: any free one)")
    options.add_argument(
        "--or-any-port",
        action="store_true",
        help="when --port is taken, listen on any free port instead of failing",
    )
    options.add_argument(
        "--public-url",
        help="the URL invitation links use (default: http://HOST:PORT as bound)",
    )
    options.add_argument(
        "--qa-token",
        default=os.environ.get(QA_TOKEN_ENV),
        help=f"the QA token (default: ${QA_TOKEN_ENV}, else a fresh random one)",
    )
    options.add_argument(
        "--exit-with-stdin",
        action="store_true",
        help="stop when stdin closes (a parent process's embedded server)",
    )
    options.add_argument(
        "--linger-s",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="stop once no request has been in flight for this long (with --exit-with-stdin: "
        "counted from when stdin closes; docs/WIRE.md)",
    )
    options.add_argument(
        "--instance",
        help="a name for this server that GET /v1/health answers, with the build's code stamp "
        "(the app's embedded server: its next start recognises it)",
    )
    options.add_argument(
        "--log-level",
        default="info",
        choices=LOG_LEVELS,
        help="the server's log level, its own and uvicorn's (info: one line per request)",
    )
    return options


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: a free one).

    Made with its protocol named (IPPROTO_TCP): asyncio turns Nagle's algorithm off
    (TCP_NODELAY) only on accepted sockets whose protocol says TCP. With protocol 0 it stayed
    on, and every small answer on a kept-alive connection waited for the client's delayed
    acknowledgement of its header segment: about 40 ms per sync (docs/PERFORMANCE.md, round 11).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    """The http URL a bound socket answers on."""
    host, port = sock.getsockname()[:2]
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run `referral-desktop serve ...` until interrupted."""
    options = parser().parse_args(argv)
    if options.exit_with_stdin and hasattr(os, "nice"):
        # An app's embedded server: never take the CPU from the app's GUI thread.
        os.nice(10)
    import uvicorn
    from uvicorn.config import LOG_LEVELS as LEVEL_NUMBERS

    from desktop.backend.service import MockBackend
    from desktop.backend.simulator import Simulator
    from desktop.backend.web.app import create_app, is_loopback

    logging.basicConfig(
        level=LEVEL_NUMBERS[options.log_level],
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    folder: Path | None = None  # the data folder served, if not a database URL
    if options.database is not None:
        from desktop.backend.database import BackendStore

        opener = getattr(BackendStore, "open_url", None)
        if opener is None:
            print("serve: --database needs a backend that opens database URLs", file=sys.stderr)
            return 2
        store = opener(options.database)
        where = options.database.split("@")[-1]  # never print a password
    else:
        from desktop.backend.database import BackendStore

        folder = options.data_dir or default_data_dir()
        folder.mkdir(parents=True, exist_ok=True)
        store = BackendStore.open(folder)
        where = str(folder)
    try:
        try:
            sock = bind(options.host, options.port)
        except OSError:
            if not options.or_any_port:
                raise
            sock = bind(options.host, 0)
    except OSError as error:
        print(f"serve: cannot listen on {options.host}:{options.port}: {error}", file=sys.stderr)
        store.close()
        return 2
    url = url_of(sock)
    qa_token = options.qa_token or secrets.token_urlsafe(24)
    backend = MockBackend.over_store(store)
    simulator = Simulator.over_store(store)
    simulator.set_link_base(options.public_url or url)
    stops_by_itself = options.exit_with_stdin or options.linger_s > 0
    stamp = code_stamp() if stops_by_itself or options.instance is not None else ""
    about = {} if options.instance is None else {"instance": options.instance, "code": stamp}
    app = create_app(
        backend,
        simulator,
        qa_token=qa_token,
        qa_open_on_loopback=is_loopback(options.host),
        about=about,
    )
    watch = IdleWatch(app) if stops_by_itself else None  # a shared server counts nothing
    config = uvicorn.Config(
        app if watch is None else watch,
        log_level=options.log_level,
        access_log=False,  # WireApp logs route templates: no link or session token in logs
        timeout_keep_alive=5,
        timeout_graceful_shutdown=3,
    )
    server = uvicorn.Server(config)
    freeze_start_up_heap()

    def replaced() -> bool:
        """Whether no app would call this server any more: another build is on disk, or its
        data folder's record names another server (or is gone: the folder was removed)."""
        if code_stamp() != stamp:
            return True
        return (
            options.instance is not None
            and folder is not None
            and named_instance(folder) != options.instance
        )

    if watch is not None:
        threading.Thread(
            target=linger_then_stop,
            args=(server, watch, options.linger_s, replaced),
            kwargs={"wait_for_stdin": options.exit_with_stdin},
            name="linger",
            daemon=True,
        ).start()
    print(f"{READY_PREFIX}{where} on {url}", flush=True)
    print(f"QA token: {qa_token}  (header X-QA-Token; sim --backend {url} --qa-token ...)")
    print(f"OpenAPI: {url}/openapi.json, {url}/docs", flush=True)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        store.close()
    return 0


def freeze_start_up_heap() -> None:
    """Keep what start-up made (the imports, the app, the store) out of later collections.

    Those objects live as long as the server, yet a full collection walks them all, holding
    the GIL: 85-135 ms on the shared-server bench, every request waiting behind it (the
    delta-sync p99 was that pause; docs/PERFORMANCE.md, round 9). Frozen, they are never
    walked again; reference counting still frees what is not in a cycle. The app does the
    same after its first sync (desktop.ui.garbage).

    The look-alike tables are loaded first, so they are frozen too: the first send would
    otherwise load them (about 16,000 lists and dicts for the server's life), nearly half of
    what every later full collection walked (14-36 ms each on the bench; round 10)."""
    from desktop.domain.emails import load_look_alikes

    load_look_alikes()
    gc.collect()
    gc.freeze()
