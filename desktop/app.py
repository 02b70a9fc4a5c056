"""Composition root and command line: the only module that wires concrete things together.

`create(data_dir)` builds the whole application for one data folder (mock backend, local cache,
credentials, controller, settings window) so tests and scripts can drive it; `main()` is the
`referral-desktop` command. `main()` paints the window before importing the controller;
`create()` imports nothing heavy either: the backend (SQLAlchemy), the cache repository (Alembic
when a migration is due) and the keyring are built or discovered off the GUI thread by their
first use, after the controller has put the cached data on screen (docs/PERFORMANCE.md).
"""

# ruff: noqa: E402 (the desktop imports follow cheapen_feature_check(), see there)
from __future__ import annotations

import argparse
import gc
import logging
import os
import random
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

GC_THRESHOLDS = (10_000, 100, 20)
"""Python's cyclic garbage collector, as the app runs it (the defaults are 700, 10, 10). A young
collection walks every young object, so its pause grows with the first threshold; the second is
raised as the first is lowered, so the older generations are collected as rarely as before (one
middle collection per million allocations). Set from here on, before PySide6 and the window's
modules are imported: start-up allocates some 30,000 objects that live as long as the app, and
the default thresholds walked them in 56 collections before the first paint (13-21 ms of CPU,
against 9-13 ms in 14 with these; docs/PERFORMANCE.md, round 6). `main()` then collects on the
GUI thread only (`tune_garbage_collection`)."""
gc.set_threshold(*GC_THRESHOLDS)

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSettings, Qt, QTimer, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QFrame, QLabel, QWidget

from desktop.pyside_feature import cheapen_feature_check

cheapen_feature_check()  # before the imports below: PySide6 checks each module they load

from desktop.ui.theme import start_in_fusion_style

start_in_fusion_style()  # before anyone creates the QApplication (bench/probe.py does, after this)

from desktop.data_folder import AppLog, BackendFileFaults, prepare_backend_file, report_fault
from desktop.environment import EXIT_LOCAL_FAULT, LocalFault, local_fault
from desktop.paths import APP_NAME, default_data_dir, private_file, private_folder
from desktop.ui.garbage import GuiThreadCollector
from desktop.ui.settings_window import SettingsWindow

if TYPE_CHECKING:
    import keyring.backend

    from desktop.backend.qa_api import QaApi
    from desktop.backend.service import MockBackend
    from desktop.controller.controller import Controller
    from desktop.controller.retry import RetryPolicy
    from desktop.controller.state import AppState, OperationResult
    from desktop.credentials import CredentialStore
    from desktop.deferred import DeferredBackend, DeferredHttpApi
    from desktop.embedded_server import EmbeddedServer
    from desktop.storage import CacheRepository

log = logging.getLogger("desktop")

ORGANIZATION = "Referral Resets"
UI_SETTINGS_FILE = "ui.ini"  # window geometry, page, theme; never anything secret (R9)
FIRST_SYNC_TIMEOUT_MS = 20_000
"""--smoke-test and --screenshot give up waiting for the first sync after this, unless
--first-sync-timeout says otherwise (a slow or loaded machine can need more)."""
FIRST_PAINT_MARKER = "first-paint"
"""`--report-first-paint` prints this word and the time on stdout (scripts/check_bundle.py)."""
EMBEDDED_SERVER_DELAY_MS = 2_000
"""The embedded HTTP server (a child process) starts this long after the window is composed, so
its start-up does not compete with the first sync for the CPU (docs/WIRE.md)."""
SERVER_LINGER_MINUTES = 10.0
"""How long the embedded server stays after the app closes while nobody calls it: a start within
that time calls it over HTTP instead of importing and opening the backend (docs/WIRE.md)."""
GC_CHECK_MS = 20
"""How often the GUI thread looks at the collector's counts: worker threads allocate thousands
of rows between two looks, so a longer interval lets the young generation grow far past its
threshold (a 100 ms interval found 50,000-88,000 young objects during a large sync)."""

