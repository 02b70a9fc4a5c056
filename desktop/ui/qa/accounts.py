"""The Accounts tab: every demo account at a glance, switching the signed-in operator, and
resetting the demo data, so a tester goes through all accounts in one run."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.controller.qa_state import QaAccount, QaSnapshot
from desktop.domain.cohort import CohortRule
from desktop.ui.formatting import counted, plan_name
from desktop.ui.labels import plain_label
from desktop.ui.qa.port import QaPort
from desktop.ui.sign_in_dialog import DEMO_PASSWORD
from desktop.ui.translation import QT_TRANSLATE_NOOP, marked

COLUMNS = (
    QT_TRANSLATE_NOOP("AccountsPanel", "Account"),
    QT_TRANSLATE_NOOP("AccountsPanel", "Role"),
    QT_TRANSLATE_NOOP("AccountsPanel", "Pilot cohort"),
    QT_TRANSLATE_NOOP("AccountsPanel", "Last active"),
    QT_TRANSLATE_NOOP("AccountsPanel", "Resets"),
)
EMAIL_ROLE = Qt.ItemDataRole.UserRole
_RULE_WORDS = {
    CohortRule.DENY_LIST: QT_TRANSLATE_NOOP("AccountsPanel", "deny list"),
    CohortRule.ALLOW_LIST: QT_TRANSLATE_NOOP("AccountsPanel", "allow list"),
    CohortRule.ROLLOUT: QT_TRANSLATE_NOOP("AccountsPanel", "rollout"),
}


def cohort_cell(account: QaAccount) -> str:
    """`in (allow list)`, `out (rollout, bucket 3708)`."""
    decision = account.cohort
    rule = marked("AccountsPanel", _RULE_WORDS[decision.rule])
    if decision.rule is CohortRule.ROLLOUT:
        template = (
            QT_TRANSLATE_NOOP("AccountsPanel", "in ({rule}, bucket {bucket})")
            if decision.eligible
            else QT_TRANSLATE_NOOP("AccountsPanel", "out ({rule}, bucket {bucket})")
        )
    else:
        template = (
            QT_TRANSLATE_NOOP("AccountsPanel", "in ({rule})")
            if decision.eligible
            else QT_TRANSLATE_NOOP("AccountsPanel", "out ({rule})")
        )
    return marked("AccountsPanel", template).format(rule=rule, bucket=decision.bucket)


def idle_cell(account: QaAccount, snapshot: QaSnapshot) -> str:
    """`90 days ago, dormant` by the backend clock."""
    days = (snapshot.clock.now - account.last_active).days
    when = (
        QCoreApplication.translate("AccountsPanel", "today")
        if days == 0
        else counted(
            days,
            QCoreApplication.translate("AccountsPanel", "{count} day ago"),
            QCoreApplication.translate("AccountsPanel", "{count} days ago"),
        )
    )
    if account.dormant:
        return QCoreApplication.translate("AccountsPanel", "{when}, dormant").format(when=when)
    return when


class ResetConfirmation:
    """Asks before wiping the demo data; tests replace `ask`."""

    @classmethod
    def ask(cls, parent: QWidget) -> bool:
        """True when the tester confirms (Cancel is the default)."""
        box = QMessageBox(parent)
        box.setObjectName("qaResetConfirmDialog")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(QCoreApplication.translate("ResetConfirmation", "Reset demo data?"))
        box.setText(
            QCoreApplication.translate(
                "ResetConfirmation",
                "Wipe every invitation, token and change, and seed the demo accounts again?",
            )
        )
        box.setInformativeText(
            QCoreApplication.translate(
                "ResetConfirmation",
                "The backend clock goes back to now, the policy to its defaults, faults are "
                "cleared, and the signed-in operator is signed in again.",
            )
        )
        reset = box.addButton(
            QCoreApplication.translate("ResetConfirmation", "Reset demo data"),
            QMessageBox.ButtonRole.DestructiveRole,
        )
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.exec()
        chosen = box.clickedButton() is reset
        box.deleteLater()
        return chosen


class AccountsPanel(QWidget):
    """All accounts with their cohort answer; sign in as another operator; reset the demo."""

    def __init__(self, qa: QaPort, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.qa = qa
        self._snapshot: QaSnapshot | None = None
        self.view = QTreeWidget()
        self.view.setObjectName("qaAccountsView")
        self.view.setAccessibleName(self.tr("Demo accounts"))
        self.view.setRootIsDecorated(False)
        self.view.setUniformRowHeights(True)
        self.view.setHeaderLabels([marked("AccountsPanel", column) for column in COLUMNS])
        self.view.header().setAccessibleName(self.tr("Account columns"))
        self.view.header().setObjectName("qaAccountsHeader")
        self.view.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.currentItemChanged.connect(self._selection_changed)
        self.view.itemDoubleClicked.connect(lambda *_: self.switch_to_selected())
        self.switch_button = QPushButton(self.tr("Sign in as selected"))
        self.switch_button.setObjectName("qaSwitchAccountButton")
        self.switch_button.setAccessibleName(
            self.tr("Sign out and sign in as the selected operator")
        )
        self.switch_button.setProperty("role", "primary")
        self.switch_button.clicked.connect(self.switch_to_selected)
        self.reset_button = QPushButton(self.tr("Reset demo data…"))
        self.reset_button.setObjectName("qaResetDemoButton")
        self.reset_button.setAccessibleName(self.tr("Reset the demo data"))
        self.reset_button.clicked.connect(self._reset)
        buttons = QHBoxLayout()
        buttons.addWidget(self.reset_button)
        buttons.addStretch(1)
        buttons.addWidget(self.switch_button)

        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                self.tr(
                    "Operators sign in with the password {password}. Recipients have no "
                    "password: use them through an invitation link (Invitation tab)."
                ).format(password=DEMO_PASSWORD),
                role="muted",
                wrap=True,
            )
        )
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self._selection_changed()

    def selected_email(self) -> str | None:
        """The account picked in the list."""
        item = self.view.currentItem()
        return str(item.data(0, EMAIL_ROLE)) if item is not None else None

    def select(self, email: str) -> bool:
        """Pick an account by address (as a click would)."""
        for row in range(self.view.topLevelItemCount()):
            item = self.view.topLevelItem(row)
            if item is not None and item.data(0, EMAIL_ROLE) == email:
                self.view.setCurrentItem(item)
                return True
        return False

    def show_snapshot(self, snapshot: QaSnapshot | None) -> None:
        """A row per account, operators first; the selection is kept."""
        self._snapshot = snapshot
        keep = self.selected_email()
        self.view.blockSignals(True)
        self.view.clear()
        for account in snapshot.accounts if snapshot is not None else ():
            assert snapshot is not None
            signed_in = account.email == snapshot.operator
            role = (
                self.tr("operator, {plan}").format(plan=plan_name(account.plan))
                if account.operator
                else self.tr("recipient")
            )
            resets = (
                self.tr("{available} available, {earned} of {cap} this cycle").format(
                    available=account.available_tokens,
                    earned=account.earned_this_cycle,
                    cap=account.cap,
                )
                if account.operator
                else ""
            )
            item = QTreeWidgetItem(
                [
                    self.tr("{email}  (signed in)").format(email=account.email)
                    if signed_in
                    else account.email,
                    role,
                    cohort_cell(account),
                    idle_cell(account, snapshot),
                    resets,
                ]
            )
            item.setData(0, EMAIL_ROLE, account.email)
            item.setToolTip(2, account.cohort.reason)
            font = item.font(0)
            font.setBold(signed_in)
            item.setFont(0, font)
            self.view.addTopLevelItem(item)
            if account.email == keep:
                self.view.setCurrentItem(item)
        self.view.blockSignals(False)
        self._selection_changed()

    @Slot()
    def _selection_changed(self, *_: object) -> None:
        snapshot = self._snapshot
        account = snapshot.account(self.selected_email()) if snapshot is not None else None
        self.switch_button.setEnabled(
            account is not None and account.operator and account.email != snapshot.operator
            if snapshot is not None
            else False
        )

    @Slot()
    def switch_to_selected(self) -> None:
        """Sign the selected operator in (the current one is signed out first)."""
        if self.switch_button.isEnabled() and (email := self.selected_email()) is not None:
            self.qa.switch_account(email, DEMO_PASSWORD)

    @Slot()
    def _reset(self) -> None:
        if ResetConfirmation.ask(self):
            self.qa.reset_demo(DEMO_PASSWORD)
