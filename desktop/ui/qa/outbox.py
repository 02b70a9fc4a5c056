"""The Outbox tab: the invitation emails the mock backend dispatched, with their personal links."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.controller.qa_state import QaOutboxMessage, QaSnapshot
from desktop.ui.formatting import date_time
from desktop.ui.labels import plain_label
from desktop.ui.translation import QT_TRANSLATE_NOOP, marked

COLUMNS = (
    QT_TRANSLATE_NOOP("OutboxPanel", "Sent"),
    QT_TRANSLATE_NOOP("OutboxPanel", "From"),
    QT_TRANSLATE_NOOP("OutboxPanel", "To"),
    QT_TRANSLATE_NOOP("OutboxPanel", "Link"),
)
MESSAGE_ROLE = Qt.ItemDataRole.UserRole


class OutboxPanel(QWidget):
    """Every dispatched message, newest first; the selected one's text and a Copy link button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._messages: dict[int, QaOutboxMessage] = {}
        self.view = QTreeWidget()
        self.view.setObjectName("qaOutboxView")
        self.view.setAccessibleName(self.tr("Dispatched invitation messages"))
        self.view.setRootIsDecorated(False)
        self.view.setUniformRowHeights(True)
        self.view.setHeaderLabels([marked("OutboxPanel", column) for column in COLUMNS])
        self.view.header().setAccessibleName(self.tr("Message columns"))
        self.view.header().setObjectName("qaOutboxHeader")
        self.view.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.header().setStretchLastSection(True)
        self.view.currentItemChanged.connect(self._selection_changed)
        self.empty_label = plain_label(
            self.tr("No invitation has been dispatched yet."),
            role="emptyState",
            wrap=True,
            object_name="qaOutboxEmpty",
        )
        self.body_edit = QPlainTextEdit()
        self.body_edit.setObjectName("qaOutboxBody")
        self.body_edit.setAccessibleName(self.tr("Message text"))
        self.body_edit.setReadOnly(True)
        self.body_edit.setMaximumHeight(110)
        self.copy_button = QPushButton(self.tr("Copy link"))
        self.copy_button.setObjectName("qaOutboxCopyLinkButton")
        self.copy_button.setAccessibleName(self.tr("Copy the link of the selected message"))
        self.copy_button.clicked.connect(self.copy_link)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.copy_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.body_edit)
        layout.addLayout(buttons)
        self.show_snapshot(None)

    @property
    def selected(self) -> QaOutboxMessage | None:
        """The message whose text is shown."""
        item = self.view.currentItem()
        return self._messages.get(item.data(0, MESSAGE_ROLE)) if item is not None else None

    def show_snapshot(self, snapshot: QaSnapshot | None) -> None:
        """Rows for every message; the selection stays, or moves to a message that just came."""
        messages = snapshot.outbox if snapshot is not None else ()
        if tuple(self._messages.values()) == messages:
            return
        keep = self.selected.id if self.selected is not None else None
        arrived = [m.id for m in messages if m.id not in self._messages]
        if arrived and self._messages:
            keep = arrived[0]  # a message just dispatched: show it
        self._messages = {message.id: message for message in messages}
        self.view.blockSignals(True)
        self.view.clear()
        for message in messages:
            item = QTreeWidgetItem(
                [date_time(message.sent_at), message.operator, message.recipient, message.link]
            )
            item.setData(0, MESSAGE_ROLE, message.id)
            item.setToolTip(3, message.link)
            self.view.addTopLevelItem(item)
            if message.id == keep:
                self.view.setCurrentItem(item)
        self.view.blockSignals(False)
        first = self.view.topLevelItem(0)
        if self.view.currentItem() is None and first is not None:
            self.view.setCurrentItem(first)
        self.view.setVisible(bool(messages))
        self.empty_label.setVisible(not messages)
        self._selection_changed()

    @Slot()
    def _selection_changed(self, *_: object) -> None:
        message = self.selected
        self.copy_button.setEnabled(message is not None and bool(message.link))
        self.body_edit.setVisible(message is not None)
        if message is not None:
            self.body_edit.setPlainText(
                self.tr("From: {operator}\nTo: {recipient}\nSubject: {subject}\n\n{body}").format(
                    operator=message.operator,
                    recipient=message.recipient,
                    subject=message.subject,
                    body=message.body,
                )
            )

    @Slot()
    def copy_link(self) -> None:
        """Put the selected message's link on the clipboard."""
        message = self.selected
        if message is not None and message.link:
            QGuiApplication.clipboard().setText(message.link)
