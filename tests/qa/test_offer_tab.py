"""The QA window's Offer tab (issue 14): the offer with the reason it is not offered (QA only;
the module stays absent, R1), the offer's copy set from the window, and a complimentary credit
granted to the operator, each checked in the settings window and in the backend's own state."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.ui.pages.wallet import WalletPage
from tests.qa.conftest import LaunchQa
from tests.ui.app_driver import WAIT_MS, section

PILOT = "pilot@example.com"


def test_the_offer_tab_sets_the_copy_the_module_shows(qtbot: QtBot, launch_qa: LaunchQa) -> None:
    app, window = launch_qa(PILOT)
    panel = window.offer
    window.tabs.setCurrentWidget(panel)
    assert panel.facts_label.text().startswith("Offered: Invite a friend")
    panel.title_edit.setText("Bring a colleague")
    panel.rules_edit.setPlainText("One address per invitation.\nBe kind.")
    qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            (module := section(app)) is not None
            and module.title_label.text() == "Bring a colleague"
        ),
        timeout=WAIT_MS,
    )
    module = section(app)
    assert module is not None
    assert module.rules_label.text() == "• One address per invitation.\n• Be kind."
    assert app.simulator.offer(PILOT).title == "Bring a colleague"
    # The QA window reads its own snapshot after the change: it may come after the module's sync.
    qtbot.waitUntil(
        lambda: panel.facts_label.text().startswith("Offered: Bring a colleague"), timeout=WAIT_MS
    )


def test_a_paused_offer_shows_its_reason_in_qa_only(qtbot: QtBot, launch_qa: LaunchQa) -> None:
    app, window = launch_qa(PILOT)
    panel = window.offer
    window.tabs.setCurrentWidget(panel)
    panel.paused_check.setChecked(True)
    qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: section(app) is None, timeout=WAIT_MS)  # absent, R1
    qtbot.waitUntil(
        lambda: panel.facts_label.text().startswith("Not offered (the module stays absent): "),
        timeout=WAIT_MS,
    )
    assert "Invitations are paused for now." in panel.facts_label.text()
    assert not app.simulator.offer(PILOT).offered


def test_a_complimentary_credit_granted_in_qa_shows_in_the_wallet(
    qtbot: QtBot, launch_qa: LaunchQa
) -> None:
    app, window = launch_qa(PILOT)
    panel = window.offer
    window.tabs.setCurrentWidget(panel)
    panel.grant_title_edit.setText("Sorry for the outage")
    panel.grant_days.setValue(0)  # never expires
    panel.grant_windows.setCurrentIndex(panel.grant_windows.findData("five_hour"))
    before = len(app.simulator.wallet(PILOT).tokens)
    qtbot.mouseClick(panel.grant_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: any(t.credit.title == "Sorry for the outage" for t in app.state.tokens),
        timeout=WAIT_MS,
    )
    tokens = app.simulator.wallet(PILOT).tokens
    assert len(tokens) == before + 1
    (granted,) = [t for t in tokens if t.title == "Sorry for the outage"]
    assert (str(granted.source), granted.expires_at, str(granted.windows)) == (
        "complimentary",
        None,
        "five_hour",
    )
    assert app.window.select_page("wallet")
    page = app.window.pages["wallet"]
    assert isinstance(page, WalletPage)
    rows = [page.tokens_view.topLevelItem(n) for n in range(page.tokens_view.topLevelItemCount())]
    (row,) = [r for r in rows if r.text(1) == "Sorry for the outage"]
    assert [row.text(n) for n in range(4)] == [
        "Never expires",
        "Sorry for the outage",
        "Complimentary",
        "5-hour only",
    ]
