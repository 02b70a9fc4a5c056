"""Usage, clock, faults and policy from the QA window; the settings window follows each."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtWidgets import QFrame
from pytestqt.qtbot import QtBot

from desktop.app import App
from desktop.ui.usage_meter import UsageMeter
from tests.qa.conftest import LaunchQa
from tests.qa.driver import act, act_refused, click, invite_from_settings, label_text
from tests.ui.app_driver import WAIT_MS


def meter_percent(app: App, name: str) -> int | None:
    """What a usage meter of the settings window shows (None: "—")."""
    meters = {m.accessibleName(): m for m in app.window.findChildren(UsageMeter, "usageMeter")}
    meter = meters[name]
    return None if meter.percent_label.text() == "—" else meter.bar.value()


def test_usage_windows_set_from_the_qa_window(qtbot: QtBot, launch_qa: LaunchQa) -> None:
    app, qa = launch_qa("pilot@example.com")
    app.window.select_page("usage")
    assert meter_percent(app, "Weekly usage") == 82
    panel = qa.usage_and_clock
    qa.tabs.setCurrentWidget(panel)
    assert panel.weekly_spin.value() == 82
    assert panel.five_hour_spin.value() == 40

    panel.weekly_spin.setValue(10)
    panel.five_hour_spin.setValue(95)
    note = act(qtbot, qa, panel.usage_apply_button)

    assert note == "pilot@example.com: weekly 10% used, 5-hour 95% used."
    qtbot.waitUntil(lambda: meter_percent(app, "Weekly usage") == 10, timeout=WAIT_MS)
    assert meter_percent(app, "5-hour usage") == 95


def test_clock_steps_and_custom_duration(qtbot: QtBot, launch_qa: LaunchQa) -> None:
    app, qa = launch_qa("pilot@example.com")
    start = app.simulator.now()
    app.window.select_page("usage")
    panel = qa.usage_and_clock
    qa.tabs.setCurrentWidget(panel)
    [five_hours, one_day, _, _] = panel.step_buttons

    assert act(qtbot, qa, five_hours) == "Backend clock moved forward by 5 hours."
    # pilot@'s 5-hour window began 2 hours ago: it is over, so it reads empty.
    qtbot.waitUntil(lambda: meter_percent(app, "5-hour usage") == 0, timeout=WAIT_MS)
    assert meter_percent(app, "Weekly usage") == 82
    act(qtbot, qa, one_day)
    qtbot.keyClicks(panel.custom_edit, "3d 2h")
    assert act(qtbot, qa, panel.custom_button) == "Backend clock moved forward by 3 days 2 hours."
    assert app.simulator.now() - start == timedelta(days=4, hours=7)
    # pilot@'s weekly window began 3 days before seeding: after 4 days and more it is over.
    qtbot.waitUntil(lambda: meter_percent(app, "Weekly usage") == 0, timeout=WAIT_MS)
    assert qa.snapshot is not None
    assert qa.snapshot.clock.now == start + timedelta(days=4, hours=7)

    panel.custom_edit.clear()
    qtbot.keyClicks(panel.custom_edit, "soon")
    message = act_refused(qtbot, qa, panel.custom_button)
    assert message.startswith("Not a duration")
    assert app.simulator.now() - start == timedelta(days=4, hours=7)


def test_offline_fault_shows_the_banner_and_clearing_it_recovers(
    qtbot: QtBot, launch_qa: LaunchQa
) -> None:
    app, qa = launch_qa("pilot@example.com")
    banner = app.window.findChild(QFrame, "errorBanner")
    assert banner is not None
    assert not banner.isVisible()
    qa.tabs.setCurrentWidget(qa.faults)

    act(qtbot, qa, qa.faults.offline_check)
    qtbot.waitUntil(banner.isVisible, timeout=WAIT_MS)
    assert "offline" in qa.faults_label.text()
    assert app.simulator.faults().offline

    act(qtbot, qa, qa.faults.clear_button)
    qtbot.waitUntil(lambda: not banner.isVisible(), timeout=WAIT_MS)
    assert qa.faults_label.text() == "Faults: none"
    assert not qa.faults.offline_check.isChecked()


def test_error_rate_and_latency_are_set(qtbot: QtBot, launch_qa: LaunchQa) -> None:
    app, qa = launch_qa("pilot@example.com")
    qa.tabs.setCurrentWidget(qa.faults)
    qa.faults.error_rate_spin.setValue(0.3)
    assert act(qtbot, qa, qa.faults.error_rate_button) == "Error rate set to 0.3."
    qa.faults.latency_spin.setValue(200)
    assert act(qtbot, qa, qa.faults.latency_button) == "Latency set to 200 ms."
    faults = app.simulator.faults()
    assert (faults.error_rate, faults.latency_ms) == (0.3, 200)
    assert qa.faults_label.text() == "Faults: latency 200 ms, error rate 0.3"
    app.simulator.clear_faults()  # let the app close without waiting on latency


def test_policy_cap_raised_to_five_and_prompts_to_one(qtbot: QtBot, launch_qa: LaunchQa) -> None:
    app, qa = launch_qa("pilot@example.com")
    invite_from_settings(qtbot, app, "peer@example.com")
    qa.tabs.setCurrentWidget(qa.policy)
    edits = qa.policy.edits
    for name, value in (("monthly_cap", "5"), ("prompts_required", "1")):
        edits[name].clear()
        qtbot.keyClicks(edits[name], value)
    assert qa.policy.changed_values() == {"monthly_cap": "5", "prompts_required": "1"}

    note = act(qtbot, qa, qa.policy.apply_button)

    assert note == "Policy: monthly_cap=5, prompts_required=1."
    qtbot.waitUntil(
        lambda: (label_text(app.window, "cycleEarnedLabel") or "").startswith("0 of 5"),
        timeout=WAIT_MS,
    )
    # The pending invitation now needs one prompt ("k of N" changed with the policy).
    qtbot.waitUntil(lambda: "Prompts 0/1" in qa.invitations.checklist_label.text(), timeout=WAIT_MS)
    assert app.simulator.policy().monthly_cap == 5


def test_invalid_policy_value_is_refused_and_changes_nothing(
    qtbot: QtBot, launch_qa: LaunchQa
) -> None:
    app, qa = launch_qa("pilot@example.com")
    qa.tabs.setCurrentWidget(qa.policy)
    edit = qa.policy.edits["prompts_required"]
    edit.clear()
    qtbot.keyClicks(edit, "0")
    message = act_refused(qtbot, qa, qa.policy.apply_button)
    assert message == "prompts_required must be at least 1"
    assert app.simulator.policy().prompts_required == 3
    click(qtbot, qa.policy.defaults_button)
    assert edit.text() == "3"
    assert qa.policy.changed_values() == {}