QaWindowFactory = Callable[["App"], QWidget]
"""Builds the QA simulator window for a running app (registered by the QA module)."""

_qa_window_factory: QaWindowFactory | None = None


def register_qa_window(factory: QaWindowFactory) -> None:
    """The hook the QA simulator window plugs into; `--qa` opens it beside the settings window."""
    global _qa_window_factory
    _qa_window_factory = factory


@dataclass
class App:
    """Everything `create()` built, for tests, scripts and `main()`. Call `close()` once done."""

    data_dir: Path
    window: SettingsWindow
    controller: Controller
    # The controller's ReferralApi: the MockBackend, opened by its first call, or (--backend URL)
    # the HTTP client of a server, built by its first call.
    api: DeferredBackend | DeferredHttpApi
    cache: CacheRepository  # built and opened on the controller's cache thread
    credentials: CredentialStore
    settings: QSettings
    qa: bool = False
    qa_window: QWidget | None = None
    embedded_server: EmbeddedServer | None = None  # main() starts one after the first paint
    server_linger_s: float = 0.0  # how long that server stays after close() (main(): an option)
    qa_token: str | None = None  # the server's QA token (--qa-token), with --backend URL
    _simulator: QaApi | None = field(default=None, repr=False)
    _simulator_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _owns_window: bool = field(default=True, repr=False)  # False when main() passed its window
    _closed: bool = field(default=False, repr=False)

    @property
    def state(self) -> AppState:
        """What the window shows now."""
        return self.controller.state

    @property
    def remote(self) -> bool:
        """Whether the app uses a server by URL (`--backend`) instead of its data folder's."""
        from desktop.deferred import DeferredBackend

        return not isinstance(self.api, DeferredBackend)

    @property
    def backend(self) -> MockBackend:
        """The mock backend the controller calls (opened now if no call has opened it yet)."""
        from desktop.deferred import DeferredBackend

        if not isinstance(self.api, DeferredBackend):
            raise RuntimeError("this app uses a server by URL (--backend): it has no MockBackend")
        return self.api.backend

    @property
    def simulator(self) -> QaApi:
        """The QA side of the same backend, opened on first use (from any thread: the QA window's
        first call opens it on its pool thread): the data folder's `Simulator`, or with
        `--backend URL` the server's QA endpoints (`RemoteSimulator`, with `qa_token`)."""
        from desktop.deferred import DeferredHttpApi

        with self._simulator_lock:
            if self._simulator is None:
                if isinstance(self.api, DeferredHttpApi):
                    self._simulator = _remote_simulator(self.api.base_url, self.qa_token)
                else:
                    from desktop.backend.simulator import Simulator

                    self._simulator = Simulator(self.data_dir)
            return self._simulator

    def start(self) -> None:
        """Show the cached state, restore the session and sync (the controller's `start`)."""
        self.controller.start()
        if self.qa:
            self.open_qa_window()

    def open_qa_window(self) -> QWidget | None:
        """Open the QA simulator window, if a QA module registered one."""
        if self.qa_window is None and _qa_window_factory is not None:
            self.qa_window = _qa_window_factory(self)
            place_beside = getattr(self.qa_window, "place_beside", None)
            if callable(place_beside):
                place_beside(self.window)  # beside the settings window, never over it
            self.qa_window.show()
        return self.qa_window

    def close(self) -> None:
        """Save the window's settings, stop every thread, close both databases. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self.window.save_settings()
        if self.qa_window is not None:
            self.qa_window.close()
            self.qa_window.deleteLater()
        self.window.close()
        self.controller.shutdown()
        self.cache.close()
        if self._simulator is not None:
            self._simulator.close()
        if self.embedded_server is not None:
            self.embedded_server.release()  # stops it, or leaves it lingering (server_linger_s)
        self.api.close()  # ends the change feed's long poll at once
        self.controller.join_released_calls()
        # Destroy the Qt objects now, on the GUI thread. Left to Python's garbage collector,
        # they could be destroyed from whichever thread runs the next collection (a pool or
        # cache thread of another App), which crashes Qt.
        shiboken6.delete(self.controller)
        if self._owns_window:
            shiboken6.delete(self.window)


def ui_settings(data_dir: Path) -> QSettings:
    """The window's QSettings, an INI file inside the data folder (so tests stay isolated),
    readable by its owner only (QSettings rewrites it keeping the existing file's mode)."""
    path = data_dir / UI_SETTINGS_FILE
    if data_dir.is_dir():
        private_file(path)
    return QSettings(str(path), QSettings.Format.IniFormat)


def create(
    data_dir: Path,
    *,
    api_latency_ms: int | None = None,
    keyring_backend: keyring.backend.KeyringBackend | None = None,
    qa: bool = False,
    window: SettingsWindow | None = None,
    retry: RetryPolicy | None = None,
    backend_rng: random.Random | None = None,
    backend_url: str | None = None,
    qa_token: str | None = None,
    use_running_server: bool = True,
) -> App:
    """Build the app for `data_dir` without starting it; call `App.start()`, then `App.close()`.

    `api_latency_ms` sets the mock backend's latency fault; `keyring_backend` replaces the
    system keyring (tests); `window` reuses a window already painted by `main()`; `retry` and
    `backend_rng` (which draws the error-rate fault) let tests script time-outs and lost answers;
    `backend_url` uses that server (`referral-desktop serve`) instead of the data folder's
    backend (the data folder then holds the local cache only); `qa_token` is its QA token, for
    the QA window (`--qa`) on a server that is not on this machine's loopback;
    `use_running_server` lets the data folder's backend be its embedded server still running
    from an earlier start (desktop.deferred.DeferredBackend).
    """
    from desktop.controller.backend_watch import BackendChangeWatcher
    from desktop.controller.controller import Controller
    from desktop.credentials import CredentialStore
    from desktop.deferred import DeferredBackend, DeferredCache, DeferredHttpApi
    from desktop.paths import BACKEND_DB, CACHE_DB

    private_folder(data_dir)
    # Stand-ins: the backend opens on the first API call (a pool thread), the repository on the
    # cache thread, the keyring is found by the first keyring read (a pool thread).
    api: DeferredBackend | DeferredHttpApi
    if backend_url is not None:
        api = DeferredHttpApi(backend_url)
    else:
        api = DeferredBackend(data_dir, backend_rng, use_running_server=use_running_server)
    cache = cast("CacheRepository", DeferredCache(data_dir / CACHE_DB))
    credentials = CredentialStore(backend=keyring_backend, defer_discovery=True)
    controller = Controller(api, cache, credentials, retry=retry)
    if backend_url is None:
        # The controller follows the backend by its long poll (desktop/controller/feed.py); the
        # QA window also refreshes on writes to the file while nobody is signed in.
        BackendChangeWatcher(data_dir / BACKEND_DB, parent=controller)
    owns_window = window is None
    settings = window.settings if window is not None else ui_settings(data_dir)
    if window is None:
        window = SettingsWindow(settings)
    window.attach(controller)
    app = App(
        data_dir=data_dir,
        window=window,
        controller=controller,
        api=api,
        cache=cache,
        credentials=credentials,
        settings=settings,
        qa=qa,
        qa_token=qa_token,
        _owns_window=owns_window,
    )
    if api_latency_ms is not None and backend_url is None:
        app.simulator.set_fault(latency_ms=api_latency_ms)
    return app


def tune_garbage_collection(app: App) -> None:
    """The garbage-collection policy of the running app (`main()`; the benches apply it too).

    A full collection walks every object the collector tracks (about 165,000 with 10,000
    invitations cached) holding the GIL, on whichever thread happened to allocate, so it stalls
    the GUI thread for 50-130 ms, and loading thousands of rows set off one after another.
    Young collections are kept small (a young collection of 50,000 objects took 40-170 ms on
    a slow VM) and the older generations rare, and once the first sync has
    loaded everything (imports, the window, the cached rows), those objects are frozen out of
    later collections: they live as long as the app. Reference counting still frees what is
    not in a cycle, frozen or not. Collections run on the GUI thread only (GuiThreadCollector):
    one on a worker thread could destroy GUI-thread Qt objects there and crash. None run at all
    from start until the first sync is on screen, nor during an account's first sync
    (`GarbageHeldDuringFirstSyncs`): what those allocate mostly stays, and is frozen after.
    """
    gc.set_threshold(*GC_THRESHOLDS)
    collector = GuiThreadCollector(GC_CHECK_MS, parent=app.window)  # owned by the window
    app.window.destroyed.connect(_collect_automatically_again)
    GarbageHeldDuringFirstSyncs(app, collector)


def _collect_automatically_again() -> None:
    gc.enable()


def open_qa_simulator(app: App) -> QWidget:
    """The QA simulator window (`--qa`) over the app's simulator (the data folder's, or the
    server's QA endpoints with `--backend URL`), next to the settings window.

    Ctrl+Shift+S in the settings window shows it again after it was closed.
    """
    from desktop.controller.backend_watch import BackendChangeWatcher
    from desktop.controller.qa import QaController
    from desktop.ui.qa.window import QaSimulatorWindow

    qa = QaController(lambda: app.simulator, app.controller)
    window = QaSimulatorWindow(qa, app.controller)
    qa.setParent(window)  # closing the window pauses it; deleting it ends it
    changes = app.controller.findChild(BackendChangeWatcher)
    if changes is not None:
        changes.changed.connect(qa.refresh)  # `sim` changes show even while signed out

    def show_again() -> None:
        window.show()
        window.raise_()

    QShortcut(QKeySequence("Ctrl+Shift+S"), app.window, show_again)
    QShortcut(QKeySequence("Ctrl+,"), window, app.window.show_settings)
    QShortcut(QKeySequence("Ctrl+Q"), window, app.window.quitRequested.emit)
    from desktop.ui.keyboard import enter_presses_buttons

    enter_presses_buttons(window)
    return window


register_qa_window(open_qa_simulator)


# -- what the window shows, for --smoke-test ----------------------------------------------------


def visible_summary(window: SettingsWindow) -> dict[str, Any]:
    """One JSON-able snapshot of what the window shows, read from its widgets."""
    state = window.state
    section = window.findChild(QFrame, "referralSection")
    balance = window.findChild(QLabel, "walletBalanceLabel")
    from desktop.domain.usage import WindowKind
    from desktop.ui.usage_meter import UsageMeter

    meters = {m.kind: m for m in window.findChildren(UsageMeter, "usageMeter")}
    status = window.findChild(QLabel, "syncStatus")

    def percent(kind: WindowKind) -> int | None:
        meter = meters.get(kind)
        if meter is None or meter.percent_label.text() == "—":
            return None
        return meter.bar.value()

    return {
        "account": state.account.email if state.account else None,
        "referral_section_visible": section is not None and section.isVisible(),
        "wallet_balance": len(state.available_tokens) if balance is not None else None,
        "wallet_text": balance.text() if balance is not None else None,
        "usage": {
            "weekly_percent": percent(WindowKind.WEEKLY),
            "five_hour_percent": percent(WindowKind.FIVE_HOUR),
        },
        "invitations": (
            window.referral_section.model.rowCount() if window.referral_section else None
        ),
        "cycle": window.referral_section.cycle_label.text() if window.referral_section else None,
        "sync": {
            "phase": state.sync.phase.value,
            "text": status.text() if status is not None else "",
            "pending_operations": state.sync.pending_operations,
        },
        "error_banner_visible": window.error_banner.isVisible(),
        "keyring_notice_visible": window.keyring_notice.isVisible(),
    }


# -- command line -----------------------------------------------------------------------------


class FirstPaint(QObject):
    """Calls `then` once, on the window's first Paint (or Expose) event: "window shown"."""

    def __init__(self, window: QWidget, then: Callable[[], None]) -> None:
        super().__init__(window)
        self._then: Callable[[], None] | None = then
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Fire on the first paint, then stop watching."""
        if self._then is not None and event.type() in (QEvent.Type.Paint, QEvent.Type.Expose):
            then, self._then = self._then, None
            watched.removeEventFilter(self)
            QTimer.singleShot(0, then)  # after this paint completes
        return False


class GarbageHeldDuringFirstSyncs(QObject):
    """Holds the GUI-thread collector (`GuiThreadCollector.hold`) from now until the first sync
    has ended (`FirstSync`) and the window shows it (`is_settled`), and from an account's first
    sync (one with nothing synced before: a sign-in into an empty cache) until it is shown the
    same way. Each release freezes what survived: the window, the imports and the rows, which
    live as long as the app, are then never walked by a collection again (docs/PERFORMANCE.md,
    round 8)."""

    def __init__(self, app: App, collector: GuiThreadCollector) -> None:
        super().__init__(app.window)
        self._window = app.window
        self._collector = collector
        self._holds = 1  # the start-up's
        self._due = 0  # holds whose sync has ended, released once the window has settled
        self._account_hold = False
        collector.hold()
        app.controller.stateChanged.connect(self._state)
        app.window.settled.connect(self._settled)
        self._first_sync = FirstSync(app, self._ended, None)

    def _state(self, state: AppState) -> None:
        from desktop.controller.state import SyncPhase

        syncing = state.sync.phase is SyncPhase.SYNCING
        if syncing and not self._account_hold and state.sync.last_synced_at is None:
            self._account_hold = True  # this account's first sync
            self._holds += 1
            self._collector.hold()
        elif (
            self._account_hold
            and not syncing
            and (state.sync.phase is not SyncPhase.NEVER or not state.signed_in)  # or gone
        ):
            self._account_hold = False
            self._ended()

    def _ended(self) -> None:
        self._due += 1
        self._settled()

    @Slot()
    def _settled(self) -> None:
        if self._due and self._window.is_settled():
            self._holds -= self._due
            self._due = 0
            if self._holds == 0:
                self._collector.release()


class FirstSync(QObject):
    """Calls `then` once the controller's first sync has finished or failed, or as soon as there
    is nothing to wait for (signed out with no saved session, or the cache unusable), or on
    timeout. `ended_by` says which."""

    def __init__(
        self,
        app: App,
        then: Callable[[], None],
        account: str | None,
        timeout_ms: int = FIRST_SYNC_TIMEOUT_MS,
    ) -> None:
        super().__init__(app.window)
        self._app = app
        self._then: Callable[[], None] | None = then
        self._account = account
        self._saw_sync = False
        self.ended_by = ""
        app.controller.stateChanged.connect(self._state)
        app.controller.operationFinished.connect(self._signed_in)
        QTimer.singleShot(timeout_ms, self, lambda: self._done("timed out"))  # dies with it

    def _state(self, state: AppState) -> None:
        from desktop.controller.state import SyncPhase

        if state.sync.phase is SyncPhase.SYNCING:
            self._saw_sync = True
        elif state.sync.phase is not SyncPhase.NEVER and self._account_ok(state):
            self._done("synced" if state.sync.phase is SyncPhase.SYNCED else "sync failed")
        elif self._account is None and not state.signed_in:
            # Without --account only a saved session would sign in: once the keyring read
            # found none, or the cache cannot be opened (so nothing is read), nothing follows.
            if state.sync.phase is SyncPhase.ERROR:
                self._done("error")
            elif self._app.credentials.no_saved_session:
                self._done("signed out")

    def _account_ok(self, state: AppState) -> bool:
        if self._account is None:
            return state.signed_in
        return state.account is not None and state.account.email == self._account.lower()

    def _signed_in(self, result: OperationResult) -> None:
        from desktop.domain.outcomes import Operation, Outcome

        if result.operation is Operation.SIGN_IN and result.outcome is not Outcome.DONE:
            self._done("sign-in failed")

    def _done(self, ended_by: str) -> None:
        if self._then is not None:
            self.ended_by = ended_by
            then, self._then = self._then, None
            then()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="referral-desktop",
        description="Referral Resets settings panel with an embedded mock backend. "
        "`referral-desktop sim --help` lists the simulator commands.",
    )
    parser.add_argument("--data-dir", type=Path, default=None, help="data folder to use")
    parser.add_argument("--account", metavar="EMAIL", help="sign this demo account in directly")
    parser.add_argument(
        "--qa",
        action="store_true",
        help="also open the QA simulator window (with --backend: driving that server)",
    )
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help="print one JSON line of what the window shows after the first sync, then exit",
    )
    parser.add_argument(
        "--screenshot", metavar="PNG", type=Path, help="save the window after the first sync"
    )
    parser.add_argument(
        "--first-sync-timeout",
        metavar="SECONDS",
        type=float,
        default=FIRST_SYNC_TIMEOUT_MS / 1000,
        help="--smoke-test and --screenshot wait at most this long for the first sync "
        f"(default {FIRST_SYNC_TIMEOUT_MS // 1000}); then they report what the window shows",
    )
    parser.add_argument(
        "--report-first-paint",
        action="store_true",
        help=f"print '{FIRST_PAINT_MARKER} SECONDS' (time.monotonic(), system-wide on Linux) on "
        "stdout once the settings window's first paint is done, for start-up timing",
    )
    parser.add_argument(
        "--backend",
        metavar="URL",
        help="use a running server (referral-desktop serve) instead of the data folder's "
        "embedded backend; the data folder keeps the local cache",
    )
    parser.add_argument(
        "--qa-token",
        metavar="TOKEN",
        help="with --backend and --qa: the QA token the server printed (needed unless the "
        "server runs on this machine's loopback)",
    )
    parser.add_argument(
        "--pseudo-locale",
        action="store_true",
        help="show every string accented and about 40%% longer, in brackets (translation QA: an "
        "unmarked string stays plain, a clipped one loses its bracket)",
    )
    parser.add_argument(
        "--no-server",
        action="store_true",
        help="do not serve the data folder over HTTP, nor use its server left running by an "
        "earlier start (invitation links then lead nowhere)",
    )
    parser.add_argument(
        "--server-linger-minutes",
        type=float,
        default=SERVER_LINGER_MINUTES,
        metavar="M",
        help="keep the data folder's server running this long after the app closes while "
        "nobody calls it, so the next start within that time is quicker (0: stop it with the "
        f"app; default {SERVER_LINGER_MINUTES:g})",
    )
    return parser


def _qt_application(args: Sequence[str], *, pseudo_locale: bool = False) -> QApplication:
    qt_app = QApplication.instance() or QApplication([sys.argv[0], *args])
    assert isinstance(qt_app, QApplication)
    from desktop.ui import translation

    translation.install(qt_app, pseudo_locale=pseudo_locale)
    qt_app.setOrganizationName(ORGANIZATION)
    qt_app.setApplicationName(APP_NAME)
    qt_app.setApplicationDisplayName(QCoreApplication.translate("app", "Referral Resets"))
    return qt_app


def main(argv: Sequence[str] | None = None) -> int:
    """`referral-desktop [--data-dir DIR] [--account EMAIL] [--qa] [--smoke-test]
    [--screenshot PNG] [--report-first-paint] [--pseudo-locale]`, or `referral-desktop sim ...`."""
    if argv is None:  # this process's own command line (tests pass theirs)
        report_fatal_errors()
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["sim"]:
        from desktop.backend.cli import main as sim_main

        return sim_main(args[1:], open_remote=_remote_simulator)
    if args[:1] == ["serve"]:
        from desktop.backend.web.serve import main as serve_main

        return serve_main(args[1:])
    parser = _parser()
    options = parser.parse_args(args)
    if options.qa_token is not None and options.backend is None:
        parser.error("--qa-token goes with --backend URL (the server's QA token)")
    data_dir: Path = options.data_dir or default_data_dir()
    unattended = options.smoke_test or options.screenshot is not None
    headless = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )
    if headless and unattended:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # CI and servers have no screen
    opened = open_data_folder(
        data_dir,
        None
        if unattended or headless
        else lambda: _qt_application(args, pseudo_locale=options.pseudo_locale),
    )
    if opened is None:
        return EXIT_LOCAL_FAULT
    log_file, settings = opened
    root = logging.getLogger()
    root.addHandler(log_file)
    root.setLevel(logging.INFO)

    qt_app = _qt_application(args, pseudo_locale=options.pseudo_locale)
    window = SettingsWindow(settings)
    window.apply_theme()

    from desktop.ui.crash import install_excepthook

    previous_hook = install_excepthook(lambda: window)
    holder: dict[str, App] = {}
    first_sync: list[FirstSync] = []
    exit_code = [0]

    def finish(code: int = 0) -> None:
        exit_code[0] = code
        qt_app.quit()

    def report() -> None:
        app = holder["app"]
        if not window.is_settled():  # the pages and the module it needs come in later turns
            window.settled.connect(report, Qt.ConnectionType.SingleShotConnection)
            return
        if options.screenshot is not None:
            # What this state scheduled for the next turns is done before the picture is
            # taken: the page's height for its wrapped labels (a zero timer), the relayout that
            # asks for, and what the relayout posts. Without this the picture showed the offer's
            # rules clipped in an 800 px wide window, which the running app never shows.
            for _ in range(3):
                qt_app.processEvents()
            options.screenshot.parent.mkdir(parents=True, exist_ok=True)
            if not window.grab().save(str(options.screenshot)):
                print(f"could not save {options.screenshot}", file=sys.stderr)
                finish(1)
                return
        if options.smoke_test:
            summary = visible_summary(app.window)
            summary["waited_for"] = first_sync[0].ended_by
            import json

            print(json.dumps(summary, sort_keys=True), flush=True)
        finish(0)

    def compose() -> None:
        # After the first paint: the heavy imports and the cached state.
        # The data folder's own backend file, unless a server is used.
        usable = options.backend is not None or open_backend_file(
            data_dir, None if unattended else window
        )
        if not usable:
            finish(EXIT_LOCAL_FAULT)
            return
        if options.account:  # "Signing in as …", not "You are signed out", while under way
            window.expect_sign_in(options.account)
        app = create(
            data_dir,
            qa=options.qa,
            window=window,
            backend_url=options.backend,
            qa_token=options.qa_token,
            use_running_server=not options.no_server,
        )
        app.server_linger_s = max(0.0, options.server_linger_minutes * 60)
        holder["app"] = app
        one_shot = options.smoke_test or options.screenshot is not None
        if options.backend is None and not options.no_server and not one_shot:
            QTimer.singleShot(EMBEDDED_SERVER_DELAY_MS, lambda: _serve_data_folder(app))
        from desktop.deferred import DeferredBackend

        if isinstance(app.api, DeferredBackend) and not unattended:
            BackendFileFaults(app, app.api)  # the data folder's own backend file
        tune_garbage_collection(app)
        if options.smoke_test or options.screenshot is not None:
            timeout_ms = int(options.first_sync_timeout * 1000)
            first_sync.append(FirstSync(app, report, options.account, timeout_ms))
        if not options.account:
            window.offer_sign_in()  # when the cache knows no account, ask at once
        app.start()
        if options.account:
            from desktop.domain.outcomes import Operation, Outcome
            from desktop.ui.sign_in_dialog import DEMO_PASSWORD

            def sign_in_ended(result: OperationResult) -> None:
                # Refused or provably not sent: signed out. Unknown: it may still settle.
                if result.operation is Operation.SIGN_IN and result.outcome in (
                    Outcome.REFUSED,
                    Outcome.NOT_SENT,
                ):
                    window.sign_in_failed()

            app.controller.operationFinished.connect(sign_in_ended)
            app.controller.sign_in(options.account, DEMO_PASSWORD)

    window.quitRequested.connect(qt_app.quit)  # Ctrl+Q

    def first_paint() -> None:
        if options.report_first_paint:
            print(f"{FIRST_PAINT_MARKER} {time.monotonic():.6f}", flush=True)
        compose()

    FirstPaint(window, first_paint)
    window.show()
    try:
        qt_app.exec()
    finally:
        if "app" in holder:
            holder["app"].close()
        sys.excepthook = previous_hook
        root.removeHandler(log_file)
        log_file.close()
    return exit_code[0]


def report_fatal_errors() -> None:
    """A crash in native code (a segmentation fault in Qt or a driver) prints every thread's
    Python stack on stderr (`faulthandler`), so that a rare one says where it happened. Without
    a stderr to write to (a windowed bundle) nothing changes."""
    import contextlib
    import faulthandler

    stream = sys.stderr
    if stream is None:
        return
    with contextlib.suppress(AttributeError, OSError, ValueError):  # no descriptor behind it
        faulthandler.enable(stream, all_threads=True)


def open_data_folder(
    data_dir: Path, screen: Callable[[], object] | None
) -> tuple[AppLog, QSettings] | None:
    """The data folder's log and window settings, before any window; None when the folder
    cannot be used, told in one line and, when `screen` (which makes the QApplication) is given
    because someone is there to read it, in a box."""
    try:
        return AppLog(data_dir), ui_settings(data_dir)
    except OSError as error:
        fault = local_fault(error, data_dir)
        report_fault(fault)
        if screen is not None:
            from desktop.ui.data_problem import DataProblemBox

            screen()
            DataProblemBox.fail(None, fault.message)
        return None


def open_backend_file(data_dir: Path, window: QWidget | None) -> bool:
    """The data folder's backend file before the app opens it (`prepare_backend_file`: a
    damaged or newer one asks over `window`, an older one is kept and told); False to stop.
    A fault of this computer (read-only, disk full, moving aside refused) is one line and,
    with `window`, a box."""
    try:
        return prepare_backend_file(data_dir, window)
    except (LocalFault, OSError) as error:
        fault = local_fault(error, data_dir)
        report_fault(fault)
        if window is not None:
            from desktop.ui.data_problem import DataProblemBox

            DataProblemBox.fail(window, fault.message)
        return False


def _serve_data_folder(app: App) -> None:
    """Start the embedded HTTP server of the app's data folder (a child process: its imports and
    requests never hold this process's GIL), unless the app is closing or already calls the one
    an earlier start left running (which serves the links)."""
    from desktop.deferred import DeferredBackend

    if app._closed or app.embedded_server is not None:
        return
    if isinstance(app.api, DeferredBackend) and app.api.server_url is not None:
        return
    from desktop.embedded_server import EmbeddedServer

    server = EmbeddedServer(app.data_dir, app.server_linger_s)
    try:
        server.start()
    except OSError:
        log.exception("could not start the embedded server; invitation links lead nowhere")
        return
    app.embedded_server = server


def _remote_simulator(base_url: str, qa_token: str | None) -> QaApi:
    """`sim --backend URL`: the server's QA endpoints (desktop.remote imported only then)."""
    from desktop.remote.qa import RemoteSimulator

    return RemoteSimulator(base_url, qa_token)
