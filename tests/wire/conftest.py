"""Wire fixtures: a real server subprocess on a free loopback port, and clients for it.

One server per test module (starting one costs seconds on a loaded machine); each test gets it
freshly reset (`reset-demo`: demo data, default policy, no faults, every session ended).
`own_server` is a server of the test's own, for tests that stop or kill it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.remote.client import HttpApi
from desktop.remote.qa import RemoteSimulator
from tests.wire.support import QA_TOKEN, ServerProcess


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    folder = tmp_path_factory.mktemp("server") / "data"
    folder.mkdir()
    process = ServerProcess(folder)
    try:
        yield process.start()
    finally:
        process.stop()


@pytest.fixture
def server(shared_server: ServerProcess) -> ServerProcess:
    """The module's server, reset to the demo data."""
    with RemoteSimulator(shared_server.url, QA_TOKEN) as simulator:
        simulator.reset_demo()
    return shared_server


@pytest.fixture
def own_server(data_dir: Path) -> Iterator[ServerProcess]:
    """A server of this test's own over its data folder; stopped after the test."""
    process = ServerProcess(data_dir)
    try:
        yield process.start()
    finally:
        process.stop()


@pytest.fixture
def api(server: ServerProcess) -> Iterator[HttpApi]:
    client = HttpApi(server.url, read_timeout=10.0)
    yield client
    client.close()


@pytest.fixture
def qa(server: ServerProcess) -> Iterator[RemoteSimulator]:
    with RemoteSimulator(server.url, QA_TOKEN) as simulator:
        yield simulator
