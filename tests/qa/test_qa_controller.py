"""QaController on its own: off the GUI thread, in order, refusals as messages, sync after."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QComboBox, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from desktop.backend.simulator import InvitationRecord, Simulator
from desktop.controller.qa import QaController, duration_words, error_message
from desktop.controller.qa_state import QaSnapshot
from desktop.controller.state import AppState
from desktop.domain.profile import Profile
from desktop.ui.qa.window import QaSimulatorWindow
from tests.qa.conftest import LaunchQa
from tests.ui.app_driver import WAIT_MS

PILOT = Profile("acct_pilot", "pilot@example.com", "Pat Pilot", "plus", 14)


class FakeSession(QObject):
    """The main controller's part QA mode uses, recording what it was asked."""

    stateChanged = Signal(object)

    def __init__(self, state: AppState) -> None:
        super().__init__()
        self._state = state
        self.syncs = 0
        self.sign_ins: list[tuple[str, str]] = []
        self.sign_outs = 0

    @property
    def state(self) -> AppState:
        return self._state

    def sync_now(self) -> None:
        self.syncs += 1

    def sign_in(self, email: str, password: str) -> None:
        self.sign_ins.append((email, password))

    def sign_out(self) -> None:
        self.sign_outs += 1


class ThreadRecordingSimulator(Simulator):
    """A Simulator that notes which thread ran each recipient call."""

    threads: list[int]

    def recipient_open(self, link: str) -> InvitationRecord:
        self.threads.append(threading.get_ident())
        return super().recipient_open(link)


@pytest.fixture
def simulator(data_dir: Path) -> Iterator[ThreadRecordingSimulator]:
    sim = ThreadRecordingSimulator(data_dir)
    sim.threads = []
    yield sim
    sim.close()


@pytest.fixture
def opened_on() -> list[int]:
    """The threads the QA controller asked for the simulator on."""
    return []


@pytest.fixture
def qa(simulator: Simulator, opened_on: list[int]) -> Iterator[tuple[QaController, FakeSession]]:
    session = FakeSession(AppState(account=PILOT))

    def open_simulator() -> Simulator:
        opened_on.append(threading.get_ident())
        return simulator

    controller = QaController(open_simulator, session)
    yield controller, session
    controller.shutdown()
    assert controller.is_shut_down


def test_actions_run_off_the_gui_thread_then_the_app_syncs(
    qtbot: QtBot, qa: tuple[QaController, FakeSession], simulator: ThreadRecordingSimulator
) -> None:
    controller, session = qa
    link = simulator.invite("pilot@example.com", "a@example.com").invitation.link
    notes: list[str] = []
    controller.actionFinished.connect(notes.append)
    with qtbot.waitSignals([controller.snapshotChanged, controller.actionFinished]):
        controller.open_link(link)
    assert simulator.threads
    assert simulator.threads[0] != threading.get_ident()
    assert session.syncs == 1
    snapshot = controller.snapshot
    assert isinstance(snapshot, QaSnapshot)
    assert [i.view.recipient for i in snapshot.invitations] == ["a@example.com"]
    assert snapshot.invitations[0].view.link_opened
    assert notes == [
        "a@example.com: Link opened. Link opened. Waiting for your peer to sign up or sign in."
    ]


def test_actions_run_in_the_order_asked(
    qtbot: QtBot, qa: tuple[QaController, FakeSession], simulator: Simulator
) -> None:
    controller, _ = qa
    link = simulator.invite("pilot@example.com", "b@example.com").invitation.link
    notes: list[str] = []
    controller.actionFinished.connect(notes.append)
    controller.actionFailed.connect(notes.append)
    controller.open_link(link)
    controller.join(link, "b@example.com")
    controller.initialise(link, "b@example.com")
    controller.prompt(link, "b@example.com", 3)
    qtbot.waitUntil(lambda: len(notes) == 4, timeout=WAIT_MS)
    assert [note.split(".")[0] for note in notes] == [
        "b@example",
        "b@example",
        "b@example",
        "b@example",
    ]
    assert notes[-1].startswith("b@example.com: Reset earned.")
    assert simulator.wallet("pilot@example.com").available == 1


def test_a_refusal_is_a_message_and_nothing_syncs(
    qtbot: QtBot, qa: tuple[QaController, FakeSession], simulator: Simulator
) -> None:
    controller, session = qa
    link = simulator.invite("pilot@example.com", "c@example.com").invitation.link
    with qtbot.waitSignal(controller.actionFailed, timeout=WAIT_MS) as blocker:
        controller.join(link, "not.c@example.com")
    assert blocker.args == [
        "This link was sent to another address; use it with the address it was sent to."
    ]
    assert session.syncs == 0
    with qtbot.waitSignal(controller.actionFailed, timeout=WAIT_MS) as blocker:
        controller.set_policy({"monthly_cap": "lots"})
    assert blocker.args == ["monthly_cap needs a whole number, not 'lots'"]


def test_cohort_and_usage_need_a_signed_in_operator(qtbot: QtBot, simulator: Simulator) -> None:
    session = FakeSession(AppState())
    controller = QaController(lambda: simulator, session)
    try:
        with qtbot.waitSignal(controller.actionFailed) as blocker:
            controller.set_cohort("deny")
        assert blocker.args is not None
        assert blocker.args[0].startswith("Sign in first")
        assert simulator.cohort_decision("pilot@example.com").eligible
    finally:
        controller.shutdown()


