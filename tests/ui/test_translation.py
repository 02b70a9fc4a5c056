"""Translation-ready: every marked string is in the catalogue, the pseudo-locale renders every
string accented and longer with its placeholders intact, and under it the windows and dialogs a
user meets show no untranslated word and no clipped text."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, Qt, QTranslator
from PySide6.QtWidgets import QApplication, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from desktop.app import App, create
from desktop.domain.outcomes import Operation, Outcome, describe
from desktop.domain.reasons import Reason, explain
from desktop.ui import translation
from desktop.ui.formatting import plan_name
from desktop.ui.labels import plain_label
from desktop.ui.qa.window import QaSimulatorWindow
from desktop.ui.redeem_dialog import RedeemDialog
from desktop.ui.settings_window import DEFAULT_SIZE, MINIMUM_SIZE
from desktop.ui.sign_in_dialog import DEMO_ACCOUNTS, DEMO_PASSWORD, SignInDialog
from desktop.ui.translation import pseudo
from tests.conftest import MemoryKeyring
from tests.packaging.scripts import load_script
from tests.ui.app_driver import WAIT_MS, open_invite_dialog, sync_and_wait, wait_synced
from tests.ui.pseudo_check import clipped, overlapping, unmarked
from tests.ui.test_command_line import run_app

update_translations = load_script("update_translations")


def catalogue_entries(path: Path) -> set[tuple[str, str]]:
    """(context, source) of every message in a .ts file."""
    root = ET.parse(path).getroot()
    return {
        (context.findtext("name", ""), message.findtext("source", ""))
        for context in root.iter("context")
        for message in context.iter("message")
    }


def test_the_checked_in_catalogue_has_every_string_the_code_marks(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.ts"
    update_translations.update(fresh)
    marked = catalogue_entries(fresh)
    checked_in = catalogue_entries(update_translations.CATALOGUE)
    assert ("outcomes", "Invitation sent to {recipient}.") in marked  # the domain's own marker
    assert ("SettingsPage", "General") in marked
    missing = sorted(marked - checked_in)
    stale = sorted(checked_in - marked)
    assert not missing, f"run ./dev i18n: the catalogue misses {missing}"
    assert not stale, f"run ./dev i18n: the catalogue still has {stale}"


@pytest.mark.parametrize(
    ("source", "kept"),
    [
        ("Invitation sent to {recipient}.", ["{recipient}", "."]),
        ("Sent %1 of %L2 (%n left)", ["%1", "%L2", "%n"]),
        ("&Send invitation", ["&S"]),
        ("Salt && pepper", ["&&"]),
        (
            '<b>Bold</b> and <a href="https://example.com/x">a link</a> &amp; more',
            ["<b>", "</b>", '<a href="https://example.com/x">', "</a>", "&amp;"],
        ),
    ],
)
def test_pseudo_accents_lengthens_and_keeps_markup(source: str, kept: list[str]) -> None:
    text = pseudo(source)
    assert text.startswith("[")
    assert text.endswith("]")
    assert len(text) >= len(source) * 1.4
    for piece in kept:
        assert piece in text
    outside = text
    for piece in kept:
        outside = outside.replace(piece, "")
    assert not any("a" <= c.lower() <= "z" for c in outside), text


def test_pseudo_leaves_empty_strings_alone() -> None:
    assert pseudo("") == ""
    assert pseudo("  ") == "  "


@pytest.fixture
def pseudo_locale(qapp: QApplication) -> Iterator[list[QTranslator]]:
    """The pseudo-locale installed as `--pseudo-locale` installs it; removed after the test."""
    installed = translation.install(qapp, pseudo_locale=True)
    yield installed
    translation.uninstall(qapp, installed)


def test_domain_sentences_are_translated_before_their_placeholders_are_filled(
    pseudo_locale: list[QTranslator],
) -> None:
    sent = describe(Operation.SEND, Outcome.DONE, details={"recipient": "sam@example.com"})
    assert sent.startswith("[Ìñṽìţàţìöñ šéñţ ţö sam@example.com.")  # the address as typed
    refused = explain(Reason.DAILY_LIMIT, {"limit": 10, "at": "09:00"})
    assert " 10 " in refused
    assert "09:00" in refused
    assert "{" not in refused
    not_sent = describe(Operation.SEND, Outcome.NOT_SENT, Reason.OFFLINE)
    assert not_sent.count("[") == 2  # the reason's sentence and the outcome's, each translated
    assert QCoreApplication.translate("SettingsPage", "General") == pseudo("General")


def test_without_a_translation_the_source_words_show(qapp: QApplication) -> None:
    installed = translation.install(qapp)  # no referral_desktop_<lang>.qm ships yet
    try:
        assert not any(translation.CATALOGUE in t.filePath() for t in installed)
        assert describe(Operation.SIGN_IN, Outcome.DONE, details={"email": "a@b.c"}) == (
            "Signed in as a@b.c."
        )
    finally:
        translation.uninstall(qapp, installed)


def test_the_checks_see_a_cut_button_a_cut_label_and_a_plain_word(qtbot: QtBot) -> None:
    """The screen checks are not blind: what they must catch, they catch."""
    panel = QWidget()
    qtbot.addWidget(panel)
    button = QPushButton(pseudo("Send invitation"), panel)
    button.setGeometry(0, 0, 40, 30)
    label = plain_label(pseudo("A sentence long enough to need two lines here."), wrap=True)
    label.setParent(panel)
    label.setGeometry(0, 40, 120, 18)
    fine = plain_label(pseudo("Fits"))
    fine.setParent(panel)
    fine.setGeometry(0, 70, 200, 30)
    english = plain_label("Not translated, sam@example.com")
    english.setParent(panel)
    english.setGeometry(0, 110, 300, 30)
    panel.resize(320, 160)
    panel.show()
    qtbot.waitExposed(panel)
    cut = clipped(panel)
    assert [p.split(" ", 1)[0] for p in cut] == ["QPushButton#-", "QLabel#-"], cut
    assert overlapping(panel) == []
    fine.setGeometry(0, 100, 200, 30)  # now over the English label below it
    assert len(overlapping(panel)) == 1
    [plain] = unmarked(panel, [])
    assert "Not, translated" in plain
    assert "sam" not in plain.split("plain:")[1]


def test_qt_own_words_follow_the_users_locale(qapp: QApplication) -> None:
    """A standard button (Qt's word, not the app's) reads in the user's language: the app loads
    Qt's own translation for the locale beside its catalogue."""
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    installed = translation.install(qapp)
    try:
        assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Abbrechen"
    finally:
        translation.uninstall(qapp, installed)
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Cancel"


