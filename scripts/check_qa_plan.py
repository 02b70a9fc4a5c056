"""Check docs/QA.md against the app: replay every case, save its screenshot, compare its texts.

    .venv/bin/python scripts/check_qa_plan.py [--plan docs/QA.md] [--out DIR] [--texts]
                                              [--jobs N] [CASE ...]

Exit status 0 when every case matches, 1 when one does not (each problem on its own line).
`pytest tests/qa/test_qa_plan.py` runs the same check, one test per case (docs/QA.md, "Keeping
this plan true", describes the format).

A case is a table row whose first cell starts with its id (`B1`, `D3b`, `B1 (cont.)`). Its steps
cell ends with a replay comment, invisible on the rendered page:

    <!-- replay: sign in as pilot@example.com; invite sam@example.com; recipient Open link, Join -->

or `<!-- replay: manual: why a script cannot do it -->`. The steps a replay may use:

    sign in as EMAIL           QA Accounts tab: select EMAIL, "Sign in as selected"
    invite EMAIL[, EMAIL...]   settings window: Invite…, type the addresses, Send invitation(s),
                               confirm, Close (each address sent or refused)
    invite EMAILS answering Cancel   the same, but Cancel in the confirmation box, then Close
    recipient A, B, ...        QA Invitation tab: click A, then B, ... (each waits for its answer)
    tab NAME                   a QA window tab (Invitation, Usage & clock, Faults, ...)
    every tab                  each QA window tab in turn, reading each
    page NAME                  a settings window page (General, Usage, Wallet, Account)
    type TEXT in FIELD         a field by its form label or accessible name (QA window first);
                               `\n` in TEXT is a new line (Rules); in a drop-down list TEXT
                               is the entry to pick (with the arrow keys)
    click BUTTON [answering ANSWER]   a visible button (or check box) by its text; ANSWER is the
                               button to press in the box or dialog the click opens; a click
                               in the invite dialog waits for its send to end
    click BUTTON at once       the same, and the next step follows without waiting for the
                               calls it started (the QA window's, a sync of the settings window)
    select RECIPIENT           click that invitation's row in the settings window
    pick TEXT                  click the QA window row that starts with TEXT (Outbox, ...)
    sim ARGS                   `referral-desktop sim --data-dir <the case's folder> ARGS`;
                               `{clipboard}` in ARGS is what Copy link copied
    press KEY [at once]        a key in the settings window (F5, Ctrl+I), made the active window
    quit                       quit the app (its windows, threads, databases); the keyring and
                               the data folder stay
    start the app [on PATH] [answering A, B, ...]   start it again as `main()` does: the data
                               folder, the backend file (each box it opens answered in turn:
                               Quit, Move the file aside and start again, OK), the windows,
                               the session from the keyring; "exit status 3" when it stops.
                               The promised texts are then looked for from this start on
    run COMMAND                a terminal command, in bash: `./dev app` and `./dev sim` are this
                               checkout's (no screen: a fault is one line, no box); `sqlite3`
                               is Python's where the machine has none; its output lines and
                               "exit status N" count as shown
    start with no keyring      (first step only) the app finds no usable keyring (and keeps
                               finding none when started again)
    after CASE                 the steps of CASE first (for "(cont.)" rows and "Do B1" cases)

Paths: `/tmp/qa-run` in `run` and `start the app on` is the case's data folder, another
`/tmp/qa-NAME` a folder beside it (a terminal's output says the plan's paths again); any other
path is used as it is (`/sys/qa-ro`).

Every case starts on a fresh data folder (the demo seed), nobody signed in; a case that goes on
from another (`after B1` as its first step, the only one to go on from B1) is replayed in the
same run, right after it, and compared at the end of its own steps. After each step the
checker waits for the QA window's calls and a sync of the settings window, then collects every
visible text of every window: labels, buttons, fields, tab titles, group titles, item views
(their cells, and the texts their own delegates paint), message boxes and dialogs.

Checked, in the expected cell: each "double-quoted" text, and each **bold** name in both cells;
each must be one of the texts the app showed at some step of the case (as a part of it). In a
quote, `…` stands for any text and an *italic* word for any one word.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import faulthandler
import gc
import io
import logging
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import itertools

import shiboken6
from PySide6.QtCore import QAbstractListModel, QPoint, QRect, Qt, QTimer
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPixmap, QTextDocument
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QStatusBar,
    QStyle,
    QStyleOptionViewItem,
    QTabBar,
    QTextEdit,
    QWidget,
)

if TYPE_CHECKING:
    from desktop.app import App

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "docs" / "QA.md"
SETTINGS_SIZE = (1000, 780)  # the screenshots' size: a desk, not the 800 px offscreen screen
WAIT_S = 15.0
LATE_S = 4.0  # how long a case's missing texts are still looked for after its last step
NO_KEYRING = "start with no keyring"
AT_ONCE = " at once"
START = "start the app"
QUIET_STEPS = (
    "page",
    "tab",
    "type",
    "select",
    "pick",
    "quit",
    "press",
)  # no backend call to wait for
PLAN_PATH = re.compile(r"/tmp/qa-[A-Za-z0-9_.-]*[A-Za-z0-9_]")  # the plan's data folders
RUN_TIMEOUT_S = 120.0
SQLITE3 = (  # `sqlite3 FILE "SQL"` where the machine has no sqlite3 command
    "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); rows = c.execute(sys.argv[2]);"
    " print(*('|'.join(map(str, row)) for row in rows), sep='\\n'); c.commit()"
)
KEYS = re.compile(r"^(Ctrl|Shift|Alt|Meta|F\d+\b|Enter|Esc|Tab)")  # bold key names, not texts

CASE_ID = re.compile(r"^([A-Z]\d+[a-z]?)((?: \(cont\.\))?)")
REPLAY = re.compile(r"<!--\s*replay:\s*(.*?)\s*-->", re.DOTALL)
QUOTED = re.compile(r'"([^"]+)"')
BOLD = re.compile(r"\*\*([^*]+)\*\*")
ITALIC = re.compile(r"\\\*([^*]+)\\\*")  # after re.escape: \*month\*


# -- the plan -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One row of docs/QA.md."""

    id: str
    line: int
    steps: str  # the steps cell, without its replay comment
    expected: str
    replay: tuple[str, ...] = ()  # the replay steps, empty when manual
    manual: str | None = None  # why it is not replayed
    missing_replay: bool = False

    @property
    def quotes(self) -> list[str]:
        """The texts the expected cell promises, in order, each once."""
        return list(dict.fromkeys(QUOTED.findall(strip_code(self.expected))))

    @property
    def names(self) -> list[str]:
        """The bold names of both cells (buttons, fields, sections), each once."""
        found = BOLD.findall(self.steps) + BOLD.findall(self.expected)
        return [
            name
            for name in dict.fromkeys(found)
            if name not in self.quotes and not KEYS.match(name)
        ]


