"""Usage windows (R7) and invitation states (R2-R5) as the UI and backend read them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from desktop.domain.invitations import InvitationState, describe_progress
from desktop.domain.usage import UsageWindow, WindowKind

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


def test_window_not_begun_has_no_reset_time() -> None:
    window = UsageWindow(WindowKind.WEEKLY, 1000, 0, None)
    assert window.resets_at is None
    assert window.percent_used == 0


def test_first_use_begins_the_window() -> None:
    window = UsageWindow(WindowKind.FIVE_HOUR, 100, 0, None).record_use(40, NOW)
    assert window.started_at == NOW
    assert window.resets_at == NOW + timedelta(hours=5)
    assert (window.percent_used, window.remaining) == (40, 60)


def test_window_resets_by_itself_at_its_end() -> None:
    window = UsageWindow(WindowKind.FIVE_HOUR, 100, 40, NOW)
    assert window.at(NOW + timedelta(hours=5) - timedelta(seconds=1)).used == 40
    ended = window.at(NOW + timedelta(hours=5))
    assert (ended.used, ended.started_at) == (0, None)


def test_use_after_the_end_begins_a_new_window() -> None:
    later = NOW + timedelta(days=8)
    window = UsageWindow(WindowKind.WEEKLY, 1000, 820, NOW).record_use(10, later)
    assert (window.used, window.started_at) == (10, later)


def test_clearing_closes_the_window_until_next_use() -> None:
    window = UsageWindow(WindowKind.WEEKLY, 1000, 820, NOW).cleared()
    assert (window.used, window.started_at, window.resets_at) == (0, None, None)


def test_percent_is_capped_at_100() -> None:
    assert UsageWindow(WindowKind.WEEKLY, 1000, 1500, NOW).percent_used == 100
    assert UsageWindow(WindowKind.WEEKLY, 1000, 1500, NOW).remaining == 0


@pytest.mark.parametrize("state", list(InvitationState))
def test_every_state_has_a_label_and_a_plain_reason(state: InvitationState) -> None:
    assert state.label
    assert describe_progress(state, 1, 3, 62).endswith(".")


def test_prompting_reason_counts_what_is_left() -> None:
    assert "2 of 3 prompts sent; 1 prompt to go" in describe_progress(
        InvitationState.PROMPTING, 2, 3, 62
    )


def test_only_pending_invitations_can_be_revoked() -> None:
    revocable = {s for s in InvitationState if s.is_revocable}
    assert revocable == {InvitationState.QUEUED, InvitationState.SENT, InvitationState.OPENED}
    assert all(not s.is_revocable for s in InvitationState if s.is_final)
