"""`settingsWindow`: navigation on the left, the page on the right in one scroll area.

The invitation module sits at the bottom of the General page, inside that scroll area.

Whether the invitation module exists is decided from `state.show_referral_section` only: it is
created (`_build_one`) when the flag is known to be on and destroyed (not hidden) at once when it
goes off (`_place_referral_section`, R1).

A state is rendered at once into the widgets that exist; what it needs and the window lacks (a
page, the invitation module) is built afterwards, one piece per event-loop turn, each once the
window has painted the last, each piece rendering the newest state (`_build_step`): a
sign-in's first state no longer builds the Wallet page, the module and its list in the turn
that brought 10,000 rows (docs/PERFORMANCE.md, rounds 6 and 8). Anything a state no longer
wants goes at once. `is_settled()` / `settled`: all of it built and the list filled.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QObject,
    QSettings,
    QSize,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.keyboard import enter_presses_buttons
from desktop.ui.labels import plain_label
from desktop.ui.port import ControllerPort
from desktop.ui.status import ErrorBanner, Notice, SyncStatusLabel
from desktop.ui.theme import ThemeChoice, apply_theme, icon
from desktop.ui.translation import QT_TRANSLATE_NOOP, marked

if TYPE_CHECKING:
    from desktop.controller.state import AppState

    # Imported where first needed: the pages, the invitation module and the sign-in dialog are
    # not part of the first ("Loading") paint, which should not wait for them.
    from desktop.ui.notifications import Notifier, TrayNotifications
    from desktop.ui.pages import SettingsPage
    from desktop.ui.referral.section import ReferralSection
    from desktop.ui.sign_in_dialog import SignInDialog

STATUS_REFRESH_MS = 30_000  # "synced 3 minutes ago" stays roughly right
PAINT_WAIT_MS = 30
"""The next piece of a staged build waits for the window to paint the last one, this long at
most (a piece that changed nothing on screen brings no paint)."""
FIRST_PAGE = "general"  # GeneralPage.name: the page shown when none was saved
DEFAULT_SIZE = QSize(980, 760)
NAVIGATION_WIDTH = 190
COMPACT_BELOW = 720  # narrower windows get a narrower navigation and margins, not a side scroll
MINIMUM_SIZE = QSize(560, 360)  # fits a 1366x768 screen at 2x scale (683x384 logical pixels)
SIGNED_OUT_TEXT = QT_TRANSLATE_NOOP(
    "SettingsWindow", "You are signed out. Sign in to see your usage and account settings."
)
KEYRING_NOTICE = QT_TRANSLATE_NOOP(
    "SettingsWindow",
    "No usable system keyring was found, so you stay signed in only until you close the app.",
)


class PageStack(QWidget):
    """Pages on top of each other, only the current one shown. Unlike QStackedWidget, it is only
    as tall as the page shown (hidden pages take no room), so short pages never scroll."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._current: QWidget | None = None

    def insertWidget(self, position: int, page: QWidget) -> None:
        """Add a page (hidden until made current)."""
        page.hide()
        self._layout.insertWidget(position, page)

    def removeWidget(self, page: QWidget) -> None:
        """Take a page out."""
        self._layout.removeWidget(page)
        if page is self._current:
            self._current = None

    def setCurrentWidget(self, page: QWidget) -> None:
        """Show `page`, hide the one shown before."""
        if page is self._current:
            return
        if self._current is not None:
            self._current.hide()
        self._current = page
        page.show()

    def currentWidget(self) -> QWidget | None:
        """The page shown."""
        return self._current


