"""The controller's plain parts: retry delays, the in-memory model's ordering, the ledger CSV."""

from __future__ import annotations

import csv
import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest

import desktop.controller.model
from desktop.controller import RetryPolicy
from desktop.controller.ledger import write_ledger
from desktop.controller.model import ClientModel, views_of
from desktop.controller.state import AppState, PendingView
from desktop.domain.invitations import InvitationState
from desktop.domain.outcomes import Operation
from desktop.storage import LedgerEntry, QueuedInvitation, SyncApplied
from desktop.storage.records import EMPTY_SNAPSHOT
from tests.client.records import T0, delta, invitation


def test_retry_delays_double_up_to_the_cap() -> None:
    policy = RetryPolicy(attempts=5, first_delay_ms=250, max_delay_ms=1_500)
    assert [policy.delay_ms(n) for n in range(1, 6)] == [250, 500, 1_000, 1_500, 1_500]
    assert policy.delay_ms(10_000) == 1_500  # no overflow after a long outage


@pytest.mark.parametrize(
    "values",
    [{"attempts": 0}, {"first_delay_ms": -1}, {"first_delay_ms": 10, "max_delay_ms": 5}],
)
def test_a_nonsensical_retry_policy_is_refused(values: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="must"):
        RetryPolicy(**values)


def test_the_model_lists_queued_first_then_newest_first() -> None:
    model = ClientModel()
    rows = (invitation(1), invitation(3), invitation(2))
    model.apply_sync(delta(1, rows), SyncApplied(rows, (), (), cursor=1))
    model.queue(QueuedInvitation("k", "q@example.com", T0, 0, ""))
    views = model.invitation_views(hidden_keys=set())
    assert [v.id for v in views] == ["local-k", "inv-3", "inv-2", "inv-1"]
    assert views[0].state is InvitationState.QUEUED
    assert [v.id for v in model.invitation_views(hidden_keys={"k"})] == ["inv-3", "inv-2", "inv-1"]


def test_the_model_replaces_a_changed_row_in_place() -> None:
    model = ClientModel()
    rows = tuple(invitation(n) for n in range(4))
    model.apply_sync(delta(1, rows), SyncApplied(rows, (), (), cursor=1))
    before = model.invitation_views(set())
    opened = invitation(2, state=InvitationState.OPENED, updated=T0 + timedelta(days=1), version=2)
    model.put_invitation(opened)
    after = model.invitation_views(set())
    assert [v.id for v in after] == [v.id for v in before]
    assert after[1].state is InvitationState.OPENED
    assert model.invitation_views(set()) is after  # unchanged: no rebuild


def test_new_invitations_land_where_a_full_sort_puts_them() -> None:
    # A send adds one invitation to thousands: it is placed into the known order, and the list
    # is the one sorting everything again gives (the newest, the oldest, one in between, and
    # rows sharing a timestamp or cached before sequences existed).
    model = ClientModel()
    rows = tuple(invitation(n) for n in range(0, 400, 2))
    model.apply_sync(delta(1, rows), SyncApplied(rows, (), (), cursor=1))
    model.invitation_views(set())
    added = (
        invitation(1_000),
        invitation(-5),
        invitation(201),
        invitation(7, sequence=0),
        invitation(9, sequence=0),
        invitation(3, sequence=200),
    )
    for row in added:
        model.put_invitation(row)
    views = model.invitation_views(set())
    every = rows + added
    expected = sorted(every, key=lambda r: (r.sequence, r.created_at, r.id), reverse=True)
    assert [v.id for v in views] == [r.id for r in expected]
    ids = [v.id for v in views]
    assert ids[0] == "inv-1000"
    assert ids[ids.index("inv-201") - 1 : ids.index("inv-201") + 2] == [
        "inv-202",
        "inv-201",
        "inv-200",
    ]


def test_a_new_invitation_and_changed_rows_at_once_show_every_change() -> None:
    model = ClientModel()
    rows = tuple(invitation(n) for n in range(5))
    model.apply_sync(delta(1, rows), SyncApplied(rows, (), (), cursor=1))
    before = model.invitation_views(set())
    opened = invitation(2, state=InvitationState.OPENED, updated=T0 + timedelta(days=1), version=2)
    model.put_invitation(opened)
    model.put_invitation(invitation(5))
    after = model.invitation_views(set())
    assert [v.id for v in after] == ["inv-5", *(v.id for v in before)]
    assert after[3].state is InvitationState.OPENED
    assert after[2] is before[1]  # unchanged rows keep their view (the list model relies on it)


