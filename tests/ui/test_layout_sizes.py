"""Every page reachable at small sizes, the module inside the page's scroll area, no jumps."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import QPoint, QRect, QSettings
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QPushButton, QWidget
from pytestqt.qtbot import QtBot

from desktop.controller.state import SyncPhase, SyncStatus
from desktop.domain.invitations import InvitationState
from desktop.ui.settings_window import MINIMUM_SIZE, SettingsWindow
from tests.ui import states
from tests.ui.fakes import RecordingController

# QT_SCALE_FACTOR=2 on a 1366x768 screen leaves 683x384 logical pixels (less a task bar).
TWO_X_SCREEN = (683, 384)


def busy_state() -> states.AppState:
    """capped@ with tokens and a dozen invitations: every page at its fullest."""
    kinds = [InvitationState.PROMPTING, InvitationState.NOT_ELIGIBLE, InvitationState.SENT]
    invitations = tuple(
        states.invitation(f"peer{n}@example.com", kinds[n % 3], minutes_ago=n, index=n)
        for n in range(12)
    )
    return states.capped_state(invitations=invitations)


def lowest_widget(page: QWidget) -> QWidget:
    """The visible widget whose bottom edge is lowest on the page: its last piece of content."""
    shown = [w for w in page.findChildren(QWidget) if w.isVisibleTo(page) and w.height() > 0]
    return max(shown, key=lambda w: w.mapTo(page, QPoint(0, w.height())).y())


def laid_out(window: SettingsWindow, page: QWidget) -> bool:
    """The scroll area has sized the page to its content (its queued layout requests were
    handled): the page is as tall as it needs (or the viewport), and nothing sticks out."""
    stack = window.page_scroll.widget()
    wanted = stack.heightForWidth(stack.width())
    if wanted < 0:
        wanted = stack.sizeHint().height()
    if stack.height() != max(wanted, window.page_scroll.viewport().height()):
        return False
    last = lowest_widget(page)
    return last.mapTo(page, QPoint(0, last.height())).y() <= page.height()


def end_reachable(window: SettingsWindow, widget: QWidget) -> bool:
    """Scrolled to the end (down and right), the widget's bottom-right corner is in view."""
    for bar in (window.page_scroll.verticalScrollBar(), window.page_scroll.horizontalScrollBar()):
        bar.setValue(bar.maximum())
    viewport = window.page_scroll.viewport()
    corner = widget.mapTo(viewport, QPoint(widget.width() - 1, widget.height() - 1))
    return viewport.rect().contains(corner)


def in_viewport(window: SettingsWindow, widget: QWidget) -> bool:
    """The widget is in view: wholly, or (when wider or taller than the viewport) filling it."""
    viewport = window.page_scroll.viewport().rect()
    shown = QRect(widget.mapTo(window.page_scroll.viewport(), QPoint(0, 0)), widget.size())

    def fits(low: int, high: int, start: int, end: int) -> bool:
        return (
            (start <= low and end >= high)
            if end - start > high - low
            else low <= start <= end <= high
        )

    return fits(viewport.left(), viewport.right(), shown.left(), shown.right()) and fits(
        viewport.top(), viewport.bottom(), shown.top(), shown.bottom()
    )


@pytest.mark.parametrize("size", [(800, 500), TWO_X_SCREEN, (MINIMUM_SIZE.width(), 360)])
def test_every_page_can_be_scrolled_to_its_end(
    qtbot: QtBot, window: SettingsWindow, fake: RecordingController, size: tuple[int, int]
) -> None:
    fake.emit_state(busy_state())
    window.resize(*size)
    assert (window.width(), window.height()) == size
    for name in ("general", "usage", "account", "wallet"):
        assert window.select_page(name)
        page = window.pages[name]
        qtbot.waitUntil(lambda page=page: page.isVisible() and laid_out(window, page))  # type: ignore[misc]
        last = lowest_widget(page)
        assert end_reachable(window, last), f"{name}: {last.objectName() or last} not reachable"
    # On General, the module's Invite button and its list too.
    window.select_page("general")
    qtbot.waitUntil(lambda: laid_out(window, window.pages["general"]))
    section = window.referral_section
    assert section is not None
    for widget in (section.invite_button, section.view):
        window.page_scroll.ensureWidgetVisible(widget, 0, 0)
        assert in_viewport(window, widget)


def test_the_module_lives_inside_the_general_page_scroll_area(
    window: SettingsWindow, fake: RecordingController
) -> None:
    fake.emit_state(busy_state())
    section = window.referral_section
    assert section is not None
    assert window.page_scroll.widget().isAncestorOf(section)
    assert window.pages["general"].isAncestorOf(section)
    window.select_page("usage")
    assert not section.isVisible()  # not pinned under every page
    window.select_page("general")
    assert section.isVisible()


