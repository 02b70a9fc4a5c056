"""The accessibility tree, visible focus on every Tab stop, Enter, and the window's shortcuts."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QAccessibleInterface, QImage
from PySide6.QtWidgets import QAbstractButton, QComboBox, QWidget
from pytestqt.qtbot import QtBot

from desktop.domain.invitations import InvitationState
from desktop.ui.settings_window import SettingsWindow
from tests.ui import states
from tests.ui.fakes import RecordingController

# Roles a user can act on: each needs a name a screen reader can say.
INTERACTIVE_ROLES = {
    QAccessible.Role.Button,
    QAccessible.Role.CheckBox,
    QAccessible.Role.RadioButton,
    QAccessible.Role.ComboBox,
    QAccessible.Role.EditableText,
    QAccessible.Role.SpinBox,
    QAccessible.Role.List,
    QAccessible.Role.Table,
    QAccessible.Role.Tree,
    QAccessible.Role.PageTab,
    QAccessible.Role.Link,
    QAccessible.Role.Slider,
}
NAMELESS_ROLES = {QAccessible.Role.NoRole, QAccessible.Role.Client}


def walk(interface: QAccessibleInterface, depth: int = 0) -> list[QAccessibleInterface]:
    """Every visible node under `interface` (list rows included: they are children too)."""
    found = [interface]
    if depth > 40:
        return found
    for n in range(interface.childCount()):
        child = interface.child(n)
        if child is not None and child.isValid() and not child.state().invisible:
            found.extend(walk(child, depth + 1))
    return found


def problems(root: QWidget) -> list[str]:
    """Interactive nodes without a name, and focusable widgets without a meaningful role."""
    tree = QAccessible.queryAccessibleInterface(root)
    assert tree is not None
    found = []
    for node in walk(tree):
        role = node.role()
        name = node.text(QAccessible.Text.Name)
        widget = node.object()
        label = f"{type(widget).__name__}#{widget.objectName()}" if widget else str(role)
        if role in INTERACTIVE_ROLES and not name.strip():
            found.append(f"{label}: role {role.name} without a name")
        if (
            isinstance(widget, QWidget)
            and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
            and node.state().focusable
            and role in NAMELESS_ROLES
        ):
            found.append(f"{label}: focusable without a role")
    return found


def full_state() -> states.AppState:
    invitations = (
        states.invitation("ana@example.com", InvitationState.PROMPTING, prompts=1),
        states.invitation("bo@example.com", InvitationState.NOT_ELIGIBLE, index=1),
    )
    return states.capped_state(invitations=invitations)


def test_the_accessibility_tree_names_every_interactive_node(
    qtbot: QtBot, window: SettingsWindow, fake: RecordingController
) -> None:
    fake.emit_state(full_state())
    for page in ("general", "usage", "account", "wallet"):
        assert window.select_page(page)
        assert problems(window) == [], page
    window.select_page("general")
    section = window.referral_section
    assert section is not None
    assert problems(section.open_invite_dialog()) == []
    assert problems(window.open_sign_in()) == []


def focus_stops(window: SettingsWindow) -> list[QWidget]:
    """The Tab chain from the navigation list, as the user walks it."""
    window.activateWindow()
    window.navigation.setFocus()
    first = window.navigation
    stops: list[QWidget] = [first]
    widget = first.nextInFocusChain()
    while widget is not first and len(stops) < 60:
        if (
            widget.isVisible()
            and widget.isEnabled()
            and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
            and widget.window() is window
        ):
            stops.append(widget)
        widget = widget.nextInFocusChain()
    return stops


def snapshot(widget: QWidget) -> QImage:
    return widget.grab().toImage()


def test_every_tab_stop_shows_that_it_has_focus(
    qtbot: QtBot, window: SettingsWindow, fake: RecordingController
) -> None:
    fake.emit_state(full_state())
    window.resize(900, 1000)
    for page in ("general", "wallet"):
        window.select_page(page)
        stops = focus_stops(window)
        assert len(stops) >= 4
        for stop in stops:
            window.navigation.setFocus() if stop is not window.navigation else stop.clearFocus()
            qtbot.waitUntil(lambda stop=stop: not stop.hasFocus())  # type: ignore[misc]
            without = snapshot(stop)
            stop.setFocus(Qt.FocusReason.TabFocusReason)
            qtbot.waitUntil(stop.hasFocus)
            assert snapshot(stop) != without, f"{page}: no visible focus on {stop.objectName()}"


def test_enter_presses_the_focused_button(
    qtbot: QtBot, window: SettingsWindow, fake: RecordingController
) -> None:
    fake.emit_state(full_state())
    window.select_page("general")
    sync = window.pages["general"].findChild(QAbstractButton, "syncNowButton")
    assert sync is not None
    sync.setFocus()
    with qtbot.waitSignal(sync.clicked):
        qtbot.keyClick(sync, Qt.Key.Key_Return)
    assert fake.called("sync_now") == [()]
    window.select_page("account")
    sign_out = window.findChild(QAbstractButton, "signOutButton")
    assert sign_out is not None
    sign_out.setFocus()
    with qtbot.waitSignal(sign_out.clicked):
        qtbot.keyClick(sign_out, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert fake.called("sign_out") == [()]


def test_shortcuts_for_pages_settings_and_quit(
    qtbot: QtBot, window: SettingsWindow, fake: RecordingController
) -> None:
    fake.emit_state(full_state())
    ctrl = Qt.KeyboardModifier.ControlModifier
    for key, page in ((Qt.Key.Key_2, "usage"), (Qt.Key.Key_4, "wallet"), (Qt.Key.Key_1, "general")):
        qtbot.keyClick(window, key, ctrl)
        assert window.current_page_name() == page
    assert window.navigation.item(1).toolTip() == "Usage (Ctrl+2)"
    with qtbot.waitSignal(window.quitRequested):
        qtbot.keyClick(window, Qt.Key.Key_Q, ctrl)


@pytest.mark.qt_log_ignore(r"This plugin does not support (raise|propagateSizeHints|grabbing)")
def test_the_appearance_combo_has_an_arrow_and_a_full_popup(
    qtbot: QtBot, window: SettingsWindow, fake: RecordingController
) -> None:
    fake.emit_state(full_state())
    combo = window.findChild(QComboBox, "themeCombo")
    assert combo is not None
    arrow_area = combo.grab().toImage().copy(combo.width() - 24, 0, 24, combo.height())
    colours = {arrow_area.pixel(x, y) for x in range(arrow_area.width()) for y in range(8, 20)}
    assert len(colours) > 2, "no arrow drawn"
    combo.showPopup()
    view = combo.view()
    qtbot.waitUntil(view.isVisible)
    for row in range(combo.count()):
        rect = view.visualRect(combo.model().index(row, 0))
        assert view.viewport().rect().contains(rect), f"row {row} clipped"
        text = combo.itemText(row)
        assert view.fontMetrics().horizontalAdvance(text) < rect.width()
    combo.hidePopup()
