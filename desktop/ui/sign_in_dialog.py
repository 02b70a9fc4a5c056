"""`signInDialog`: pick a demo account (or type one) and sign in against the mock backend."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, Slot
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.controller.state import OperationResult
from desktop.domain.outcomes import Operation, Outcome
from desktop.ui.labels import plain_label
from desktop.ui.port import ControllerPort
from desktop.ui.translation import QT_TRANSLATE_NOOP, marked

DEMO_PASSWORD = "demo"
LIST_WIDTH = 440  # at least: the dialog is about 460 px wide in English


@dataclass(frozen=True)
class DemoAccount:
    """A seeded operator account (shared/DESIGN.md section 4)."""

    email: str
    description: str  # marked for translation; shown through `marked("SignInDialog", ...)`


DEMO_ACCOUNTS = (
    DemoAccount(
        "pilot@example.com",
        QT_TRANSLATE_NOOP("SignInDialog", "In the pilot · Plus plan · weekly usage mostly used"),
    ),
    DemoAccount(
        "capped@example.com",
        QT_TRANSLATE_NOOP("SignInDialog", "In the pilot · cap reached this cycle · holds 2 resets"),
    ),
    DemoAccount(
        "pro@example.com", QT_TRANSLATE_NOOP("SignInDialog", "Pro plan · outside the pilot")
    ),
    DemoAccount(
        "free@example.com", QT_TRANSLATE_NOOP("SignInDialog", "Free plan · outside the pilot")
    ),
)


class SignInDialog(QDialog):
    """Non-modal; closes itself once the controller reports a successful sign-in."""

    def __init__(self, controller: ControllerPort, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self._waiting = False
        self.setObjectName("signInDialog")
        self.setWindowTitle(self.tr("Sign in"))
        self.setAccessibleName(self.tr("Sign in"))

        self.accounts_list = QListWidget()
        self.accounts_list.setObjectName("demoAccountsList")
        self.accounts_list.setAccessibleName(self.tr("Demo accounts"))
        line = self.fontMetrics().height()
        for account in DEMO_ACCOUNTS:
            description = marked("SignInDialog", account.description)
            item = QListWidgetItem(f"{account.email}\n{description}")
            item.setSizeHint(QSize(0, 2 * line + 14))
            item.setData(Qt.ItemDataRole.UserRole, account.email)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{account.email}, {description}")
            self.accounts_list.addItem(item)
        self.accounts_list.setFixedHeight(len(DEMO_ACCOUNTS) * (2 * line + 14) + 12)
        # As wide as its longest line (a translation may be 40 % longer than the English): the
        # item padding (8 px each side), the selection's 3 px edge, the 2 px focus frame. The
        # dialog has no minimum width of its own, so its layout makes room for the list.
        widest = max(
            self.fontMetrics().horizontalAdvance(text)
            for row in range(self.accounts_list.count())
            for text in self.accounts_list.item(row).text().split("\n")
        )
        self.accounts_list.setMinimumWidth(max(widest + 2 * 8 + 3 + 2 * 2 + 12, LIST_WIDTH))
        self.accounts_list.currentItemChanged.connect(self._account_picked)
        self.accounts_list.itemActivated.connect(self._account_activated)

        self.email_edit = QLineEdit()
        self.email_edit.setObjectName("signInEmailEdit")
        self.email_edit.setAccessibleName(self.tr("Email"))
        self.email_edit.setPlaceholderText(self.tr("you@example.com"))
        self.password_edit = QLineEdit(DEMO_PASSWORD)
        self.password_edit.setObjectName("signInPasswordEdit")
        self.password_edit.setAccessibleName(self.tr("Password"))
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        form.addRow(self.tr("Email"), self.email_edit)
        form.addRow(self.tr("Password"), self.password_edit)

        self.error_label = plain_label(role="error", wrap=True, object_name="signInErrorLabel")
        self.error_label.hide()
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setObjectName("signInCancelButton")
        self.cancel_button.setAccessibleName(self.tr("Cancel"))
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        self.submit_button = QPushButton(self.tr("Sign in"))
        self.submit_button.setObjectName("signInSubmitButton")
        self.submit_button.setAccessibleName(self.tr("Sign in"))
        self.submit_button.setProperty("role", "primary")
        self.submit_button.setDefault(True)
        self.submit_button.clicked.connect(self.submit)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.submit_button)

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(plain_label(self.tr("Sign in to see your settings"), role="sectionTitle"))
        layout.addWidget(
            plain_label(
                self.tr("Pick a demo account (password “{password}”) or type an address.").format(
                    password=DEMO_PASSWORD
                ),
                role="muted",
                wrap=True,
            )
        )
        layout.addWidget(self.accounts_list)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)

        self.setTabOrder(self.accounts_list, self.email_edit)
        self.setTabOrder(self.email_edit, self.password_edit)
        self.setTabOrder(self.password_edit, self.submit_button)
        self.setTabOrder(self.submit_button, self.cancel_button)
        controller.operationFinished.connect(self._finished)
        self.accounts_list.setFocus()

    @property
    def waiting(self) -> bool:
        """A sign-in this dialog asked for is still running."""
        return self._waiting

    def pick(self, email: str) -> None:
        """Select a listed account by its email."""
        for row in range(self.accounts_list.count()):
            if self.accounts_list.item(row).data(Qt.ItemDataRole.UserRole) == email:
                self.accounts_list.setCurrentRow(row)
                return
        self.email_edit.setText(email)

    @Slot()
    def submit(self) -> None:
        """Ask the controller to sign in with what is filled in."""
        if self._waiting:
            return
        email = self.email_edit.text().strip()
        if not email:
            self._show_error(self.tr("Pick an account or enter an email address."))
            return
        self._waiting = True
        self.submit_button.setEnabled(False)
        self.submit_button.setText(self.tr("Signing in…"))
        self.error_label.hide()
        self.controller.sign_in(email, self.password_edit.text())

    @Slot(object)
    def _finished(self, result: OperationResult) -> None:
        if result.operation is not Operation.SIGN_IN:
            return
        if result.outcome is Outcome.DONE:
            self._waiting = False
            self.accept()  # also when it settles a lost answer shown before
            return
        if not self._waiting:
            return
        self._waiting = False
        self.submit_button.setEnabled(True)
        self.submit_button.setText(self.tr("Sign in"))
        # UNKNOWN: the app replays the same request; signing in again reuses it too.
        self._show_error(result.message)

    def reject(self) -> None:
        """Closing the dialog stops settling a lost sign-in (its key is kept for next time)."""
        self.controller.cancel_sign_in()
        super().reject()

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()

    @Slot(QListWidgetItem, QListWidgetItem)
    def _account_picked(self, current: QListWidgetItem | None, _previous: object) -> None:
        if current is not None:
            self.email_edit.setText(str(current.data(Qt.ItemDataRole.UserRole)))
            self.password_edit.setText(DEMO_PASSWORD)

    @Slot(QListWidgetItem)
    def _account_activated(self, item: QListWidgetItem) -> None:
        self._account_picked(item, None)
        self.submit()
