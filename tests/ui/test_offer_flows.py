"""Issue 14 through the window: the server's offer in the module and the invite dialog, several
addresses per send, resending a pending invitation's email, and spending a named credit.

Each test drives the real app (desktop.app.create over a data folder's MockBackend) as a user
would, then counts the effects in the backend's own state through the simulator: invitations,
their keys, the emails dispatched, the credits spent. Rules are tested at their edges: capacity
0 and 1, 5 and 6 addresses, an offer one second before and after its expiry, a resend one second
inside and one second after its cooldown.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.app import App, create
from desktop.controller.retry import RetryPolicy
from desktop.controller.state import OperationResult
from desktop.domain.credits import CreditWindows
from desktop.domain.invitations import InvitationState
from desktop.domain.outcomes import Operation, Outcome
from desktop.ui.pages.wallet import WalletPage
from desktop.ui.redeem_dialog import RedeemDialog
from desktop.ui.referral.invite_dialog import InviteDialog, Phase
from desktop.ui.referral.section import ReferralSection
from tests.conftest import MemoryKeyring
from tests.ui.app_driver import WAIT_MS, open_invite_dialog, section, sync_and_wait, wait_synced

PILOT = "pilot@example.com"
CAPPED = "capped@example.com"
RETRY = RetryPolicy(attempts=2, first_delay_ms=5, max_delay_ms=50, call_timeout_ms=2_000)


class LosesAnswers(random.Random):
    """Draws for the error-rate fault: every call fails, always after its commit."""

    def random(self) -> float:
        self._flip = not getattr(self, "_flip", False)
        return 0.0 if self._flip else 0.9


Launch = Callable[..., App]


@pytest.fixture
def launch(qtbot: QtBot, data_dir: Path, memory_keyring: MemoryKeyring) -> Iterator[Launch]:
    apps: list[App] = []

    def start(email: str, before: Callable[[App], object] | None = None) -> App:
        app = create(
            data_dir, keyring_backend=memory_keyring, retry=RETRY, backend_rng=LosesAnswers()
        )
        apps.append(app)
        app.simulator.status()  # seeded before the clock runs
        if before is not None:
            before(app)
        app.window.show()
        app.start()
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


def results_of(app: App, operation: Operation) -> list[OperationResult]:
    found: list[OperationResult] = []
    app.controller.operationFinished.connect(
        lambda result: found.append(result) if result.operation is operation else None
    )
    return found


def module(app: App) -> ReferralSection:
    found = section(app)
    assert found is not None
    return found


def recipients(app: App, operator: str = PILOT) -> list[str]:
    return [r.invitation.recipient for r in app.simulator.invitations(operator)]


def type_addresses(qtbot: QtBot, dialog: InviteDialog, text: str) -> None:
    dialog.email_edit.clear()
    qtbot.keyClicks(dialog.email_edit, text)
    dialog.email_edit.editingFinished.emit()  # leaving the field checks it at once


def click_send(qtbot: QtBot, dialog: InviteDialog) -> None:
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)


def addresses(count: int, start: int = 1) -> list[str]:
    return [f"friend{n}@example.org" for n in range(start, start + count)]


# -- the offer in the module -----------------------------------------------------------------


def test_the_module_shows_the_servers_offer_its_rules_and_capacity(
    qtbot: QtBot, launch: Launch
) -> None:
    def set_copy(app: App) -> None:
        app.simulator.set_offer(
            {
                "title": "Bring a colleague",
                "description": "Share the tool with someone you work with.",
                "rules": ["One address per invitation.", "Invitations stay pending a week."],
            }
        )
        app.simulator.set_policy({"daily_invitation_limit": 2})

    app = launch(PILOT, set_copy)
    shown = module(app)
    assert shown.title_label.text() == "Bring a colleague"
    assert shown.summary_label.text() == "Share the tool with someone you work with."
    assert shown.rules_label.text() == (
        "• One address per invitation.\n• Invitations stay pending a week."
    )
    offer = app.simulator.offer(PILOT)
    assert offer.send_capacity == 2
    assert shown.capacity_label.text() == "2 invitations left."


def test_reward_capacity_zero_says_until_when_and_the_send_is_rewardless(
    qtbot: QtBot, launch: Launch
) -> None:
    app = launch(CAPPED)  # the cap is reached this cycle: no reward capacity left
    offer = app.simulator.offer(CAPPED)
    assert offer.reward_capacity == 0
    assert offer.rewards_resume_at is not None
    text = module(app).capacity_label.text()
    assert "Invitations sent now earn nothing until " in text
    assert "will earn" not in text
    dialog = open_invite_dialog(qtbot, app)
    assert "Invitations sent now earn nothing until " in dialog.capacity_label.text()
    type_addresses(qtbot, dialog, "newcomer@example.org")
    click_send(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.phase is Phase.DONE, timeout=WAIT_MS)
    (sent,) = [
        r.invitation
        for r in app.simulator.invitations(CAPPED)
        if r.invitation.recipient == "newcomer@example.org"
    ]
    assert sent.rewardless


def test_an_offer_the_server_does_not_make_keeps_the_module_absent(
    qtbot: QtBot, launch: Launch
) -> None:
    app = launch(PILOT, lambda app: app.simulator.set_offer({"paused": True}))
    assert app.state.offer is not None
    assert not app.state.offer.offered
    assert section(app) is None  # R1: absent, not disabled


# -- capacities at their edges ---------------------------------------------------------------


def test_send_capacity_one_takes_one_address_and_then_none(qtbot: QtBot, launch: Launch) -> None:
    app = launch(PILOT, lambda app: app.simulator.set_policy({"daily_invitation_limit": 1}))
    before = recipients(app)
    assert module(app).capacity_label.text() == "1 invitation left."
    dialog = open_invite_dialog(qtbot, app)
    type_addresses(qtbot, dialog, "one@example.org, two@example.org")
    assert dialog.error_label.text() == "You can send 1 more now: remove 1 of these addresses."
    assert not dialog.send_button.isEnabled()

    type_addresses(qtbot, dialog, "one@example.org")
    assert dialog.send_button.isEnabled()
    click_send(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.phase is Phase.DONE, timeout=WAIT_MS)
    sync_and_wait(qtbot, app)
    assert recipients(app) == [*before, "one@example.org"]

    # Capacity 0: the module says until when, and the dialog refuses any address.
    offer = app.simulator.offer(PILOT)
    assert offer.send_capacity == 0
    assert offer.send_capacity_frees_at is not None
    assert (
        module(app)
        .capacity_label.text()
        .startswith("No invitations left for now: the next one can be sent from ")
    )
    type_addresses(qtbot, dialog, "three@example.org")
    assert dialog.error_label.text().startswith(
        "You have sent 1 invitation in the last 24 hours, the most allowed. You can send the "
        "next one from "
    )
    assert not dialog.send_button.isEnabled()
    assert recipients(app) == [*before, "one@example.org"]


def test_five_addresses_go_in_one_send_and_six_do_not(
    qtbot: QtBot, launch: Launch, invite_confirmations: list[str]
) -> None:
    app = launch(PILOT)
    before = recipients(app)
    dialog = open_invite_dialog(qtbot, app)
    type_addresses(qtbot, dialog, ", ".join(addresses(6)))
    assert dialog.error_label.text() == "One send holds at most 5 addresses: remove 1."
    assert not dialog.send_button.isEnabled()

    five = addresses(5)
    type_addresses(qtbot, dialog, ", ".join(five))
    results = results_of(app, Operation.SEND)
    click_send(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.phase is Phase.DONE, timeout=WAIT_MS)
    # One confirmation naming all five; one result, one key and one invitation each.
    assert invite_confirmations == [", ".join(five[:-1]) + f" and {five[-1]}"]
    assert sorted(r.subject for r in results) == sorted(five)
    assert len({r.key for r in results}) == 5
    sync_and_wait(qtbot, app)
    assert sorted(recipients(app)) == sorted([*before, *five])  # sent side by side
    keys = {
        r.invitation.idempotency_key
        for r in app.simulator.invitations(PILOT)
        if r.invitation.recipient in five
    }
    assert keys == set(dialog.keys)
    for address in five:
        assert f"Invitation sent to {address}." in dialog.status_label.text()


def test_addresses_are_checked_one_sentence_per_problem(qtbot: QtBot, launch: Launch) -> None:
    app = launch(PILOT)
    dialog = open_invite_dialog(qtbot, app)
    type_addresses(qtbot, dialog, f"ok@example.org, {PILOT}, ok@example.org")
    assert dialog.error_label.text().split("\n") == [
        "That is your own address. Invite someone else.",
        "ok@example.org is in the list twice.",
    ]
    assert not dialog.send_button.isEnabled()


# -- the offer re-validated just before sending ----------------------------------------------


@pytest.mark.parametrize(("past_expiry", "sent"), [(-1, True), (1, False)])
def test_an_offer_one_second_past_its_expiry_stops_the_send(
    qtbot: QtBot, launch: Launch, past_expiry: int, sent: bool
) -> None:
    app = launch(PILOT)
    offer = app.state.offer
    assert offer is not None
    dialog = open_invite_dialog(qtbot, app)
    type_addresses(qtbot, dialog, "late@example.org")
    # The operator read this offer; the backend's clock moves to one second before or after
    # its expiry while the dialog is open.
    app.simulator.advance_clock(
        offer.expires_at - app.simulator.now() + timedelta(seconds=past_expiry)
    )
    results = results_of(app, Operation.SEND)
    click_send(qtbot, dialog)
    qtbot.waitUntil(lambda: bool(results) and results[-1].definite, timeout=WAIT_MS)
    sync_and_wait(qtbot, app)
    assert ("late@example.org" in recipients(app)) is sent
    if sent:
        assert results[-1].outcome is Outcome.DONE
        return
    assert results[-1].outcome is Outcome.REFUSED
    assert dialog.error_label.text().startswith("The invitation offer you opened expired at ")
    assert dialog.error_label.text().endswith("The invitation was not sent.")
    # The refusal refreshed the offer: the next send names the new one and goes.
    assert app.state.offer is not None
    assert app.state.offer.id != offer.id
    click_send(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.phase is Phase.DONE, timeout=WAIT_MS)
    sync_and_wait(qtbot, app)
    assert recipients(app).count("late@example.org") == 1


def test_a_changed_offer_stops_the_send_with_its_sentence(qtbot: QtBot, launch: Launch) -> None:
    app = launch(PILOT)
    dialog = open_invite_dialog(qtbot, app)
    type_addresses(qtbot, dialog, "a@example.org, b@example.org")
    app.controller.stateChanged.disconnect(dialog._state_changed)  # read before the change
    app.simulator.set_offer({"description": "New terms."})
    app.controller.stateChanged.connect(dialog._state_changed)
    results = results_of(app, Operation.SEND)
    click_send(qtbot, dialog)
    qtbot.waitUntil(lambda: len(results) == 2 and all(r.definite for r in results), timeout=WAIT_MS)
    assert {r.reason for r in results} == {results[0].reason}
    assert all(r.outcome is Outcome.REFUSED for r in results)
    assert dialog.error_label.text().split("\n") == [
        f"{address}: The invitation offer changed after you opened it. Read the new terms, "
        "then send again. The invitation was not sent."
        for address in ("a@example.org", "b@example.org")
    ]
    sync_and_wait(qtbot, app)
    assert not {"a@example.org", "b@example.org"} & set(recipients(app))
    qtbot.waitUntil(lambda: dialog.intro.text() == "New terms.", timeout=WAIT_MS)


# -- resend ----------------------------------------------------------------------------------


def select_row(qtbot: QtBot, shown: ReferralSection, recipient: str) -> None:
    """Click the invitation's row in the list."""

    def row() -> int:
        ids = [i.id for i in shown._invitations if i.recipient == recipient]
        return shown.model.row_of(ids[0]) if ids else -1

    qtbot.waitUntil(lambda: row() >= 0, timeout=WAIT_MS)
    shown.view.scrollTo(shown.model.index(row()))
    rect = shown.view.visualRect(shown.model.index(row()))
    qtbot.mouseClick(shown.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert shown.current_invitation() is not None
    assert shown.current_invitation().recipient == recipient  # type: ignore[union-attr]


def emails_to(app: App, recipient: str) -> int:
    return sum(1 for entry in app.simulator.outbox() if entry.recipient == recipient)


def test_resend_is_disabled_inside_the_cooldown_and_sends_one_email_just_after(
    qtbot: QtBot, launch: Launch
) -> None:
    app = launch(PILOT)
    record = app.simulator.invite(PILOT, "pending@example.org")
    sync_and_wait(qtbot, app)
    shown = module(app)
    select_row(qtbot, shown, "pending@example.org")
    available_at = record.invitation.resend_available_at
    assert available_at is not None

    # One second inside the cooldown: the button waits, and the backend would refuse too.
    app.simulator.advance_clock(available_at - app.simulator.now() - timedelta(seconds=1))
    sync_and_wait(qtbot, app)
    assert not shown.resend_button.isEnabled()
    assert shown.resend_button.text().startswith("Resend from ")
    results = results_of(app, Operation.RESEND)
    app.controller.resend_invitation(record.invitation.id)
    qtbot.waitUntil(lambda: bool(results) and results[-1].definite, timeout=WAIT_MS)
    assert results[-1].outcome is Outcome.REFUSED
    assert results[-1].message.startswith("The email for this invitation went out at ")
    before = emails_to(app, "pending@example.org")

    # One second after: the button works, once.
    app.simulator.advance_clock(timedelta(seconds=2))
    sync_and_wait(qtbot, app)
    assert shown.resend_button.isEnabled()
    assert shown.resend_button.text() == "Resend email"
    qtbot.mouseClick(shown.resend_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(shown.resend_button, Qt.MouseButton.LeftButton)  # a double click
    qtbot.waitUntil(lambda: results[-1].outcome is Outcome.DONE, timeout=WAIT_MS)
    assert shown.revoke_message.text() == "The invitation email went to pending@example.org again."
    sync_and_wait(qtbot, app)
    assert emails_to(app, "pending@example.org") == before + 1
    (after,) = [
        r.invitation
        for r in app.simulator.invitations(PILOT)
        if r.invitation.recipient == "pending@example.org"
    ]
    assert after.emails_sent == 2
    assert not shown.resend_button.isEnabled()  # a new cooldown


def test_a_resend_whose_answer_is_lost_settles_with_its_key_and_one_email(
    qtbot: QtBot, launch: Launch
) -> None:
    app = launch(PILOT)
    record = app.simulator.invite(PILOT, "pending@example.org")
    assert record.invitation.resend_available_at is not None
    app.simulator.advance_clock(record.invitation.resend_available_at - app.simulator.now())
    sync_and_wait(qtbot, app)
    shown = module(app)
    select_row(qtbot, shown, "pending@example.org")
    before = emails_to(app, "pending@example.org")
    app.simulator.set_fault(error_rate=1.0)
    results = results_of(app, Operation.RESEND)
    qtbot.waitUntil(shown.resend_button.isEnabled, timeout=WAIT_MS)
    qtbot.mouseClick(shown.resend_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(results), timeout=WAIT_MS)
    assert results[0].outcome is Outcome.UNKNOWN
    assert "may already have gone out again" in shown.revoke_message.text()
    assert not shown.resend_button.isEnabled()  # settling: no second resend can start
    app.simulator.clear_faults()
    qtbot.waitUntil(lambda: results[-1].definite, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: app.state.pending == (), timeout=WAIT_MS)
    sync_and_wait(qtbot, app)
    assert {r.key for r in results} == {results[0].key}
    assert results[-1].outcome is Outcome.DONE
    assert results[-1].settles
    assert emails_to(app, "pending@example.org") == before + 1


# -- several recipients with a lost answer ---------------------------------------------------


def test_a_multi_send_with_lost_answers_settles_each_with_its_own_key(
    qtbot: QtBot, launch: Launch
) -> None:
    app = launch(PILOT)
    before = recipients(app)
    three = addresses(3, start=20)
    dialog = open_invite_dialog(qtbot, app)
    type_addresses(qtbot, dialog, " ".join(three))
    results = results_of(app, Operation.SEND)
    app.simulator.set_fault(error_rate=1.0)
    click_send(qtbot, dialog)
    qtbot.waitUntil(lambda: len({r.key for r in results}) == 3, timeout=WAIT_MS)
    assert dialog.phase in (Phase.SENDING, Phase.WAITING)
    app.simulator.clear_faults()
    qtbot.waitUntil(lambda: dialog.phase is Phase.DONE, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: app.state.sync.pending_operations == 0, timeout=WAIT_MS)
    sync_and_wait(qtbot, app)
    assert sorted(recipients(app)) == sorted([*before, *three])  # each once, whatever the retries
    assert {r.invitation.idempotency_key for r in app.simulator.invitations(PILOT)} >= set(
        dialog.keys
    )
    assert all(f"Invitation sent to {a}." in dialog.status_label.text() for a in three)


# -- credits ---------------------------------------------------------------------------------


def test_a_named_complimentary_credit_resets_only_the_five_hour_window(
    qtbot: QtBot, launch: Launch, monkeypatch: pytest.MonkeyPatch
) -> None:
    def grant(app: App) -> None:
        app.simulator.grant(
            PILOT, title="Welcome reset", expires_days=1, windows=CreditWindows.FIVE_HOUR
        )
        app.simulator.set_usage(PILOT, weekly_percent=50, five_hour_percent=40)

    app = launch(PILOT, grant)
    assert app.window.select_page("wallet")
    page = app.window.pages["wallet"]
    assert isinstance(page, WalletPage)
    row = page.tokens_view.topLevelItem(0)
    assert [row.text(n) for n in range(1, 4)] == ["Welcome reset", "Complimentary", "5-hour only"]
    (credit,) = [t for t in app.state.available_tokens if t.credit.title == "Welcome reset"]
    assert app.state.available_tokens[0] == credit  # it expires first

    named: list[str] = []

    def confirm(parent: object, state: object) -> bool:
        dialog = RedeemDialog(app.state)
        named.append(dialog.findChild(type(dialog.effect_label), "redeemTokenLabel").text())
        named.append(dialog.effect_label.text())
        dialog.deleteLater()
        return True

    monkeypatch.setattr(RedeemDialog, "ask", confirm)
    results = results_of(app, Operation.REDEEM)
    qtbot.mouseClick(page.redeem_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(results) and results[-1].definite, timeout=WAIT_MS)
    assert named[0].startswith(
        "This uses “Welcome reset”, the reset that expires first: complimentary"
    )
    assert named[1].endswith("The weekly window is not reset.")
    assert page.message_label.text() == (
        "Reset spent: your 5-hour usage is back to zero; the weekly window is unchanged."
    )
    # The backend's own state: that credit spent, the weekly window untouched.
    wallet = app.simulator.wallet(PILOT)
    (spent,) = [t for t in wallet.tokens if t.id == credit.credit.id]
    assert spent.state == "spent"
    assert app.state.weekly is not None
    assert app.state.weekly.used > 0
    assert app.state.five_hour is not None
    assert app.state.five_hour.used == 0


def test_a_lost_redeem_answer_replayed_as_already_redeemed_is_this_requests_reset(
    qtbot: QtBot, launch: Launch, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = launch(CAPPED)
    before = sum(1 for t in app.simulator.wallet(CAPPED).tokens if t.state == "spent")
    assert app.window.select_page("wallet")
    page = app.window.pages["wallet"]
    assert isinstance(page, WalletPage)
    credit = app.state.available_tokens[0]
    monkeypatch.setattr(RedeemDialog, "ask", lambda parent, state: True)
    app.simulator.set_fault(error_rate=1.0)
    results = results_of(app, Operation.REDEEM)
    qtbot.mouseClick(page.redeem_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(results), timeout=WAIT_MS)
    assert results[0].outcome is Outcome.UNKNOWN
    app.simulator.clear_faults()
    qtbot.waitUntil(lambda: results[-1].definite, timeout=WAIT_MS)
    # The replay answered already_redeemed: for this client it is its own reset, said so.
    assert results[-1].outcome is Outcome.DONE
    assert results[-1].key == results[0].key
    assert page.message_label.text().startswith("Reset spent: ")
    wallet = app.simulator.wallet(CAPPED)
    assert sum(1 for t in wallet.tokens if t.state == "spent") == before + 1
    assert [t.state for t in wallet.tokens if t.id == credit.credit.id] == ["spent"]
    # The same request once more (the backend's replay): nothing new is spent.
    again = app.simulator.redeem(CAPPED, results[0].key)
    assert again.replayed
    assert str(again.code) == "already_redeemed"
    assert sum(1 for t in app.simulator.wallet(CAPPED).tokens if t.state == "spent") == before + 1


def test_invitation_states_only_pending_ones_resend(qtbot: QtBot, launch: Launch) -> None:
    app = launch(PILOT)
    record = app.simulator.invite(PILOT, "gone@example.org")
    app.simulator.revoke(PILOT, record.invitation.id)
    assert record.invitation.resend_available_at is not None
    app.simulator.advance_clock(timedelta(hours=1))
    sync_and_wait(qtbot, app)
    shown = module(app)
    select_row(qtbot, shown, "gone@example.org")
    current = shown.current_invitation()
    assert current is not None
    assert current.state is InvitationState.REVOKED
    assert not shown.resend_button.isEnabled()
