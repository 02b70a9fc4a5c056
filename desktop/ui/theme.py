"""Light and dark palettes that follow the system, the style sheet and tinted SVG icons.

Everything is read from `desktop.paths.resources_dir()`, so it also works from a PyInstaller
bundle.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from desktop.paths import resources_dir


class ThemeChoice(StrEnum):
    """What the user picked in General > Appearance."""

    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


@dataclass(frozen=True)
class Colors:
    """Named colours the style sheet and the painted delegates share."""

    window: str
    sidebar: str
    card: str
    input: str
    button: str
    hover: str
    track: str
    border: str
    border_strong: str
    text: str
    muted: str
    accent: str
    accent_hover: str
    accent_soft: str
    accent_text: str
    accent_on: str
    accent_disabled: str
    focus_ring: str
    warning_bg: str
    warning_border: str
    warning_text: str
    warning_strong: str
    info_bg: str
    info_border: str
    info_text: str
    error_text: str
    success_text: str


LIGHT = Colors(
    window="#f6f7f9",
    sidebar="#eef0f3",
    card="#ffffff",
    input="#ffffff",
    button="#ffffff",
    hover="#e4e7ec",
    track="#e1e4e9",
    border="#dde1e6",
    border_strong="#c3c9d1",
    text="#1d2430",
    muted="#5d6676",
    accent="#3a5bd9",
    accent_hover="#2f4cc0",
    accent_soft="#dde5fb",
    accent_text="#1f3794",
    accent_on="#ffffff",
    accent_disabled="#9fb0ea",
    focus_ring="#1f3794",
    warning_bg="#fff4dc",
    warning_border="#f0cf85",
    warning_text="#6b4a00",
    warning_strong="#d98e04",
    info_bg="#e8f0fe",
    info_border="#b7cbf5",
    info_text="#1f3a75",
    error_text="#b3261e",
    success_text="#1e7b3a",
)

DARK = Colors(
    window="#1b1e24",
    sidebar="#20242b",
    card="#252a32",
    input="#1f232a",
    button="#2c313a",
    hover="#343a45",
    track="#3a404b",
    border="#353b45",
    border_strong="#4a5160",
    text="#e6e9ef",
    muted="#a0a8b6",
    accent="#7b96f2",
    accent_hover="#91a8f5",
    accent_soft="#2f3a5c",
    accent_text="#c9d5fb",
    accent_on="#0e1324",
    accent_disabled="#46547e",
    focus_ring="#c9d5fb",
    warning_bg="#3a2f14",
    warning_border="#6d5622",
    warning_text="#f3d58e",
    warning_strong="#e5a23a",
    info_bg="#1f2b44",
    info_border="#34497a",
    info_text="#c6d6fb",
    error_text="#f2867e",
    success_text="#7fd49a",
)


def system_is_dark() -> bool:
    """Whether the platform asks for a dark appearance (Unknown counts as light)."""
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def colors_for(choice: ThemeChoice) -> Colors:
    """The palette for a user choice, resolving "system" now."""
    if choice is ThemeChoice.DARK or (choice is ThemeChoice.SYSTEM and system_is_dark()):
        return DARK
    return LIGHT


_current = LIGHT
ICON_COLOR = "#7b8494"  # a neutral grey that reads on both palettes


def current_colors() -> Colors:
    """The palette applied last (for delegates that paint by hand)."""
    return _current


STYLE = "Fusion"
_STYLE_VARIABLE = "QT_STYLE_OVERRIDE"
_started_in_style = False  # our QT_STYLE_OVERRIDE is set and no QApplication existed yet


def start_in_fusion_style() -> None:
    """Ask Qt, through QT_STYLE_OVERRIDE, to create the QApplication in the Fusion style, when
    none exists yet and the user has not chosen a style that way. `apply_theme` then need not
    call `setStyle`, which returns the QStyle: wrapping it makes PySide6 create QStyle's class
    and about 150 enums (PixelMetric alone 10-70 ms on the slow VM) before the first paint,
    where a bare window creates none of them (docs/PERFORMANCE.md, round 5)."""
    global _started_in_style
    if QApplication.instance() is None and _STYLE_VARIABLE not in os.environ:
        os.environ[_STYLE_VARIABLE] = STYLE
        _started_in_style = True


def apply_theme(app: QApplication, choice: ThemeChoice = ThemeChoice.SYSTEM) -> Colors:
    """Set the Fusion style, a matching QPalette and the style sheet on the whole application."""
    global _current, _started_in_style
    colors = colors_for(choice)
    _current = colors
    if _started_in_style and os.environ.get(_STYLE_VARIABLE) == STYLE:
        # The application was created in Fusion (`start_in_fusion_style`); the variable goes,
        # so that programs started from here (a browser) keep their own style.
        del os.environ[_STYLE_VARIABLE]
    else:
        app.setStyle(STYLE)
    _started_in_style = False
    app.setPalette(_palette(colors))
    app.setStyleSheet(style_sheet(colors))
    return colors


def style_sheet(colors: Colors) -> str:
    """`resources/style/app.qss` with its @name@ placeholders filled in."""
    text = (resources_dir() / "style" / "app.qss").read_text(encoding="utf-8")
    for name, value in vars(colors).items():
        text = text.replace(f"@{name}@", value)
    # A style sheet url() needs a file path with forward slashes (the icons are files on disk
    # in a checkout, a wheel and the bundle alike).
    return text.replace("@icons@", str(resources_dir() / "icons").replace("\\", "/"))


def _palette(colors: Colors) -> QPalette:
    palette = QPalette()
    role = QPalette.ColorRole
    entries = {
        role.Window: colors.window,
        role.WindowText: colors.text,
        role.Base: colors.input,
        role.AlternateBase: colors.sidebar,
        role.Text: colors.text,
        role.Button: colors.button,
        role.ButtonText: colors.text,
        role.Highlight: colors.accent,
        role.HighlightedText: colors.accent_on,
        role.ToolTipBase: colors.card,
        role.ToolTipText: colors.text,
        role.PlaceholderText: colors.muted,
        role.Link: colors.accent,
        role.Mid: colors.border_strong,
        role.Midlight: colors.border,
    }
    for which, value in entries.items():
        palette.setColor(which, QColor(value))
    disabled = QPalette.ColorGroup.Disabled
    for which in (role.Text, role.WindowText, role.ButtonText):
        palette.setColor(disabled, which, QColor(colors.muted))
    return palette


@cache
def icon(name: str, color: str = ICON_COLOR) -> QIcon:
    """`resources/icons/<name>.svg` drawn in `color`."""
    svg = (resources_dir() / "icons" / f"{name}.svg").read_text(encoding="utf-8")
    svg = svg.replace("currentColor", color)
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    result = QIcon()
    for side in (16, 20, 24, 32, 48):
        pixmap = QPixmap(QSize(side, side))
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        renderer.render(painter)
        painter.end()
        result.addPixmap(pixmap)
    return result
