"""A full disk, on the real window (docs/QA.md E11): where it is this computer's (the data
folder, holding the cache and the file of the app's own backend) the banner names the folder and
blames no server; where it is a remote server's, the server's problem is told as such, without a
path. Operations say what happened to them. The fault is injected where SQLite reports it: the
driver's "database or disk is full" from the store or the cache (a real full file system needs
root to mount)."""

from __future__ import annotations

import socket
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import uvicorn
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel
from pytestqt.qtbot import QtBot

from desktop.app import App, create
from desktop.backend.database import BackendStore
from desktop.backend.datafile import backend_db_path
from desktop.backend.service import MockBackend
from desktop.backend.simulator import Simulator
from desktop.backend.web.app import create_app
from desktop.controller.state import SyncPhase
from desktop.deferred import DeferredBackend
from desktop.domain.outcomes import Operation, Outcome, describe
from desktop.domain.reasons import Reason, explain
from desktop.paths import CACHE_DB
from desktop.storage import CacheRepository
from tests.conftest import MemoryKeyring
from tests.ui.app_driver import WAIT_MS, open_invite_dialog, sync_and_wait, wait_synced


def full_disk(*args: object, **kwargs: object) -> None:
    raise sqlite3.OperationalError("database or disk is full")


def fill_disk_of(backend: MockBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every read and write of this backend's store fails as on a full disk, the quiet-sync
    answer cache's check included (inside the store's fault translation, as a real one)."""
    store: BackendStore = backend.store
    monkeypatch.setattr(store, "read", full_disk)
    monkeypatch.setattr(store, "transaction", full_disk)
    monkeypatch.setattr(backend.answers, "_valid_answer", full_disk)
    monkeypatch.setattr(store, "plain_row_async", driver_failed_on_the_loop)


async def driver_failed_on_the_loop(sql: str, parameters: object) -> None:
    """What `plain_row_async` answers when the driver fails (the HTTP service's event loop then
    asks a worker thread, whose read reports the fault)."""
    return None


def banner_text(app: App) -> str:
    banner = app.window.findChild(QFrame, "errorBanner")
    label = app.window.findChild(QLabel, "errorBannerMessage")
    assert banner is not None
    assert label is not None
    return label.text() if banner.isVisible() else ""


def failed_sync(qtbot: QtBot, app: App) -> str:
    """Sync now; the banner's text once the sync has failed."""
    app.controller.sync_now()
    qtbot.waitUntil(lambda: app.state.sync.phase is SyncPhase.ERROR, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: banner_text(app) != "", timeout=WAIT_MS)
    return banner_text(app)


@pytest.fixture
def signed_in(
    qtbot: QtBot, data_dir: Path, memory_keyring: MemoryKeyring
) -> Iterator[Callable[..., App]]:
    """The real app on `data_dir`, signed in as pilot@ and synced."""
    with ExitStack() as stack:

        def start(**options: object) -> App:
            app = create(data_dir, keyring_backend=memory_keyring, **options)  # type: ignore[arg-type]
            stack.callback(app.close)
            app.window.show()
            app.start()
            with qtbot.waitSignal(app.controller.operationFinished, timeout=WAIT_MS) as blocker:
                app.controller.sign_in("pilot@example.com", "demo")
            assert blocker.args is not None
            assert blocker.args[0].outcome is Outcome.DONE
            qtbot.waitUntil(lambda: app.state.sync.last_synced_at is not None, timeout=WAIT_MS)
            wait_synced(qtbot, app)
            return app

        yield start


