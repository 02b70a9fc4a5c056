"""The data folder's embedded server outlives the app that started it (`--server-linger-minutes`)
and the next start calls it over HTTP instead of importing and opening the backend itself
(docs/WIRE.md, "The embedded default"; issue 15). Each test drives the real app against a real
`serve` child and checks the backend's own state."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import types
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

import httpx
import pytest
from pytestqt.qtbot import QtBot

from desktop import server_record
from desktop.app import App, create
from desktop.backend.api import NotSent
from desktop.backend.datafile import backend_db_path, set_aside
from desktop.backend.simulator import Simulator
from desktop.backend.web.linger import IdleWatch, linger_then_stop
from desktop.controller.state import SyncPhase
from desktop.deferred import DeferredBackend
from desktop.domain.clock import utc_now
from desktop.domain.outcomes import Outcome
from desktop.embedded_server import EmbeddedServer
from desktop.paths import code_stamp
from desktop.remote.client import HttpApi
from desktop.server_record import PROBE_TIMEOUT_S, STATE_FILE, find_running, forget
from tests.conftest import MemoryKeyring
from tests.patience import bound_s, whole_app_args
from tests.qa.driver import invite_from_settings
from tests.ui.app_driver import sync_and_wait, wait_synced
from tests.wire.support import wait_until

WAIT_MS = 20_000
PILOT = "pilot@example.com"


@pytest.fixture(autouse=True)
def patient_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    """A start's wait for the folder's server to answer, stretched for the load like every wait
    of the suite: these tests assert that the server is used, not how quickly it answers."""
    monkeypatch.setattr(server_record, "PROBE_TIMEOUT_S", bound_s(PROBE_TIMEOUT_S))


def started(data_dir: Path, linger_s: float) -> EmbeddedServer:
    server = EmbeddedServer(data_dir, linger_s)
    server.start()
    assert server.ready.wait(bound_s(60))
    assert server.url is not None, server.problem
    return server


@pytest.fixture
def lingering(data_dir: Path) -> Iterator[EmbeddedServer]:
    """The folder's server, left running by an app that has closed (released, 60 s linger)."""
    server = started(data_dir, 60.0)
    server.release()
    yield server
    server.stop()


@pytest.fixture
def open_app() -> Iterator[list[App]]:
    """The apps a test starts, closed after it."""
    apps: list[App] = []
    yield apps
    for app in apps:
        app.close()


def start_app(qtbot: QtBot, data_dir: Path, apps: list[App], keyring: MemoryKeyring) -> App:
    app = create(data_dir, keyring_backend=keyring)
    apps.append(app)
    app.window.show()  # App.close() destroys it (not qtbot: it would close it twice)
    app.start()
    return app


def folder_api(app: App) -> DeferredBackend:
    """The app's backend: the data folder's (no --backend URL)."""
    assert isinstance(app.api, DeferredBackend)
    return app.api


def sign_in(qtbot: QtBot, app: App) -> None:
    with qtbot.waitSignal(app.controller.operationFinished, timeout=WAIT_MS) as blocker:
        app.controller.sign_in(PILOT, "demo")
    assert blocker.args is not None
    assert blocker.args[0].outcome is Outcome.DONE
    qtbot.waitUntil(lambda: app.state.sync.last_synced_at is not None, timeout=WAIT_MS)
    wait_synced(qtbot, app)  # and the window shows it all (built in turns of its own)


def recipients(data_dir: Path) -> list[str]:
    with Simulator(data_dir) as simulator:
        return [record.invitation.recipient for record in simulator.invitations(PILOT)]


def test_a_released_server_still_serves(data_dir: Path) -> None:
    server = started(data_dir, 600.0)
    try:
        server.release()  # what App.close does: the app has gone
        health = httpx.get(f"{server.url}/v1/health", trust_env=False).json()
        assert health == {"status": "ok", "instance": server.instance, "code": code_stamp()}
        assert server.exit_status(0) is None
    finally:
        server.stop()


def test_a_released_server_nobody_calls_stops_by_itself(data_dir: Path) -> None:
    server = started(data_dir, 1.0)
    try:
        server.release()
        assert server.exit_status(bound_s(30)) == 0  # about a second later, cleanly
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{server.url}/v1/health", trust_env=False)
    finally:
        server.stop()


def test_a_request_in_flight_keeps_a_lingering_server(data_dir: Path) -> None:
    # An app using the server keeps a long poll in flight: the server must not stop under it.
    server = started(data_dir, 3.0)
    assert server.url is not None
    api = HttpApi(server.url, bind_tokens=False)
    try:
        session = api.sign_in(PILOT, "demo", "linger-sign-in")
        changes = api.wait_for_change(session.token, 0, 0.0)  # the feed's cursor, at once
        with ThreadPoolExecutor(1) as pool:
            poll = pool.submit(api.wait_for_change, session.token, changes, 9.0)
            server.release()  # the app that started it goes while the poll waits
            # Answered after 9 s, three lingers: a server that had stopped under the poll would
            # have dropped it (an unknown outcome), not answered it.
            assert poll.result(timeout=bound_s(60)) == changes
        assert server.exit_status(bound_s(30)) == 0  # then nobody calls: it stops
    finally:
        api.close()
        server.stop()


