"""The world around the operator: usage windows of the signed-in account, the backend clock,
and the faults the app's calls meet."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import QCoreApplication, Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.controller.qa_state import QaFaults, QaSnapshot
from desktop.ui.formatting import date_time
from desktop.ui.labels import plain_label
from desktop.ui.qa.fields import EditedFields
from desktop.ui.qa.port import QaPort
from desktop.ui.translation import QT_TRANSLATE_NOOP, marked

CLOCK_STEPS = (
    (
        QT_TRANSLATE_NOOP("UsageAndClockPanel", "+5 hours"),
        QT_TRANSLATE_NOOP("UsageAndClockPanel", "Move the backend clock 5 hours forward"),
        "qaClock5hButton",
        timedelta(hours=5),
    ),
    (
        QT_TRANSLATE_NOOP("UsageAndClockPanel", "+1 day"),
        QT_TRANSLATE_NOOP("UsageAndClockPanel", "Move the backend clock 1 day forward"),
        "qaClock1dButton",
        timedelta(days=1),
    ),
    (
        QT_TRANSLATE_NOOP("UsageAndClockPanel", "+7 days"),
        QT_TRANSLATE_NOOP("UsageAndClockPanel", "Move the backend clock 7 days forward"),
        "qaClock7dButton",
        timedelta(days=7),
    ),
    (
        QT_TRANSLATE_NOOP("UsageAndClockPanel", "+62 days"),
        QT_TRANSLATE_NOOP("UsageAndClockPanel", "Move the backend clock 62 days forward"),
        "qaClock62dButton",
        timedelta(days=62),
    ),
)
MAX_LATENCY_MS = 60_000


def faults_text(faults: QaFaults) -> str:
    """`none`, or `offline, latency 300 ms, error rate 0.3`."""
    parts = []
    if faults.offline:
        parts.append(QCoreApplication.translate("QaWorld", "offline"))
    if faults.latency_ms:
        parts.append(
            QCoreApplication.translate("QaWorld", "latency {ms} ms").format(ms=faults.latency_ms)
        )
    if faults.error_rate:
        parts.append(
            QCoreApplication.translate("QaWorld", "error rate {rate}").format(
                rate=f"{faults.error_rate:g}"
            )
        )
    return ", ".join(parts) or QCoreApplication.translate("QaWorld", "none")


def _percent_spin(name: str, accessible: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setObjectName(name)
    spin.setAccessibleName(accessible)
    spin.setRange(0, 100)
    spin.setSuffix(" %")
    return spin


def _button(text: str, name: str, accessible: str | None = None) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setAccessibleName(accessible or text)
    return button


class UsageAndClockPanel(QWidget):
    """Usage windows of the signed-in account, and the backend clock."""

    def __init__(self, qa: QaPort, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.qa = qa
        self._fields = EditedFields()
        self._operator: str | None = None

        usage_box = QGroupBox(self.tr("Usage windows of the signed-in account"))
        self.usage_now_label = plain_label(role="muted", wrap=True, object_name="qaUsageNow")
        self.weekly_spin = _percent_spin("qaWeeklySpin", self.tr("Weekly usage used, percent"))
        self.five_hour_spin = _percent_spin("qaFiveHourSpin", self.tr("5-hour usage used, percent"))
        for spin in (self.weekly_spin, self.five_hour_spin):
            self._fields.watch(spin)
        self.usage_apply_button = _button(
            self.tr("Set usage"), "qaUsageApplyButton", self.tr("Set both usage windows")
        )
        self.usage_apply_button.clicked.connect(self._apply_usage)
        usage_form = QFormLayout()
        usage_form.addRow(self.tr("Weekly used"), self.weekly_spin)
        usage_form.addRow(self.tr("5-hour used"), self.five_hour_spin)
        usage_layout = QVBoxLayout(usage_box)
        usage_layout.addWidget(self.usage_now_label)
        usage_layout.addLayout(usage_form)
        usage_button_row = QHBoxLayout()
        usage_button_row.addWidget(self.usage_apply_button)
        usage_button_row.addStretch(1)
        usage_layout.addLayout(usage_button_row)

        clock_box = QGroupBox(self.tr("Backend clock"))
        self.clock_label = plain_label(object_name="qaClockPanelLabel")
        self.clock_label.setAccessibleName(self.tr("Backend clock"))
        steps = QHBoxLayout()
        self.step_buttons: list[QPushButton] = []
        for text, accessible, name, delta in CLOCK_STEPS:
            button = _button(
                marked("UsageAndClockPanel", text),
                name,
                marked("UsageAndClockPanel", accessible),
            )
            button.clicked.connect(lambda _=False, d=delta: self.qa.advance_clock(d))
            steps.addWidget(button)
            self.step_buttons.append(button)
        steps.addStretch(1)
        self.custom_edit = QLineEdit()
        self.custom_edit.setObjectName("qaClockCustomEdit")
        self.custom_edit.setAccessibleName(self.tr("Custom duration"))
        self.custom_edit.setPlaceholderText(self.tr("e.g. 30d, 90m or 1d 5h"))
        self.custom_edit.returnPressed.connect(self._advance_custom)
        self.custom_button = _button(
            self.tr("Advance"),
            "qaClockAdvanceButton",
            self.tr("Move the backend clock forward by that duration"),
        )
        self.custom_button.clicked.connect(self._advance_custom)
        custom = QHBoxLayout()
        custom.addWidget(self.custom_edit, 1)
        custom.addWidget(self.custom_button)
        clock_layout = QVBoxLayout(clock_box)
        clock_layout.addWidget(self.clock_label)
        clock_layout.addLayout(steps)
        clock_layout.addLayout(custom)
        clock_layout.addWidget(
            plain_label(
                self.tr(
                    "The clock only moves forward. Expiries (tokens, invitations, usage windows) "
                    "happen on the next call."
                ),
                role="muted",
                wrap=True,
            )
        )

        layout = QVBoxLayout(self)
        layout.addWidget(usage_box)
        layout.addWidget(clock_box)
        layout.addStretch(1)

    def show_snapshot(self, snapshot: QaSnapshot | None) -> None:
        """Clock and the operator's usage; inputs the tester is changing are left alone."""
        if snapshot is None:
            return
        self.clock_label.setText(
            (
                self.tr("{local} local time ({utc} UTC), running")
                if snapshot.clock.running
                else self.tr("{local} local time ({utc} UTC), frozen")
            ).format(
                local=date_time(snapshot.clock.now), utc=f"{snapshot.clock.now:%Y-%m-%d %H:%M}"
            )
        )
        account = snapshot.operator_account
        self.usage_apply_button.setEnabled(account is not None)
        if snapshot.operator != self._operator:
            self._operator = snapshot.operator
            self._fields.clear()
        if account is None:
            self.usage_now_label.setText(self.tr("Nobody is signed in."))
            return
        self.usage_now_label.setText(
            self.tr(
                "{email}: weekly {weekly}% used ({weekly_used} of {weekly_limit}), 5-hour "
                "{five_hour}% used ({five_hour_used} of {five_hour_limit})."
            ).format(
                email=account.email,
                weekly=account.weekly.percent_used,
                weekly_used=account.weekly.used,
                weekly_limit=account.weekly.limit,
                five_hour=account.five_hour.percent_used,
                five_hour_used=account.five_hour.used,
                five_hour_limit=account.five_hour.limit,
            )
        )
        self._fields.load(
            self.weekly_spin, lambda: self.weekly_spin.setValue(account.weekly.percent_used)
        )
        self._fields.load(
            self.five_hour_spin,
            lambda: self.five_hour_spin.setValue(account.five_hour.percent_used),
        )

    @Slot()
    def _apply_usage(self) -> None:
        self._fields.clear()
        self.qa.set_usage(self.weekly_spin.value(), self.five_hour_spin.value())

    @Slot()
    def _advance_custom(self) -> None:
        self.qa.advance_clock_by(self.custom_edit.text())


