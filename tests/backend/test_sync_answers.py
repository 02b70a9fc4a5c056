"""The quiet-sync answer cache never serves what a full read would not (issue 12.7).

Every answer below is compared with a full read of the same database by a second backend whose
cache is emptied first; `answers.hits` tells whether the cache gave it. A send, a redeem, a
write by another process (the `sim` command on the data folder, a simulator in a child process
on PostgreSQL), an expiry at its exact instant, a running clock, a fault and a sign-out must
each show at once, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import event, select

from desktop.backend import invitations, service, wallet
from desktop.backend.api import AuthenticationError, NotSent, SyncDTO
from desktop.backend.database import BackendStore
from desktop.backend.invitations import PENDING_STATES as PENDING
from desktop.backend.rows import INVITATION_FIELDS, TOKEN_FIELDS
from desktop.backend.service import MockBackend
from desktop.backend.simulator import Simulator
from desktop.backend.store import Invitation, Token
from desktop.backend.transaction import BackendTransaction
from tests.backend.support import DATABASES, ManualClock, convert, ready_to_convert, sign_in
from tests.backend.test_store import FakeRealTime
from tests.child_python import run_python

PILOT = "pilot@example.com"
CAPPED = "capped@example.com"
MICROSECOND = timedelta(microseconds=1)


@pytest.fixture
def reader(database: str, clock: ManualClock, sim: Simulator) -> Iterator[MockBackend]:
    """A second backend on the same database and clock: it reads every answer in full."""
    with MockBackend.over_url(database, clock) as other:
        yield other


def answered(
    backend: MockBackend, reader: MockBackend, session: str, cursor: int
) -> tuple[SyncDTO, bool]:
    """`backend`'s answer, checked against a full read; and whether its cache gave it."""
    hits = backend.answers.hits
    answer = backend.sync(session, cursor)
    reader.answers.clear()
    assert answer == reader.sync(session, cursor)
    return answer, backend.answers.hits > hits


def in_another_process(database: str, code: str) -> None:
    """Run `code` with `sim` (a Simulator on `database`, its own virtual clock) in a child."""
    program = (
        "import sys\nimport datetime\nfrom datetime import timedelta\n"
        "from desktop.backend.simulator import Simulator\n"
        "with Simulator.over_url(sys.argv[1]) as sim:\n    " + code
    )
    completed = run_python("-c", program, database)
    assert completed.returncode == 0, completed.stderr


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_a_quiet_sync_comes_from_the_cache_and_equals_a_full_read(
    backend: MockBackend, reader: MockBackend, sim: Simulator
) -> None:
    session = sign_in(backend, PILOT)
    cursor = backend.sync(session, 0).cursor

    # The full sync kept the standing part: the next delta sync comes from the cache.
    second, second_cached = answered(backend, reader, session, cursor)
    assert second_cached
    assert (second.cursor, second.invitations, second.tokens, second.full) == (
        cursor,
        (),
        (),
        False,
    )

    # Another account's send moves the global cursor only: still answered from the cache.
    sim.invite(CAPPED, "someone@example.com")
    moved, cached = answered(backend, reader, session, cursor)
    assert cached
    assert (moved.cursor > cursor, moved.since, moved.invitations) == (True, cursor, ())


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_a_send_and_a_redeem_show_in_the_next_sync(
    backend: MockBackend, reader: MockBackend, sim: Simulator
) -> None:
    sim.grant(PILOT, expires_days=None)
    session = sign_in(backend, PILOT)
    cursor = backend.sync(session, 0).cursor
    answered(backend, reader, session, cursor)
    assert answered(backend, reader, session, cursor)[1]

    sent = backend.send_invitation(session, "friend@example.com", "send-1")
    after_send, cached = answered(backend, reader, session, cursor)
    assert not cached
    assert [invitation.id for invitation in after_send.invitations] == [sent.id]
    assert after_send.offer is not None
    assert after_send.offer.send_capacity is not None
    cursor = after_send.cursor
    assert answered(backend, reader, session, cursor)[1]

    spent = backend.redeem(session, "redeem-1")
    after_redeem, cached = answered(backend, reader, session, cursor)
    assert not cached
    assert [(token.id, token.state) for token in after_redeem.tokens] == [(spent.token.id, "spent")]
    assert after_redeem.usage == spent.usage


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_writes_by_another_process_show_in_the_next_sync(
    backend: MockBackend, reader: MockBackend, database: str
) -> None:
    session = sign_in(backend, PILOT)
    cursor = backend.sync(session, 0).cursor
    before, _ = answered(backend, reader, session, cursor)
    assert answered(backend, reader, session, cursor)[1]

    # The account's row only (no change version): usage windows set by QA.
    in_another_process(database, "sim.set_usage('pilot@example.com', weekly_percent=5)")
    usage, cached = answered(backend, reader, session, cursor)
    assert not cached
    assert usage.usage.weekly != before.usage.weekly

    # The state row only: the policy.
    in_another_process(database, "sim.set_policy({'daily_invitation_limit': 3})")
    policy, cached = answered(backend, reader, session, cursor)
    assert not cached
    assert policy.policy.daily_invitation_limit == 3
    assert policy.offer is not None
    assert policy.offer.send_capacity == 3

    # A token of the account: a change version.
    in_another_process(database, "sim.grant('pilot@example.com', expires_days=None)")
    granted, cached = answered(backend, reader, session, cursor)
    assert not cached
    assert [token.state for token in granted.tokens] == ["available"]


