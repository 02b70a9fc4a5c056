"""The UI language: Qt translators, the pseudo-locale for QA, and the domain's sentences.

Every user-visible string goes through `self.tr(...)` or `QCoreApplication.translate(context,
...)`; the domain's sentences (desktop/domain/reasons.py, outcomes.py) are marked with its own
QT_TRANSLATE_NOOP and translated through the hook `install` sets. `./dev i18n` runs
pyside6-lupdate over desktop/ into resources/i18n/referral_desktop.ts (docs/UI.md, "Translation").

`--pseudo-locale` installs `PseudoTranslator`: every string accented and about 40 % longer, inside
brackets, so an unmarked string (plain ASCII) and a clipped one (the bracket or padding cut off)
both show on screen.
"""

from __future__ import annotations

import math
import re

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from desktop.domain import reasons
from desktop.domain.reasons import QT_TRANSLATE_NOOP
from desktop.paths import resources_dir

__all__ = ["QT_TRANSLATE_NOOP", "PseudoTranslator", "install", "marked", "pseudo", "uninstall"]

CATALOGUE = "referral_desktop"
"""resources/i18n/<CATALOGUE>.ts is the source catalogue; <CATALOGUE>_<lang>.qm a translation."""

GROWTH = 0.4
"""How much longer a pseudo-translated string is than its source (40 %: German, Finnish)."""

_ACCENTED = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "àƀçðéƒĝĥìĵķļḿñöþǫŕšţûṽŵẋýžÀƁÇÐÉƑĜĤÌĴĶĻḾÑÖÞǪŔŠŢÛṼŴẊÝŽ",
)
# Kept as they are: {placeholders} (str.format), %1 / %L1 / %n (Qt), a mnemonic's & and its
# letter (the shortcut key stays typeable), && (a literal &), rich-text tags and entities.
_KEEP = re.compile(r"\{[^{}]*\}|%L?\d+|%n|&&|&[#\w]+;|&\w|<[^<>]*>")
PSEUDO_OPEN, PSEUDO_CLOSE, PSEUDO_PAD = "[", "]", "~"
PAD_WORD = 8


def pseudo(source: str) -> str:
    """`Invite…` -> `[Ìñṽìţé… ~]`: accented, about 40 % longer, markup and placeholders intact."""
    if not source.strip():
        return source
    parts: list[str] = []
    position = 0
    for kept in _KEEP.finditer(source):
        parts.append(source[position : kept.start()].translate(_ACCENTED))
        parts.append(kept.group())
        position = kept.end()
    parts.append(source[position:].translate(_ACCENTED))
    padding = max(1, math.ceil(len(source) * GROWTH) - 3)  # the brackets and a space count too
    # In words of at most PAD_WORD characters, so a long sentence still wraps as a real one would
    # (a 40-character run of tildes would be a word no language has).
    words, rest = divmod(padding, PAD_WORD + 1)
    pad = " ".join([PSEUDO_PAD * PAD_WORD] * words + ([PSEUDO_PAD * rest] if rest else []))
    return f"{PSEUDO_OPEN}{''.join(parts)} {pad.strip()}{PSEUDO_CLOSE}"


def marked(context: str, source: str) -> str:
    """A string marked elsewhere with QT_TRANSLATE_NOOP(`context`, ...), translated now (a
    constant, a class attribute: lupdate reads the mark, this renders it)."""
    return QCoreApplication.translate(context, source)


class PseudoTranslator(QTranslator):
    """Translates every string of every context into its pseudo-locale form."""

    def translate(
        self,
        context: str,
        source_text: str,
        disambiguation: str | None = None,
        n: int = -1,
    ) -> str:
        """The pseudo form of `source_text` (Qt fills `%n` afterwards)."""
        return pseudo(source_text)

    def isEmpty(self) -> bool:
        """Never empty: Qt skips empty translators."""
        return False


def install(app: QCoreApplication, *, pseudo_locale: bool = False) -> list[QTranslator]:
    """Install the UI language on `app` and route the domain's sentences through it.

    With `pseudo_locale`, the pseudo translator (it renders Qt's own words, such as a standard
    Cancel button, too). Otherwise, for the user's locale: Qt's own translation (qtbase_<lang>.qm,
    shipped with PySide6) and the app's catalogue translation when one ships
    (resources/i18n/referral_desktop_<lang>.qm; none does yet, so the source English shows).
    Returns the translators installed."""
    installed: list[QTranslator] = []
    if pseudo_locale:
        installed.append(PseudoTranslator(app))
    else:
        locale = QLocale()
        qt_folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        for name, folder in (("qtbase", qt_folder), (CATALOGUE, str(resources_dir() / "i18n"))):
            translator = QTranslator(app)
            if translator.load(locale, name, "_", folder):
                installed.append(translator)
            else:
                translator.deleteLater()
    for translator in installed:
        app.installTranslator(translator)
    reasons.set_translator(QCoreApplication.translate)
    return installed


def uninstall(app: QCoreApplication, installed: list[QTranslator]) -> None:
    """Undo `install` (tests): the source words again, in the UI and in the domain."""
    for translator in installed:
        app.removeTranslator(translator)
    reasons.set_translator(None)
