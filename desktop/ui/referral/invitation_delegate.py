"""Paints one invitation as a checklist: recipient, state chip, steps, reason. Fixed height."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from desktop.controller.state import InvitationView
from desktop.domain.invitations import InvitationState
from desktop.ui.formatting import state_name
from desktop.ui.referral.invitations_model import (
    INVITATION_ROLE,
    checklist,
    sent_text,
    short_checklist,
)
from desktop.ui.theme import Colors, current_colors, icon

PADDING = 10
CHECK_SIZE = 14
_ENDED_BADLY = frozenset(
    {
        InvitationState.NOT_ELIGIBLE,
        InvitationState.REVOKED,
        InvitationState.EXPIRED,
        InvitationState.CONVERTED_CAPPED,
    }
)


def chip_colors(state: InvitationState, colors: Colors) -> tuple[str, str]:
    """(background, text) of the state chip."""
    if state is InvitationState.CONVERTED_REWARDED:
        return colors.info_bg, colors.success_text
    if state in _ENDED_BADLY:
        return colors.warning_bg, colors.warning_text
    if state is InvitationState.QUEUED:
        return colors.track, colors.muted
    return colors.accent_soft, colors.accent_text


def two_lines(text: str, metrics: QFontMetrics, width: int) -> str:
    """`text` as it fits on two wrapped lines of `width`: whole if it fits, else elided."""
    bound = metrics.boundingRect(QRect(0, 0, width, 10_000), Qt.TextFlag.TextWordWrap, text)
    if bound.height() <= 2 * metrics.height():
        return text
    words = text.split()
    first: list[str] = []
    for word in words:
        if metrics.horizontalAdvance(" ".join([*first, word])) > width:
            break
        first.append(word)
    rest = " ".join(words[len(first) :])
    second = metrics.elidedText(rest, Qt.TextElideMode.ElideRight, width)
    return f"{' '.join(first)}\n{second}"


class InvitationDelegate(QStyledItemDelegate):
    """Every row has the same size, so the view can use uniform item sizes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        """Four text lines (the reason may take two) and padding."""
        line = QFontMetrics(option.font).height()
        return QSize(240, 4 * line + 2 * PADDING + 10)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """Draw the row by hand; all text is plain (drawText never interprets markup)."""
        invitation = index.data(INVITATION_ROLE)
        if not isinstance(invitation, InvitationView):
            return
        colors = current_colors()
        rect: QRect = option.rect
        state_flags = option.state
        font: QFont = option.font
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        selected = bool(state_flags & QStyle.StateFlag.State_Selected)
        painter.fillRect(rect, QColor(colors.accent_soft if selected else colors.input))
        painter.setPen(QColor(colors.border))
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())
        if state_flags & QStyle.StateFlag.State_HasFocus:
            painter.setPen(QColor(colors.accent))
            painter.drawRect(rect.adjusted(1, 1, -2, -2))

        metrics = QFontMetrics(font)
        line = metrics.height()
        inner = rect.adjusted(PADDING, PADDING, -PADDING, -PADDING)

        # Line 1: the state chip on the right, the recipient elided to what is left.
        chip_font = QFont(font)
        chip_font.setPointSizeF(max(font.pointSizeF() - 1, 7))
        chip_metrics = QFontMetrics(chip_font)
        label = state_name(invitation.state)
        chip_width = chip_metrics.horizontalAdvance(label) + 16
        chip = QRect(inner.right() - chip_width, inner.top(), chip_width, line)
        background, foreground = chip_colors(invitation.state, colors)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(background))
        painter.drawRoundedRect(chip, line / 2, line / 2)
        painter.setFont(chip_font)
        painter.setPen(QColor(foreground))
        painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, label)

        # When it was sent, left of the chip (dropped before the recipient when very narrow).
        painter.setFont(font)
        sent = sent_text(invitation)
        sent_width = metrics.horizontalAdvance(sent) + 12
        if inner.width() - chip_width - sent_width < 160:
            sent_width = 0
        else:
            painter.setPen(QColor(colors.muted))
            sent_rect = QRect(chip.left() - sent_width, inner.top(), sent_width - 8, line)
            painter.drawText(
                sent_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, sent
            )

        bold = QFont(font)
        bold.setWeight(QFont.Weight.DemiBold)
        painter.setFont(bold)
        painter.setPen(QColor(colors.text))
        name_rect = QRect(
            inner.left(), inner.top(), inner.width() - chip_width - sent_width - 12, line
        )
        recipient = QFontMetrics(bold).elidedText(
            invitation.recipient, Qt.TextElideMode.ElideMiddle, name_rect.width()
        )
        painter.drawText(name_rect, Qt.AlignmentFlag.AlignVCenter, recipient)

        # Line 2: the checklist.
        painter.setFont(font)
        x = inner.left()
        y = inner.top() + line + 5
        steps = checklist(invitation)
        needed = sum(metrics.horizontalAdvance(step) + CHECK_SIZE + 20 for step, _ in steps)
        if needed > inner.width():
            steps = short_checklist(invitation)
            needed = sum(metrics.horizontalAdvance(s) + CHECK_SIZE + 20 for s, _ in steps)
        if needed > inner.width():  # very narrow: how far it got, and the prompts
            done = sum(1 for _, finished in steps[:-1] if finished)
            of = QCoreApplication.translate("InvitationList", "{done}/{total} steps").format(
                done=done, total=len(steps) - 1
            )
            steps = [(of, done == len(steps) - 1), steps[-1]]
        for step, done in steps:
            width = metrics.horizontalAdvance(step)
            if x + CHECK_SIZE + 4 + width > inner.right() + 1:
                break  # what does not fit is left out (the tooltip has every step), never clipped
            mark = icon(
                "check" if done else "pending", colors.success_text if done else colors.muted
            )
            mark.paint(painter, QRect(x, y + (line - CHECK_SIZE) // 2, CHECK_SIZE, CHECK_SIZE))
            x += CHECK_SIZE + 4
            painter.setPen(QColor(colors.text if done else colors.muted))
            painter.drawText(QRect(x, y, width + 2, line), Qt.AlignmentFlag.AlignVCenter, step)
            x += width + 16

        # Lines 3-4: where it stands, in plain words, wrapped (elided only past two lines).
        reason = invitation.reason
        if reason:
            ended_badly = invitation.state in _ENDED_BADLY
            painter.setPen(QColor(colors.warning_text if ended_badly else colors.muted))
            reason_rect = QRect(inner.left(), y + line + 5, inner.width(), 2 * line)
            painter.drawText(
                reason_rect,
                Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
                two_lines(reason, metrics, reason_rect.width()),
            )
        painter.restore()
