"""Hostile strings typed (or pasted) into the real invite dialog of the real app (issue 11, item 7).

The backend-level twin is tests/reliability/test_hostile_strings.py. Here the text goes in as a
user's keystrokes: `qtbot.keyClicks` for printable ASCII (QTest itself aborts the process on any
other character), a key event carrying the character as its text for everything else (what a
keyboard layout or an input method delivers), or the clipboard and Ctrl+V. Send is clicked with
the mouse; the autouse `invite_confirmations` fixture answers the confirmation box.

Every example must end in one of two ways, with no exception in any slot:
- refused: the error line is one sentence of desktop/domain/reasons.py, on one line, shown as
  plain text; the field still holds exactly what was typed; the backend holds nothing new;
- accepted: the backend holds exactly one new invitation, to the normalised address (never a
  variant of the operator's own), and the dialog and the list show it as plain text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from desktop.app import App, create
from desktop.domain.emails import InvalidEmail, is_own_address, normalise_email
from desktop.domain.offer import OVER_SEND_CAPACITY, REPEATED_RECIPIENT, TOO_MANY_RECIPIENTS
from desktop.domain.outcomes import Outcome
from desktop.domain.reasons import _SENTENCES, _SENTENCES_FOR_ONE
from desktop.memory_keyring import MemoryKeyring
from desktop.ui.referral.invite_dialog import InviteDialog, Phase, entered_addresses
from tests.reliability.test_hostile_strings import HOSTILE_PIECES
from tests.ui.app_driver import WAIT_MS, open_invite_dialog, section, wait_synced
from tests.ui.conftest import OFFSCREEN_NOISE

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_NOISE)

OPERATOR = "pilot@example.com"

# Beyond the backend test's pieces: what a dialog can get wrong on its own. Markup a rich-text
# label would render, placeholders a format call would fill, bidi isolates and joiners, lone
# surrogates (Qt drops them on the way in), look-alikes of the operator's own address.
DIALOG_PIECES = [
    "<b>bold</b>",
    "<img src=x>",
    "&amp;",
    "&lt;",
    "{recipient}",
    "{0}",
    "{detail!r}",
    "%s",
    "%1",
    "%n",
    "\u2066",  # left-to-right isolate
    "\u2069",  # pop directional isolate
    "\u200d",  # zero-width joiner
    "\u200f",  # right-to-left mark
    "\ufeff",  # byte-order mark
    "\ud800",  # lone surrogate
    "\udfff",
    "\x7f",
    "\t",
    "\n",
    "\U0001f600",
    "pilot+tag@example.com",
    "Pilot@Example.COM",
    "pi\u200blot@example.com",
    "\u0440ilot@example.com",  # Cyrillic er
    "\uff50\uff49\uff4c\uff4f\uff54@example.com",  # full-width
    "pilot@example.com\u202e",
]
pieces = st.sampled_from([*HOSTILE_PIECES, *DIALOG_PIECES]) | st.text(max_size=8)
hostile_text = st.one_of(
    st.text(max_size=60),
    st.emails(),
    st.builds(lambda a, b, c: f"{a}@{b}.{c}", pieces, pieces, pieces),
    st.lists(pieces, max_size=5).map("".join),
    st.builds(lambda p, e: f"{p}{e}", pieces, st.emails()),
)


def examples(request: pytest.FixtureRequest) -> int:
    """Examples per run: 20 by default, 20 per --reliability-trials."""
    return 20 * int(request.config.getoption("--reliability-trials"))


def sentence_pattern(template: str) -> re.Pattern[str]:
    """A reasons.py template as a whole-text pattern; each {detail} is one or more characters."""
    parts = re.split(r"\{[a-z_]+\}", template)
    return re.compile(".+?".join(re.escape(part) for part in parts), re.DOTALL)


REFUSALS = [
    sentence_pattern(template)
    for template in [
        *_SENTENCES.values(),
        *(one for _, one in _SENTENCES_FOR_ONE.values()),
        # The send's list refusals (issue 14): the offer's sentences, in desktop/domain/offer.py.
        TOO_MANY_RECIPIENTS,
        OVER_SEND_CAPACITY,
        REPEATED_RECIPIENT,
    ]
]


def is_reason_sentence(text: str) -> bool:
    """Whether `text` is, as a whole, one of the domain's refusal sentences."""
    return any(pattern.fullmatch(text) for pattern in REFUSALS)


QTEST_TYPES = re.compile(r"[\x20-\x7e]+")  # what QTest.keyClicks can type without aborting


def type_text(qtbot: QtBot, field: QLineEdit, text: str) -> None:
    """Type `text` key by key: keyClicks for printable ASCII, a key event per other character."""
    position = 0
    for run in QTEST_TYPES.finditer(text):
        for character in text[position : run.start()]:
            type_character(field, character)
        qtbot.keyClicks(field, run.group())
        position = run.end()
    for character in text[position:]:
        type_character(field, character)


def type_character(field: QLineEdit, character: str) -> None:
    """A key press and release whose text is `character` (no key code: as an input method)."""
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        event = QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, character)
        QApplication.sendEvent(field, event)