class FaultsPanel(QWidget):
    """Offline, error rate and latency of the app's calls (never of the simulator's)."""

    def __init__(self, qa: QaPort, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.qa = qa
        self._fields = EditedFields()

        self.current_label = plain_label(wrap=True, object_name="qaFaultsNow")
        self.current_label.setAccessibleName(self.tr("Faults now"))
        self.offline_check = QCheckBox(self.tr("Offline: every call from the app fails at once"))
        self.offline_check.setObjectName("qaOfflineCheck")
        self.offline_check.setAccessibleName(self.tr("Offline"))
        self.offline_check.clicked.connect(self.qa.set_offline)

        self.error_rate_spin = QDoubleSpinBox()
        self.error_rate_spin.setObjectName("qaErrorRateSpin")
        self.error_rate_spin.setAccessibleName(self.tr("Error rate, 0 to 1"))
        self.error_rate_spin.setRange(0.0, 1.0)
        self.error_rate_spin.setSingleStep(0.1)
        self.error_rate_spin.setDecimals(2)
        self.error_rate_button = _button(
            self.tr("Set"), "qaErrorRateApplyButton", self.tr("Set the error rate")
        )
        self.error_rate_button.clicked.connect(self._apply_error_rate)
        self.latency_spin = QSpinBox()
        self.latency_spin.setObjectName("qaLatencySpin")
        self.latency_spin.setAccessibleName(self.tr("Latency in milliseconds"))
        self.latency_spin.setRange(0, MAX_LATENCY_MS)
        self.latency_spin.setSingleStep(100)
        self.latency_spin.setSuffix(self.tr(" ms"))
        self.latency_button = _button(
            self.tr("Set"), "qaLatencyApplyButton", self.tr("Set the latency")
        )
        self.latency_button.clicked.connect(self._apply_latency)
        for widget in (self.error_rate_spin, self.latency_spin):
            self._fields.watch(widget)
        self.clear_button = _button(self.tr("Clear all faults"), "qaClearFaultsButton")
        self.clear_button.clicked.connect(self._clear)

        error_row = QHBoxLayout()
        error_row.addWidget(self.error_rate_spin)
        error_row.addWidget(self.error_rate_button)
        error_row.addStretch(1)
        latency_row = QHBoxLayout()
        latency_row.addWidget(self.latency_spin)
        latency_row.addWidget(self.latency_button)
        latency_row.addStretch(1)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        form.addRow(self.tr("Error rate"), error_row)
        form.addRow(self.tr("Latency"), latency_row)

        layout = QVBoxLayout(self)
        layout.addWidget(self.current_label)
        offline_row = QHBoxLayout()
        offline_row.addWidget(self.offline_check)
        offline_row.addStretch(1)
        layout.addLayout(offline_row)
        layout.addLayout(form)
        layout.addWidget(
            plain_label(
                self.tr(
                    "An error rate of X fails that fraction of the app's calls: half before "
                    "doing anything (a server error), half after the change was committed (the "
                    "answer is lost: the app cannot tell whether it went through). At 1 every "
                    "call fails. Faults apply to the app only, never to this window."
                ),
                role="muted",
                wrap=True,
            )
        )
        clear_row = QHBoxLayout()
        clear_row.addWidget(self.clear_button)
        clear_row.addStretch(1)
        layout.addLayout(clear_row)
        layout.addStretch(1)

    def show_snapshot(self, snapshot: QaSnapshot | None) -> None:
        """The faults as the backend has them."""
        if snapshot is None:
            return
        faults = snapshot.faults
        self.current_label.setText(
            self.tr("Faults now: {faults}.").format(faults=faults_text(faults))
        )
        self.offline_check.setChecked(faults.offline)
        self._fields.load(
            self.error_rate_spin, lambda: self.error_rate_spin.setValue(faults.error_rate)
        )
        self._fields.load(self.latency_spin, lambda: self.latency_spin.setValue(faults.latency_ms))

    @Slot()
    def _apply_error_rate(self) -> None:
        self._fields.clear()
        self.qa.set_error_rate(self.error_rate_spin.value())

    @Slot()
    def _apply_latency(self) -> None:
        self._fields.clear()
        self.qa.set_latency(self.latency_spin.value())

    @Slot()
    def _clear(self) -> None:
        self._fields.clear()
        self.qa.clear_faults()