@pytest.mark.parametrize(
    "change", ["another server recorded", "folder removed", "backend file set aside"]
)
def test_a_lingering_server_nobody_can_find_stops_at_once(data_dir: Path, change: str) -> None:
    server = started(data_dir, 600.0)  # ten minutes: stopping sooner is the record's doing
    try:
        server.release()
        assert find_running(data_dir) == server.url
        if change == "folder removed":
            shutil.rmtree(data_dir)  # QA starting afresh: nothing could use this server again
        elif change == "backend file set aside":  # the damaged-file way out (desktop.data_folder)
            set_aside(backend_db_path(data_dir), utc_now())
            assert find_running(data_dir) is None  # the server has the moved file open
        else:
            state = data_dir / STATE_FILE
            state.write_text(json.dumps({**json.loads(state.read_text()), "instance": "newer"}))
        assert server.exit_status(bound_s(30)) == 0
    finally:
        server.stop()


def test_the_idle_watch_counts_requests_in_flight_and_the_linger_to_its_edge() -> None:
    now = [100.0]
    seen_in_flight: list[float | None] = []

    async def application(scope: object, receive: object, send: object) -> None:
        seen_in_flight.append(watch.idle_for())
        now[0] += 5.0  # the request takes 5 s

    watch = IdleWatch(application, monotonic=lambda: now[0])
    asyncio.run(watch({"type": "http"}, None, None))
    assert seen_in_flight == [None]  # never idle while a request is in flight
    assert watch.idle_for() == 0.0  # idle from when it ended, not from when it began

    server = types.SimpleNamespace(should_exit=False)
    looks: list[float | None] = []

    def stale() -> bool:  # asked on each look while idle for less than the linger
        looks.append(watch.idle_for())
        now[0] += 300.0
        return False

    linger_then_stop(server, watch, 600.0, stale, wait_for_stdin=False, look_every_s=0)
    assert server.should_exit
    assert looks == [0.0, 300.0]  # went on at 0 s and 300 s, stopped at exactly 600 s

    # The package changed on disk: stop as soon as idle, whatever the linger.
    server.should_exit = False
    linger_then_stop(server, watch, 3600.0, lambda: True, wait_for_stdin=False, look_every_s=0)
    assert server.should_exit


@pytest.fixture
def over_lingering(
    qtbot: QtBot,
    data_dir: Path,
    lingering: EmbeddedServer,
    open_app: list[App],
    memory_keyring: MemoryKeyring,
) -> App:
    """The app started on the folder (the embedded default) and signed in: over that server."""
    app = start_app(qtbot, data_dir, open_app, memory_keyring)
    sign_in(qtbot, app)
    assert folder_api(app).server_url == lingering.url
    return app


def test_a_start_calls_the_folders_running_server_and_opens_no_backend(
    qtbot: QtBot, data_dir: Path, lingering: EmbeddedServer, over_lingering: App
) -> None:
    app = over_lingering
    assert not folder_api(app).is_open  # no backend opened in this process
    invite_from_settings(qtbot, app, "over.http@example.com")
    sync_and_wait(qtbot, app)
    assert recipients(data_dir) == ["over.http@example.com"]  # the backend's own state
    assert not folder_api(app).is_open
    assert lingering.exit_status(0) is None


def test_a_session_saved_in_process_is_restored_over_the_running_server(
    qtbot: QtBot, data_dir: Path, open_app: list[App], memory_keyring: MemoryKeyring
) -> None:
    first = start_app(qtbot, data_dir, open_app, memory_keyring)
    sign_in(qtbot, first)
    assert folder_api(first).server_url is None  # nothing running yet
    first.close()
    server = started(data_dir, 60.0)
    try:
        server.release()
        again = start_app(qtbot, data_dir, open_app, memory_keyring)  # no sign-in: restored
        sync_and_wait(qtbot, again)
        assert again.state.sync.phase is SyncPhase.SYNCED  # the session was valid over HTTP
        assert again.state.account is not None
        assert again.state.account.email == PILOT
        assert folder_api(again).server_url == server.url
        assert not folder_api(again).is_open
    finally:
        server.stop()


def test_when_the_server_stops_the_next_call_is_made_in_process_once(
    qtbot: QtBot, data_dir: Path, lingering: EmbeddedServer, over_lingering: App
) -> None:
    app = over_lingering
    lingering.stop()  # ended under the running app (killed, or another build's start)
    invite_from_settings(qtbot, app, "after.stop@example.com")
    sync_and_wait(qtbot, app)
    assert folder_api(app).server_url is None
    assert folder_api(app).is_open
    assert recipients(data_dir) == ["after.stop@example.com"]  # sent once
    assert [view.recipient for view in app.state.invitations] == ["after.stop@example.com"]