def paste_text(qtbot: QtBot, field: QLineEdit, text: str) -> None:
    """Put `text` on the clipboard and press Ctrl+V in the field."""
    QGuiApplication.clipboard().setText(text)
    qtbot.keyClick(field, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


@pytest.fixture
def app(qtbot: QtBot, data_dir: Path, memory_keyring: MemoryKeyring) -> Iterator[App]:
    """The real app on a fresh data folder, pilot@ signed in, with no daily limit in the way."""
    application = create(data_dir, keyring_backend=memory_keyring)
    qtbot.addWidget(application.window)
    application.window.show()
    application.start()
    application.simulator.set_policy({"daily_invitation_limit": 100_000})
    with qtbot.waitSignal(application.controller.operationFinished, timeout=WAIT_MS) as blocker:
        application.controller.sign_in(OPERATOR, "demo")
    assert blocker.args is not None
    assert blocker.args[0].outcome is Outcome.DONE
    qtbot.waitUntil(lambda: application.state.sync.last_synced_at is not None, timeout=WAIT_MS)
    wait_synced(qtbot, application)
    yield application
    application.close()


def backend_recipients(app: App) -> list[str]:
    """Every recipient of pilot@'s invitations, as the backend stored them."""
    return [record.invitation.recipient for record in app.simulator.invitations(OPERATOR)]


def listed_recipients(app: App) -> list[str]:
    """The recipients the settings window's invitation list holds (its display text)."""
    module = section(app)
    assert module is not None
    model = module.view.model()
    return [model.data(model.index(row, 0)) for row in range(model.rowCount())]


def settled(dialog: InviteDialog) -> bool:
    """The attempt ended: refused (an error shown), sent, waiting in the outbox or blocked."""
    if dialog.phase is Phase.EDITING:
        return dialog.error_label.isVisible() or dialog.status_label.isVisible()
    return dialog.phase in (Phase.DONE, Phase.WAITING, Phase.BLOCKED)


def test_hostile_text_through_the_invite_dialog(
    qtbot: QtBot, app: App, request: pytest.FixtureRequest, invite_confirmations: list[str]
) -> None:
    tally = {"examples": 0, "refused": 0, "accepted": 0, "nothing typed": 0, "invitations": 0}

    @settings(
        max_examples=examples(request),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(text=hostile_text, paste=st.booleans())
    @example(text="{recipient}%s<b>x</b>@example.com", paste=False)
    @example(text="<b>peer</b>@example.com", paste=False)
    @example(text="pilot+x@example.com", paste=False)
    @example(text="\u0440ilot@example.com", paste=False)
    @example(text="peer\x00@example.com\r\nBcc: x@example.com", paste=True)
    @example(text="peer\ud800@example.com", paste=False)
    @example(text="\u202epeer@example.com", paste=False)
    @example(text="a" * 65 + "@example.com", paste=False)
    @example(text="z" * 400 + "@example.com", paste=True)
    @example(text="0 0 0 0 0 0", paste=False)  # six addresses: too many for one send
    def attempt(text: str, paste: bool) -> None:
        tally["examples"] += 1
        with qtbot.captureExceptions() as exceptions:
            dialog = open_invite_dialog(qtbot, app)
            field = dialog.email_edit
            field.clear()
            (paste_text if paste else type_text)(qtbot, field, text)
            typed = field.text()
            before = backend_recipients(app)
            if not typed.strip():
                tally["nothing typed"] += 1
                assert not dialog.send_button.isEnabled()
            else:
                qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
                qtbot.waitUntil(lambda: settled(dialog), timeout=WAIT_MS)
                check_outcome(qtbot, app, dialog, typed, before, tally)
            dialog.close()
            qtbot.waitUntil(lambda: section_dialog_closed(app), timeout=WAIT_MS)
        assert not exceptions, exceptions

    attempt()
    # Every address the dialog let through reached the backend once, never the operator's own.
    stored = backend_recipients(app)
    assert len(stored) == len(set(stored))
    assert not any(is_own_address(recipient, OPERATOR) for recipient in stored)
    assert len(stored) == tally["invitations"]
    print(f"hostile dialog input: {tally}")


def check_outcome(
    qtbot: QtBot,
    app: App,
    dialog: InviteDialog,
    typed: str,
    before: list[str],
    tally: dict[str, int],
) -> None:
    """The refused or accepted ending, as the module docstring says."""
    assert dialog.phase is not Phase.BLOCKED, "pilot@ is in the cohort"
    assert dialog.phase is not Phase.WAITING, "nothing was offline or failing"
    if dialog.phase is Phase.EDITING:
        tally["refused"] += 1
        refusal = dialog.error_label.text()
        assert dialog.error_label.textFormat() is Qt.TextFormat.PlainText
        # The field takes several addresses (issue 14): one line per problem, at most one per
        # address and one for their number, each line one sentence of reasons.py.
        lines = refusal.split("\n")
        assert len(lines) <= len(entered_addresses(typed)) + 1, refusal
        for line in lines:
            assert is_reason_sentence(line), refusal
        assert dialog.email_edit.text() == typed  # nothing typed is lost
        assert backend_recipients(app) == before
        return
    tally["accepted"] += 1
    try:
        recipients = {normalise_email(entered) for entered in entered_addresses(typed)}
    except InvalidEmail:  # pragma: no cover - the dialog validates with the same function
        pytest.fail(f"sent an address the domain calls invalid: {typed!r}")
    assert recipients
    tally["invitations"] += len(recipients)
    after = backend_recipients(app)
    assert len(after) == len(before) + len(recipients)
    assert dialog.status_label.textFormat() is Qt.TextFormat.PlainText
    preview = dialog.preview_text.toPlainText()
    for recipient in recipients:
        assert not is_own_address(recipient, OPERATOR)
        assert after.count(recipient) == 1
        assert f"Invitation sent to {recipient}." in dialog.status_label.text()
    assert any(f"To: {recipient}\n" in preview for recipient in recipients)  # plain text
    qtbot.waitUntil(
        lambda: all(listed_recipients(app).count(r) == 1 for r in recipients), timeout=WAIT_MS
    )


def section_dialog_closed(app: App) -> bool:
    """The closed dialog is gone (deleted), so Invite… opens a fresh one."""
    return app.window.findChild(InviteDialog, "inviteDialog") is None