def strip_code(text: str) -> str:
    """The cell without `code spans` (commands and values, not the app's words)."""
    return re.sub(r"`[^`]*`", "", text)


def parse_plan(text: str) -> list[Case]:
    """Every case row of the plan, in order, then the QA window's parts (`parts_case`)."""
    cases: list[Case] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("| "):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        if len(cells) < 3:
            continue
        match = CASE_ID.match(cells[0])
        if match is None:
            continue
        case_id = match.group(1) + match.group(2)
        steps, expected = cells[1], " | ".join(cells[2:])
        replay = REPLAY.search(steps)
        visible_steps = REPLAY.sub("", steps).strip()
        if replay is None:
            cases.append(Case(case_id, number, visible_steps, expected, missing_replay=True))
            continue
        body = " ".join(replay.group(1).split())
        if body.startswith("manual:"):
            cases.append(Case(case_id, number, visible_steps, expected, manual=body[7:].strip()))
            continue
        steps_list = tuple(step.strip() for step in body.split(";") if step.strip())
        cases.append(Case(case_id, number, visible_steps, expected, replay=steps_list))
    parts = parts_case(text)
    if parts is not None:
        cases.append(parts)
    return cases


def chains(cases: list[Case]) -> list[list[Case]]:
    """The replayed cases as runs: a case whose first step is `after X` goes on from X's run
    when it is the only such case (B1, B1 (cont.), D1: one run instead of three that each
    start with B1's steps). Each case of a run is still compared on its own, at the end of its
    own steps (`Replay.run_chain`). In the plan's order, by each run's first case."""
    replayed = [case for case in cases if case.replay]
    by_id = {case.id: case for case in replayed}
    followers: dict[str, list[Case]] = {}
    for case in replayed:
        first = case.replay[0]
        if first.startswith("after ") and first[6:].strip() in by_id:
            followers.setdefault(first[6:].strip(), []).append(case)
    continues = {only[0].id: earlier for earlier, only in followers.items() if len(only) == 1}
    runs: list[list[Case]] = []
    for case in replayed:
        if case.id in continues:
            continue  # in its earlier case's run
        run = [case]
        while len(followers.get(run[-1].id, [])) == 1:
            run.append(followers[run[-1].id][0])
        runs.append(run)
    return runs


PARTS_HEADING = "The QA simulator, top to bottom:"
PARTS_REPLAY = (
    "sign in as pilot@example.com",
    "invite sam@example.com",
    "every tab",  # in the window's order, which ends with Accounts (every demo account)
)


def parts_case(text: str) -> Case | None:
    """The table of the QA window's parts as one more case: its bold names (buttons, fields,
    tabs) must be in the QA window, each tab visited with an invitation selected."""
    lines = text.splitlines()
    if PARTS_HEADING not in lines:
        return None
    start = lines.index(PARTS_HEADING)
    rows: list[str] = []
    for line in lines[start + 1 :]:
        if line.startswith("|"):
            rows.append(line)
        elif rows:
            break
    names = [n for row in rows for n in BOLD.findall(row) if not re.search(r"\bN\b", n)]
    expected = " ".join(f"**{name}**" for name in names)
    return Case("QA window parts", start + 1, "", expected, replay=PARTS_REPLAY)


def pattern(promise: str, *, ignore_case: bool = False) -> re.Pattern[str]:
    """A quoted text as a search pattern: `…` is any text, an *italic* word any value."""
    text = " ".join(promise.split())
    escaped = re.escape(text)
    escaped = ITALIC.sub(".+?", escaped)
    escaped = escaped.replace("…", ".*?")
    # Whole words at the ends: "4 of 5" is not found in "14 of 50".
    start = r"(?<!\w)" if re.match(r"\w", text) else ""
    end = r"(?!\w)" if re.search(r"\w$", text) else ""
    return re.compile(f"{start}{escaped}{end}", re.IGNORECASE if ignore_case else 0)


# -- reading what the windows show ----------------------------------------------------------------


def plain(text: str, rich: bool) -> str:
    """One line of plain text (markup rendered as Qt would, whitespace collapsed)."""
    if rich:
        document = QTextDocument()
        document.setHtml(text)
        text = document.toPlainText()
    return " ".join(text.replace("&&", "\0").replace("&", "").replace("\0", "&").split())


def label_text(label: QLabel) -> str:
    rich = label.textFormat() == Qt.TextFormat.RichText or (
        label.textFormat() == Qt.TextFormat.AutoText and GuiQt.mightBeRichText(label.text())
    )
    if rich:
        return plain(label.text(), True)
    return " ".join(label.text().split())


def button_text(button: QAbstractButton) -> str:
    """What a button reads: its text without the mnemonic's `&`."""
    return plain(button.text(), False)


class TextRecorder(QPainter):
    """A painter that remembers every text drawn through it (a delegate's painted words)."""

    def __init__(self, device: QImage) -> None:
        super().__init__(device)
        self.texts: list[str] = []

    def drawText(self, *args: object) -> None:  # type: ignore[override]
        """Remember the text, then draw it."""
        self.texts.extend(arg for arg in args if isinstance(arg, str))
        super().drawText(*args)  # type: ignore[call-overload]


def item_view_texts(view: QAbstractItemView) -> list[str]:
    """The cells of an item view, the header, and what a delegate of the app's own paints."""
    texts: list[str] = []
    model = view.model()
    if model is None:
        return texts
    delegate = view.itemDelegate()
    painted = delegate is not None and not type(delegate).__module__.startswith("PySide6")
    image = QImage(max(view.viewport().width(), 1), 400, QImage.Format.Format_ARGB32)

    def walk(parent: object) -> None:
        listing = isinstance(model, QAbstractListModel)  # its columnCount is private
        columns = 1 if listing else model.columnCount(parent)  # type: ignore[arg-type]
        for row in range(model.rowCount(parent)):  # type: ignore[arg-type]
            for column in range(columns):
                index = model.index(row, column, parent)  # type: ignore[arg-type]
                value = model.data(index, Qt.ItemDataRole.DisplayRole)
                if isinstance(value, str):
                    texts.append(value)
                if painted:
                    texts.extend(paint_texts(view, index, image))
                if not listing and model.hasChildren(index):
                    walk(index)

    from PySide6.QtCore import QModelIndex

    walk(QModelIndex())
    for header in (getattr(view, "header", None), getattr(view, "horizontalHeader", None)):
        if callable(header) and header().isVisible():
            for column in range(
                1 if isinstance(model, QAbstractListModel) else model.columnCount()
            ):
                value = model.headerData(column, Qt.Orientation.Horizontal)
                if isinstance(value, str):
                    texts.append(value)
    return texts


