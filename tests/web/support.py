"""A real HTTP server on loopback for web tests: uvicorn in a thread, stopped on exit."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tests.patience import bound_s

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT_S = 15.0  # at rest; stretched for the load (tests/patience.py)


def require_chromium() -> None:
    """Skip when Debian's chromium is absent on a developer machine; under CI, fail instead."""
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is absent: install it with ./dev setup (apt package chromium)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def serving(app: Any, *, log_config: dict[str, Any] | None = None) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 on a free port; yields the base URL, stops the server after."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_config=log_config,
        log_level="info",
        access_log=True,
        lifespan="off",
    )
    server = uvicorn.Server(config)
    serving = threading.Event()
    original_startup = server.startup

    async def startup(sockets: Any = None) -> None:
        await original_startup(sockets=sockets)
        serving.set()

    server.startup = startup  # type: ignore[method-assign]
    thread = threading.Thread(target=server.run, name="test-uvicorn")
    thread.start()
    try:
        assert serving.wait(bound_s(START_TIMEOUT_S)), "the server did not start in time"
        assert server.started, "the server thread ended before it started serving"
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=bound_s(START_TIMEOUT_S))
        assert not thread.is_alive(), "the server thread did not stop"
