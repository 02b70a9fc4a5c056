"""What a translator's QA looks for under `--pseudo-locale`: words that were never translated,
and text that does not fit its widget.

Under the pseudo-locale every translated string reads `[Šýñçéð ~~]`: accented, about 40 % longer.
So after taking out what is the user's data (email addresses, names, plans, dates and times in the
locale's format, shortcut keys), any run of two plain ASCII letters left on screen is a string
that never went through tr()/translate: `unmarked(...)` names it. `clipped(...)` names every
label, button, combo box, tab or header section whose text needs more room than it has.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from PySide6.QtCore import QLocale, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QComboBox,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QStyle,
    QTabBar,
    QWidget,
)

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)*")
SHORTCUT_KEYS = re.compile(r"\b(Ctrl|Shift|Alt|Meta|F\d{1,2})\b")
PLAIN_WORD = re.compile(r"[A-Za-z]{2,}")
TAG = re.compile(r"<[A-Za-z/!][^<>]*>")


def date_words(locale: QLocale | None = None) -> re.Pattern[str]:
    """Month and weekday names, AM/PM and UTC in `locale`: what a formatted date may contain."""
    chosen = locale or QLocale()
    words = {"UTC", chosen.amText(), chosen.pmText()}
    for month in range(1, 13):
        for kind in (QLocale.FormatType.ShortFormat, QLocale.FormatType.LongFormat):
            words.add(chosen.monthName(month, kind))
            words.add(chosen.standaloneMonthName(month, kind))
    for day in range(1, 8):
        for kind in (QLocale.FormatType.ShortFormat, QLocale.FormatType.LongFormat):
            words.add(chosen.dayName(day, kind))
    alternatives = "|".join(sorted((re.escape(w) for w in words if w), key=len, reverse=True))
    return re.compile(rf"\b({alternatives})\b\.?")


def plain_text(text: str, text_format: Qt.TextFormat = Qt.TextFormat.AutoText) -> str:
    """What a label shows of `text` (rich text rendered to its words)."""
    rich = text_format == Qt.TextFormat.RichText or (
        text_format == Qt.TextFormat.AutoText and TAG.search(text) is not None
    )
    if not rich:
        return text
    document = QTextDocument()
    document.setHtml(text)
    return document.toPlainText()


def leftover_words(text: str, data: Iterable[str], dates: re.Pattern[str]) -> list[str]:
    """Plain English words in `text` once the user's data, dates and shortcut keys are out."""
    for value in sorted((d for d in data if d), key=len, reverse=True):
        text = text.replace(value, " ")
    text = EMAIL.sub(" ", text)
    text = dates.sub(" ", text)
    text = SHORTCUT_KEYS.sub(" ", text)
    return PLAIN_WORD.findall(text)


def shown_texts(widget: QWidget) -> list[str]:
    """The texts `widget` itself shows (not its children's)."""
    texts: list[str] = []
    if isinstance(widget, QLabel):
        if widget.pixmap().isNull():
            texts.append(plain_text(widget.text(), widget.textFormat()))
    elif isinstance(widget, QAbstractButton):
        texts.append(widget.text())
    elif isinstance(widget, QGroupBox):
        texts.append(widget.title())
    elif isinstance(widget, QComboBox):
        texts.append(widget.currentText())
    elif isinstance(widget, QLineEdit):
        if not widget.text():
            texts.append(widget.placeholderText())
    elif isinstance(widget, QTabBar):
        texts += [widget.tabText(i) for i in range(widget.count()) if widget.isTabVisible(i)]
    elif isinstance(widget, QListWidget):
        texts += [widget.item(i).text() for i in range(widget.count())]
    elif isinstance(widget, QHeaderView) and widget.model() is not None:
        texts += [header_text(widget, i) for i in range(widget.count())]
    if widget.isWindow():
        texts.append(widget.windowTitle())
    texts.append(widget.toolTip())
    texts.append(widget.accessibleName())
    return [t for t in texts if t]


def header_text(header: QHeaderView, section: int) -> str:
    value = header.model().headerData(section, header.orientation(), Qt.ItemDataRole.DisplayRole)
    return "" if value is None else str(value)


def describe(widget: QWidget) -> str:
    """`QLabel#name in SettingsWindow` for messages."""
    name = widget.objectName() or "-"
    return f"{type(widget).__name__}#{name} in {type(widget.window()).__name__}"


def visible_widgets(root: QWidget) -> list[QWidget]:
    """`root` and every descendant shown on screen now."""
    found = [root, *root.findChildren(QWidget)]
    return [w for w in found if w.isVisible() and w.width() > 0 and w.height() > 0]


