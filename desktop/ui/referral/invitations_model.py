"""Invitations as a list model, cheap to refresh with 10,000 rows."""

from __future__ import annotations

from itertools import compress
from operator import is_not
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from desktop.controller.state import InvitationView
from desktop.domain.invitations import InvitationState
from desktop.ui.formatting import short_date, state_name

INVITATION_ROLE = Qt.ItemDataRole.UserRole + 1
"""`data(index, INVITATION_ROLE)` is the row's `InvitationView`."""

_Index = QModelIndex | QPersistentModelIndex
_REPLACED_AT_MOST = 50
"""Rows removed and inserted at one place that are still shown as such (a queued invitation
replaced by the backend's); more, and the list is reset (another filter: rows leave everywhere)."""


def joined_text(invitation: InvitationView) -> str:
    """The second checklist step, worded for what actually happened."""
    if invitation.joined_kind == "new":
        return QCoreApplication.translate("InvitationList", "Account created")
    if invitation.joined_kind == "reactivated":
        return QCoreApplication.translate("InvitationList", "Account reactivated")
    return QCoreApplication.translate("InvitationList", "Account created or reactivated")


def checklist(invitation: InvitationView) -> list[tuple[str, bool]]:
    """(step, done) for link opened, joined, workspace initialised and prompts k/N."""
    return [
        (QCoreApplication.translate("InvitationList", "Link opened"), invitation.link_opened),
        (joined_text(invitation), invitation.joined_kind is not None),
        (
            QCoreApplication.translate("InvitationList", "Workspace initialised"),
            invitation.workspace_ready,
        ),
        (
            QCoreApplication.translate("InvitationList", "Prompts {prompts}/{required}").format(
                prompts=invitation.prompts, required=invitation.prompts_required
            ),
            invitation.prompts >= invitation.prompts_required,
        ),
    ]


def short_checklist(invitation: InvitationView) -> list[tuple[str, bool]]:
    """The same steps in fewer words, for narrow windows."""
    joined = {
        "new": QCoreApplication.translate("InvitationList", "Created"),
        "reactivated": QCoreApplication.translate("InvitationList", "Reactivated"),
    }.get(invitation.joined_kind or "")
    return [
        (QCoreApplication.translate("InvitationList", "Opened"), invitation.link_opened),
        (
            joined or QCoreApplication.translate("InvitationList", "Account"),
            invitation.joined_kind is not None,
        ),
        (QCoreApplication.translate("InvitationList", "Workspace"), invitation.workspace_ready),
        (
            QCoreApplication.translate("InvitationList", "{prompts}/{required} prompts").format(
                prompts=invitation.prompts, required=invitation.prompts_required
            ),
            invitation.prompts >= invitation.prompts_required,
        ),
    ]


def sent_text(invitation: InvitationView) -> str:
    """`Sent Dec 1` (`Queued Dec 1` while it waits in the outbox), in the user's locale."""
    template = (
        QCoreApplication.translate("InvitationList", "Queued {date}")
        if invitation.state is InvitationState.QUEUED
        else QCoreApplication.translate("InvitationList", "Sent {date}")
    )
    return template.format(date=short_date(invitation.created_at))


def describe(invitation: InvitationView) -> str:
    """Full sentences for screen readers and tooltips: state, date, steps done and to do."""
    steps = checklist(invitation)
    done = [step for step, finished in steps if finished]
    to_do = [step for step, finished in steps if not finished]
    parts = [
        QCoreApplication.translate("InvitationList", "{recipient}: {state}. {sent}.").format(
            recipient=invitation.recipient,
            state=state_name(invitation.state),
            sent=sent_text(invitation),
        )
    ]
    if done:
        parts.append(
            QCoreApplication.translate("InvitationList", "Done: {steps}.").format(
                steps=_lower_first(", ".join(done))
            )
        )
    if to_do:
        parts.append(
            QCoreApplication.translate("InvitationList", "Still to do: {steps}.").format(
                steps=_lower_first(", ".join(to_do))
            )
        )
    if invitation.reason:
        parts.append(invitation.reason)
    return " ".join(parts)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


class InvitationListModel(QAbstractListModel):
    """Newest first. A change reaches the view as the smallest change Qt can show: rows updated
    in place (`dataChanged`), or rows inserted or removed at one place (a sent invitation at the
    top, the rest of the list after a first screenful), so the selection and the scroll position
    stay; only a list changed in many places at once (another filter, another account) resets."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: tuple[InvitationView, ...] = ()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        """Rows at the top level only."""
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Recipient for display, the full sentence for accessibility, the view for the delegate."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        invitation = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return invitation.recipient
        if role in (Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.ToolTipRole):
            return describe(invitation)
        if role == INVITATION_ROLE:
            return invitation
        return None

    def invitation(self, row: int) -> InvitationView:
        """The invitation shown in `row`."""
        return self._rows[row]

    def row_of(self, invitation_id: str) -> int:
        """The row of an invitation id, or -1."""
        for row, invitation in enumerate(self._rows):
            if invitation.id == invitation_id:
                return row
        return -1

    def set_invitations(self, invitations: tuple[InvitationView, ...]) -> None:
        """Replace the rows, touching the view as little as possible. The rows keep the order
        they come in: the controller's (`mapping.newest_first`), the QA window's too.

        The controller reuses the view of an unchanged invitation, so the rows that stay are
        found by identity at C speed; only the rows around a change are compared by id."""
        old, new = self._rows, tuple(invitations)
        if new is old:
            return
        shared = min(len(old), len(new))
        # Rows before the first difference and after the last, as the same objects.
        head = next(compress(range(shared), map(is_not, old, new)), shared)
        tail = next(
            compress(range(shared - head), map(is_not, reversed(old), reversed(new))),
            shared - head,
        )
        old_middle, new_middle = old[head : len(old) - tail], new[head : len(new) - tail]
        # Within the middle, the same invitations (by id) at its two ends, perhaps updated.
        same = min(len(old_middle), len(new_middle))
        first = 0
        while first < same and old_middle[first].id == new_middle[first].id:
            first += 1
        last = 0
        while last < same - first and old_middle[-1 - last].id == new_middle[-1 - last].id:
            last += 1
        removed = len(old_middle) - first - last
        inserted = len(new_middle) - first - last
        if (removed and inserted and removed + inserted > _REPLACED_AT_MOST) or not old or not new:
            self.beginResetModel()
            self._rows = new
            self.endResetModel()
            return
        at = head + first  # where rows go and come
        if removed:
            self.beginRemoveRows(QModelIndex(), at, at + removed - 1)
            self._rows = old[:at] + old[at + removed :]
            self.endRemoveRows()
        if inserted:
            self.beginInsertRows(QModelIndex(), at, at + inserted - 1)
            self._rows = new[: at + inserted] + self._rows[at:]
            self.endInsertRows()
        self._rows = new
        changed = [
            head + n
            for n in (*range(first), *range(len(new_middle) - last, len(new_middle)))
            if new_middle[n] != (old_middle[n] if n < first else old_middle[n - inserted + removed])
        ]
        if changed:
            self.dataChanged.emit(self.index(changed[0]), self.index(changed[-1]))
