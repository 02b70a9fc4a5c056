"""Wallet: reset tokens, spending one, exporting the ledger (R6)."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QCoreApplication, Qt, Slot
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from desktop.controller.state import AppState, OperationResult, TokenView
from desktop.domain.clock import as_utc
from desktop.domain.outcomes import (
    CREDIT_NEVER_EXPIRES,
    CREDIT_SOURCE_WORDS,
    CREDIT_WINDOWS_WORDS,
    Operation,
    Outcome,
)
from desktop.domain.reasons import fill, translated
from desktop.ui.formatting import counted, date_time, short_date
from desktop.ui.labels import plain_label, set_role
from desktop.ui.pages.base import SettingsPage
from desktop.ui.port import ControllerPort
from desktop.ui.redeem_dialog import RedeemDialog
from desktop.ui.theme import icon
from desktop.ui.translation import QT_TRANSLATE_NOOP, marked

_COLUMNS = (
    QT_TRANSLATE_NOOP("WalletPage", "Status"),
    QT_TRANSLATE_NOOP("WalletPage", "Reset"),
    QT_TRANSLATE_NOOP("WalletPage", "From"),
    QT_TRANSLATE_NOOP("WalletPage", "Resets"),
)
EXPIRY_WARNING = timedelta(days=3)  # an available reset this close to expiring is pointed out


def token_status(token: TokenView, now: datetime | None = None) -> str:
    """`Expires 5 Jan`, `Spent 23 Nov` or `Expired 31 Dec 2026` (an expired token is shown,
    never dropped); `Available` for one that never expires."""
    if token.credit.state == "spent":
        if token.credit.spent_at is None:
            return QCoreApplication.translate("WalletPage", "Spent")
        return QCoreApplication.translate("WalletPage", "Spent {date}").format(
            date=short_date(token.credit.spent_at, now=now)
        )
    if token.credit.state == "expired":
        if token.credit.expires_at is None:
            return QCoreApplication.translate("WalletPage", "Expired")
        return QCoreApplication.translate("WalletPage", "Expired {date}").format(
            date=short_date(token.credit.expires_at, now=now)
        )
    if token.credit.expires_at is None:
        return translated("outcomes", CREDIT_NEVER_EXPIRES)
    return QCoreApplication.translate("WalletPage", "Expires {date}").format(
        date=short_date(token.credit.expires_at, now=now)
    )


def credit_source(token: TokenView) -> str:
    """`Earned by inviting sam@example.com` or `Complimentary`."""
    words = translated("outcomes", CREDIT_SOURCE_WORDS[str(token.credit.source)])
    return fill(
        words, {"recipient": token.recipient or QCoreApplication.translate("WalletPage", "a peer")}
    )


def credit_windows(token: TokenView) -> str:
    """Which usage windows spending it resets: `Weekly and 5-hour` or `5-hour only`."""
    return translated("outcomes", CREDIT_WINDOWS_WORDS[str(token.credit.windows)])


def credit_title(token: TokenView) -> str:
    """The server's title for the credit, or a plain one when it gave none."""
    return token.credit.title or QCoreApplication.translate("WalletPage", "Usage reset")


def expiring_soon(state: AppState) -> tuple[TokenView, ...]:
    """Available resets that expire within `EXPIRY_WARNING` of the backend's clock."""
    now = state.backend_now
    if now is None:
        return ()
    return tuple(
        token
        for token in state.available_tokens
        if token.credit.expires_at is not None
        and as_utc(token.credit.expires_at) - as_utc(now) <= EXPIRY_WARNING
    )


def expiry_warning_text(state: AppState) -> str:
    """`1 reset expires on 5 Jan: use it before then or it is lost.` ("" when none does)."""
    soon = expiring_soon(state)
    if not soon:
        return ""
    first = soon[0].credit.expires_at
    assert first is not None
    when = date_time(first, now=state.backend_now)
    if len(soon) == 1:
        return QCoreApplication.translate(
            "WalletPage", "A reset expires on {when}. Use it before then, or it expires unused."
        ).format(when=when)
    return QCoreApplication.translate(
        "WalletPage",
        "{count} resets expire within {days}, the first on {when}. Use them before then, or "
        "they expire unused.",
    ).format(
        count=len(soon),
        days=counted(
            EXPIRY_WARNING.days,
            QCoreApplication.translate("WalletPage", "{count} day"),
            QCoreApplication.translate("WalletPage", "{count} days"),
        ),
        when=when,
    )


def token_tooltip(token: TokenView, now: datetime | None) -> str:
    """Every date of one token, in full."""
    parts = [
        QCoreApplication.translate(
            "WalletPage", "{title} ({source}; resets: {windows}): granted {when}"
        ).format(
            title=credit_title(token),
            source=credit_source(token),
            windows=credit_windows(token).lower(),
            when=date_time(token.credit.granted_at, now=now),
        )
    ]
    if token.credit.spent_at is not None:
        parts.append(
            QCoreApplication.translate("WalletPage", "spent {when}").format(
                when=date_time(token.credit.spent_at, now=now)
            )
        )
    if token.credit.expires_at is not None:
        template = (
            QCoreApplication.translate("WalletPage", "expired {when}")
            if token.credit.state == "expired"
            else QCoreApplication.translate("WalletPage", "expires {when}")
        )
        parts.append(template.format(when=date_time(token.credit.expires_at, now=now)))
    return QCoreApplication.translate("WalletPage", "{parts}.").format(parts="; ".join(parts))