# -- The windows under the pseudo-locale -------------------------------------------------------

EMAIL = "capped@example.com"  # in the pilot, holds resets: every page, the redeem dialog


@pytest.fixture
def pseudo_app(
    qtbot: QtBot,
    data_dir: Path,
    memory_keyring: MemoryKeyring,
    pseudo_locale: list[QTranslator],
) -> Iterator[Callable[[], App]]:
    """The real app with its QA window, built under the pseudo-locale (as `--pseudo-locale`)."""
    apps: list[App] = []

    def start() -> App:
        app = create(data_dir, keyring_backend=memory_keyring, qa=True)
        apps.append(app)
        app.window.show()
        app.start()
        assert isinstance(app.qa_window, QaSimulatorWindow)
        return app

    yield start
    for app in apps:
        app.close()


def user_data(app: App) -> list[str]:
    """What the screens show that is the user's, not the app's words: addresses, names, plans;
    and the server's copy, which the server owns and a localized server sends translated (the
    offer's title, description and rules, credit titles, an invitation's reason and its email),
    taken from the state one string at a time, as shown."""
    data = [DEMO_PASSWORD, *(account.email for account in DEMO_ACCOUNTS)]
    state = app.state
    account = state.account
    if account is not None:
        data += [account.email, account.display_name, plan_name(account.plan)]
    if state.offer is not None:
        data += [state.offer.title, state.offer.description, *state.offer.rules]
    data += [token.credit.title for token in state.tokens]
    for invitation in state.invitations:
        data += [invitation.reason, invitation.message_subject, invitation.message_body]
    qa = app.qa_window
    snapshot = qa.snapshot if isinstance(qa, QaSimulatorWindow) else None
    if snapshot is not None and snapshot.offer is not None:
        # Its id is shown as its first 24 characters (qa/offer.py).
        offer = snapshot.offer.offer
        data += [offer.title, snapshot.offer.reason, offer.id[:24]]
    return data


