"""The eligibility inspector, the cohort buttons, switching accounts and resetting the demo."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget
from pytestqt.qtbot import QtBot

from desktop.app import App
from desktop.controller.state import SyncPhase
from desktop.domain.invitations import InvitationState
from desktop.ui.qa.accounts import ResetConfirmation
from desktop.ui.qa.window import QaSimulatorWindow
from tests.qa.conftest import LaunchQa
from tests.qa.driver import act, click, invite_from_settings, label_text, settings_invitation
from tests.ui.app_driver import WAIT_MS, section

# Each demo operator's answer comes from a different rule (docs/BACKEND.md, Seed).
EXPECTED_REASONS = {
    "pilot@example.com": ("In the cohort", "Included: the account is on the pilot's allow list."),
    "capped@example.com": (
        "In the cohort",
        "Included: bucket 501 of 10000 is below the rollout of 1000 buckets (10%).",
    ),
    "pro@example.com": ("Not in the cohort", "Excluded: the account is on the pilot's deny list."),
    "free@example.com": (
        "Not in the cohort",
        "Not included: bucket 3708 of 10000 is not below the rollout of 1000 buckets (10%).",
    ),
}
TRACE_WORDS = ("cohort", "pilot", "bucket", "invit", "referral")


def switch_to(qtbot: QtBot, app: App, qa: QaSimulatorWindow, email: str) -> None:
    """Accounts tab: pick the operator, click Sign in as selected, wait for its first sync."""
    qa.tabs.setCurrentWidget(qa.accounts)
    qtbot.waitUntil(lambda: qa.accounts.select(email), timeout=WAIT_MS)
    act(qtbot, qa, qa.accounts.switch_button)

    def signed_in() -> None:
        assert app.state.account is not None
        assert app.state.account.email == email
        assert app.state.sync.phase is SyncPhase.SYNCED
        assert app.window.is_settled()  # the module and Wallet page come in turns of their own

    qtbot.waitUntil(signed_in, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: qa.inspector.verdict_label.text().startswith(email), timeout=WAIT_MS)


def visible_texts(root: QWidget) -> list[str]:
    """Every label text, accessible name and tooltip under `root` (and its own)."""
    texts = [root.windowTitle(), root.accessibleName(), root.toolTip()]
    for widget in root.findChildren(QWidget):
        texts += [widget.accessibleName(), widget.toolTip()]
        if isinstance(widget, QLabel | QAbstractButton):
            texts.append(widget.text())
    return [text for text in texts if text]


def test_inspector_explains_each_demo_account_after_switching(
    qtbot: QtBot, launch_qa: LaunchQa
) -> None:
    app, qa = launch_qa("pilot@example.com")
    for email in ("pilot@example.com", "capped@example.com", "pro@example.com", "free@example.com"):
        if email != "pilot@example.com":
            switch_to(qtbot, app, qa, email)
        verdict, reason = EXPECTED_REASONS[email]
        qtbot.waitUntil(lambda r=reason: qa.inspector.reason_label.text() == r, timeout=WAIT_MS)
        assert qa.inspector.verdict_label.text() == f"{email}: {verdict}"
        in_cohort = verdict == "In the cohort"
        assert (section(app) is not None) == in_cohort
        assert qa.operator_label.text().startswith(f"Signed in: {email}")
        if email == "capped@example.com":
            assert "bucket 501 of 10000 against a rollout of 1000" in qa.inspector.rule_label.text()
        if email == "pro@example.com":
            # Listed, so the rollout alone is not what decided; the inspector says what would.
            assert qa.inspector.rule_label.text().startswith("Decided by the deny list")


@pytest.mark.parametrize("email", ["pro@example.com", "free@example.com"])
def test_settings_window_shows_no_trace_of_the_module_outside_the_cohort(
    qtbot: QtBot, launch_qa: LaunchQa, email: str
) -> None:
    app, qa = launch_qa(email)
    qtbot.waitUntil(lambda: qa.inspector.reason_label.text() == EXPECTED_REASONS[email][1])
    for page in ("general", "usage", "account"):
        assert app.window.select_page(page)
        assert section(app) is None
        leaks = [
            text
            for text in visible_texts(app.window)
            if any(word in text.lower() for word in TRACE_WORDS)
        ]
        assert leaks == []
    assert not app.window.select_page("wallet")
    # The why is in the QA window only.
    assert any("deny list" in t or "bucket 3708" in t for t in visible_texts(qa))


def test_cohort_deny_allow_and_clear_from_the_qa_window(qtbot: QtBot, launch_qa: LaunchQa) -> None:
    app, qa = launch_qa("pilot@example.com")
    assert section(app) is not None

    act(qtbot, qa, qa.inspector.deny_button)
    qtbot.waitUntil(lambda: section(app) is None, timeout=WAIT_MS)
    assert app.window.findChild(QAbstractButton, "inviteButton") is None
    assert qa.inspector.verdict_label.text() == "pilot@example.com: Not in the cohort"
    assert qa.inspector.reason_label.text() == "Excluded: the account is on the pilot's deny list."

    act(qtbot, qa, qa.inspector.allow_button)
    qtbot.waitUntil(lambda: section(app) is not None, timeout=WAIT_MS)
    assert qa.inspector.verdict_label.text() == "pilot@example.com: In the cohort"

    # Off both lists, pilot@'s own bucket decides: it is not inside the 10% rollout.
    act(qtbot, qa, qa.inspector.clear_button)
    qtbot.waitUntil(lambda: section(app) is None, timeout=WAIT_MS)
    assert qa.inspector.reason_label.text().startswith("Not included: bucket ")
    assert qa.inspector.rule_label.text().startswith("Decided by the rollout")


def test_reset_demo_wipes_changes_and_signs_the_operator_in_again(
    qtbot: QtBot, launch_qa: LaunchQa, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, qa = launch_qa("pilot@example.com")
    invite_from_settings(qtbot, app, "someone@example.com")
    qa.tabs.setCurrentWidget(qa.policy)
    qa.policy.edits["monthly_cap"].clear()
    qtbot.keyClicks(qa.policy.edits["monthly_cap"], "5")
    act(qtbot, qa, qa.policy.apply_button)
    qtbot.waitUntil(
        lambda: (label_text(app.window, "cycleEarnedLabel") or "").startswith("0 of 5"),
        timeout=WAIT_MS,
    )
    asked: list[QWidget] = []

    def confirm(parent: QWidget) -> bool:
        asked.append(parent)
        return True

    monkeypatch.setattr(ResetConfirmation, "ask", confirm)
    qa.tabs.setCurrentWidget(qa.accounts)
    note = act(qtbot, qa, qa.accounts.reset_button)

    assert asked == [qa.accounts]
    assert note == "Demo data reset. Signing pilot@example.com in again."

    def fresh() -> None:
        assert app.state.account is not None
        assert app.state.account.email == "pilot@example.com"
        assert app.state.sync.phase is SyncPhase.SYNCED
        assert settings_invitation(app, "someone@example.com") is None
        assert (label_text(app.window, "cycleEarnedLabel") or "").startswith("0 of 3")

    qtbot.waitUntil(fresh, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: qa.invitations.list.count() == 0, timeout=WAIT_MS)
    assert qa.policy.edits["monthly_cap"].text() == "3"
    assert not qa.invitations.empty_label.isHidden()


def test_reset_demo_asks_first_and_does_nothing_when_cancelled(
    qtbot: QtBot, launch_qa: LaunchQa, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, qa = launch_qa("pilot@example.com")
    invite_from_settings(qtbot, app, "someone@example.com")
    monkeypatch.setattr(ResetConfirmation, "ask", lambda parent: False)
    qa.tabs.setCurrentWidget(qa.accounts)
    with qtbot.assertNotEmitted(qa.qa.actionFinished, wait=300):
        click(qtbot, qa.accounts.reset_button)
    view = settings_invitation(app, "someone@example.com")
    assert view is not None
    assert view.state is InvitationState.SENT
