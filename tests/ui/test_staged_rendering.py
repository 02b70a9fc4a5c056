"""What a state needs and the window lacks is built in event-loop turns of its own (docs/UI.md,
"Pages and the invitation module come in turns"): the module with a first screenful of a long
list, the rest once it is placed on its page, and always for the newest state."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest
from PySide6.QtCore import QEvent, QModelIndex, QObject, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QFrame
from pytestqt.qtbot import QtBot

from desktop.controller.state import AppState, InvitationView, SyncPhase
from desktop.domain.cycles import RewardCycle
from desktop.domain.invitations import InvitationState
from desktop.ui.referral.section import FIRST_ROWS, VISIBLE_ROWS, ReferralSection
from desktop.ui.referral.summary import InvitationFilter, cycle_text
from desktop.ui.settings_window import SettingsWindow
from tests.patience import bound_ms
from tests.ui import states
from tests.ui.fakes import RecordingController

MANY = 10_000
AT_REST_MS = 5_000  # a few event-loop turns at rest; stretched for the load (tests/patience.py)


def _many(count: int, start: int = 0) -> tuple[InvitationView, ...]:
    """`count` invitations newest first, as the controller orders them; every fourth ended."""
    return tuple(
        replace(
            states.invitation(
                f"peer{n}@example.com",
                InvitationState.REVOKED if n % 4 == 3 else InvitationState.SENT,
                index=n,
                minutes_ago=n,
            ),
            sequence=1_000_000 - n,
        )
        for n in range(start, start + count)
    )


def _rows(section: ReferralSection) -> list[InvitationView]:
    return [section.model.invitation(row) for row in range(section.model.rowCount())]


def _settled(qtbot: QtBot, window: SettingsWindow) -> ReferralSection:
    qtbot.waitUntil(window.is_settled, timeout=bound_ms(AT_REST_MS))
    section = window.referral_section
    assert section is not None
    return section


class WhenShown(QObject):
    """Calls `then(section)` when the invitation module is first shown (placed on its page),
    or (`made`) first gets a child: while it is being made, before it is placed."""

    def __init__(self, then: Callable[[ReferralSection], None], made: bool = False) -> None:
        super().__init__()
        self._then: Callable[[ReferralSection], None] | None = then
        self._event = QEvent.Type.ChildAdded if made else QEvent.Type.Show
        QApplication.instance().installEventFilter(self)  # type: ignore[union-attr]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            self._then is not None
            and event.type() == self._event
            and isinstance(watched, ReferralSection)
        ):
            then, self._then = self._then, None
            then(watched)
        return False

    def remove(self) -> None:
        QApplication.instance().removeEventFilter(self)  # type: ignore[union-attr]


@pytest.fixture
def when_shown() -> Iterator[list[WhenShown]]:
    made: list[WhenShown] = []
    yield made
    for watcher in made:
        watcher.remove()


def test_ten_thousand_invitations_settle_complete_and_in_order(
    qtbot: QtBot, window: SettingsWindow, fake: RecordingController
) -> None:
    many = _many(MANY)
    fake.emit_state(states.pilot_state(invitations=many), settle=False)
    # The state's own turn renders what exists; the Wallet page and the module come later.
    assert window.referral_section is None
    assert "wallet" not in window.pages
    assert not window.is_settled()
    with qtbot.waitSignal(window.settled, timeout=bound_ms(AT_REST_MS)):
        pass
    section = _settled(qtbot, window)
    assert "wallet" in window.pages
    assert _rows(section) == list(many)
    assert section.list_title.text() == "Your invitations (10,000)"
    assert section.view.isVisible()
    assert not section.empty_label.isVisible()


def test_the_first_screenful_is_on_screen_before_the_rest_of_the_list(
    qtbot: QtBot,
    window: SettingsWindow,
    fake: RecordingController,
    when_shown: list[WhenShown],
) -> None:
    many = _many(MANY)
    seen: dict[str, object] = {}
    inserted: list[tuple[int, int]] = []
    resets: list[bool] = []

    def shown(section: ReferralSection) -> None:
        seen["rows"] = section.model.rowCount()
        seen["title"] = section.list_title.text()
        section.model.rowsInserted.connect(
            lambda _parent, first, last: inserted.append((first, last))
        )
        section.model.modelReset.connect(lambda: resets.append(True))

    when_shown.append(WhenShown(shown))
    fake.emit_state(states.pilot_state(invitations=many), settle=False)
    section = _settled(qtbot, window)
    # On screen first: a screenful (more rows than the list shows), counted as the whole list.
    rows = seen["rows"]
    assert isinstance(rows, int)
    assert VISIBLE_ROWS < rows < MANY
    assert rows == FIRST_ROWS
    assert seen["title"] == "Your invitations (10,000)"
    # Then the rest, inserted after those rows (no reset: a selection or scroll would stay).
    assert inserted == [(FIRST_ROWS, MANY - 1)]
    assert resets == []
    assert _rows(section) == list(many)


def test_a_short_list_is_filled_at_once(
    qtbot: QtBot, window: SettingsWindow, fake: RecordingController, when_shown: list[WhenShown]
) -> None:
    few = _many(FIRST_ROWS)  # the edge: no more than a first screenful
    seen: list[int] = []
    when_shown.append(WhenShown(lambda section: seen.append(section.model.rowCount())))
    fake.emit_state(states.pilot_state(invitations=few))
    assert seen == [FIRST_ROWS]
    section = window.referral_section
    assert section is not None
    assert not section.filling
    assert _rows(section) == list(few)


def _newer(state: AppState) -> AppState:
    """A later state: a new invitation on top, one moved on, another cycle count."""
    many = state.invitations
    sent = replace(
        states.invitation("new@example.com", index=MANY + 1, minutes_ago=0), sequence=2_000_000
    )
    moved = replace(many[10], state=InvitationState.OPENED, link_opened=True)
    assert state.cycle is not None
    cycle: RewardCycle = replace(state.cycle, earned=2)
    return replace(state, invitations=(sent, *many[:10], moved, *many[11:]), cycle=cycle)


@pytest.mark.parametrize(
    "moment", ["same turn", "after the wallet page", "module made", "module on screen"]
)
def test_a_state_arriving_mid_build_wins(
    qtbot: QtBot,
    window: SettingsWindow,
    fake: RecordingController,
    when_shown: list[WhenShown],
    moment: str,
) -> None:
    first = states.pilot_state(invitations=_many(MANY))
    newer = _newer(first)
    emitted: list[str] = []

    def newer_arrives(*_: object) -> None:
        if not emitted:
            emitted.append(moment)
            fake.emit_state(newer, settle=False)

    if moment == "after the wallet page":  # its navigation entry is added with it
        window.navigation.model().rowsInserted.connect(newer_arrives)
    elif moment == "module made":  # in the turn after it was made, before it is placed
        when_shown.append(
            WhenShown(lambda _: QTimer.singleShot(0, newer_arrives), made=True)  # type: ignore[arg-type]
        )
    elif moment == "module on screen":  # a first screenful shown, the rest not yet
        when_shown.append(WhenShown(newer_arrives))
    fake.emit_state(first, settle=False)
    if moment == "same turn":
        newer_arrives()
    section = _settled(qtbot, window)
    assert emitted == [moment]
    rows = _rows(section)
    assert rows == list(newer.invitations)  # the newest list, each row once, in its order
    assert len({row.id for row in rows}) == MANY + 1
    assert section.list_title.text() == "Your invitations (10,001)"
    assert section.cycle_label.text() == cycle_text(newer.cycle)
    assert section.cycle_label.text() != cycle_text(first.cycle)
    assert window.state is newer


@pytest.mark.parametrize("moment", ["same turn", "module on screen"])
def test_a_state_without_the_module_mid_build_leaves_none(
    qtbot: QtBot,
    window: SettingsWindow,
    fake: RecordingController,
    when_shown: list[WhenShown],
    moment: str,
) -> None:
    outside = states.pro_state()  # not in the cohort, no reset: no module, no wallet (R1)

    def leaves(*_: object) -> None:
        fake.emit_state(outside, settle=False)

    if moment == "module on screen":
        when_shown.append(WhenShown(leaves))
    fake.emit_state(states.pilot_state(invitations=_many(MANY)), settle=False)
    if moment == "same turn":
        leaves()
    qtbot.waitUntil(window.is_settled, timeout=bound_ms(AT_REST_MS))
    qtbot.waitUntil(
        lambda: window.findChild(QFrame, "referralSection") is None, timeout=bound_ms(AT_REST_MS)
    )
    assert window.referral_section is None
    assert "wallet" not in window.pages


def test_filters_and_selection_work_after_a_staged_fill(
    qtbot: QtBot, window: SettingsWindow, fake: RecordingController
) -> None:
    many = _many(MANY)
    fake.emit_state(states.pilot_state(invitations=many), settle=False)
    section = _settled(qtbot, window)
    chosen = many[5_000]  # beyond the first screenful
    assert not chosen.state.is_final
    section.view.setCurrentIndex(section.model.index(5_000, 0))
    assert section.current_invitation() == chosen
    assert section.revoke_button.isEnabled()

    combo = section.filter_combo
    combo.setCurrentIndex(combo.findData(InvitationFilter.ACTIVE.value))
    active = [i for i in many if not i.state.is_final]
    assert _rows(section) == active
    assert section.current_invitation() == chosen  # still the one the user chose
    combo.setCurrentIndex(combo.findData(InvitationFilter.ENDED.value))
    assert _rows(section) == [i for i in many if i.state.is_final]
    assert section.current_invitation() is None  # not among the ended ones
    combo.setCurrentIndex(combo.findData(InvitationFilter.ALL.value))
    assert _rows(section) == list(many)
    assert section.list_title.text() == "Your invitations (10,000)"
    assert window.is_settled()
    # Selecting after the switch back works on any row, the last included.
    section.view.setCurrentIndex(section.model.index(MANY - 1, 0))
    assert section.current_invitation() == many[-1]
    assert section.view.currentIndex() != QModelIndex()


def test_the_list_fills_while_another_page_is_shown(
    qtbot: QtBot, window: SettingsWindow, fake: RecordingController
) -> None:
    # The module lives on General; with the Wallet page shown it is placed but not on screen,
    # and its list still fills (a --smoke-test or a later visit to General sees all of it).
    fake.emit_state(states.capped_state())
    assert window.select_page("wallet")
    many = _many(MANY)
    fake.emit_state(states.capped_state(invitations=many), settle=False)
    section = _settled(qtbot, window)
    assert window.current_page_name() == "wallet"
    assert not section.isVisible()
    assert _rows(section) == list(many)


def test_a_window_attached_to_a_long_list_on_another_page_settles(
    qtbot: QtBot, ui_settings: QSettings
) -> None:
    ui_settings.setValue("window/page", "wallet")  # saved: the page shown at the last close
    many = _many(MANY)
    controller = RecordingController(states.capped_state(invitations=many))
    window = SettingsWindow(ui_settings)
    qtbot.addWidget(window)
    window.attach(controller)  # the window's first content: built at once
    window.show()
    assert window.current_page_name() == "wallet"
    section = window.referral_section
    assert section is not None
    assert VISIBLE_ROWS < section.model.rowCount() < MANY
    section = _settled(qtbot, window)
    assert _rows(section) == list(many)


class Paints(QObject):
    """Records each paint of a window (its UpdateRequest: all it had marked dirty drawn)."""

    def __init__(self, window: SettingsWindow, seen: list[str]) -> None:
        super().__init__()
        self._seen = seen
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.UpdateRequest:
            self._seen.append("paint")
        return False


def test_each_piece_is_built_after_the_window_painted_the_last_one(
    qtbot: QtBot,
    window: SettingsWindow,
    fake: RecordingController,
    when_shown: list[WhenShown],
) -> None:
    """The state, the invitation module placed and the Wallet page each get a paint before the
    next piece is built: no event-loop slice holds two pieces and their paint."""
    seen: list[str] = []
    paints = Paints(window, seen)
    window.navigation.model().rowsInserted.connect(lambda *_: seen.append("page"))
    when_shown.append(WhenShown(lambda _section: seen.append("module placed")))
    fake.emit_state(states.pilot_state(invitations=_many(50)), settle=False)
    seen.append("state")
    _settled(qtbot, window)
    window.removeEventFilter(paints)
    pieces = [event for event in seen if event != "paint"]
    assert pieces == ["state", "module placed", "page"]  # on screen first, then the Wallet
    assert seen.index("paint", seen.index("state")) < seen.index("module placed")
    assert seen.index("paint", seen.index("module placed")) < seen.index("page")


def test_what_is_on_screen_is_built_before_the_pages_not_shown(
    qtbot: QtBot,
    window: SettingsWindow,
    fake: RecordingController,
    when_shown: list[WhenShown],
) -> None:
    """General is shown: its invitation module is placed before the Wallet page (not shown) is
    built, and `is_on_screen()` says so while the window is not yet settled."""
    seen: dict[str, object] = {}

    def shown(_section: ReferralSection) -> None:
        seen["wallet built"] = "wallet" in window.pages

    when_shown.append(WhenShown(shown))
    fake.emit_state(states.pilot_state(invitations=_many(50)), settle=False)
    assert window.current_page_name() == "general"
    assert not window.is_on_screen()  # the module is not there yet
    qtbot.waitUntil(window.is_on_screen, timeout=bound_ms(AT_REST_MS))
    assert window.referral_section is not None
    _settled(qtbot, window)
    assert seen == {"wallet built": False}  # when the module was placed: on screen first
    assert "wallet" in window.pages


def test_a_cached_starts_state_is_on_screen_in_its_own_turn(
    qtbot: QtBot, window: SettingsWindow, fake: RecordingController
) -> None:
    """The cached data at start (nothing fetched yet in this session) is the window's first
    real content: the page shown and its invitation module are built in the state's own turn,
    with a first screenful of a long list; the pages not shown still come in later turns."""
    many = _many(MANY)
    cached = states.pilot_state(invitations=many)
    cached = replace(cached, sync=replace(cached.sync, phase=SyncPhase.NEVER))
    fake.emit_state(cached, settle=False)
    assert window.is_on_screen()
    section = window.referral_section
    assert section is not None
    assert VISIBLE_ROWS < section.model.rowCount() < MANY  # a first screenful, not 10,000
    assert "wallet" not in window.pages  # not shown: in a later turn
    section = _settled(qtbot, window)
    assert "wallet" in window.pages
    assert _rows(section) == list(many)