def test_a_full_disk_under_the_apps_own_backend_names_the_folder_not_a_server(
    qtbot: QtBot, signed_in: Callable[..., App], data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = signed_in()
    assert isinstance(app.api, DeferredBackend)  # the data folder's own backend, in process
    fill_disk_of(app.api.backend, monkeypatch)

    text = failed_sync(qtbot, app)

    here = explain(Reason.DISK_FULL, {"path": str(backend_db_path(data_dir))})
    assert text == f"{here} Showing saved data."
    assert str(data_dir) in text
    assert "server" not in text.lower()
    assert "…" not in text


def test_a_full_disk_under_the_cache_names_the_folder_not_a_server(
    qtbot: QtBot,
    signed_in: Callable[..., App],
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = signed_in()
    monkeypatch.setattr(CacheRepository, "apply_sync", full_disk)  # storing the pulled changes

    text = failed_sync(qtbot, app)

    here = explain(Reason.DISK_FULL, {"path": str(data_dir / CACHE_DB)})
    assert text == f"{here} Showing saved data."
    assert "server" not in text.lower()
    # app.log: an expected fault of this computer is its sentence, not a driver's traceback.
    assert any(record.getMessage().startswith(here) for record in caplog.records)
    assert [record for record in caplog.records if record.exc_info] == []
    monkeypatch.undo()  # space freed: the next sync stores it and the banner goes
    sync_and_wait(qtbot, app)
    assert app.state.sync.phase is SyncPhase.SYNCED
    qtbot.waitUntil(lambda: banner_text(app) == "", timeout=WAIT_MS)


@pytest.mark.parametrize("used", [False, True])
def test_a_cache_that_cannot_open_on_a_full_disk_names_the_folder_at_start(
    qtbot: QtBot,
    data_dir: Path,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    used: bool,
) -> None:
    if used:  # an earlier run synced into this folder: its data shows while the cache is stuck
        earlier = create(data_dir, keyring_backend=memory_keyring)
        try:
            earlier.start()
            with qtbot.waitSignal(earlier.controller.operationFinished, timeout=WAIT_MS):
                earlier.controller.sign_in("pilot@example.com", "demo")
            qtbot.waitUntil(lambda: earlier.state.sync.phase is SyncPhase.SYNCED, timeout=WAIT_MS)
        finally:
            earlier.close()
    monkeypatch.setattr(CacheRepository, "open", full_disk)
    app = create(data_dir, keyring_backend=memory_keyring)
    try:
        app.window.show()
        app.start()
        qtbot.waitUntil(lambda: banner_text(app) != "", timeout=WAIT_MS)
        here = explain(Reason.DISK_FULL, {"path": str(data_dir / CACHE_DB)})
        # Saved data is said to show only where there is some (a fresh folder has none).
        assert banner_text(app) == (f"{here} Showing saved data." if used else here)
        assert [record for record in caplog.records if record.exc_info] == []
    finally:
        app.close()


def test_an_invitation_refused_by_a_full_disk_here_is_not_sent_and_says_why(
    qtbot: QtBot, signed_in: Callable[..., App], data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = signed_in()
    assert isinstance(app.api, DeferredBackend)
    dialog = open_invite_dialog(qtbot, app)
    fill_disk_of(app.api.backend, monkeypatch)
    qtbot.keyClicks(dialog.email_edit, "sam@example.com")
    with qtbot.waitSignal(app.controller.operationFinished, timeout=WAIT_MS) as blocker:
        qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)

    assert blocker.args is not None
    result = blocker.args[0]
    details = {"path": str(backend_db_path(data_dir))}
    assert (result.outcome, result.reason) == (Outcome.REFUSED, Reason.DISK_FULL)
    assert result.message == describe(Operation.SEND, Outcome.REFUSED, Reason.DISK_FULL, details)
    assert result.message.endswith("The invitation was not sent.")
    qtbot.waitUntil(lambda: dialog.error_label.text() == result.message, timeout=WAIT_MS)
    assert "server" not in result.message.lower()
    monkeypatch.undo()
    # "Not sent" is the truth: the backend's transaction never committed.
    assert app.simulator.invitations("pilot@example.com") == ()


@pytest.fixture
def remote_server(tmp_path: Path) -> Iterator[tuple[str, MockBackend]]:
    """A `serve`-like service over its own folder on a loopback port (uvicorn on a thread of
    this process, so the test can reach its backend to inject faults): (its URL, its backend)."""
    folder = tmp_path / "server"
    folder.mkdir()
    with Simulator(folder) as simulator, MockBackend(folder) as backend:
        config = uvicorn.Config(
            create_app(backend, simulator),
            log_config=None,
            log_level="warning",
            timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        listening = socket.socket()
        listening.bind(("127.0.0.1", 0))
        listening.listen()  # connections wait in the backlog until uvicorn accepts them
        port = listening.getsockname()[1]
        thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]})
        thread.start()
        try:
            yield f"http://127.0.0.1:{port}", backend
        finally:
            server.should_exit = True
            backend.close_waiters()  # a long poll returns at once
            thread.join(30)
            listening.close()
        assert not thread.is_alive()


def test_a_full_disk_on_a_remote_server_is_the_servers_problem_without_its_path(
    qtbot: QtBot,
    signed_in: Callable[..., App],
    remote_server: tuple[str, MockBackend],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, backend = remote_server
    app = signed_in(backend_url=url)
    fill_disk_of(backend, monkeypatch)

    text = failed_sync(qtbot, app)

    theirs = explain(Reason.SERVER_ERROR, {"cause": "disk_full"})
    assert text == f"The server reported a problem. Showing saved data. {theirs}"
    assert "its disk is full" in text
    assert str(backend.store.path) not in text
    assert "…" not in text
    # This computer's disk is fine: the sentence for a full disk here is not said.
    assert explain(Reason.DISK_FULL) not in text


def test_a_send_refused_by_a_remote_servers_full_disk_says_so_and_goes_out_once_it_works(
    qtbot: QtBot,
    signed_in: Callable[..., App],
    remote_server: tuple[str, MockBackend],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, backend = remote_server
    app = signed_in(backend_url=url)
    dialog = open_invite_dialog(qtbot, app)
    fill_disk_of(backend, monkeypatch)
    qtbot.keyClicks(dialog.email_edit, "sam@example.com")
    with qtbot.waitSignal(app.controller.operationFinished, timeout=WAIT_MS) as blocker:
        qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)

    assert blocker.args is not None
    result = blocker.args[0]
    theirs = {"cause": "disk_full"}
    assert (result.outcome, result.reason) == (Outcome.NOT_SENT, Reason.SERVER_ERROR)
    assert result.message == describe(Operation.SEND, Outcome.NOT_SENT, Reason.SERVER_ERROR, theirs)
    # The server was reached and said its disk is full: the words wait for it to work again,
    # not "to be reached", and the invitation waits in the outbox.
    assert "its disk is full" in result.message
    assert result.message.endswith(
        "goes out once, automatically, when the referral service works again."
    )
    assert "can be reached" not in result.message
    qtbot.waitUntil(lambda: app.state.sync.pending_operations == 1, timeout=WAIT_MS)

    monkeypatch.undo()  # space freed on the server: the next sync sends it, once
    app.controller.sync_now()
    qtbot.waitUntil(lambda: app.state.sync.pending_operations == 0, timeout=WAIT_MS)
    path = backend.store.path
    assert path is not None
    with Simulator(path.parent) as simulator:
        sent = simulator.invitations("pilot@example.com")
    assert [record.invitation.recipient for record in sent].count("sam@example.com") == 1