def paint_texts(view: QAbstractItemView, index: object, image: QImage) -> list[str]:
    """The texts the view's delegate paints for `index`, at the width the view gives it."""
    option = QStyleOptionViewItem()
    option.font = view.font()
    option.palette = view.palette()
    option.state = QStyle.StateFlag.State_Enabled
    option.widget = view
    delegate = view.itemDelegate()
    size = delegate.sizeHint(option, index)  # type: ignore[arg-type]
    rect = view.visualRect(index)  # type: ignore[arg-type]
    if not rect.isValid() or rect.width() <= 0:
        rect = QRect(0, 0, view.viewport().width(), size.height())
    option.rect = QRect(0, 0, rect.width(), min(size.height(), 390))
    image.fill(QColor("white"))
    painter = TextRecorder(image)
    try:
        delegate.paint(painter, option, index)  # type: ignore[arg-type]
    finally:
        painter.end()
    return painter.texts


def widget_texts(window: QWidget) -> list[str]:
    """Every text a person can read in `window` now (visible widgets only)."""
    texts = [window.windowTitle()]
    for widget in [window, *window.findChildren(QWidget)]:
        if not widget.isVisible():
            continue
        if isinstance(widget, QLabel):
            texts.append(label_text(widget))
        elif isinstance(widget, QAbstractButton):
            texts.append(button_text(widget))
        elif isinstance(widget, QLineEdit | QAbstractSpinBox):
            texts.append(widget.text())
        elif isinstance(widget, QComboBox):
            texts.append(widget.currentText())
        elif isinstance(widget, QPlainTextEdit | QTextEdit):
            texts.append(widget.toPlainText())
        elif isinstance(widget, QTabBar):
            texts.extend(plain(widget.tabText(i), False) for i in range(widget.count()))
        elif isinstance(widget, QGroupBox):
            texts.append(plain(widget.title(), False))
        elif isinstance(widget, QStatusBar):
            texts.append(widget.currentMessage())
        if isinstance(widget, QAbstractItemView):
            texts.extend(item_view_texts(widget))
    return [" ".join(text.split()) for text in texts if text and text.strip()]


def visible_windows() -> list[QWidget]:
    """Every shown top-level window: the settings window, the QA window, dialogs, boxes."""
    return [w for w in QApplication.topLevelWidgets() if w.isVisible() and w.isWindow()]


def everything_shown() -> set[str]:
    """The texts of every shown window."""
    return {text for window in visible_windows() for text in widget_texts(window)}


# -- replaying ------------------------------------------------------------------------------------


class ReplayError(Exception):
    """A step could not be done as written: the plan and the app disagree."""


def wait_until(condition: Callable[[], bool], what: str, timeout: float = WAIT_S) -> None:
    """Run the event loop until `condition()` holds (QTest.qWait processes events meanwhile)."""
    started = time.monotonic()
    try:
        while not condition():
            if time.monotonic() - started > timeout:
                raise ReplayError(f"timed out waiting for {what}")
            QTest.qWait(10)
    finally:
        WAITED[what.split(" to ")[0]] = WAITED.get(what.split(" to ")[0], 0.0) + (
            time.monotonic() - started
        )


WAITED: dict[str, float] = {}
"""Seconds spent waiting, by what was waited for (QA_PLAN_TIMING=1 prints them)."""


@dataclass
class Outcome:
    """What replaying one case found."""

    case: Case
    seen: set[str] = field(default_factory=set)
    missing: list[str] = field(default_factory=list)
    error: str | None = None
    screenshot: Path | None = None

    @property
    def problems(self) -> list[str]:
        """One line per disagreement, with the nearest texts the app did show."""
        lines = []
        if self.case.missing_replay:
            lines.append(
                f"{self.case.id} (line {self.case.line}): no <!-- replay: ... --> comment "
                "(steps, or `manual: why`)"
            )
        if self.error is not None:
            lines.append(f"{self.case.id} (line {self.case.line}): {self.error}")
        for promise in self.missing:
            near = difflib.get_close_matches(" ".join(promise.split()), self.seen, 3, 0.55)
            hint = f"; the app shows {' / '.join(repr(n) for n in near)}" if near else ""
            lines.append(f'{self.case.id} (line {self.case.line}): not shown: "{promise}"{hint}')
        return lines


def make_template(folder: Path) -> Path:
    """A seeded backend and an empty cache, copied into every case's data folder (seeding and
    migrating take most of a second each)."""
    from desktop.backend.simulator import Simulator
    from desktop.paths import CACHE_DB
    from desktop.storage import CacheRepository

    folder.mkdir(parents=True, exist_ok=True)
    with Simulator(folder):
        pass
    cache = CacheRepository(folder / CACHE_DB)  # an empty cache at the head revision
    cache.open()
    cache.close()
    return folder


class BoxAnswers:
    """While in force (`with`), answers each box that opens with the next of `answers`, after
    reading it into `seen`; `check()` then says whether each answer found its box."""

    def __init__(self, answers: list[str], seen: set[str]) -> None:
        self.answers = answers
        self.seen = seen
        self.problems: list[str] = []
        self.given = 0
        self.handled: list[QWidget] = []
        self.timer = QTimer()
        self.timer.setInterval(20)
        self.timer.timeout.connect(self.tick)

    def __enter__(self) -> BoxAnswers:
        self.timer.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.timer.stop()

    def tick(self) -> None:
        modal = QApplication.activeModalWidget()
        if modal is None or any(modal is done for done in self.handled):
            return
        self.handled.append(modal)
        self.seen |= set(widget_texts(modal))
        buttons = [b for b in modal.findChildren(QAbstractButton) if b.isVisible()]
        if self.given >= len(self.answers):
            self.problems.append(f"a box nobody answered: {' '.join(widget_texts(modal))[:200]}")
            QTimer.singleShot(0, modal.close)
            return
        name = self.answers[self.given]
        self.given += 1
        for button in buttons:
            if button_text(button) == name:
                QTimer.singleShot(0, button.click)
                return
        names = ", ".join(button_text(b) for b in buttons)
        self.problems.append(f"no button {name!r} in the box (buttons: {names})")
        QTimer.singleShot(0, modal.close)

    def check(self) -> None:
        unanswered = self.answers[self.given :]
        if unanswered:
            self.problems.append(f"no box to answer {', '.join(map(repr, unanswered))}")
        if self.problems:
            raise ReplayError("; ".join(self.problems))