def test_the_sim_command_on_the_data_folder_shows_in_the_next_sync(
    backend: MockBackend, reader: MockBackend, data_dir: Path
) -> None:
    session = sign_in(backend, PILOT)
    cursor = backend.sync(session, 0).cursor
    answered(backend, reader, session, cursor)
    assert answered(backend, reader, session, cursor)[1]

    completed = run_python(
        "-m", "desktop.backend.cli", "--data-dir", str(data_dir), "cohort", PILOT, "deny"
    )
    assert completed.returncode == 0, completed.stderr

    denied, cached = answered(backend, reader, session, cursor)
    assert not cached
    assert denied.eligible is False
    assert denied.offer is not None
    assert denied.offer.offered is False


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_an_expiry_shows_at_its_exact_instant(
    backend: MockBackend, reader: MockBackend, sim: Simulator, clock: ManualClock
) -> None:
    credit = sim.grant(PILOT, expires_days=1)
    assert credit.expires_at is not None
    session = sign_in(backend, PILOT)
    cursor = backend.sync(session, 0).cursor

    clock.set(credit.expires_at - MICROSECOND)
    answered(backend, reader, session, cursor)
    before, cached = answered(backend, reader, session, cursor)
    assert cached
    assert before.tokens == ()

    clock.set(credit.expires_at)
    due = backend.sync(session, cursor)
    assert [(token.id, token.state) for token in due.tokens] == [(credit.id, "expired")]
    reader.answers.clear()
    assert reader.sync(session, cursor) == due


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_an_expiry_reached_by_another_process_moving_the_virtual_clock_shows(
    database: str,
) -> None:
    with (
        Simulator.over_url(database) as sim,
        MockBackend.over_url(database) as backend,
        MockBackend.over_url(database) as reader,
    ):
        credit = sim.grant(PILOT, expires_days=1)
        assert credit.expires_at is not None
        session = sign_in(backend, PILOT)
        cursor = backend.sync(session, 0).cursor
        to_go = credit.expires_at - sim.now()

        in_another_process(database, f"sim.advance_clock({to_go - MICROSECOND!r})")
        answered(backend, reader, session, cursor)
        before, cached = answered(backend, reader, session, cursor)
        assert cached
        assert before.tokens == ()

        in_another_process(database, f"sim.advance_clock({MICROSECOND!r})")
        due = backend.sync(session, cursor)
        assert (due.now, [token.state for token in due.tokens]) == (credit.expires_at, ["expired"])
        reader.answers.clear()
        assert reader.sync(session, cursor) == due


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_a_running_clock_is_never_answered_from_an_older_moment(database: str) -> None:
    real = FakeRealTime()
    with (
        Simulator.over_store(BackendStore.open_url(database, real_clock=real)) as sim,
        MockBackend.over_store(BackendStore.open_url(database, real_clock=real)) as backend,
        MockBackend.over_store(BackendStore.open_url(database, real_clock=real)) as reader,
    ):
        start = sim.clock_run().now
        session = sign_in(backend, PILOT)
        cursor = backend.sync(session, 0).cursor
        answered(backend, reader, session, cursor)
        assert answered(backend, reader, session, cursor)[1]  # real time stood still

        real.now += MICROSECOND
        moved, cached = answered(backend, reader, session, cursor)
        assert not cached
        assert moved.now == start + MICROSECOND

        real.now += timedelta(minutes=1)  # the reading is due to be stored: a writer
        stored, cached = answered(backend, reader, session, cursor)
        assert not cached
        assert stored.now == start + timedelta(minutes=1) + MICROSECOND


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_a_fault_or_a_sign_out_is_never_hidden_by_the_cache(
    backend: MockBackend, reader: MockBackend, sim: Simulator
) -> None:
    session = sign_in(backend, PILOT)
    cursor = backend.sync(session, 0).cursor
    answered(backend, reader, session, cursor)
    assert answered(backend, reader, session, cursor)[1]

    sim.set_fault(offline=True)
    with pytest.raises(NotSent):
        backend.sync(session, cursor)
    sim.clear_faults()
    assert answered(backend, reader, session, cursor)[1]

    backend.sign_out(session)
    with pytest.raises(AuthenticationError):
        backend.sync(session, cursor)