def test_a_server_of_another_build_or_folder_is_not_used(
    data_dir: Path, lingering: EmbeddedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert find_running(data_dir) == lingering.url
    with monkeypatch.context() as patched:
        patched.setattr("desktop.paths.code_stamp", lambda: "another build")
        assert find_running(data_dir) is None
    copy = data_dir.parent / "copy"  # a copy of the folder (a backup restored elsewhere)
    shutil.copytree(data_dir, copy)
    assert find_running(copy) is None  # the server serves the original, not the copy
    state = data_dir / STATE_FILE
    recorded = json.loads(state.read_text())
    state.write_text(json.dumps({**recorded, "instance": "another folder's"}))
    assert find_running(data_dir) is None
    state.write_text("{not json")
    assert find_running(data_dir) is None


def test_no_server_means_in_process_even_with_one_running(
    qtbot: QtBot, data_dir: Path, lingering: EmbeddedServer, memory_keyring: MemoryKeyring
) -> None:
    app = create(data_dir, keyring_backend=memory_keyring, use_running_server=False)
    try:
        app.start()
        sign_in(qtbot, app)
        assert folder_api(app).server_url is None
        assert folder_api(app).is_open
    finally:
        app.close()


LEAVE_RUNNING = """
import sys
import desktop.app as app_module
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

app_module.EMBEDDED_SERVER_DELAY_MS = 0
serve = app_module._serve_data_folder

def serve_then_close(app):
    serve(app)

    def closed_once_serving():  # the user closes the window once the server listens
        server = app.embedded_server
        if server is not None and server.ready.is_set():
            QApplication.instance().quit()
        else:
            QTimer.singleShot(20, closed_once_serving)

    closed_once_serving()

app_module._serve_data_folder = serve_then_close
sys.exit(app_module.main(sys.argv[1:]))
"""


def test_the_app_leaves_its_server_running_and_the_next_start_calls_it(data_dir: Path) -> None:
    """The whole command line, as a user runs it twice: `referral-desktop` (closed once its
    server listens), then `referral-desktop --smoke-test` within the linger."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    common = ("--data-dir", str(data_dir), "--account", PILOT)
    first = subprocess.run(
        [sys.executable, "-c", LEAVE_RUNNING, *common, "--server-linger-minutes", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=bound_s(120),
    )
    assert first.returncode == 0, first.stderr[-2000:]
    url = find_running(data_dir)
    assert url is not None  # the app has exited; its server has not
    try:
        again = subprocess.run(
            [sys.executable, "-m", "desktop", *whole_app_args((*common, "--smoke-test"))],
            capture_output=True,
            text=True,
            env=env,
            timeout=bound_s(120),
        )
        assert again.returncode == 0, again.stderr[-2000:]
        assert json.loads(again.stdout.splitlines()[-1])["sync"]["phase"] == "synced"
        log = (data_dir / "app.log").read_text()
        assert f"calling the data folder's running server at {url}" in log
    finally:
        forget(data_dir)  # nothing can find it now: it stops once idle
    wait_until(lambda: _refused(url), timeout=30)


def _refused(url: str) -> bool:
    try:
        httpx.get(f"{url}/v1/health", trust_env=False)
    except httpx.ConnectError:
        return True
    return False


def test_after_close_a_call_is_not_sent_and_opens_nothing_in_process(
    data_dir: Path, lingering: EmbeddedServer
) -> None:
    # A pool thread's call that arrives while the app closes must not open the backend then.
    api = DeferredBackend(data_dir)
    session = api.sign_in(PILOT, "demo", "close-sign-in")
    assert api.server_url == lingering.url
    api.close()
    with pytest.raises(NotSent) as refused:
        api.sync(session.token, 0)
    assert refused.type is NotSent  # not NotReached: the server did not stop, the app did
    assert not api.is_open


def test_close_does_not_wait_for_a_start_still_looking_for_the_server(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A stranger on the recorded port accepts and never answers: the first call's look waits.
    # App.close (the GUI thread) must not wait with it, and the call then opens nothing.
    monkeypatch.setattr(server_record, "PROBE_TIMEOUT_S", 600.0)
    with socket.create_server(("127.0.0.1", 0)) as stranger:
        port = stranger.getsockname()[1]
        server_record.remember(data_dir, f"http://127.0.0.1:{port}", "someone")
        api = DeferredBackend(data_dir)
        with ThreadPoolExecutor(2) as pool:
            call = pool.submit(api.sync, "token", 0)
            accepted, _ = stranger.accept()  # the look has connected and waits for an answer
            closing = pool.submit(api.close)
            try:
                closing.result(timeout=bound_s(10))
                closed_while_looking = True
            except FutureTimeout:
                closed_while_looking = False
            accepted.close()  # the stranger hangs up: the look ends, finding nothing
            with pytest.raises(NotSent):
                call.result(timeout=bound_s(10))
    assert closed_while_looking
    assert not api.is_open