def test_minimum_size_fits_a_two_x_screen(window: SettingsWindow) -> None:
    width, height = TWO_X_SCREEN
    assert window.minimumWidth() <= width
    assert window.minimumHeight() <= height
    hint = window.minimumSizeHint()
    assert hint.width() <= width
    assert hint.height() <= height


def test_a_saved_geometry_is_fitted_to_the_screen(
    qtbot: QtBot, ui_settings: QSettings, fake: RecordingController
) -> None:
    screen = QGuiApplication.primaryScreen()
    available = screen.availableGeometry()
    big = SettingsWindow(ui_settings)
    qtbot.addWidget(big)
    big.setMinimumSize(0, 0)
    big.setGeometry(available.right() - 50, available.bottom() - 50, 3000, 2000)
    big.save_settings()

    restored = SettingsWindow(ui_settings)
    qtbot.addWidget(restored)
    assert restored.width() <= available.width()
    assert restored.height() <= available.height()
    assert available.contains(restored.geometry())


def test_banners_never_move_the_invite_button(
    qtbot: QtBot, window: SettingsWindow, fake: RecordingController
) -> None:
    window.resize(800, 500)
    fake.emit_state(busy_state())
    button = window.findChild(QPushButton, "inviteButton")
    assert button is not None
    general = window.pages["general"]
    qtbot.waitUntil(lambda: button.isVisible() and laid_out(window, general))
    before = button.mapTo(window, QPoint(0, 0))

    offline = SyncStatus(SyncPhase.OFFLINE, states.NOW, pending_operations=2)
    fake.emit_state(replace(busy_state(), sync=offline, credentials_persistent=False))
    qtbot.waitUntil(lambda: window.error_banner.isVisible() and laid_out(window, general))
    assert window.keyring_notice.isVisible()
    assert button.mapTo(window, QPoint(0, 0)) == before

    fake.emit_state(replace(busy_state(), sync=SyncStatus(SyncPhase.SYNCING, states.NOW)))
    qtbot.waitUntil(lambda: not window.error_banner.isVisible() and laid_out(window, general))
    assert button.mapTo(window, QPoint(0, 0)) == before


def test_signing_in_at_start_is_not_called_signed_out(
    window: SettingsWindow, fake: RecordingController
) -> None:
    window.expect_sign_in("pilot@example.com")
    fake.emit_state(states.AppState())
    assert window.signed_out_panel.isVisible()
    assert window.signed_out_label.text() == "Signing in as pilot@example.com…"
    assert "signed out" not in window.signed_out_label.text()
    assert not window.sign_in_button.isVisible()

    window.sign_in_failed()
    assert window.signed_out_label.text().startswith("You are signed out.")
    assert window.sign_in_button.isVisible()

    window.expect_sign_in("pilot@example.com")
    fake.emit_state(states.pilot_state())
    assert not window.signed_out_panel.isVisible()
    fake.emit_state(states.AppState())  # a later sign-out is a sign-out again
    assert window.signed_out_label.text().startswith("You are signed out.")


def test_a_new_state_leaves_the_page_where_the_user_scrolled_it(
    qtbot: QtBot, window: SettingsWindow, fake: RecordingController
) -> None:
    """A QA engineer scrolled down to the invitation module at the bottom of General; the next
    sync (every state it publishes) must not throw the page back to its top. Choosing a page
    still starts it at its top."""
    state = busy_state()
    fake.emit_state(state)
    window.resize(800, 500)
    general = window.pages["general"]
    qtbot.waitUntil(lambda: laid_out(window, general))
    bar = window.page_scroll.verticalScrollBar()
    assert bar.maximum() > 0  # the page is taller than the window: there is somewhere to scroll
    section = window.referral_section
    assert section is not None
    bar.setValue(bar.maximum())  # the user drags the bar to the page's end: the module's list
    scrolled = bar.value()
    assert scrolled > 0
    viewport = window.page_scroll.viewport()
    where = section.view.mapTo(viewport, QPoint(0, 0))
    assert viewport.rect().intersects(QRect(where, section.view.size()))  # the list is in view
    fake.emit_state(replace(state, sync=SyncStatus(phase=SyncPhase.SYNCED, message="Synced")))
    assert bar.value() == scrolled
    assert section.view.mapTo(viewport, QPoint(0, 0)) == where  # nothing moved on screen
    # Choosing another page and coming back starts General at its top, as before.
    window.select_page("usage")
    window.select_page("general")
    assert bar.value() == 0