def _path(backend: MockBackend, hits: int, built: int) -> str:
    """How the last sync was answered, from the cache's counters before it."""
    if backend.answers.hits > hits:
        return "cache"
    return "built" if backend.answers.built > built else "read"


def synced(
    backend: MockBackend, reader: MockBackend, session: str, cursor: int
) -> tuple[SyncDTO, str]:
    """`answered`, with the path that gave the answer: cache, built or read."""
    hits, built = backend.answers.hits, backend.answers.built
    answer, _ = answered(backend, reader, session, cursor)
    return answer, _path(backend, hits, built)


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_a_delta_built_from_the_cache_equals_a_full_read_across_changes(
    backend: MockBackend, reader: MockBackend, sim: Simulator, clock: ManualClock
) -> None:
    """After every kind of change, in a seeded random order, each session's delta sync (at its
    own cursor and at an older one) equals a full read of the same database; the account's own
    changes at the same time are built on the cache entry, a moved clock is read in full."""
    rng = random.Random(8)
    sim.set_policy({"resend_cooldown_minutes": 0, "prompts_required": 2})
    first, second = sign_in(backend, PILOT), sign_in(backend, PILOT)
    cursors = {first: backend.sync(first, 0).cursor, second: backend.sync(second, 0).cursor}
    seen = [cursors[first]]
    counter = iter(range(1_000))
    links: list[str] = []  # invitations to take further, by link

    def pending_id() -> str | None:
        records = [r for r in sim.invitations(PILOT) if r.invitation.state.value in PENDING]
        return rng.choice(records).invitation.id if records else None

    def send() -> None:
        sent = backend.send_invitation(first, f"peer{next(counter)}@example.com", str(uuid4()))
        links.append(sent.link)

    def resend() -> None:
        found = pending_id()
        if found is None:
            send()
        else:
            backend.resend_invitation(first, found, str(uuid4()))

    def revoke() -> None:
        found = pending_id()
        if found is None:
            send()
        else:
            backend.revoke_invitation(first, found)

    def progress() -> None:
        while links and sim.link_view(links[0]).invitation.state.is_final:
            links.pop(0)  # revoked, converted, not eligible: nothing more happens to it
        if not links:
            send()
            return
        link = links[0]
        record = sim.link_view(link).invitation
        email, state = record.recipient, record.state.value
        if state == "sent":
            sim.recipient_open(link)
        elif state == "opened":
            sim.recipient_join(link, email)
        elif state in ("joined", "reactivated"):
            sim.recipient_init(link, email)
        else:
            sim.recipient_prompt(link, email)  # the second prompt converts (or caps)

    def conversion() -> None:
        convert(sim, PILOT, f"convert{next(counter)}@example.com")

    def redeem() -> None:
        if sim.wallet(PILOT).available == 0:
            sim.grant(PILOT, expires_days=None)
        backend.redeem(first, str(uuid4()))

    def grant() -> None:
        sim.grant(PILOT, expires_days=rng.choice([1, 2, None]))

    def usage() -> None:
        sim.set_usage(
            PILOT, weekly_percent=rng.randrange(100), five_hour_percent=rng.randrange(100)
        )

    def another_account() -> None:
        sim.invite(CAPPED, f"other{next(counter)}@example.com")

    def cycle_roll() -> None:
        clock.advance(timedelta(days=rng.choice([4, 31])))  # pilot's cycle starts on the 14th

    def expiry() -> None:
        clock.advance(timedelta(days=1))  # credits granted for a day expire

    own = [send, resend, revoke, progress, conversion, redeem, grant, usage]
    timed = [cycle_roll, expiry]
    plan = [*own * 4, *timed * 2, another_account, another_account]
    rng.shuffle(plan)
    paths: dict[str, set[str]] = {}
    for change in plan:
        change()
        for session in (first, second):
            answer, path = synced(backend, reader, session, cursors[session])
            paths.setdefault(change.__name__, set()).add(path)
            if change in own and session == first:
                assert path == "built", change.__name__
            if change in timed and session == first:
                assert path == "read", change.__name__
            cursors[session] = answer.cursor
            older = rng.choice(seen)
            synced(backend, reader, session, older)
        seen.append(cursors[first])
    assert backend.answers.built >= len(own) * 4
    assert paths["another_account"] <= {"cache", "built"}


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_a_delta_after_a_send_reads_only_the_changed_rows(
    backend: MockBackend, reader: MockBackend
) -> None:
    """The sync after the account's own send is built: its invitation, history and email are
    read; the session, account, state row, earned count and tokens are not read again."""
    session = sign_in(backend, PILOT)
    cursor = backend.sync(session, 0).cursor
    backend.send_invitation(session, "friend@example.com", "send-1")
    statements: list[str] = []

    def seen(*arguments: object) -> None:
        statements.append(str(arguments[2]))

    event.listen(backend.store.engine, "before_cursor_execute", seen)
    try:
        answer, path = synced(backend, reader, session, cursor)
    finally:
        event.remove(backend.store.engine, "before_cursor_execute", seen)
    assert path == "built"
    assert [invitation.recipient for invitation in answer.invitations] == ["friend@example.com"]
    queries = [text for text in statements if text.lstrip().upper().startswith("SELECT")]
    assert len(queries) == 4, queries  # invitations, their events, their emails, send capacity
    unread = ("FROM accounts", "FROM sessions", "FROM backend_state", "FROM tokens")
    assert not any(table in text for text in queries for table in unread)