def test_switch_account_signs_out_then_in(qa: tuple[QaController, FakeSession]) -> None:
    controller, session = qa
    controller.switch_account("pro@example.com", "demo")
    assert session.sign_outs == 1
    assert session.sign_ins == [("pro@example.com", "demo")]


def test_duration_words() -> None:
    assert duration_words(timedelta(days=62)) == "62 days"
    assert duration_words(timedelta(days=1, hours=5)) == "1 day 5 hours"
    assert duration_words(timedelta(minutes=90)) == "1 hour 30 minutes"
    assert duration_words(timedelta(seconds=59)) == "59 seconds"
    assert duration_words(timedelta(0)) == "0 seconds"  # not an empty line


def test_an_unexpected_simulator_failure_is_named_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert error_message(RuntimeError("database is locked")) == (
        "Unexpected error: database is locked"
    )
    assert [r.getMessage() for r in caplog.records] == ["QA simulator call failed"]


def _note(qtbot: QtBot, controller: QaController, act: Callable[[], None]) -> str:
    notes: list[str] = []
    controller.actionFinished.connect(notes.append)
    controller.actionFailed.connect(notes.append)
    act()
    qtbot.waitUntil(lambda: len(notes) == 1, timeout=WAIT_MS)
    return notes[0]


def test_each_world_change_says_what_it_did(
    qtbot: QtBot, qa: tuple[QaController, FakeSession], simulator: Simulator
) -> None:
    """The QA window's status line: the tester reads there what the last action changed."""
    controller, _ = qa
    offline = _note(qtbot, controller, lambda: controller.set_offline(True))
    assert offline == "Offline: every call from the app now fails."
    assert simulator.faults().offline
    online = _note(qtbot, controller, lambda: controller.set_offline(False))
    assert online == "Back online."
    assert not simulator.faults().offline
    _note(qtbot, controller, lambda: controller.set_offline(True))
    cleared = _note(qtbot, controller, controller.clear_faults)
    assert cleared == "Faults cleared."
    assert not simulator.faults().offline
    offer = _note(
        qtbot, controller, lambda: controller.set_offer({"title": "Spring", "paused": True})
    )
    assert offer == "Offer: paused, title set."
    granted = _note(qtbot, controller, lambda: controller.grant_credit("Welcome back", 7, "both"))
    assert granted == "pilot@example.com: complimentary credit “Welcome back” granted."
    refused = _note(qtbot, controller, lambda: controller.advance_clock_by("soon"))
    assert refused.startswith("Not a duration: ")
    assert refused.endswith(". Use forms like 30d, 5h or 1d 5h.")
    assert "None" not in refused
    assert len(refused) > len("Not a duration: . Use forms like 30d, 5h or 1d 5h.")


INTERACTIVE = (QAbstractButton, QLineEdit, QComboBox, QAbstractItemView)
QT_PARTS = ("QLineEdit", "QTabBar", "QSpinBox", "QDoubleSpinBox")
"""Parents whose interactive children are Qt's own: clear button, tab scrollers, spin box text."""


def test_every_interactive_widget_of_the_qa_window_has_a_name(
    qtbot: QtBot, launch_qa: LaunchQa
) -> None:
    app, qa = launch_qa("pilot@example.com")
    app.simulator.invite("pilot@example.com", "named@example.com")
    app.controller.sync_now()
    qtbot.waitUntil(lambda: qa.invitations.list.count() == 1, timeout=WAIT_MS)
    assert qa.objectName() == "qaSimulator"
    missing = []
    for widget in qa.findChildren(QWidget):
        parent = widget.parent()
        if not isinstance(widget, INTERACTIVE) or not isinstance(parent, QWidget):
            continue
        if parent.metaObject().className() in (
            "QLineEdit",
            "QTabBar",
            "QSpinBox",
            "QDoubleSpinBox",
        ):
            continue  # Qt's own parts: a line edit's clear button, tab scrollers, spin box text
        if not widget.accessibleName() or not widget.objectName():
            missing.append(f"{type(widget).__name__}#{widget.objectName()}")
    assert missing == []


def test_closing_the_window_pauses_it_and_showing_it_resumes(
    qtbot: QtBot, launch_qa: LaunchQa
) -> None:
    app, qa = launch_qa("pilot@example.com")
    assert isinstance(qa, QaSimulatorWindow)
    qa.close()
    with qtbot.assertNotEmitted(qa.qa.actionFinished, wait=200):
        qa.qa.set_offline(True)  # ignored while hidden: nothing runs
    assert not app.simulator.faults().offline
    qa.show()
    with qtbot.waitSignal(qa.qa.actionFinished, timeout=WAIT_MS):
        qa.qa.set_offline(True)
    assert app.simulator.faults().offline
    app.simulator.clear_faults()


def test_the_simulator_is_opened_off_the_gui_thread(
    qtbot: QtBot, qa: tuple[QaController, FakeSession], opened_on: list[int]
) -> None:
    controller, _ = qa
    assert opened_on == []  # building the controller opens nothing
    with qtbot.waitSignal(controller.snapshotChanged):
        controller.refresh()
    qtbot.waitUntil(lambda: not controller.busy)
    assert opened_on
    assert threading.get_ident() not in opened_on
