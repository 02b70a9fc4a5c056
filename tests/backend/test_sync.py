"""R8: delta sync by version cursor, time-based changes in deltas, indexed queries."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, insert, select

from desktop.backend.database import BackendStore
from desktop.backend.service import MockBackend
from desktop.backend.simulator import Simulator
from desktop.backend.store import Invitation, InvitationEvent, Token
from desktop.domain.invitations import InvitationState
from tests.backend.support import ManualClock, convert, sign_in

PILOT = "pilot@example.com"
CAPPED = "capped@example.com"


def test_cursor_zero_returns_everything_and_marks_it_full(backend: MockBackend) -> None:
    snapshot = backend.sync(sign_in(backend, CAPPED), 0)

    assert snapshot.full
    assert len(snapshot.invitations) == 3
    assert len(snapshot.tokens) == 3
    assert snapshot.cursor > 0
    assert snapshot.account.email == CAPPED
    assert snapshot.eligible
    assert snapshot.policy.monthly_cap == 3


def test_delta_sync_returns_only_changed_rows(backend: MockBackend, sim: Simulator) -> None:
    session = sign_in(backend, PILOT)
    first = backend.send_invitation(session, "one@example.com", "k1")
    backend.send_invitation(session, "two@example.com", "k2")
    cursor = backend.sync(session, 0).cursor

    quiet = backend.sync(session, cursor)
    assert (quiet.invitations, quiet.tokens, quiet.full) == ((), (), False)
    assert quiet.cursor == cursor

    sim.recipient_open(first.link)
    delta = backend.sync(session, cursor)
    assert [invitation.id for invitation in delta.invitations] == [first.id]
    assert delta.invitations[0].state is InvitationState.OPENED
    assert delta.cursor > cursor
    assert backend.sync(session, delta.cursor).invitations == ()


def test_other_operators_changes_stay_out_of_the_delta(
    backend: MockBackend, sim: Simulator
) -> None:
    session = sign_in(backend, PILOT)
    cursor = backend.sync(session, 0).cursor
    convert(sim, CAPPED, "newcomer@example.com")
    assert backend.sync(session, cursor).invitations == ()


def test_a_conversion_brings_the_invitation_and_its_token(
    backend: MockBackend, sim: Simulator
) -> None:
    session = sign_in(backend, PILOT)
    cursor = backend.sync(session, 0).cursor
    converted = convert(sim, PILOT, "dormant@example.com").invitation

    delta = backend.sync(session, cursor)
    assert [invitation.state for invitation in delta.invitations] == [
        InvitationState.CONVERTED_REWARDED
    ]
    assert [token.invitation_id for token in delta.tokens] == [converted.id]
    assert delta.cycle.earned == 1
    states = [event.state for event in delta.invitations[0].history]
    assert states[0] is InvitationState.SENT
    assert states[-1] is InvitationState.CONVERTED_REWARDED


def test_token_expiry_shows_up_in_a_delta(
    backend: MockBackend, sim: Simulator, clock: ManualClock
) -> None:
    session = sign_in(backend, CAPPED)
    cursor = backend.sync(session, 0).cursor
    available = [token for token in sim.wallet(CAPPED).tokens if token.state == "available"]
    first_expiry = min(token.expires_at for token in available if token.expires_at is not None)

    clock.set(first_expiry)
    delta = backend.sync(session, cursor)

    assert [(token.state, token.expires_at) for token in delta.tokens] == [
        ("expired", first_expiry)
    ]
    assert backend.sync(session, delta.cursor).tokens == ()


def test_invitation_expiry_shows_up_in_a_delta(
    backend: MockBackend, sim: Simulator, clock: ManualClock
) -> None:
    sim.set_policy({"invitation_expiry_days": 3})
    session = sign_in(backend, PILOT)
    sent = backend.send_invitation(session, "friend@example.com", "k1")
    cursor = backend.sync(session, 0).cursor

    clock.advance(timedelta(days=3))
    delta = backend.sync(session, cursor)
    assert [(i.id, i.state) for i in delta.invitations] == [(sent.id, InvitationState.EXPIRED)]


def test_a_shortened_lifetime_expires_an_opened_invitation_with_a_newer_version(
    backend: MockBackend, sim: Simulator, clock: ManualClock
) -> None:
    # Issue 11's repro: invite, 3 days pass, the link is opened, the lifetime becomes 1 day.
    session = sign_in(backend, PILOT)
    sent = backend.send_invitation(session, "friend@example.com", "k1")
    clock.advance(timedelta(days=3))
    opened = sim.recipient_open(sent.link).invitation
    cursor = backend.sync(session, 0).cursor

    sim.set_policy({"invitation_expiry_days": 1})
    delta = backend.sync(session, cursor)

    (expired,) = delta.invitations
    assert expired.state is InvitationState.EXPIRED
    assert opened.version < expired.version <= delta.cursor  # the order clients apply in
    assert delta.since == cursor < expired.version
    # Dated when the lifetime ran out but never before the last step: the history runs forward.
    moments = [event.at for event in expired.history]
    assert moments == sorted(moments)
    assert expired.history[-1].at == opened.updated_at == clock.now


def test_an_expiry_is_dated_when_the_lifetime_ran_out(
    backend: MockBackend, sim: Simulator, clock: ManualClock
) -> None:
    sim.set_policy({"invitation_expiry_days": 1})
    session = sign_in(backend, PILOT)
    sent = backend.send_invitation(session, "friend@example.com", "k1")
    clock.advance(timedelta(days=5))
    (expired,) = backend.sync(session, 0).invitations
    assert expired.history[-1].at == sent.created_at + timedelta(days=1)


def test_a_full_answer_starts_from_zero_and_a_delta_from_its_cursor(
    backend: MockBackend,
) -> None:
    session = sign_in(backend, PILOT)
    first = backend.sync(session, 0)
    assert (first.full, first.since) == (True, 0)
    backend.send_invitation(session, "friend@example.com", "k1")
    delta = backend.sync(session, first.cursor)
    assert (delta.full, delta.since) == (False, first.cursor)
    ahead = backend.sync(session, delta.cursor + 1)  # a cursor the backend never gave
    assert (ahead.full, ahead.since) == (True, 0)
    assert all(row.version <= ahead.cursor for row in ahead.invitations)


def test_changing_the_prompt_count_resends_pending_invitations(
    backend: MockBackend, sim: Simulator
) -> None:
    session = sign_in(backend, PILOT)
    backend.send_invitation(session, "friend@example.com", "k1")
    cursor = backend.sync(session, 0).cursor

    sim.set_policy({"prompts_required": 5})
    delta = backend.sync(session, cursor)
    assert [invitation.prompts_required for invitation in delta.invitations] == [5]


def test_a_cursor_from_before_a_reset_gets_a_full_snapshot(
    backend: MockBackend, sim: Simulator
) -> None:
    session = sign_in(backend, PILOT)
    backend.send_invitation(session, "friend@example.com", "k1")
    cursor = backend.sync(session, 0).cursor

    sim.reset_demo()
    session = sign_in(backend, PILOT)  # reset ends every session
    after = backend.sync(session, cursor)

    assert after.full
    assert after.invitations == ()
    assert after.cursor > cursor


def add_history(store: BackendStore, count: int) -> None:
    """`count` old, ended invitations of pilot with their events, and a token for every fifth."""
    with store.transaction() as tx:
        created = tx.now - timedelta(days=400)
        version = tx.change_version()
        first = int(tx.session.scalar(select(func.max(Invitation.sequence))) or 0) + 1
        rows = [
            {
                "id": f"inv_old_{n:05d}",
                "operator_id": "acct_pilot",
                "recipient_email": f"old{n}@example.com",
                "link_token": f"old-token-{n:05d}",
                "state": InvitationState.REVOKED.value,
                "created_at": created,
                "updated_at": created,
                "version": version,
                "sequence": first + n,
                "prompts": 0,
            }
            for n in range(count)
        ]
        if rows:
            tx.session.execute(insert(Invitation), rows)
            tx.session.execute(
                insert(InvitationEvent),
                [{"invitation_id": row["id"], "state": "revoked", "at": created} for row in rows],
            )
            tx.session.execute(
                insert(Token),
                [
                    {
                        "id": f"tok_old_{n:05d}",
                        "account_id": "acct_pilot",
                        "invitation_id": row["id"],
                        "granted_at": created,
                        "expires_at": created + timedelta(days=30),
                        "spent_at": created,
                        "version": version,
                    }
                    for n, row in enumerate(rows[: count // 5])
                ],
            )


def delta_sync_cost(data_dir: Path, history: int) -> tuple[int, int]:
    """(rows in a 5-change delta, SQLite VM instructions the delta sync ran)."""
    clock = ManualClock()
    with Simulator(data_dir, clock) as sim, BackendStore.open(data_dir, clock) as store:
        add_history(store, history)
        backend = MockBackend.over_store(store, random.Random(0))
        session = sign_in(backend, PILOT)
        cursor = backend.sync(session, 0).cursor
        for n in range(5):
            link = backend.send_invitation(session, f"n{n}@example.com", f"k{n}").link
            sim.recipient_open(link)

        steps = [0]

        def count_step() -> int:
            steps[0] += 1
            return 0  # carry on

        def watch(conn: Any, cursor: Any, statement: Any, params: Any, *rest: Any) -> None:
            conn.connection.driver_connection.set_progress_handler(count_step, 1)

        event.listen(store.engine, "before_cursor_execute", watch)
        try:
            delta = backend.sync(session, cursor)
        finally:
            event.remove(store.engine, "before_cursor_execute", watch)
        return len(delta.invitations), steps[0]


def test_sync_cost_follows_the_changes_not_the_history(tmp_path: Path) -> None:
    (tmp_path / "short").mkdir()
    (tmp_path / "long").mkdir()
    short_rows, short_cost = delta_sync_cost(tmp_path / "short", history=0)
    long_rows, long_cost = delta_sync_cost(tmp_path / "long", history=10_000)

    assert short_rows == long_rows == 5
    # Reading 10,000 rows takes over 100,000 VM instructions; the delta itself a few thousand.
    assert long_cost < short_cost * 1.5, (short_cost, long_cost)