class SettingsWindow(QMainWindow):
    """The settings panel. Renders every `AppState` the controller emits; talks to nothing else."""

    quitRequested = Signal()
    """Ctrl+Q: the user wants to leave the app (main() quits the application)."""
    settled = Signal()
    """The newest state is all on screen: every page and the invitation module it needs built,
    the list filled (`is_settled()`); emitted when a staged build or fill ends."""

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.controller: ControllerPort | None = None
        self.notifier: Notifier | None = None
        self.tray: TrayNotifications | None = None
        self._state: AppState | None = None  # made when first asked for: see `state`
        self.pages: dict[str, SettingsPage] = {}
        self.referral_section: ReferralSection | None = None
        self.sign_in_dialog: SignInDialog | None = None
        self._offer_sign_in = False
        # The next piece: started at zero once the window has painted the last one (`event`),
        # a timer, not a posted call, so the timers due run between two pieces too.
        self._build_timer = QTimer(self)
        self._build_timer.setSingleShot(True)
        self._build_timer.timeout.connect(self._build_step)
        self._build_after_paint = False
        self._made_section: ReferralSection | None = None  # made, not yet placed on General
        # The page the user last chose (saved at close): shown whenever a state has it. Only the
        # user's choices change it, never a page the window showed while that one was missing.
        self._wanted_page = str(settings.value("window/page", FIRST_PAGE))
        self._choosing_itself = False

        self.setObjectName("settingsWindow")
        self.setWindowTitle(self.tr("Settings"))
        self.setAccessibleName(self.tr("Settings"))
        self.resize(DEFAULT_SIZE)
        self.setMinimumSize(MINIMUM_SIZE)

        central = QWidget()
        central.setObjectName("centralPanel")
        self.setCentralWidget(central)
        outer = QHBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)

        self.navigation = QListWidget()
        self.navigation.setObjectName("navigationList")
        self.navigation.setAccessibleName(self.tr("Settings sections"))
        self.navigation.setFixedWidth(NAVIGATION_WIDTH)
        self.navigation.setIconSize(QSize(18, 18))
        self.navigation.currentRowChanged.connect(self._navigation_changed)
        outer.addWidget(self.navigation)

        panel = QWidget()
        self.panel_layout = QVBoxLayout(panel)
        self.panel_layout.setContentsMargins(24, 18, 24, 18)
        self.panel_layout.setSpacing(12)
        outer.addWidget(panel, 1)

        self.error_banner = ErrorBanner()
        self.error_banner.retryRequested.connect(self._sync_now)
        self.keyring_notice = Notice(
            "keyringNotice", marked("SettingsWindow", KEYRING_NOTICE), "key"
        )
        self.cache_notice = Notice("cacheNotice", "", "info")
        self.page_title = plain_label(object_name="pageTitle")
        # One scroll area holds the page shown and, on General, the invitation module at its
        # bottom (as in the real client): every page's content is reachable at any window size.
        self.stack = PageStack()
        self.stack.setObjectName("pageStack")
        self.page_scroll = QScrollArea()
        self.page_scroll.setObjectName("pageScroll")
        self.page_scroll.setWidgetResizable(True)
        self.page_scroll.setFrameShape(QFrame.Shape.NoFrame)
        # Always on (drawn empty while nothing scrolls): a bar coming and going would move every
        # right-aligned button sideways by its width.
        self.page_scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        bar = self.page_scroll.verticalScrollBar()
        bar.rangeChanged.connect(lambda _low, high: bar.setEnabled(high > 0))
        self.page_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a Tab stop that does nothing
        self.page_scroll.setWidget(self.stack)
        self.page_scroll.viewport().installEventFilter(self)

        self.signed_out_panel = QFrame()
        self.signed_out_panel.setObjectName("signedOutPanel")
        self.signed_out_panel.setProperty("role", "card")
        signed_out_layout = QVBoxLayout(self.signed_out_panel)
        signed_out_layout.setContentsMargins(24, 24, 24, 24)
        self.signed_out_label = plain_label(
            marked("SettingsWindow", SIGNED_OUT_TEXT), wrap=True, object_name="signedOutLabel"
        )
        self.sign_in_button = QPushButton(self.tr("Sign in…"))
        self.sign_in_button.setObjectName("signedOutSignInButton")
        self.sign_in_button.setAccessibleName(self.tr("Sign in"))
        self.sign_in_button.setProperty("role", "primary")
        self.sign_in_button.clicked.connect(self.open_sign_in)
        signed_out_layout.addWidget(self.signed_out_label)
        signed_out_layout.addWidget(self.sign_in_button, 0, Qt.AlignmentFlag.AlignLeft)
        signed_out_layout.addStretch(1)
        self._signing_in_as: str | None = None

        self.loading_label = plain_label(
            self.tr("Loading your settings…"), role="emptyState", object_name="loadingLabel"
        )
        self.loading_label.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.panel_layout.addWidget(self.page_title)
        self.panel_layout.addWidget(self.loading_label, 1)
        self.panel_layout.addWidget(self.signed_out_panel, 1)
        self.signed_out_panel.hide()
        self.panel_layout.addWidget(self.page_scroll, 1)
        # Banners and notices sit under the page, not above it: one coming or going changes the
        # height of the scroll area's bottom edge, never moves what the user is pointing at.
        self.panel_layout.addWidget(self.error_banner)
        self.panel_layout.addWidget(self.keyring_notice)
        self.panel_layout.addWidget(self.cache_notice)

        self.sync_status = SyncStatusLabel()
        self.status_sync_button = QToolButton()
        self.status_sync_button.setObjectName("statusSyncButton")
        self.status_sync_button.setAccessibleName(self.tr("Sync now"))
        self.status_sync_button.setToolTip(self.tr("Sync now (F5)"))
        self.status_sync_button.setProperty("role", "flat")
        self.status_sync_button.setIcon(icon("sync"))
        self.status_sync_button.clicked.connect(self._sync_now)
        self.statusBar().addWidget(self.sync_status, 1)
        self.statusBar().addPermanentWidget(self.status_sync_button)
        self.statusBar().setSizeGripEnabled(False)

        QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self, self._sync_now)
        QShortcut(QKeySequence("Ctrl+I"), self, self._invite_shortcut)
        QShortcut(QKeySequence("Ctrl+Q"), self, self.quitRequested.emit)
        QShortcut(QKeySequence("Ctrl+,"), self, self.show_settings)
        for number in range(1, 10):  # Ctrl+1..9: the n-th page in the navigation
            QShortcut(QKeySequence(f"Ctrl+{number}"), self, partial(self._page_shortcut, number))

        self._status_timer = QTimer(self)
        self._status_timer.setInterval(STATUS_REFRESH_MS)
        self._status_timer.timeout.connect(self._refresh_sync_status)

        self.theme = ThemeChoice(str(settings.value("appearance/theme", ThemeChoice.SYSTEM)))
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._system_scheme_changed)

        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        self.fit_to_screen()
        self._set_loading(True)
        enter_presses_buttons(self)

    @property
    def state(self) -> AppState:
        """The state shown: the controller's last, or an empty one before it. The empty one is
        made on first use, not for the first ("Loading") paint, which should not wait for the
        state's module and the domain under it (docs/PERFORMANCE.md, round 6)."""
        if self._state is None:
            from desktop.controller.state import AppState

            self._state = AppState()
        return self._state

    @state.setter
    def state(self, state: AppState) -> None:
        self._state = state

    # -- wiring ---------------------------------------------------------------------------------

    def attach(self, controller: ControllerPort) -> None:
        """Start rendering a controller's states. Done once, after the first paint if wanted."""
        self.controller = controller
        from desktop.ui.notifications import Notifier, TrayNotifications

        self.notifier = Notifier(self)
        self.notifier.enabled = self.notifications_enabled()
        self.tray = TrayNotifications(self)
        self.notifier.notified.connect(self.tray.show)
        controller.stateChanged.connect(self._state_changed)
        self._status_timer.start()
        self._set_loading(False)
        # The window's first content (nothing but "Loading" is on screen before it): built at
        # once, in the paint that replaces "Loading". Later states build in turns (`_build_step`).
        self.state = controller.state
        while self._build_one(controller.state, render=False):  # show_state renders them
            pass
        self.show_state(controller.state)
        # The pages and the invitation module are imported in a turn of their own, not inside
        # the first signed-in state's (a sign-in's first sync brings 10,000 rows with it).
        QTimer.singleShot(0, self, _import_pages)

    def offer_sign_in(self) -> None:
        """Open the sign-in dialog as soon as a state shows nobody signed in (start-up)."""
        self._offer_sign_in = True

    @Slot(object)
    def _state_changed(self, state: AppState) -> None:
        from desktop.controller.state import SyncPhase

        self.show_state(state)
        if not self._offer_sign_in:
            return
        if not state.signed_in:
            self._offer_sign_in = False
            self.open_sign_in()
        elif state.sync.phase is not SyncPhase.NEVER:
            self._offer_sign_in = False  # the saved session works

    def _set_loading(self, loading: bool) -> None:
        self.loading_label.setVisible(loading)
        self.navigation.setEnabled(not loading)
        if loading:
            self.page_title.setText(self.tr("Settings"))
            self.signed_out_panel.hide()
            self.page_scroll.hide()

    # -- rendering ------------------------------------------------------------------------------

    @Slot(object)
    def show_state(self, state: AppState) -> None:
        """Show `state`: pages, the invitation module, notices and status."""
        self.state = state
        if self.controller is None:
            return
        self._place_pages(state)
        self._place_referral_section(state)
        signed_in = state.signed_in
        if signed_in:
            self._signing_in_as = None
        self._show_signed_out_panel(not signed_in)
        self.page_scroll.setVisible(signed_in)
        was_enabled = self.navigation.isEnabled()
        self.navigation.setEnabled(signed_in)
        if signed_in and not was_enabled and self.focusWidget() in (None, self.status_sync_button):
            self.navigation.setFocus()  # the first Tab stop, not whatever Qt picked meanwhile
        for page in self.pages.values():
            page.show_state(state)
        if self.referral_section is not None:
            self.referral_section.show_state(state)
        self.error_banner.show_sync(state.sync)
        self.keyring_notice.setVisible(signed_in and not state.credentials_persistent)
        # The controller explains a cache it had to set aside and rebuild (a damaged file).
        self.cache_notice.message_label.setText(state.cache_notice)
        self.cache_notice.setVisible(bool(state.cache_notice))
        self._refresh_sync_status()
        self._update_title()
        QTimer.singleShot(0, self, self._fit_page_height)
        if self.notifier is not None:
            self.notifier.show_state(state)
        dialog = self.sign_in_dialog
        if signed_in and dialog is not None and not dialog.waiting and dialog.isVisible():
            dialog.accept()  # the session was restored (or another path signed in)
        if self._next_piece(state) is not None and self._before_any_sync(state):
            # A cached start's state (nothing fetched yet in this session, nothing to interact
            # with yet): what is on screen is built in this turn, as `attach` builds the
            # window's first content. In turns, the start-up's own callbacks ran between them
            # and the cached data came 105-217 ms later (docs/PERFORMANCE.md, round 6).
            while not self.is_on_screen() and self._build_one(state):
                pass
        if self._next_piece(state) is not None:
            self._queue_build()

    # -- building, one piece per event-loop turn ------------------------------------------------

    def _next_piece(self, state: AppState) -> type[SettingsPage] | type[ReferralSection] | None:
        """What `state` needs and the window lacks, first first: what is on screen (the page
        to show, and the invitation module when that page is General, where it lives), then the
        other pages in their order, then the module if it is not on screen yet."""
        from desktop.ui.pages import PAGE_CLASSES, GeneralPage

        wanted = [c for c in PAGE_CLASSES if c.name == self._wanted_page]
        for page_class in wanted:
            if page_class.name not in self.pages and page_class.is_active(state):
                return page_class
        module_wanted = (
            state.show_referral_section
            and self.referral_section is None
            and GeneralPage.name in self.pages
        )
        if module_wanted and self.current_page_name() == GeneralPage.name:
            from desktop.ui.referral.section import ReferralSection

            return ReferralSection
        for page_class in PAGE_CLASSES:
            if page_class.name not in self.pages and page_class.is_active(state):
                return page_class
        if module_wanted:
            from desktop.ui.referral.section import ReferralSection

            return ReferralSection
        return None

    def _build_one(self, state: AppState, staged: bool = False, render: bool = True) -> bool:
        """Build the next piece `state` needs and (`render`) render `state` into it; False:
        nothing to do. `staged`: the invitation module is made and given `state` in one turn,
        placed (shown, its style applied) in the next: each of the two is 10-20 ms of the GUI
        thread on this machine, the module made, shown and its list filled at once 30-50."""
        from desktop.ui.pages import GeneralPage
        from desktop.ui.referral.section import ReferralSection

        piece = self._next_piece(state)
        if piece is None:
            return False
        if piece is ReferralSection:
            general = self.pages[GeneralPage.name]
            assert self.controller is not None
            assert isinstance(general, GeneralPage)
            section, self._made_section = self._made_section, None
            if section is None:  # a hidden child of the window until placed (gone with it)
                section = ReferralSection(self.controller, self)
                section.hide()
                section.filled.connect(self._check_settled)
                if render:
                    section.show_state(state)
                if staged:  # placed in the next turn
                    self._made_section = section
                    return True
            elif render and section.state is not state:  # a newer state came meanwhile
                section.show_state(state)
            self.referral_section = section
            general.set_referral_section(section)
            enter_presses_buttons(section)
            self._limit_list_height()
        else:
            current = self.current_page_name()
            page = self._add_page(piece)  # type: ignore[arg-type]
            if render:
                page.show_state(state)
            if current is None or page.name == self._wanted_page:  # the first, or the wanted
                self._show_page(self._wanted_page)
        return True

    def _queue_build(self) -> None:
        """The next piece, once the window has painted what is built (`event`): a zero timer
        started at once ran the next piece before that paint, and a few pieces and their paint
        then held the GUI thread in one slice (docs/PERFORMANCE.md, round 8). A hidden window
        paints nothing: at once. `PAINT_WAIT_MS` at most, should no paint come."""
        if not self.isVisible():
            self._build_after_paint = False
            self._build_timer.start(0)
        elif not self._build_timer.isActive():
            self._build_after_paint = True
            self._build_timer.start(PAINT_WAIT_MS)

    def event(self, event: QEvent) -> bool:
        """After the window's paint (an UpdateRequest: everything marked dirty is drawn and
        flushed), the next piece it waited for is due."""
        handled = super().event(event)
        if event.type() == QEvent.Type.UpdateRequest and self._build_after_paint:
            self._build_after_paint = False
            self._build_timer.start(0)
        return handled

    @Slot()
    def _build_step(self) -> None:
        """One piece for the newest state (a state arriving meanwhile has replaced it: the
        pieces it no longer needs are never built); the next piece in a turn of its own."""
        if self.controller is None or not self._build_one(self.state, staged=True):
            self._check_settled()
            return
        self._update_title()
        QTimer.singleShot(0, self, self._fit_page_height)
        if self._made_section is not None:  # made, not placed: nothing new to paint yet
            self._build_after_paint = False
            self._build_timer.start(0)
        elif self._next_piece(self.state) is not None:
            self._queue_build()
        else:
            self._check_settled()

    def is_built(self) -> bool:
        """Whether every page and the invitation module the newest state needs exist (the list
        may still hold its first screenful only)."""
        return (
            self.controller is not None
            and not self._build_timer.isActive()
            and self._next_piece(self.state) is None
        )

    @staticmethod
    def _before_any_sync(state: AppState) -> bool:
        from desktop.controller.state import SyncPhase

        return state.account is not None and state.sync.phase is SyncPhase.NEVER

    def is_on_screen(self) -> bool:
        """Whether what the user sees of the newest state is built: the page shown and, when
        it is General, the invitation module the state shows there (the other pages may still
        come in later turns; a long list may hold its first screenful)."""
        from desktop.ui.pages import GeneralPage

        if self.controller is None or self.current_page_name() is None:
            return False
        return not (
            self.current_page_name() == GeneralPage.name
            and self.state.show_referral_section
            and self.referral_section is None  # made but not yet placed counts as absent
        )

    def is_settled(self) -> bool:
        """Whether the newest state is all on screen: nothing left to build, the list filled."""
        section = self.referral_section
        return self.is_built() and (section is None or not section.filling)

    @Slot()
    def _check_settled(self) -> None:
        if self.is_settled():
            self.settled.emit()

    def _place_pages(self, state: AppState) -> None:
        """Drop the pages `state` does not want (at once; those it lacks come in turns of their
        own, `_build_step`), keeping their order."""
        current = self.current_page_name()
        for page in list(self.pages.values()):
            if not type(page).is_active(state):
                self._remove_page(page)
        if self.pages:
            wanted = self._wanted_page
            self._show_page(wanted if wanted in self.pages else current or wanted)

    def _add_page(self, page_class: type[SettingsPage]) -> SettingsPage:
        from desktop.ui.pages import AccountPage, GeneralPage, UsagePage

        assert self.controller is not None
        page = page_class(self.controller)
        if isinstance(page, GeneralPage):
            page.set_theme(self.theme)
            page.themeChosen.connect(self._theme_chosen)
            page.set_notifications(self.notifications_enabled())
            page.notificationsToggled.connect(self._notifications_toggled)
        if isinstance(page, AccountPage):
            page.signInRequested.connect(self.open_sign_in)
        if isinstance(page, UsagePage):
            page.redeemRequested.connect(self.redeem_from_wallet)
        position = sum(1 for other in self.pages.values() if other.order < page.order)
        self.pages[page.name] = page
        self.stack.insertWidget(position, page)
        enter_presses_buttons(page)
        title = page.display_title()
        item = QListWidgetItem(icon(page.icon_name), title)
        item.setData(Qt.ItemDataRole.UserRole, page.name)
        item.setData(Qt.ItemDataRole.AccessibleTextRole, title)
        self.navigation.blockSignals(True)
        self.navigation.insertItem(position, item)
        self.navigation.blockSignals(False)
        self._number_pages()
        return page

    def _number_pages(self) -> None:
        """Each page's tooltip names its Ctrl+number shortcut (its place in the list)."""
        for row in range(self.navigation.count()):
            item = self.navigation.item(row)
            title = str(item.data(Qt.ItemDataRole.AccessibleTextRole))
            shortcut = QKeySequence(f"Ctrl+{row + 1}").toString(
                QKeySequence.SequenceFormat.NativeText
            )
            item.setToolTip(
                self.tr("{page} ({shortcut})").format(page=title, shortcut=shortcut)
                if row < 9
                else title
            )

    def _remove_page(self, page: SettingsPage) -> None:
        row = self._row_of(page.name)
        self.navigation.blockSignals(True)
        self.navigation.takeItem(row)
        self.navigation.blockSignals(False)
        self._number_pages()
        self.stack.removeWidget(page)
        del self.pages[page.name]
        page.setParent(None)
        page.deleteLater()

    def _place_referral_section(self, state: AppState) -> None:
        """The one place deciding whether the invitation module exists (R1): destroyed here at
        once when `state` does not want it; created by `_build_one` (in the next turn) when it
        does. It lives at the bottom of the General page, inside the scroll area, as in the
        real client."""
        from desktop.ui.pages import GeneralPage

        wanted = state.show_referral_section
        general = self.pages.get(GeneralPage.name)
        if not wanted and self._made_section is not None:  # made for an older state, not placed
            made, self._made_section = self._made_section, None
            made.setParent(None)  # gone from findChild at once, not only after deleteLater
            made.deleteLater()
        if not wanted and self.referral_section is not None:
            section, self.referral_section = self.referral_section, None
            section.hide()  # explicitly: a pending layout show must not pop it up as a window
            if isinstance(general, GeneralPage):
                general.set_referral_section(None)
            section.setParent(None)  # gone from findChild at once, not only after deleteLater
            section.deleteLater()

    @Slot()
    def _fit_page_height(self) -> None:
        """Give the page the height its wrapped labels need at its width. QScrollArea sizes its
        widget from a height-for-width it can compute before a wrapped label's new text has
        reached it (seen: the offer's rules 73 px high for 84 px of text, the list below
        overlapping the module, until the window was resized; about 1 state in 8)."""
        layout = self.stack.layout()
        if layout is None or not self.page_scroll.isVisible():
            return
        layout.invalidate()
        needed = self.stack.heightForWidth(self.page_scroll.viewport().width())
        if needed > 0 and needed != self.stack.minimumHeight():
            self.stack.setMinimumHeight(needed)

    def _limit_list_height(self) -> None:
        if self.referral_section is not None:
            self.referral_section.set_height_limit(self.page_scroll.viewport().height() - 24)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Narrow windows (the minimum size, 2x scale) give the page the room: a narrower
        navigation and margins, so no page needs a horizontal scroll bar."""
        compact = event.size().width() < COMPACT_BELOW
        self.navigation.setFixedWidth(140 if compact else NAVIGATION_WIDTH)
        margin = 12 if compact else 24
        self.panel_layout.setContentsMargins(margin, 18, margin, 18)
        super().resizeEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Keep the invitations list within the visible part of the page as that changes."""
        if watched is self.page_scroll.viewport() and event.type() == QEvent.Type.Resize:
            self._limit_list_height()
            QTimer.singleShot(0, self, self._fit_page_height)
        return False

    def _show_signed_out_panel(self, signed_out: bool) -> None:
        """Signed out, or (with a sign-in under way, as with `--account`) a neutral wait."""
        waiting = signed_out and self._signing_in_as is not None
        self.signed_out_panel.setVisible(signed_out)
        if waiting:
            self.signed_out_label.setText(
                self.tr("Signing in as {email}…").format(email=self._signing_in_as)
            )
        else:
            self.signed_out_label.setText(marked("SettingsWindow", SIGNED_OUT_TEXT))
        self.sign_in_button.setVisible(not waiting)

    def expect_sign_in(self, email: str) -> None:
        """A sign-in is under way (start-up with `--account`): say so instead of "signed out"."""
        self._signing_in_as = email
        if self.controller is not None:
            self._show_signed_out_panel(not self.state.signed_in)

    def sign_in_failed(self) -> None:
        """The sign-in `expect_sign_in` announced ended without a session: back to signed out."""
        if self._signing_in_as is None:
            return
        self._signing_in_as = None
        if self.controller is not None:
            self._show_signed_out_panel(not self.state.signed_in)

    def fit_to_screen(self) -> None:
        """Keep the window (a restored geometry too) within its screen's available area."""
        screen = self.screen()
        available = screen.availableGeometry()
        self.setMinimumSize(
            min(MINIMUM_SIZE.width(), available.width()),
            min(MINIMUM_SIZE.height(), available.height()),
        )
        frame = self.frameGeometry()
        extra_w = max(frame.width() - self.width(), 0)
        extra_h = max(frame.height() - self.height(), 0)
        width = min(self.width(), available.width() - extra_w)
        height = min(self.height(), available.height() - extra_h)
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        frame = self.frameGeometry()
        x = min(max(frame.x(), available.left()), available.right() + 1 - frame.width())
        y = min(max(frame.y(), available.top()), available.bottom() + 1 - frame.height())
        if (x, y) != (frame.x(), frame.y()):
            self.move(max(x, available.left()), max(y, available.top()))

    def _refresh_sync_status(self) -> None:
        self.sync_status.show_sync(self.state.sync, datetime.now(UTC))

    def _update_title(self) -> None:
        page = self.pages.get(self.current_page_name() or "")
        if self.state.signed_in and page is not None:
            self.page_title.setText(page.display_title())
        else:
            self.page_title.setText(self.tr("Settings"))

    # -- navigation -----------------------------------------------------------------------------

    def current_page_name(self) -> str | None:
        """Name of the page shown, if any."""
        item = self.navigation.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def select_page(self, name: str) -> bool:
        """Show a page by name, as the user's choice (remembered, shown again whenever a state
        has it); falls back to the first page if it is not there."""
        found = self._show_page(name)
        if found:
            self._wanted_page = name
        return found

    def _show_page(self, name: str) -> bool:
        """`select_page` for the window's own purposes: the user's choice stays as it was."""
        self._choosing_itself = True
        try:
            return self._select_row_of(name)
        finally:
            self._choosing_itself = False

    def _select_row_of(self, name: str) -> bool:
        row = self._row_of(name)
        if row < 0:
            row = 0 if self.navigation.count() else -1
        if row >= 0 and row != self.navigation.currentRow():
            self.navigation.setCurrentRow(row)
        elif row >= 0:
            self._navigation_changed(row)
        return self._row_of(name) >= 0

    def _row_of(self, name: str) -> int:
        for row in range(self.navigation.count()):
            if self.navigation.item(row).data(Qt.ItemDataRole.UserRole) == name:
                return row
        return -1

    @Slot(int)
    def _navigation_changed(self, row: int) -> None:
        if row < 0:
            return
        name = str(self.navigation.item(row).data(Qt.ItemDataRole.UserRole))
        page = self.pages.get(name)
        if page is not None:
            # Every state re-selects the page it shows: only another page starts at its top (a
            # sync must not throw a user scrolled down to the invitation module back up).
            if self.stack.currentWidget() is not page:
                self.stack.setCurrentWidget(page)
                self.stack.setMinimumHeight(0)  # the last page's height must not stay
                self.stack.updateGeometry()
                QTimer.singleShot(0, self, self._fit_page_height)
                self.page_scroll.verticalScrollBar().setValue(0)
            if not self._choosing_itself:  # the user chose it (a click, a key, a shortcut)
                self._wanted_page = name
        self._update_title()

    # -- actions --------------------------------------------------------------------------------

    @Slot()
    def open_sign_in(self) -> SignInDialog:
        """Show the sign-in dialog (non-modal, one at a time)."""
        from desktop.ui.sign_in_dialog import SignInDialog

        assert self.controller is not None
        if self.sign_in_dialog is None:
            self.sign_in_dialog = SignInDialog(self.controller, self)
            self.sign_in_dialog.finished.connect(self._sign_in_closed)
        self.sign_in_dialog.show()
        self.sign_in_dialog.raise_()
        return self.sign_in_dialog

    @Slot()
    def _sign_in_closed(self) -> None:
        if self.sign_in_dialog is not None:
            self.sign_in_dialog.deleteLater()
            self.sign_in_dialog = None

    @Slot()
    def _sync_now(self) -> None:
        if self.controller is not None and self.state.signed_in:
            self.controller.sync_now()

    @Slot()
    def _invite_shortcut(self) -> None:
        if self.referral_section is not None:
            self.select_page(FIRST_PAGE)
            self.page_scroll.ensureWidgetVisible(self.referral_section.invite_button)
            self.referral_section.open_invite_dialog()

    @Slot()
    def redeem_from_wallet(self) -> None:
        """Run the Wallet's own "Use a reset…" (one entry point for spending, R6), on the
        Wallet page, where its confirmation and outcome are shown."""
        from desktop.ui.pages import WalletPage

        wallet = self.pages.get(WalletPage.name)
        if isinstance(wallet, WalletPage) and self.select_page(WalletPage.name):
            wallet.redeem_button.click()

    def _page_shortcut(self, number: int) -> None:
        if self.navigation.isEnabled() and number <= self.navigation.count():
            self.navigation.setCurrentRow(number - 1)

    @Slot()
    def show_settings(self) -> None:
        """Bring the settings window forward (Ctrl+, here and in the QA window)."""
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()

    def notifications_enabled(self) -> bool:
        """The General > Notifications setting (on unless turned off)."""
        return str(self.settings.value("notifications/enabled", "true")).lower() == "true"

    @Slot(bool)
    def _notifications_toggled(self, enabled: bool) -> None:
        self.settings.setValue("notifications/enabled", "true" if enabled else "false")
        if self.notifier is not None:
            self.notifier.enabled = enabled

    @Slot(str)
    def _theme_chosen(self, value: str) -> None:
        self.theme = ThemeChoice(value)
        self.settings.setValue("appearance/theme", self.theme.value)
        self.apply_theme()

    @Slot()
    def _system_scheme_changed(self) -> None:
        if self.theme is ThemeChoice.SYSTEM:
            self.apply_theme()

    def apply_theme(self) -> None:
        """Apply the saved light/dark choice to the whole application."""
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, self.theme)
        self.update()

    # -- persistence ----------------------------------------------------------------------------

    def save_settings(self) -> None:
        """Window geometry and the page shown, in QSettings (never anything secret)."""
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/page", self._wanted_page)
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Remember the geometry before closing."""
        self.save_settings()
        super().closeEvent(event)


def _import_pages() -> None:
    """Import what the first signed-in state builds, ahead of it (after the first paint)."""
    import desktop.ui.pages
    import desktop.ui.referral.section  # noqa: F401
