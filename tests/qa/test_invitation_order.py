"""Both windows list invitations newest first by the backend's creation sequence (issue 13)."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.backend.simulator import Simulator
from desktop.controller.state import InvitationView
from desktop.ui.qa.invitations import ID_ROLE
from desktop.ui.referral.invitations_model import INVITATION_ROLE
from tests.qa.conftest import LaunchQa
from tests.ui.app_driver import WAIT_MS, section


def test_invitations_sharing_one_timestamp_are_newest_first_in_both_windows(
    qtbot: QtBot, launch_qa: LaunchQa, data_dir: Path
) -> None:
    app, qa = launch_qa("pilot@example.com")
    with Simulator(data_dir) as other:  # the clock is frozen: every one gets the same time
        sent = [other.invite("pilot@example.com", f"peer{n}@example.com") for n in range(5)]
    assert len({record.invitation.created_at for record in sent}) == 1
    newest_first = [record.invitation.id for record in reversed(sent)]

    def settings_ids() -> list[str]:
        module = section(app)
        assert module is not None
        model = module.view.model()
        rows = range(model.rowCount())
        views = [model.data(model.index(row, 0), INVITATION_ROLE) for row in rows]
        assert all(isinstance(view, InvitationView) for view in views)
        return [view.id for view in views]

    def qa_ids() -> list[str]:
        panel = qa.invitations.list
        return [panel.item(row).data(ID_ROLE) for row in range(panel.count())]

    qtbot.waitUntil(lambda: settings_ids() == newest_first, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: qa_ids() == newest_first, timeout=WAIT_MS)
