"""Every operation x every way it can go wrong, across the seam (issue: truthful outcomes).

Each case drives the real window as a user would (clicks in the wallet, the invite dialog, the
invitation list, the sign-in dialog), reads the sentence the window shows, lets the app settle by
itself once the fault is gone, and then counts the effects in the backend's own state: a spent
token, an invitation, a revocation, a session. Exactly one effect for one intent, whatever the
fault; a message saying nothing happened only when nothing did.

Faults: offline (the request never leaves: NOT SENT), a lost answer after the backend committed
(error rate 1, scripted to fail after the commit: UNKNOWN), latency past the client's timeout
(UNKNOWN: the request commits later), and a rule's refusal (REFUSED).
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from desktop.app import App, create
from desktop.controller.retry import RetryPolicy
from desktop.controller.state import OperationResult
from desktop.domain.invitations import InvitationState
from desktop.domain.outcomes import Operation, Outcome
from desktop.paths import BACKEND_DB
from desktop.ui.pages.wallet import WalletPage
from desktop.ui.redeem_dialog import RedeemDialog
from desktop.ui.referral.invite_dialog import InviteDialog
from desktop.ui.referral.section import ReferralSection
from desktop.ui.sign_in_dialog import SignInDialog
from tests.conftest import MemoryKeyring
from tests.ui.app_driver import WAIT_MS, open_invite_dialog, section, wait_synced

CAPPED = "capped@example.com"
PILOT = "pilot@example.com"
PEER = "sam@example.com"

FAULTS = ("not_sent", "unknown", "late", "refused")

# Short waits so a latency fault outlives the call timeout by far, and backoff stays quick.
RETRY = RetryPolicy(attempts=2, first_delay_ms=5, max_delay_ms=50, call_timeout_ms=2_000)
LATE_MS = 3_500


class LosesAnswers(random.Random):
    """Draws for the error-rate fault: every call fails, always after its commit."""

    def random(self) -> float:
        self._flip = not getattr(self, "_flip", False)
        return 0.0 if self._flip else 0.9


Launch = Callable[[str | None], App]


@pytest.fixture
def launch(qtbot: QtBot, data_dir: Path, memory_keyring: MemoryKeyring) -> Iterator[Launch]:
    apps: list[App] = []

    def start(email: str | None) -> App:
        app = create(
            data_dir, keyring_backend=memory_keyring, retry=RETRY, backend_rng=LosesAnswers()
        )
        apps.append(app)
        app.simulator.status()  # the backend file is created and seeded before the clock runs
        app.window.show()
        app.start()
        if email is not None:
            results: list[OperationResult] = []
            app.controller.operationFinished.connect(results.append)
            app.controller.sign_in(email, "demo")
            qtbot.waitUntil(lambda: bool(results), timeout=WAIT_MS)
            assert results[0].outcome is Outcome.DONE
            wait_synced(qtbot, app)
        return app

    yield start
    for app in apps:
        app.close()


def inject(app: App, fault: str) -> None:
    if fault == "not_sent":
        app.simulator.set_fault(offline=True)
    elif fault == "unknown":
        app.simulator.set_fault(error_rate=1.0)
    elif fault == "late":
        app.simulator.set_fault(latency_ms=LATE_MS)


def expected_start(fault: str) -> str:
    """How the first sentence shown begins, per fault (the reason, from the domain)."""
    return {
        "not_sent": "The referral service cannot be reached: you are offline.",
        "unknown": "The connection was lost before the referral service answered.",
        "late": "The referral service did not answer in time.",
    }[fault]


def results_of(app: App, operation: Operation) -> list[OperationResult]:
    found: list[OperationResult] = []
    app.controller.operationFinished.connect(
        lambda result: found.append(result) if result.operation is operation else None
    )
    return found


def settle(qtbot: QtBot, app: App, results: list[OperationResult]) -> None:
    """Faults off; wait until the app has settled every intent and synced after it."""
    app.simulator.clear_faults()
    qtbot.waitUntil(lambda: bool(results) and results[-1].definite, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: app.state.pending == (), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: app.state.sync.pending_operations == 0, timeout=WAIT_MS)
    if app.state.signed_in:
        app.controller.sync_now()
        wait_synced(qtbot, app)


# -- redeem ----------------------------------------------------------------------------------


def spent(app: App) -> int:
    return sum(1 for t in app.simulator.wallet(CAPPED).tokens if t.state == "spent")


@pytest.mark.parametrize("fault", FAULTS)
def test_redeem(qtbot: QtBot, launch: Launch, monkeypatch: pytest.MonkeyPatch, fault: str) -> None:
    app = launch(CAPPED)
    before = spent(app)
    available = len(app.state.available_tokens)
    assert app.window.select_page("wallet")
    page = app.window.pages["wallet"]
    assert isinstance(page, WalletPage)

    def confirm(parent: object, state: object) -> bool:
        if fault == "refused":  # another window spent every token meanwhile
            while app.simulator.wallet(CAPPED).available:
                app.simulator.redeem(CAPPED)
        return True

    monkeypatch.setattr(RedeemDialog, "ask", confirm)
    inject(app, fault)
    results = results_of(app, Operation.REDEEM)
    qtbot.mouseClick(page.redeem_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.redeem_button, Qt.MouseButton.LeftButton)  # a double click
    qtbot.waitUntil(lambda: bool(results), timeout=WAIT_MS)
    shown = page.message_label.text()

    if fault == "refused":
        # The redemption names the credit the dialog showed (issue 14); it is spent by now.
        assert shown == "That usage reset cannot be spent: it is spent. Nothing was spent."
        settle(qtbot, app, results)
        assert spent(app) == before + available  # only the other window's spends
        return
    assert shown.startswith(expected_start(fault))
    if fault == "not_sent":
        assert "Nothing was spent and your reset is kept." in shown
        settle(qtbot, app, results)
        assert spent(app) == before  # nothing, and nothing later behind the user's back
        # Following the advice ("try again once connected") spends exactly one.
        qtbot.mouseClick(page.redeem_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: results[-1].outcome is Outcome.DONE, timeout=WAIT_MS)
    else:
        assert "may have been spent" in shown
        assert "nothing was spent" not in shown.lower()
        assert not page.redeem_button.isEnabled()  # settling: no second spend can start
        settle(qtbot, app, results)
        assert results[-1].settles
    qtbot.waitUntil(
        lambda: (
            page.message_label.text()
            == "Reset spent: your weekly and 5-hour usage are back to zero used."
        ),
        timeout=WAIT_MS,
    )
    wait_synced(qtbot, app)
    assert spent(app) == before + 1
    assert len(app.state.available_tokens) == available - 1


# -- send ------------------------------------------------------------------------------------


def sent_to(app: App, address: str) -> int:
    return sum(1 for r in app.simulator.invitations(PILOT) if r.invitation.recipient == address)


@pytest.mark.parametrize("fault", FAULTS)
def test_send(qtbot: QtBot, launch: Launch, monkeypatch: pytest.MonkeyPatch, fault: str) -> None:
    app = launch(PILOT)
    if fault == "refused":
        app.simulator.set_policy({"daily_invitation_limit": 1})
        wait_synced(qtbot, app)

        def confirm(cls: type, parent: object, address: str, state: object) -> bool:
            # Another window sends the last invitation of the day while this one confirms:
            # the dialog's own capacity check has passed, so the backend's rule answers.
            app.simulator.invite(PILOT, "first@example.com")
            return True

        monkeypatch.setattr(InviteDialog, "confirm_send", classmethod(confirm))
    dialog = open_invite_dialog(qtbot, app)
    qtbot.keyClicks(dialog.email_edit, PEER)
    inject(app, fault)
    results = results_of(app, Operation.SEND)
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)  # a double click
    qtbot.waitUntil(lambda: bool(results), timeout=WAIT_MS)

    if fault == "refused":
        assert dialog.error_label.text().startswith(
            "You have sent 1 invitation in the last 24 hours, the most allowed."
        )
        settle(qtbot, app, results)
        assert sent_to(app, PEER) == 0
        return
    shown = dialog.status_label.text()
    assert shown.startswith(expected_start(fault))
    if fault == "not_sent":
        assert "Nothing was sent yet" in shown
    else:
        assert "may already have been sent" in shown
        assert "not sent" not in shown.lower()
    settle(qtbot, app, results)
    # The dialog that showed the doubt now shows the settled outcome.
    qtbot.waitUntil(
        lambda: dialog.status_label.text().startswith(f"Invitation sent to {PEER}."),
        timeout=WAIT_MS,
    )
    assert sent_to(app, PEER) == 1
    assert [i.recipient for i in app.state.invitations].count(PEER) == 1


# -- revoke ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", FAULTS)
def test_revoke(qtbot: QtBot, launch: Launch, monkeypatch: pytest.MonkeyPatch, fault: str) -> None:
    app = launch(PILOT)
    link = app.simulator.invite(PILOT, PEER).invitation.link
    qtbot.waitUntil(lambda: len(app.state.invitations) == 1, timeout=WAIT_MS)
    module = section(app)
    assert isinstance(module, ReferralSection)

    def confirm(cls: object, parent: object, recipient: str) -> bool:
        if fault == "refused":  # the peer joined meanwhile: nothing to revoke any more
            app.simulator.recipient_join(link, PEER)
        return True

    monkeypatch.setattr(ReferralSection, "confirm_revoke", classmethod(confirm))
    module.view.setCurrentIndex(module.view.model().index(0, 0))
    inject(app, fault)
    results = results_of(app, Operation.REVOKE)
    qtbot.mouseClick(module.revoke_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(results), timeout=WAIT_MS)
    shown = module.revoke_message.text()
    state = app.simulator.invitations(PILOT)[0].invitation.state

    if fault == "refused":
        assert shown == (
            "This invitation can no longer be revoked (it is joined); only a pending one can."
        )
        settle(qtbot, app, results)
        assert app.simulator.invitations(PILOT)[0].invitation.state is InvitationState.JOINED
        return
    assert shown.startswith(expected_start(fault))
    if fault == "not_sent":
        assert "The invitation was not revoked." in shown
        assert state is InvitationState.SENT
        settle(qtbot, app, results)
        # Following the advice: try again once connected.
        module.view.setCurrentIndex(module.view.model().index(0, 0))
        qtbot.mouseClick(module.revoke_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: results[-1].outcome is Outcome.DONE, timeout=WAIT_MS)
    else:
        assert "may already be revoked" in shown
        settle(qtbot, app, results)
    qtbot.waitUntil(lambda: not module.revoke_message.isVisible(), timeout=WAIT_MS)
    assert app.simulator.invitations(PILOT)[0].invitation.state is InvitationState.REVOKED
    qtbot.waitUntil(
        lambda: app.state.invitations[0].state is InvitationState.REVOKED, timeout=WAIT_MS
    )


# -- resend (issue 14) -----------------------------------------------------------------------


def emails_to(app: App, address: str) -> int:
    return sum(1 for entry in app.simulator.outbox() if entry.recipient == address)


@pytest.mark.parametrize("fault", FAULTS)
def test_resend(qtbot: QtBot, launch: Launch, fault: str) -> None:
    app = launch(PILOT)
    invitation = app.simulator.invite(PILOT, PEER).invitation
    assert invitation.resend_available_at is not None
    app.simulator.advance_clock(invitation.resend_available_at - app.simulator.now())
    app.controller.sync_now()
    qtbot.waitUntil(lambda: len(app.state.invitations) == 1, timeout=WAIT_MS)
    wait_synced(qtbot, app)
    module = section(app)
    assert isinstance(module, ReferralSection)
    module.view.setCurrentIndex(module.view.model().index(0, 0))
    qtbot.waitUntil(module.resend_button.isEnabled, timeout=WAIT_MS)
    if fault == "refused":  # the peer joined meanwhile: only a pending invitation resends
        app.simulator.recipient_join(invitation.link, PEER)
    before = emails_to(app, PEER)
    inject(app, fault)
    results = results_of(app, Operation.RESEND)
    qtbot.mouseClick(module.resend_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(module.resend_button, Qt.MouseButton.LeftButton)  # a double click
    qtbot.waitUntil(lambda: bool(results), timeout=WAIT_MS)
    shown = module.revoke_message.text()

    if fault == "refused":
        assert shown == (
            "Only a pending invitation's email can be sent again; this one is joined. "
            "The email was not sent again."
        )
        settle(qtbot, app, results)
        assert emails_to(app, PEER) == before
        return
    assert shown.startswith(expected_start(fault))
    if fault == "not_sent":
        assert "The email was not sent again." in shown
        settle(qtbot, app, results)
        assert emails_to(app, PEER) == before  # nothing, and nothing later behind the user's back
        module.view.setCurrentIndex(module.view.model().index(0, 0))
        qtbot.mouseClick(module.resend_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: results[-1].outcome is Outcome.DONE, timeout=WAIT_MS)
    else:
        assert "may already have gone out again" in shown
        assert not module.resend_button.isEnabled()  # settling: no second resend can start
        settle(qtbot, app, results)
        assert results[-1].settles
        assert results[-1].key == results[0].key
    qtbot.waitUntil(
        lambda: module.revoke_message.text() == f"The invitation email went to {PEER} again.",
        timeout=WAIT_MS,
    )
    assert emails_to(app, PEER) == before + 1  # exactly one extra email


# -- several recipients in one send (issue 14) -----------------------------------------------

PEERS = ("ana@example.org", "ben@example.org", "cy@example.org")


@pytest.mark.parametrize("fault", FAULTS)
def test_multi_send(
    qtbot: QtBot, launch: Launch, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    app = launch(PILOT)
    if fault == "refused":

        def confirm(cls: type, parent: object, address: str, state: object) -> bool:
            # QA changes the offer's terms while this one is being confirmed.
            app.simulator.set_offer({"description": "New terms."})
            return True

        monkeypatch.setattr(InviteDialog, "confirm_send", classmethod(confirm))
    dialog = open_invite_dialog(qtbot, app)
    qtbot.keyClicks(dialog.email_edit, ", ".join(PEERS))
    inject(app, fault)
    results = results_of(app, Operation.SEND)
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)  # a double click
    qtbot.waitUntil(lambda: len({r.key for r in results}) == 3, timeout=WAIT_MS)
    keys = set(dialog.keys)

    if fault == "refused":
        assert all(r.reason is not None and r.reason.value == "offer_changed" for r in results)
        assert dialog.error_label.text().count("The invitation offer changed") == 3
        settle(qtbot, app, results)
        assert sum(sent_to(app, peer) for peer in PEERS) == 0
        return
    shown = dialog.status_label.text()
    for peer in PEERS:
        assert f"{peer}: {expected_start(fault)}" in shown
    settle(qtbot, app, results)
    qtbot.waitUntil(
        lambda: all(f"Invitation sent to {p}." in dialog.status_label.text() for p in PEERS),
        timeout=WAIT_MS,
    )
    assert [sent_to(app, peer) for peer in PEERS] == [1, 1, 1]  # each once, one key each
    stored = {
        r.invitation.idempotency_key
        for r in app.simulator.invitations(PILOT)
        if r.invitation.recipient in PEERS
    }
    assert stored == keys
    assert {r.key for r in results} == keys  # every result under one of the three keys


# -- sign-in ---------------------------------------------------------------------------------


def open_sessions(app: App) -> int:
    with closing(sqlite3.connect(app.data_dir / BACKEND_DB)) as db:
        (count,) = db.execute("SELECT count(*) FROM sessions WHERE ended_at IS NULL").fetchone()
    return int(count)


def shown_dialog(app: App) -> bool:
    found = app.window.findChild(SignInDialog, "signInDialog")
    return found is not None and found.isVisible()


@pytest.mark.parametrize("fault", FAULTS)
def test_sign_in(qtbot: QtBot, launch: Launch, fault: str) -> None:
    app = launch(None)
    wait_synced(qtbot, app) if app.state.sync.phase.value != "never" else None
    button = app.window.findChild(QPushButton, "signedOutSignInButton")
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = app.window.findChild(SignInDialog, "signInDialog")
    assert dialog is not None
    dialog.pick(PILOT)
    if fault == "refused":
        dialog.password_edit.setText("not the password")
    inject(app, fault)
    results = results_of(app, Operation.SIGN_IN)
    qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)  # a double click
    qtbot.waitUntil(lambda: bool(results), timeout=WAIT_MS)
    shown = dialog.error_label.text()

    if fault == "refused":
        assert shown == "That email and password do not match an account."
        settle(qtbot, app, results)
        assert open_sessions(app) == 0
        assert not app.state.signed_in
        return
    assert shown.startswith(expected_start(fault))
    if fault == "not_sent":
        assert shown.endswith("You are not signed in. Try again once connected.")
        app.simulator.clear_faults()
        assert open_sessions(app) == 0
        qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)  # the advice
    else:
        assert "may have gone through" in shown
        app.simulator.clear_faults()  # the app replays the same request by itself
    qtbot.waitUntil(lambda: results[-1].outcome is Outcome.DONE, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not shown_dialog(app), timeout=WAIT_MS)  # it closed itself
    wait_synced(qtbot, app)
    assert app.state.signed_in
    assert open_sessions(app) == 1  # no orphan session, whatever was lost on the way