class TokenTable(QTreeWidget):
    """The tokens, four columns fitted to the width it has (never scrolled sideways): Status and
    Resets as wide as their longest cell, Reset and From share the rest; when that is not
    enough (a narrow window, a longer language), every column keeps at least its header's width
    and Status and Resets share what is left, elided (each row's tooltip says it in full)."""

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Fit the columns to the new width."""
        super().resizeEvent(event)
        self.fit_columns()

    def fit_columns(self) -> None:
        """Share the viewport's width between the four columns (see the class)."""
        header = self.header()
        room = self.viewport().width()
        if header.count() != len(_COLUMNS) or room <= 0:
            return
        least = [header.sectionSizeHint(column) for column in range(header.count())]
        wanted = [max(self.sizeHintForColumn(column), least[column]) for column in range(4)]
        fixed = wanted[0] + wanted[3]
        rest = room - fixed
        if rest >= least[1] + least[2]:
            widths = [wanted[0], max(least[1], rest // 2), 0, wanted[3]]
            widths[2] = rest - widths[1]
            if widths[2] < least[2]:
                widths[2] = least[2]
                widths[1] = rest - least[2]
        else:
            left = max(room - least[1] - least[2], 0)
            status = max(least[0], left * wanted[0] // max(fixed, 1))
            widths = [status, least[1], least[2], max(least[3], left - status)]
        for column, width in enumerate(widths):
            header.resizeSection(column, width)


class WalletPage(SettingsPage):
    """Balance, token list, Use a reset and Export ledger. Shown while `state.show_wallet`."""

    name = "wallet"
    title = QT_TRANSLATE_NOOP("SettingsPage", "Wallet")
    order = 30
    icon_name = "wallet"

    def __init__(self, controller: ControllerPort, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self._state = AppState()
        self._key: str | None = None  # the redemption this page started, until definite

        # Wraps: a longer language's balance must not widen the page past the smallest window.
        self.balance_label = plain_label(
            role="sectionTitle", wrap=True, object_name="walletBalanceLabel"
        )
        self.balance_label.setAccessibleName(self.tr("Usage resets available"))
        self.redeem_button = QPushButton(self.tr("Use a reset…"))
        self.redeem_button.setObjectName("redeemButton")
        self.redeem_button.setAccessibleName(self.tr("Use a usage reset"))
        self.redeem_button.setProperty("role", "primary")
        self.redeem_button.clicked.connect(self._redeem_clicked)
        top = QHBoxLayout()
        top.addWidget(self.balance_label, 1)
        top.addWidget(self.redeem_button)

        self.explain_label = plain_label(role="muted", wrap=True, object_name="walletExplainLabel")
        self.expiry_label = plain_label(wrap=True, object_name="walletExpiryWarning")
        self.expiry_label.setAccessibleName(self.tr("Reset expiring soon"))
        self.expiry_label.setProperty("role", "warning")
        self.expiry_label.hide()
        self.message_label = plain_label(wrap=True, object_name="walletMessageLabel")
        self.message_label.setAccessibleName(self.tr("Wallet message"))
        self.message_label.hide()

        self.tokens_view = TokenTable()
        self.tokens_view.setObjectName("tokensView")
        self.tokens_view.setAccessibleName(self.tr("Usage reset tokens"))
        self.tokens_view.setRootIsDecorated(False)
        self.tokens_view.setUniformRowHeights(True)
        self.tokens_view.setHeaderLabels([marked("WalletPage", column) for column in _COLUMNS])
        self.tokens_view.header().setStretchLastSection(True)
        self.tokens_view.header().setAccessibleName(self.tr("Token columns"))
        header = self.tokens_view.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # TokenTable.fit_columns
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(0)
        self.tokens_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.empty_label = plain_label(
            self.tr(
                "No usage resets yet. When a peer you invited starts using the product, a reset "
                "may appear here."
            ),
            role="emptyState",
            wrap=True,
            object_name="walletEmptyState",
        )

        self.export_button = QPushButton(self.tr("Export ledger as CSV…"))
        self.export_button.setObjectName("exportLedgerButton")
        self.export_button.setAccessibleName(self.tr("Export the ledger as CSV"))
        self.export_button.setIcon(icon("export"))
        self.export_button.clicked.connect(self._export_clicked)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.export_button)

        self.body.addLayout(top)
        self.body.addWidget(self.explain_label)
        self.body.addWidget(self.expiry_label)
        self.body.addWidget(self.message_label)
        self.body.addWidget(self.tokens_view)
        self.body.addWidget(self.empty_label)
        self.body.addLayout(bottom)
        self.body.addStretch(1)

        controller.operationFinished.connect(self._redeem_finished)
        controller.exportFinished.connect(self._export_finished)

    @classmethod
    def is_active(cls, state: AppState) -> bool:
        """Shown when eligible or when holding any token (earned tokens stay, R6)."""
        return state.show_wallet

    def show_state(self, state: AppState) -> None:
        """Balance, tokens (earliest expiry first among the spendable) and button state."""
        self._state = state
        available = len(state.available_tokens)
        self.balance_label.setText(
            counted(
                available,
                self.tr("{count} usage reset available"),
                self.tr("{count} usage resets available"),
            )
            if available
            else self.tr("No resets to use")
        )
        self.explain_label.setText(
            self.tr(
                "Using a reset sets the usage windows it resets back to zero at once. The reset "
                "that expires first is used first."
            )
        )
        settling = state.redeem_pending is not None
        self.redeem_button.setEnabled(available > 0 and self._key is None and not settling)
        self.redeem_button.setText(
            self.tr("Checking the last reset…") if settling else self.tr("Use a reset…")
        )
        self.redeem_button.setToolTip(
            "" if available else self.tr("You have no usage reset to use.")
        )
        self.export_button.setEnabled(bool(state.tokens))
        warning = expiry_warning_text(state)
        self.expiry_label.setText(warning)
        self.expiry_label.setVisible(bool(warning))
        self._fill_tokens(state)

    def _fill_tokens(self, state: AppState) -> None:
        order = {token.credit.id: index for index, token in enumerate(state.available_tokens)}
        tokens = sorted(
            state.tokens,
            key=lambda t: (
                t.credit.id not in order,
                order.get(t.credit.id, 0),
                -t.credit.granted_at.timestamp(),
            ),
        )
        self.tokens_view.clear()
        now = state.backend_now
        for token in tokens:
            item = QTreeWidgetItem(
                [
                    token_status(token, now),
                    credit_title(token),
                    credit_source(token),
                    credit_windows(token),
                ]
            )
            tooltip = token_tooltip(token, now)  # every column: the elided ones say it in full
            for column in range(len(_COLUMNS)):
                item.setToolTip(column, tooltip)
            if token.credit.state != "available":
                for column in range(len(_COLUMNS)):
                    item.setForeground(column, self.palette().placeholderText())
            self.tokens_view.addTopLevelItem(item)
        rows = min(len(tokens), 8)
        header = self.tokens_view.header().sizeHint().height()
        row = self.tokens_view.sizeHintForRow(0) if tokens else 0
        self.tokens_view.setFixedHeight(header + rows * row + 6)
        self.tokens_view.fit_columns()
        self.tokens_view.setVisible(bool(tokens))
        self.empty_label.setVisible(not tokens)

    def show_message(self, text: str, role: str) -> None:
        """An inline message under the balance (never a modal box for network trouble)."""
        self.message_label.setText(text)
        set_role(self.message_label, role)
        self.message_label.show()

    # -- spending -------------------------------------------------------------------------------

    @Slot()
    def _redeem_clicked(self) -> None:
        if self._key is not None or self._state.redeem_pending is not None:
            return  # one intent at a time; an unsettled one is finished by the app
        if not self._state.available_tokens:
            return
        if not RedeemDialog.ask(self.window(), self._state):
            self.show_message(self.tr("Cancelled. Your reset is kept."), "muted")
            return
        self.redeem_button.setEnabled(False)
        self.redeem_button.setText(self.tr("Using a reset…"))
        self.show_message(self.tr("Using a reset…"), "muted")
        named = self._state.available_tokens[0]  # the one the dialog named
        self._key = self.controller.redeem(named.credit.id)

    @Slot(object)
    def _redeem_finished(self, result: OperationResult) -> None:
        if result.operation is not Operation.REDEEM:
            return
        # Also a result for an intent this page did not start: one from before a restart.
        if result.key == self._key and result.definite:
            self._key = None
        roles = {Outcome.DONE: "success", Outcome.UNKNOWN: "muted"}
        self.show_message(result.message, roles.get(result.outcome, "error"))
        self.show_state(self._state)

    # -- export ---------------------------------------------------------------------------------

    @classmethod
    def choose_export_path(cls, parent: QWidget | None) -> str | None:
        """Ask where to save the CSV; None when cancelled. Tests replace this."""
        path, _ = QFileDialog.getSaveFileName(
            parent,
            QCoreApplication.translate("WalletPage", "Export ledger"),
            "reset-ledger.csv",
            QCoreApplication.translate("WalletPage", "CSV files (*.csv)"),
        )
        return path or None

    @Slot()
    def _export_clicked(self) -> None:
        path = type(self).choose_export_path(self.window())
        if path:
            self.export_button.setEnabled(False)
            self.controller.export_ledger(path)

    @Slot(str, str)
    def _export_finished(self, path: str, error: str) -> None:
        self.export_button.setEnabled(bool(self._state.tokens))
        if error:
            self.show_message(error, "error")
        else:
            self.show_message(self.tr("Ledger saved to {path}").format(path=path), "success")