def unmarked(root: QWidget, data: Iterable[str]) -> list[str]:
    """Every visible text under `root` with words left after the data: never translated."""
    dates = date_words()
    values = list(data)
    problems = []
    for widget in visible_widgets(root):
        for text in shown_texts(widget):
            words = leftover_words(text, values, dates)
            if words:
                problems.append(f"{describe(widget)}: {text!r} (plain: {', '.join(words)})")
    return problems


def _too_small(widget: QWidget) -> str:
    """Why `widget`'s own text does not fit it, or ""."""
    width, height = widget.width(), widget.height()
    if isinstance(widget, QLabel):
        if not widget.pixmap().isNull() or not widget.text():
            return ""
        if widget.wordWrap():
            needed = widget.heightForWidth(width)
            longest = widget.minimumSizeHint().width()
            if longest > width:
                return f"a word needs {longest} px, has {width}"
            if needed > height:
                return f"needs {needed} px high at {width} px wide, has {height}"
            return ""
        hint = widget.sizeHint()
        if hint.width() > width or hint.height() > height:
            return f"needs {hint.width()}x{hint.height()}, has {width}x{height}"
        return ""
    if isinstance(widget, QAbstractButton | QComboBox):
        if isinstance(widget, QAbstractButton) and not widget.text():
            return ""
        hint = widget.sizeHint()
        if hint.width() > width or hint.height() > height:
            return f"needs {hint.width()}x{hint.height()}, has {width}x{height}"
        return ""
    if isinstance(widget, QTabBar):
        metrics = widget.fontMetrics()
        for index in range(widget.count()):
            room = widget.tabRect(index).width()
            needed = metrics.horizontalAdvance(widget.tabText(index))
            needed += 2 * metrics.averageCharWidth()
            if widget.isTabVisible(index) and needed > room:
                return f"tab {index} needs {needed} px, has {room}"
        return ""
    if isinstance(widget, QListWidget):
        metrics = widget.fontMetrics()
        for index in range(widget.count()):
            item = widget.item(index)
            room = widget.visualItemRect(item).width()
            icon = 0 if item.icon().isNull() else widget.iconSize().width() + 8
            longest = max(metrics.horizontalAdvance(line) for line in item.text().split("\n"))
            needed = longest + icon + 2 * metrics.averageCharWidth()
            if room and needed > room:
                return f"item {index} needs {needed} px, has {room}"
        return ""
    if isinstance(widget, QHeaderView) and widget.model() is not None:
        metrics = widget.fontMetrics()
        margin = 2 * widget.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, widget)
        for index in range(widget.count()):
            if widget.isSectionHidden(index) or widget.orientation() != Qt.Orientation.Horizontal:
                continue
            room = widget.sectionSize(index)
            needed = metrics.horizontalAdvance(header_text(widget, index)) + margin
            if needed > room:
                return f"section {index} needs {needed} px, has {room}"
    return ""


def _cut_by_parent(widget: QWidget) -> str:
    """Why `widget` sticks out of its parent (which cuts it off), or "". A scroll area's content
    may: it scrolls."""
    parent = widget.parentWidget()
    if widget.isWindow() or parent is None:
        return ""
    if isinstance(parent.parentWidget(), QAbstractScrollArea) or isinstance(
        parent, QAbstractScrollArea
    ):
        return ""
    if parent.rect().contains(widget.geometry()):
        return ""
    shown = widget.geometry()
    return (
        f"sticks out of its {type(parent).__name__} ({shown.x()},{shown.y()} "
        f"{shown.width()}x{shown.height()} in {parent.width()}x{parent.height()})"
    )


TEXT_WIDGETS = (QLabel, QAbstractButton, QComboBox, QLineEdit)


def overlapping(root: QWidget) -> list[str]:
    """Every pair of visible text widgets side by side in one parent whose rectangles cross."""
    shown = [w for w in visible_widgets(root) if isinstance(w, TEXT_WIDGETS)]
    problems = []
    for index, first in enumerate(shown):
        for second in shown[index + 1 :]:
            if first.parentWidget() is not second.parentWidget():
                continue
            if first.geometry().intersects(second.geometry()):
                problems.append(f"{describe(first)} and {describe(second)} overlap")
    return problems


def clipped(root: QWidget) -> list[str]:
    """Every visible label, button, combo box, tab and header under `root` too small for its
    text (elided or cut), and every widget cut off by its parent."""
    problems = []
    for widget in visible_widgets(root):
        why = _too_small(widget) or _cut_by_parent(widget)
        if why:
            texts = shown_texts(widget)
            problems.append(f"{describe(widget)} {texts[:1]}: {why}")
    return problems
