"""Account: profile, where the session is kept, sign in and sign out."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QFormLayout, QFrame, QHBoxLayout, QPushButton, QWidget

from desktop.controller.state import AppState
from desktop.ui.formatting import cycle_date, plan_name
from desktop.ui.labels import plain_label
from desktop.ui.pages.base import SettingsPage
from desktop.ui.port import ControllerPort
from desktop.ui.theme import icon
from desktop.ui.translation import QT_TRANSLATE_NOOP


class AccountPage(SettingsPage):
    """The operator's profile and the sign-out button (or sign-in when signed out)."""

    name = "account"
    title = QT_TRANSLATE_NOOP("SettingsPage", "Account")
    order = 20
    icon_name = "account"

    signInRequested = Signal()
    """The user asked for the sign-in dialog."""

    def __init__(self, controller: ControllerPort, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        card = QFrame()
        card.setProperty("role", "card")
        form = QFormLayout(card)
        form.setContentsMargins(16, 12, 16, 12)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        form.setVerticalSpacing(8)
        form.setHorizontalSpacing(18)
        self.name_label = plain_label(object_name="accountNameLabel")
        self.email_label = plain_label(object_name="accountEmailLabel")
        self.plan_label = plain_label(object_name="accountPlanLabel")
        self.billing_label = plain_label(object_name="accountBillingLabel", wrap=True)
        self.session_label = plain_label(object_name="accountSessionLabel", wrap=True)
        form.addRow(plain_label(self.tr("Name"), role="fieldLabel"), self.name_label)
        form.addRow(plain_label(self.tr("Email"), role="fieldLabel"), self.email_label)
        form.addRow(plain_label(self.tr("Plan"), role="fieldLabel"), self.plan_label)
        form.addRow(plain_label(self.tr("Billing cycle"), role="fieldLabel"), self.billing_label)
        form.addRow(plain_label(self.tr("Session"), role="fieldLabel"), self.session_label)

        self.sign_out_button = QPushButton(self.tr("Sign out"))
        self.sign_out_button.setObjectName("signOutButton")
        self.sign_out_button.setAccessibleName(self.tr("Sign out"))
        self.sign_out_button.setIcon(icon("signout"))
        self.sign_out_button.clicked.connect(self._sign_out)
        self.sign_in_button = QPushButton(self.tr("Sign in…"))
        self.sign_in_button.setObjectName("signInButton")
        self.sign_in_button.setAccessibleName(self.tr("Sign in"))
        self.sign_in_button.setProperty("role", "primary")
        self.sign_in_button.clicked.connect(self.signInRequested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.sign_in_button)
        buttons.addWidget(self.sign_out_button)
        buttons.addStretch(1)

        self.body.addWidget(card)
        self.body.addLayout(buttons)
        self.body.addStretch(1)

    def show_state(self, state: AppState) -> None:
        """Profile fields, where the session lives, and which button makes sense."""
        account = state.account
        self.sign_out_button.setVisible(account is not None)
        self.sign_in_button.setVisible(account is None)
        if account is None:
            for label in (self.name_label, self.email_label, self.plan_label, self.billing_label):
                label.setText("—")
            self.session_label.setText(self.tr("Not signed in."))
            return
        self.name_label.setText(account.display_name)
        self.email_label.setText(account.email)
        self.plan_label.setText(plan_name(account.plan))
        billing = self.tr("Starts on day {day} of each month (UTC).").format(
            day=account.billing_day
        )
        if state.cycle is not None:
            billing += " " + self.tr("The next cycle starts {date}.").format(
                date=cycle_date(state.cycle.end)
            )
        self.billing_label.setText(billing)
        self.session_label.setText(
            self.tr("Kept in your system keyring; you stay signed in between launches.")
            if state.credentials_persistent
            else self.tr(
                "No usable system keyring: you stay signed in only until you close the app."
            )
        )

    @Slot()
    def _sign_out(self) -> None:
        self.controller.sign_out()