class Replay:
    """One case, replayed on a fresh data folder in this process's QApplication."""

    def __init__(self, case: Case, cases: dict[str, Case], folder: Path, template: Path) -> None:
        self.case = case
        self.cases = cases
        self.folder = folder
        self.seen: set[str] = set()
        self._last_field: QWidget | None = None
        self.current: App | None = None  # the running app, None after `quit`
        self.log: logging.Handler | None = None
        self.places: dict[str, Path] = {}  # the plan's /tmp/qa-* folders, here
        folder.mkdir(parents=True, exist_ok=True)
        for source in template.iterdir():
            if source.is_file():
                shutil.copy2(source, folder / source.name)

    def run(self, out: Path | None) -> Outcome:
        """Replay, collect, compare; the windows are closed and their threads joined after."""
        return self.run_chain([self.case], out)[0]

    def run_chain(self, chain: list[Case], out: Path | None) -> list[Outcome]:
        """Replay `chain` (a case, then the cases that go on from it: `after` the one before,
        see `chains`) as one run: each case's texts are compared when its own steps are done,
        with everything seen from the start (or the last `start the app`), exactly as when it
        is replayed alone with its `after` steps first; each case's outcome, in order."""
        from desktop.memory_keyring import MemoryKeyring

        outcomes = [Outcome(case) for case in chain]
        first = list(self.expand(chain[0]))
        segments = [first] + [
            [step for step in case.replay if step != f"after {before.id}"]
            for before, case in itertools.pairwise(chain)
        ]
        # The same keyring for every start of the case: the desktop's, which outlives the app.
        self.keyring_backend: object = MemoryKeyring()
        if first[:1] == [NO_KEYRING]:  # F1: as with PYTHON_KEYRING_BACKEND=...fail.Keyring
            import keyring.backends.fail

            self.keyring_backend = keyring.backends.fail.Keyring()
            del first[0]
        failed: str | None = None
        try:
            try:
                self.start_app([])
            except ReplayError as error:
                failed = f"step failed: {error}"
            for case, steps, outcome in zip(chain, segments, outcomes, strict=True):
                self.case = case
                if failed is None:
                    try:
                        self.replay_steps(steps)
                        self.late_texts()
                    except ReplayError as error:
                        failed = f"step failed: {error}"
                    if out is not None and self.current is not None:
                        outcome.screenshot = self.screenshot(out)
                outcome.error = failed  # a step that failed fails the cases that go on too
                outcome.missing = self.missing()
                outcome.seen = set(self.seen)
        finally:
            self.quit_app()
        return outcomes

    def replay_steps(self, steps: list[str]) -> None:
        """Do each step, wait as it needs, and read every window after it."""
        for step in steps:
            started = time.monotonic()
            self.do(step)
            done = time.monotonic()
            if step.split(" ", 1)[0] in QUIET_STEPS:
                QTest.qWait(20)  # nothing went to the backend: no sync to wait for
            elif step.endswith(AT_ONCE) or self.current is None:
                pass  # the next step starts while this one's calls are still going
            else:
                self.settle()
            self.collect()
            if os.environ.get("QA_PLAN_TIMING"):
                print(f"  {step}: {done - started:.2f} s + settle {time.monotonic() - done:.2f} s")

    def start_app(self, answers: list[str], folder: Path | None = None) -> None:
        """Start the app on `folder` (the case's) as `main()` does: the data folder (its log and
        window settings), the backend file (a damaged or newer one asks, an older one is kept
        and told; each box answered in turn with `answers`), then the windows, signed in again
        from the keyring when a session was saved. What it prints is the terminal's text; when
        it stops, "exit status 3" is too."""
        from desktop.app import create, open_backend_file, open_data_folder
        from desktop.environment import EXIT_LOCAL_FAULT
        from desktop.ui.settings_window import SettingsWindow

        if self.current is not None:
            raise ReplayError("the app is already running (`quit` first)")
        folder = folder or self.folder
        boxes = BoxAnswers(answers, self.seen)
        terminal = io.StringIO()
        usable = False
        window: SettingsWindow | None = None
        with contextlib.redirect_stderr(terminal), boxes:
            # main()'s own steps, with someone at the screen (a box for what stops it)
            opened = open_data_folder(folder, QApplication.instance)
            if opened is not None:
                self.log, settings = opened
                logging.getLogger().addHandler(self.log)
                window = SettingsWindow(settings)
                window.show()  # main() asks over the first painted window
                usable = open_backend_file(folder, window)
        self.terminal(terminal.getvalue())
        boxes.check()
        if not usable:
            self.seen.add(f"exit status {EXIT_LOCAL_FAULT}")
            if window is not None:
                window.close()
                shiboken6.delete(window)
            self.drop_log()
            return
        assert window is not None
        app = create(
            folder,
            keyring_backend=self.keyring_backend,  # type: ignore[arg-type]
            qa=True,
            window=window,
        )
        self.current = app
        app.start()
        # The offscreen screen is 800 px wide, so placing the QA window beside narrowed the
        # settings window; both get the size they have on a desk, as in the screenshots.
        app.window.resize(*SETTINGS_SIZE)
        qa = self.qa_window
        from desktop.ui.qa.window import DEFAULT_SIZE

        qa.resize(DEFAULT_SIZE)
        wait_until(lambda: qa.snapshot is not None, "the QA window's first read")
        self.collect()

    def quit_app(self) -> None:
        """Close the app as quitting does (its windows, threads and databases)."""
        app, self.current = self.current, None
        if app is not None:
            window = app.window
            close(app)
            shiboken6.delete(window)  # main()'s window: create() leaves it to its owner
            gc.collect()  # here, on the GUI thread
        self.drop_log()

    def drop_log(self) -> None:
        log, self.log = getattr(self, "log", None), None
        if log is not None:
            logging.getLogger().removeHandler(log)
            log.close()

    def missing(self) -> list[str]:
        """The case's promised texts the app has not shown so far."""
        quotes = [(quote, pattern(quote)) for quote in self.case.quotes]
        # A bold name is a reference in a sentence ("the **backend clock**"): any case.
        names = [(name, pattern(name, ignore_case=True)) for name in self.case.names]
        return [
            promise
            for promise, found in [*quotes, *names]
            if not any(found.search(text) for text in self.seen)
        ]

    def late_texts(self) -> None:
        """Keep looking a while for what is still missing: an outcome the app reports after
        its retries (offline: about 2 s) comes after the step's sync."""
        deadline = time.monotonic() + LATE_S
        while self.missing() and time.monotonic() < deadline:
            QTest.qWait(100)
            self.collect()

    def expand(self, case: Case, depth: int = 0) -> Iterator[str]:
        for step in case.replay:
            if step.startswith("after "):
                earlier = self.cases.get(step[6:].strip())
                if earlier is None or depth > 3:
                    raise ReplayError(f"no case {step[6:].strip()!r} to replay first")
                yield from self.expand(earlier, depth + 1)
            else:
                yield step

    # -- the windows --------------------------------------------------------------------------

    @property
    def app(self) -> App:
        """The running app."""
        if self.current is None:
            raise ReplayError("the app is not running (`start the app` first)")
        return self.current

    @property
    def qa_window(self):  # type: ignore[no-untyped-def]
        from desktop.ui.qa.window import QaSimulatorWindow

        window = self.app.qa_window
        assert isinstance(window, QaSimulatorWindow)
        return window

    def collect(self) -> None:
        self.seen |= everything_shown()

    def wait_for_qa(self) -> None:
        """Until the QA window's calls (an action and the read after it) are done."""
        qa = self.qa_window.qa
        wait_until(lambda: not qa.busy, "the QA window's calls")

    def settle(self) -> None:
        """Wait for the QA window's calls, then for a sync of the settings window that began
        after them (as F5 would): what the step changed is then on screen."""
        from desktop.controller.state import AppState, SyncPhase

        qa = self.qa_window.qa
        wait_until(lambda: not qa.busy, "the QA window's calls")
        if self.current is None:
            return
        if self.app.state.signed_in:
            controller = self.app.controller
            ended = [0]
            phase = [self.app.state.sync.phase]

            def changed(state: AppState) -> None:
                if phase[0] is SyncPhase.SYNCING and state.sync.phase is not SyncPhase.SYNCING:
                    ended[0] += 1
                phase[0] = state.sync.phase

            controller.stateChanged.connect(changed)
            try:
                running = self.app.state.sync.phase is SyncPhase.SYNCING
                controller.sync_now()
                started = self.app.state.sync.phase is SyncPhase.SYNCING
                # A sync already running may have read the backend before the step's change:
                # sync_now then runs one more after it (the controller coalesces), wait for both.
                needed = 2 if running else int(started)
                wait_until(lambda: ended[0] >= needed, "a sync of the settings window")
            finally:
                controller.stateChanged.disconnect(changed)
        wait_until(lambda: not qa.busy, "the QA window's read after the sync")
        QTest.qWait(20)

    def screenshot(self, out: Path) -> Path:
        """The settings window and the QA window side by side, as on a desk."""
        left, right = self.app.window.grab(), self.qa_window.grab()
        canvas = QPixmap(left.width() + 16 + right.width(), max(left.height(), right.height()))
        canvas.fill(QColor("#c9ced6"))
        painter = QPainter(canvas)
        painter.drawPixmap(0, 0, left)
        painter.drawPixmap(left.width() + 16, 0, right)
        painter.end()
        out.mkdir(parents=True, exist_ok=True)
        target = out / f"{slug(self.case.id)}.png"
        canvas.save(str(target))
        return target

    # -- steps --------------------------------------------------------------------------------

    def do(self, step: str) -> None:
        verb, _, rest = step.partition(" ")
        if step.startswith("sign in as "):
            self.sign_in(step[len("sign in as ") :].strip())
        elif verb == "invite":
            addresses, separator, answer = rest.partition(" answering ")
            self.invite(addresses.strip(), cancel=bool(separator))
            if separator and answer.strip() != "Cancel":
                raise ReplayError(f"`invite EMAILS answering Cancel`, not {step!r}")
        elif step == "every tab":
            tabs = self.qa_window.tabs
            for index in range(tabs.count()):
                self.tab(plain(tabs.tabText(index), False))
                QTest.qWait(20)
                self.collect()
        elif verb == "recipient":
            self.tab("Invitation")
            for name in rest.split(","):
                self.click(name.strip(), window=self.qa_window)
                self.wait_for_qa()
                self.collect()
        elif verb == "tab":
            self.tab(rest.strip())
        elif verb == "page":
            self.page(rest.strip())
        elif verb == "type":
            text, separator, name = rest.rpartition(" in ")
            if not separator:
                raise ReplayError(f"`type TEXT in FIELD`, not {step!r}")
            self.type(text.strip().strip("`"), name.strip())
        elif verb == "click":
            name, separator, answer = rest.removesuffix(AT_ONCE).partition(" answering ")
            self.click(name.strip(), answer=answer.strip() if separator else None)
        elif verb == "select":
            self.select(rest.strip())
        elif verb == "pick":
            self.pick(rest.strip())
        elif verb == "sim":
            self.sim(rest)
        elif verb == "run":
            self.run_command(rest.strip())
        elif verb == "press":
            self.press(rest.removesuffix(AT_ONCE).strip())
        elif step == "quit":
            self.quit_app()
        elif step.startswith(START):
            where, _, answers = step[len(START) :].partition(" answering ")
            if where.strip() and not where.strip().startswith("on "):
                raise ReplayError(f"`{START} [on PATH] [answering A, B]`, not {step!r}")
            folder = self.place(where.strip()[3:].strip()) if where.strip() else self.folder
            self.seen.clear()  # what the case promises is what the app shows from its last start
            self.start_app([a.strip() for a in answers.split(",") if a.strip()], folder)
        else:
            raise ReplayError(f"unknown step {step!r}")

    def sign_in(self, email: str) -> None:
        self.tab("Accounts")
        accounts = self.qa_window.accounts
        view = accounts.view
        wait_until(lambda: accounts.select(email), f"{email} in the Accounts tab")
        item = view.currentItem()
        QTest.mouseClick(
            view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualItemRect(item).center()
        )
        self.click("Sign in as selected", window=self.qa_window)
        self.collect()  # "Signing in as …"

        def signed_in() -> bool:
            account = self.app.state.account
            return account is not None and account.email == email

        wait_until(signed_in, f"{email} to be signed in")

    def invite(self, email: str, *, cancel: bool = False) -> None:
        """Invite one address or several (`a@x, b@x`), answering the confirmation box with its
        send button, or with Cancel (`cancel`): then the dialog is read and closed."""
        from desktop.ui.referral.invite_dialog import InviteDialog, Phase

        self.page("General")
        section = self.app.window.referral_section
        if section is None:
            raise ReplayError(f"no invitation module to invite {email} from")
        self.app.window.page_scroll.ensureWidgetVisible(section.invite_button)
        self.click("Invite…", window=self.app.window)
        dialog = self.app.window.findChild(InviteDialog, "inviteDialog")
        if dialog is None or not dialog.isVisible():
            raise ReplayError("Invite… opened no dialog")
        dialog.email_edit.clear()
        QTest.keyClicks(dialog.email_edit, email)
        QTest.qWait(10)
        self.collect()
        send = dialog.send_button.text()  # "Send invitation(s)", as the box's button reads
        self.click(send, window=dialog, answer="Cancel" if cancel else send)
        if cancel:
            QTest.qWait(20)
            self.collect()  # "Not sent: you cancelled."
            dialog.close()
            wait_until(
                lambda: self.app.window.findChild(InviteDialog, "inviteDialog") is None,
                "the invite dialog to close",
            )
            return

        def ended() -> bool:
            if dialog.phase is Phase.EDITING:
                return dialog.error_label.isVisible() or dialog.status_label.isVisible()
            return dialog.phase in (Phase.DONE, Phase.WAITING, Phase.BLOCKED)

        wait_until(ended, f"the invitation to {email} to be sent or refused")
        self.collect()
        if dialog.phase is Phase.EDITING or dialog.phase is Phase.BLOCKED:
            said = dialog.error_label.text() or dialog.status_label.text()
            dialog.close()
            raise ReplayError(f"the invitation to {email} did not go: {said}")
        dialog.close()
        wait_until(
            lambda: self.app.window.findChild(InviteDialog, "inviteDialog") is None,
            "the invite dialog to close",
        )

    def tab(self, name: str) -> None:
        tabs = self.qa_window.tabs
        bar = tabs.tabBar()
        for index in range(tabs.count()):
            if plain(tabs.tabText(index), False) == name:
                QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
                if tabs.currentIndex() != index:
                    raise ReplayError(f"the {name} tab did not open")
                return
        titles = [plain(tabs.tabText(i), False) for i in range(tabs.count())]
        raise ReplayError(f"no QA tab {name!r} (tabs: {', '.join(titles)})")

    def page(self, name: str) -> None:
        navigation = self.app.window.navigation
        for row in range(navigation.count()):
            item = navigation.item(row)
            if item.text() == name:
                rect = navigation.visualItemRect(item)
                QTest.mouseClick(
                    navigation.viewport(), Qt.MouseButton.LeftButton, pos=rect.center()
                )
                if navigation.currentRow() != row:
                    raise ReplayError(f"the {name} page did not open")
                return
        pages = [navigation.item(row).text() for row in range(navigation.count())]
        raise ReplayError(f"no page {name!r} in the settings window (pages: {', '.join(pages)})")

    def find_field(self, name: str) -> QWidget:
        for window in [self.qa_window, *visible_windows()]:
            for label in window.findChildren(QLabel):
                if label.isVisible() and label_text(label) == name:
                    buddy = label.buddy()
                    if buddy is not None and buddy.isVisible():
                        return buddy
                    # a form row whose field is a layout: its first editable widget
                    parent = label.parentWidget()
                    layout = parent.layout() if parent is not None else None
                    field_widget = form_field(layout, label)
                    if field_widget is not None:
                        return field_widget
            for widget in window.findChildren(QWidget):
                if (
                    isinstance(widget, QLineEdit | QAbstractSpinBox | QComboBox | QPlainTextEdit)
                    and widget.isVisible()
                    and widget.accessibleName().startswith(name)
                ):
                    return widget
        raise ReplayError(f"no field {name!r}")

    def type(self, text: str, name: str) -> None:
        widget = self.find_field(name)
        if not widget.isEnabled():
            raise ReplayError(f"the field {name!r} is disabled")
        widget.setFocus()
        if isinstance(widget, QComboBox):  # a drop-down list: its entry, by the arrow keys
            self.choose(widget, text, name)
            return
        if isinstance(widget, QLineEdit | QAbstractSpinBox | QPlainTextEdit):
            widget.selectAll()  # typing replaces what is there
            QTest.keyClick(widget, Qt.Key.Key_Delete)
        for number, line in enumerate(text.split("\\n")):  # `\n`: a new line (Rules)
            if number:
                QTest.keyClick(widget, Qt.Key.Key_Return)
            QTest.keyClicks(widget, line)
        self._last_field = widget
        self.wait_for_invite_check(widget.window())

    def choose(self, combo: QComboBox, text: str, name: str) -> None:
        """Pick the entry `text` of a drop-down list with Home and Down, as with a keyboard
        (typing would open the list at the first space)."""
        entries = [combo.itemText(index) for index in range(combo.count())]
        if text not in entries:
            raise ReplayError(f"no entry {text!r} in {name!r} (entries: {', '.join(entries)})")
        QTest.keyClick(combo, Qt.Key.Key_Home)
        for _ in range(entries.index(text)):
            QTest.keyClick(combo, Qt.Key.Key_Down)
        if combo.currentText() != text:
            raise ReplayError(f"{name!r} reads {combo.currentText()!r}, not {text!r}")
        self._last_field = combo

    def wait_for_invite_check(self, window: QWidget) -> None:
        """In the invite dialog: until it has checked what was typed (it waits for a pause in
        the typing before it says what is wrong)."""
        from desktop.ui.referral.invite_dialog import InviteDialog

        if isinstance(window, InviteDialog):
            pause = window._pause  # the dialog's own typing pause
            wait_until(lambda: not pause.isActive(), "the invite dialog to check the addresses")

    def click(self, name: str, *, window: QWidget | None = None, answer: str | None = None) -> None:
        button = self.find_button(name, window)
        if not button.isEnabled():
            raise ReplayError(f"{name!r} is disabled")
        answered: list[str] = []
        results: list[object] = []
        # A confirmed operation of the settings window (spend, revoke): its result is the step's.
        operation = answer not in (None, "Cancel") and button.window() is self.app.window
        if operation:
            self.app.controller.operationFinished.connect(results.append)
        timer: QTimer | None = None
        if answer is not None:
            timer = QTimer()
            timer.setInterval(20)
            timer.timeout.connect(lambda: self.answer(answer, answered, timer))
            timer.start()
        try:
            QTest.mouseClick(button, Qt.MouseButton.LeftButton)
        finally:
            if timer is not None:
                timer.stop()
        if answer is not None and not answered and QApplication.activeModalWidget() is not None:
            raise ReplayError(f"could not answer {answer!r} after {name!r}")
        if answered and answered[0] != answer:
            raise ReplayError(f"{name!r} opened a box with {answered[0]}")
        if operation:
            try:
                wait_until(lambda: bool(results), f"the result of {name!r}")
            finally:
                self.app.controller.operationFinished.disconnect(results.append)
        self.wait_for_invite_dialog(button.window())

    def wait_for_invite_dialog(self, window: QWidget) -> None:
        """When `window` is the invite dialog: until its send has ended (sent, refused, or
        waiting in the outbox), as the person reading it waits."""
        from desktop.ui.referral.invite_dialog import InviteDialog, Phase

        if isinstance(window, InviteDialog):
            busy = (Phase.CHECKING, Phase.SENDING)
            wait_until(lambda: window.phase not in busy, "the invite dialog's send to end")

    def answer(self, name: str, answered: list[str], timer: QTimer | None) -> None:
        """Press `name` in the modal box or dialog that is open now, after reading it."""
        modal = QApplication.activeModalWidget()
        if modal is None or answered:
            return
        if timer is not None:
            timer.stop()
        self.seen |= set(widget_texts(modal))
        for button in modal.findChildren(QAbstractButton):
            if button.isVisible() and button_text(button) == name:
                answered.append(name)
                QTimer.singleShot(0, button.click)
                return
        names = [button_text(b) for b in modal.findChildren(QAbstractButton) if b.isVisible()]
        answered.append(f"no button {name!r} in the box (buttons: {', '.join(names)})")
        QTimer.singleShot(0, modal.close)

    def find_button(self, name: str, window: QWidget | None) -> QAbstractButton:
        windows = [window] if window is not None else visible_windows()
        candidates = [
            button
            for w in windows
            for button in w.findChildren(QAbstractButton)
            if button.isVisible() and not isinstance(button.parentWidget(), QTabBar)
        ]
        exact = [b for b in candidates if button_text(b) == name]
        found = exact or [b for b in candidates if button_text(b).startswith(name)]
        if not found:
            shown = sorted({button_text(b) for b in candidates if button_text(b)})
            raise ReplayError(f"no button {name!r} (buttons: {', '.join(shown)})")
        if len(found) > 1 and self._last_field is not None:
            anchor = self._last_field.mapToGlobal(QPoint(0, 0))

            def distance(button: QAbstractButton) -> int:
                return (button.mapToGlobal(QPoint(0, 0)) - anchor).manhattanLength()

            found.sort(key=distance)
        elif len(found) > 1:
            raise ReplayError(f"{len(found)} buttons read {name!r}")
        return found[0]

    def select(self, recipient: str) -> None:
        from desktop.ui.referral.invitations_model import INVITATION_ROLE

        self.page("General")
        section = self.app.window.referral_section
        if section is None:
            raise ReplayError("no invitation module")
        view = section.view
        model = view.model()
        for row in range(model.rowCount()):
            index = model.index(row, 0)
            invitation = model.data(index, INVITATION_ROLE)
            if getattr(invitation, "recipient", None) == recipient:
                view.scrollTo(index)
                self.app.window.page_scroll.ensureWidgetVisible(view)
                rect = view.visualRect(index)
                QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
                return
        raise ReplayError(f"no invitation to {recipient} in the settings window")

    def pick(self, text: str) -> None:
        """Click the QA window row with a cell that starts with `text` (a list, table or tree)."""
        for view in self.qa_window.findChildren(QAbstractItemView):
            if not view.isVisible() or view.model() is None:
                continue
            model = view.model()
            columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount()
            cells = [
                model.index(row, column)
                for row in range(model.rowCount())
                for column in range(columns)
            ]
            for index in cells:
                value = model.data(index, Qt.ItemDataRole.DisplayRole)
                if isinstance(value, str) and value.startswith(text):
                    view.scrollTo(index)
                    rect = view.visualRect(index)
                    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
                    return
        raise ReplayError(f"no row starting with {text!r} in the QA window")

    def sim(self, arguments: str) -> None:
        """The `sim` command on this case's data folder, in this process. `{clipboard}` is
        what Copy link put on the clipboard."""
        from desktop.backend.cli import main as sim_main

        clipboard = QGuiApplication.clipboard().text()
        arguments = arguments.replace("{clipboard}", shlex.quote(clipboard))
        out, err = io.StringIO(), io.StringIO()
        command = ["--data-dir", str(self.folder), *shlex.split(arguments)]
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = sim_main(command)
        if status != 0:
            raise ReplayError(f"sim {arguments} exited {status}: {err.getvalue().strip()}")

    def press(self, keys: str) -> None:
        """A key (F5, Ctrl+I) in the settings window, as a person at it would press it."""
        from PySide6.QtGui import QKeySequence

        sequence = QKeySequence(keys)
        if sequence.isEmpty() or sequence.count() != 1:
            raise ReplayError(f"not a key: {keys!r}")
        window = self.app.window
        window.raise_()
        window.activateWindow()  # its shortcuts answer only while it is the active window
        wait_until(
            lambda: QApplication.activeWindow() is window, "the settings window to be active"
        )
        target = QApplication.focusWidget() or window
        combination = sequence[0]
        QTest.keyClick(target, combination.key(), combination.keyboardModifiers())

    def place(self, plan_path: str) -> Path:
        """Where a folder the plan names (`/tmp/qa-run`, `/tmp/qa-file`) is in this replay: the
        case's data folder, or one beside it."""
        if plan_path == "/tmp/qa-run":
            return self.folder
        if not PLAN_PATH.fullmatch(plan_path):
            return Path(plan_path)  # a real place (/sys/qa-ro), the same for everyone
        return self.places.setdefault(
            plan_path, self.folder.with_name(f"{self.folder.name}.{plan_path[5:]}")
        )

    def terminal(self, output: str) -> None:
        """What a terminal showed: its lines count as shown, in the plan's paths."""
        for mapped in sorted(self.places, key=lambda name: -len(str(self.places[name]))):
            output = output.replace(str(self.places[mapped]), mapped)
        output = output.replace(str(self.folder), "/tmp/qa-run")
        self.seen |= {" ".join(line.split()) for line in output.splitlines() if line.strip()}

    def run_command(self, command: str) -> None:
        """A terminal command of the plan, in a shell: `./dev app` and `./dev sim` are this
        checkout's app, on this replay's folders, with no screen (as over SSH: a fault is told in
        one line, without a box). Its output and "exit status N" count as shown; a command the
        shell cannot find fails the step."""
        text = PLAN_PATH.sub(lambda match: shlex.quote(str(self.place(match.group()))), command)
        python = shlex.quote(sys.executable)
        text = re.sub(r"(?<![\w/])\./dev app\b", f"{python} -m desktop", text)
        text = re.sub(r"(?<![\w/])\./dev sim\b", f"{python} -m desktop sim", text)
        if shutil.which("sqlite3") is None:  # the same SQL through Python's own sqlite3
            text = re.sub(r"^sqlite3\b", f"{python} -c {shlex.quote(SQLITE3)}", text)
        environment = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DISPLAY", "WAYLAND_DISPLAY")
        }
        environment["QT_QPA_PLATFORM"] = "offscreen"
        environment["PYTHONPATH"] = os.pathsep.join(
            part for part in (str(ROOT), os.environ.get("PYTHONPATH", "")) if part
        )
        try:
            done = subprocess.run(
                ["bash", "-c", text],
                cwd=ROOT,
                env=environment,
                capture_output=True,
                text=True,
                timeout=RUN_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise ReplayError(f"`{command}` did not end within {RUN_TIMEOUT_S:.0f} s") from error
        if done.returncode in (126, 127):
            raise ReplayError(f"`{command}`: {done.stderr.strip()}")
        self.terminal(done.stdout + done.stderr)
        self.seen.add(f"exit status {done.returncode}")


def close(app: App) -> None:
    """`app.close()`, once no backend call thread can still report into the controller.

    App.close() deletes the controller right after closing the backend, and closing the backend
    wakes the change feed's long poll, whose thread then reports into the controller being
    deleted (a segmentation fault, seen in 2 of about 8 runs). Stopping first and waiting for
    those threads avoids that here; the app itself still has the race (reported).
    """
    app.controller.shutdown()
    app.api.close()  # the long poll returns at once

    def calls_ended() -> bool:
        return not any(
            thread.name.startswith("referral-call-") and thread.is_alive()
            for thread in threading.enumerate()
        )

    with contextlib.suppress(ReplayError):
        wait_until(calls_ended, "the backend calls to end", timeout=3.0)
    app.close()


def form_field(layout: object, label: QLabel) -> QWidget | None:
    """The first input widget in the form row labelled by `label`, if `layout` is a form."""
    from PySide6.QtWidgets import QFormLayout

    if not isinstance(layout, QFormLayout):
        for child in label.parentWidget().findChildren(QFormLayout) if label.parentWidget() else []:
            found = form_field(child, label)
            if found is not None:
                return found
        return None
    for row in range(layout.rowCount()):
        label_item = layout.itemAt(row, QFormLayout.ItemRole.LabelRole)
        if label_item is None or label_item.widget() is not label:
            continue
        field_item = layout.itemAt(row, QFormLayout.ItemRole.FieldRole)
        if field_item is None:
            return None
        if field_item.widget() is not None:
            return field_item.widget()
        inner = field_item.layout()
        for position in range(inner.count() if inner is not None else 0):
            widget = inner.itemAt(position).widget()
            if isinstance(widget, QLineEdit | QAbstractSpinBox | QComboBox | QPlainTextEdit):
                return widget
    return None


def scratch_parent() -> str | None:
    """Memory (/dev/shm) where there is one: the data folders' fsyncs cost nothing there."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def slug(case_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", case_id).strip("-")


# -- the command --------------------------------------------------------------------------------


def check(
    cases: list[Case], wanted: list[str] | None, out: Path | None, scratch: Path
) -> list[Outcome]:
    """Replay the wanted cases (all by default) in this process's QApplication: each run of
    `chains` up to its last wanted case."""
    by_id = {case.id: case for case in cases}
    template = make_template(scratch / "template")
    outcomes = []
    for case in cases:
        if (not wanted or case.id in wanted) and (case.manual is not None or case.missing_replay):
            outcomes.append(Outcome(case))
    for run in chains(cases):
        ids = [case.id for case in run]
        last = max((ids.index(i) for i in wanted or ids if i in ids), default=-1)
        if last < 0:
            continue
        replay = Replay(run[0], by_id, scratch / slug(run[0].id), template)
        outcomes += [
            outcome
            for outcome in replay.run_chain(run[: last + 1], out)
            if not wanted or outcome.case.id in wanted
        ]
        del replay
        gc.collect()  # here, on the GUI thread
    order = {case.id: number for number, case in enumerate(cases)}
    return sorted(outcomes, key=lambda outcome: order[outcome.case.id])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", type=Path, default=PLAN)
    parser.add_argument("--out", type=Path, default=None, help="save each case's screenshot here")
    parser.add_argument(
        "--texts", action="store_true", help="list every text the app showed in a failing case"
    )
    parser.add_argument(
        "--jobs", type=int, default=1, help="replay in this many processes (the cases are split)"
    )
    parser.add_argument("cases", nargs="*", help="only these case ids (B1, 'B1 (cont.)', ...)")
    options = parser.parse_args(argv)
    if options.jobs > 1:
        return in_processes(options)
    import keyring

    from desktop.memory_keyring import MemoryKeyring
    from desktop.ui.theme import ThemeChoice, apply_theme

    faulthandler.enable()
    # As in the app and the suite: no automatic cycle collection, which could run on a worker
    # thread and destroy Qt objects there (a crash); `check` collects after each case instead.
    gc.disable()
    keyring.set_keyring(MemoryKeyring())
    qt_app = QApplication.instance() or QApplication([])
    assert isinstance(qt_app, QApplication)
    apply_theme(qt_app, ThemeChoice.LIGHT)
    cases = parse_plan(options.plan.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="qa-plan-", dir=scratch_parent()) as scratch:
        outcomes = check(cases, options.cases or None, options.out, Path(scratch))
    failed = 0
    for outcome in outcomes:
        problems = outcome.problems
        if outcome.case.manual is not None:
            print(f"{outcome.case.id}: manual ({outcome.case.manual})")
        elif problems:
            failed += 1
            print("\n".join(problems))
            if options.texts:
                print("".join(f"    | {text}\n" for text in sorted(outcome.seen)), end="")
        else:
            shot = f" -> {outcome.screenshot}" if outcome.screenshot else ""
            checked = len(outcome.case.quotes) + len(outcome.case.names)
            print(f"{outcome.case.id}: ok, {checked} texts{shot}")
    print(f"{len(outcomes)} cases, {failed} not matching the app")
    if os.environ.get("QA_PLAN_TIMING"):
        for what, seconds in sorted(WAITED.items(), key=lambda item: -item[1]):
            print(f"  waited {seconds:.1f} s for {what}")
    return 1 if failed else 0


def in_processes(options: argparse.Namespace) -> int:
    """Split the cases over `options.jobs` processes of this script; their reports, merged."""
    cases = parse_plan(options.plan.read_text(encoding="utf-8"))
    wanted = [c.id for c in cases if c.replay and (not options.cases or c.id in options.cases)]
    common = [sys.executable, __file__, "--plan", str(options.plan)]
    if options.out is not None:
        common += ["--out", str(options.out)]
    if options.texts:
        common.append("--texts")
    runs = [[c.id for c in run if c.id in wanted] for run in chains(cases)]
    runs = [run for run in runs if run]
    # A run of `chains` stays in one process (it is replayed once for all its cases).
    groups = [
        [case_id for run in runs[start :: options.jobs] for case_id in run]
        for start in range(options.jobs)
    ]
    children = [
        subprocess.Popen([*common, "--", *group], stdout=subprocess.PIPE, text=True)
        for group in groups
        if group
    ]
    reports = [child.communicate()[0] for child in children]
    lines = [line for report in reports for line in report.splitlines()]
    by_case = {case.id: case for case in cases}
    failed = 0
    for case_id in wanted:  # in the plan's order
        own = [line for line in lines if line.startswith((f"{case_id}:", f"{case_id} (line "))]
        failed += not any(line.startswith(f"{case_id}: ok") for line in own)
        print("\n".join(own or [f"{case_id} (no report: its process ended early)"]))
    for case in cases:
        if case.manual is not None and (not options.cases or case.id in options.cases):
            print(f"{case.id}: manual ({case.manual})")
    unreplayed = [by_case[c.id] for c in cases if c.missing_replay]
    for case in unreplayed:
        print("\n".join(Outcome(case).problems))
    failed += len(unreplayed)
    print(f"{len(wanted)} cases in {len(children)} processes, {failed} not matching the app")
    return 1 if failed or any(child.returncode != 0 for child in children) else 0


if __name__ == "__main__":
    sys.exit(main())