def same_values(row: object, orm: object, names: tuple[str, ...]) -> None:
    """Each named attribute has the same value, of the same type, in both."""
    for name in names:
        ours, theirs = getattr(row, name), getattr(orm, name)
        assert (ours, type(ours)) == (theirs, type(theirs)), name


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_a_syncs_rows_read_as_the_orm_reads_them(
    backend: MockBackend, sim: Simulator, clock: ManualClock
) -> None:
    """The plain rows a sync reads (service._read_changed) carry the ORM's values, types
    included, and give the same DTOs: invitations in every kind of state with their history
    and emails, earned, complimentary, spent and expired credits."""
    sim.set_policy({"resend_cooldown_minutes": 0})
    session = sign_in(backend, PILOT)
    convert(sim, PILOT, "convert1@example.com")
    revoked = sim.invite(PILOT, "revoked@example.com").invitation
    sim.revoke(PILOT, revoked.id)
    resent = sim.invite(PILOT, "resent@example.com").invitation
    sim.resend(PILOT, resent.id)
    ready_to_convert(sim, PILOT, "ready@example.com")
    recent = sim.invite(PILOT, "recent@example.com").invitation  # active 10 days ago
    sim.recipient_join(recent.link, "recent@example.com")  # not eligible
    sim.grant(PILOT, expires_days=None, title="A gift")
    backend.redeem(session, "spend-1")  # the earned one: it expires first
    sim.grant(PILOT, expires_days=1)
    clock.advance(timedelta(days=2))
    backend.sync(session, 0)  # sweeps the expired credit

    def compare(tx: BackendTransaction) -> int:
        account = "acct_pilot"
        rows, tokens = service._read_changed(tx, account, 0)
        orm = tx.session.scalars(
            select(Invitation)
            .where(Invitation.operator_id == account)
            .order_by(Invitation.version, Invitation.id)
        ).all()
        assert [row.id for row in rows] == [invitation.id for invitation in orm]
        for row, invitation in zip(rows, orm, strict=True):
            same_values(row, invitation, INVITATION_FIELDS)
            assert [(e.state, e.at) for e in row.events] == [
                (e.state, e.at) for e in invitation.events
            ]
            assert [(m.subject, m.body, m.sent_at) for m in row.messages] == [
                (m.subject, m.body, m.sent_at) for m in invitation.messages
            ]
            assert invitations.invitation_dto(tx, row) == invitations.invitation_dto(tx, invitation)
        orm_tokens = tx.session.scalars(
            select(Token).where(Token.account_id == account).order_by(Token.version, Token.id)
        ).all()
        assert [token.id for token in tokens] == [token.id for token in orm_tokens]
        for token, orm_token in zip(tokens, orm_tokens, strict=True):
            same_values(token, orm_token, TOKEN_FIELDS)
            assert wallet.token_dto(token, tx.now) == wallet.token_dto(orm_token, tx.now)
        return len(rows) + len(tokens)

    assert backend.store.read(compare) == 8  # 5 invitations, 3 credits
    states = {invitation.state.value for invitation in backend.sync(session, 0).invitations}
    assert {"sent", "revoked", "prompting", "converted_rewarded", "not_eligible"} <= states
    credit_states = {token.state for token in backend.sync(session, 0).tokens}
    assert {"spent", "expired", "available"} <= credit_states