def test_a_first_sync_with_its_views_made_elsewhere_lists_every_row_as_the_row_by_row_path() -> (
    None
):
    # The first sync into an empty model is taken whole (the views come from the cache thread);
    # a later sync merges row by row. Both give the same list.
    rows = tuple(invitation(n) for n in (3, 1, 4, 5, 9, 2, 6))
    whole, by_row = ClientModel(), ClientModel()
    whole.apply_sync(delta(1, rows), SyncApplied(rows, (), (), cursor=1), views_of(rows))
    for row in rows:
        by_row.put_invitation(row)
    assert whole.invitation_views(set()) == by_row.invitation_views(set())
    assert [v.id for v in whole.invitation_views(set())][:2] == ["inv-9", "inv-6"]
    later = (invitation(7), invitation(3, state=InvitationState.OPENED, version=2))
    whole.apply_sync(delta(2, later), SyncApplied(later, (), (), cursor=2), views_of(later))
    views = whole.invitation_views(set())
    assert [v.id for v in views][:3] == ["inv-9", "inv-7", "inv-6"]
    assert whole.invitations["inv-3"].state is InvitationState.OPENED


def test_the_ledger_csv_never_lets_a_spreadsheet_run_a_recipient(tmp_path: Path) -> None:
    target = tmp_path / "ledger.csv"
    entries = [
        LedgerEntry("granted", T0, "tok-1", "inv-1", '=HYPERLINK("x")@example.com'),
        LedgerEntry(
            "spent",
            T0 + timedelta(days=1),
            "tok-1",
            "inv-1",
            "peer@example.com",
            T0 + timedelta(30),
        ),
    ]
    assert write_ledger(target, entries) == 2
    with target.open(newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    assert rows[0] == [
        "event",
        "at_utc",
        "token_id",
        "invitation_id",
        "recipient",
        "expires_at_utc",
    ]
    assert rows[1][4].startswith("'=")
    assert rows[1][5] == ""  # never expires
    assert rows[2] == [
        "spent",
        "2025-03-11T12:00:00Z",
        "tok-1",
        "inv-1",
        "peer@example.com",
        "2025-04-09T12:00:00Z",
    ]
    assert [p.name for p in tmp_path.iterdir()] == ["ledger.csv"]  # no partial file left


def test_an_invitation_is_resending_only_while_its_own_resend_is_pending() -> None:
    state = AppState(
        pending=(
            PendingView("k1", Operation.REVOKE, "inv-1", doubtful=False),
            PendingView("k2", Operation.RESEND, "inv-2", doubtful=True),
        )
    )
    assert state.resending("inv-2")
    assert not state.resending("inv-1")  # a revoke is pending there, not a resend
    assert not state.resending("inv-3")
    assert not AppState().resending("inv-2")


def test_a_first_sync_and_a_load_keep_the_order_their_views_were_made_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The views come newest first from the cache thread (`views_of`): the GUI thread's model
    # lists them in that order without sorting the list again.
    rows = tuple(invitation(n) for n in (3, 1, 4, 5, 9, 2, 6))
    made = views_of(rows)  # sorted here, as on the cache thread
    sorts: list[int] = []
    real = desktop.controller.model.newest_first

    def counted(views):  # type: ignore[no-untyped-def]
        sorts.append(1)
        return real(views)

    monkeypatch.setattr(desktop.controller.model, "newest_first", counted)
    synced = ClientModel()
    synced.apply_sync(delta(1, rows), SyncApplied(rows, (), (), cursor=1), made)
    assert [v.id for v in synced.invitation_views(set())] == [
        f"inv-{n}" for n in (9, 6, 5, 4, 3, 2, 1)
    ]
    assert sorts == []
    loaded = ClientModel()
    loaded.load(dataclasses.replace(EMPTY_SNAPSHOT, invitations=rows), made)
    assert loaded.invitation_views(set()) == synced.invitation_views(set())
    assert sorts == []