def check(qtbot: QtBot, app: App, root: QWidget) -> list[str]:
    """Both checks on `root` once its layout has settled."""
    qtbot.waitUntil(lambda: root.isVisible(), timeout=WAIT_MS)
    # Settled: a wrapped label's new height can take a few layout passes (heightForWidth, then
    # the scroll area's content); check once two passes in a row move nothing.
    before = None
    for _ in range(20):
        QApplication.processEvents()
        now = [w.geometry().getRect() for w in root.findChildren(QWidget) if w.isVisible()]
        if now == before:
            break
        before = now
    sideways = []
    if root is app.window and app.window.page_scroll.isVisible():
        bar = app.window.page_scroll.horizontalScrollBar()
        if bar.maximum() > 0:  # the page is cut at the right edge; no page scrolls sideways
            sideways.append(f"the page is {bar.maximum()} px wider than its scroll area")
    return [
        *sideways,
        *unmarked(root, user_data(app)),
        *clipped(root),
        *overlapping(root),
    ]


def test_every_screen_is_translated_and_nothing_is_clipped_under_the_pseudo_locale(
    qtbot: QtBot, pseudo_app: Callable[[], App]
) -> None:
    app = pseudo_app()
    problems: list[str] = []
    qtbot.waitUntil(app.window.signed_out_panel.isVisible, timeout=WAIT_MS)
    problems += check(qtbot, app, app.window)

    sign_in = app.window.open_sign_in()
    assert isinstance(sign_in, SignInDialog)
    sign_in.pick(EMAIL)
    problems += check(qtbot, app, sign_in)
    with qtbot.waitSignal(app.controller.operationFinished, timeout=WAIT_MS):
        qtbot.mouseClick(sign_in.submit_button, Qt.MouseButton.LeftButton)
    wait_synced(qtbot, app)
    qa = app.qa_window
    assert isinstance(qa, QaSimulatorWindow)
    qtbot.waitUntil(lambda: qa.snapshot is not None and qa.snapshot.operator == EMAIL)

    for name in list(app.window.pages):
        app.window.select_page(name)
        problems += [f"{name} page: {p}" for p in check(qtbot, app, app.window)]
    app.window.resize(MINIMUM_SIZE)  # the narrow layout (2x scale on a 1366x768 screen)
    for name in list(app.window.pages):
        app.window.select_page(name)
        problems += [f"{name} page, smallest: {p}" for p in check(qtbot, app, app.window)]
    app.window.resize(DEFAULT_SIZE)

    app.simulator.set_fault(offline=True)  # the banner, the status bar's offline line
    sync_and_wait(qtbot, app)
    qtbot.waitUntil(app.window.error_banner.isVisible, timeout=WAIT_MS)
    problems += [f"offline: {p}" for p in check(qtbot, app, app.window)]
    app.simulator.clear_faults()
    sync_and_wait(qtbot, app)

    invite = open_invite_dialog(qtbot, app)
    qtbot.keyClicks(invite.email_edit, "jo@example.com")
    problems += check(qtbot, app, invite)
    invite.reject()

    redeem = RedeemDialog(app.state, app.window)
    redeem.show()
    problems += check(qtbot, app, redeem)
    redeem.reject()

    for index in range(qa.tabs.count()):
        qa.tabs.setCurrentIndex(index)
        problems += [f"QA tab {index}: {p}" for p in check(qtbot, app, qa)]

    assert not problems, "\n".join(problems)


def test_the_pseudo_locale_shows_on_the_buttons(
    qtbot: QtBot, pseudo_app: Callable[[], App]
) -> None:
    """The check above is not vacuous: the window's own words are the pseudo forms."""
    app = pseudo_app()
    qtbot.waitUntil(app.window.signed_out_panel.isVisible, timeout=WAIT_MS)
    button = app.window.findChild(QPushButton, "signedOutSignInButton")
    assert button is not None
    assert button.text() == pseudo("Sign in…")
    assert app.window.windowTitle() == pseudo("Settings")


def test_the_command_line_takes_the_pseudo_locale_with_a_screenshot(
    data_dir: Path, tmp_path: Path
) -> None:
    """`--pseudo-locale --screenshot`: the window is saved as a user would see it, in pseudo."""
    target = tmp_path / "pseudo.png"
    result = run_app(
        "--data-dir",
        str(data_dir),
        "--account",
        "pilot@example.com",
        "--pseudo-locale",
        "--screenshot",
        str(target),
        "--smoke-test",
    )
    assert result.returncode == 0, result.stderr
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["sync"]["text"].startswith(pseudo("Synced {when}").split("{")[0])
    assert shown["usage"]["weekly_percent"] == 82  # found by kind, not by a translated name
