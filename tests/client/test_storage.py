"""The cache repository: round trips, delta upserts, outbox, account switch, no secrets."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import replace
from datetime import timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from desktop.domain.invitations import InvitationState
from desktop.domain.profile import Profile
from desktop.storage import CacheClosed, CacheRepository, SyncDelta
from desktop.storage.database import make_engine
from desktop.storage.models import Base
from tests.client.records import ACCOUNT, T0, delta, invitation, token


@pytest.fixture
def repo(data_dir: Path) -> Iterator[CacheRepository]:
    """An open cache in the test's data folder."""
    repository = CacheRepository(data_dir / "cache.sqlite", clock=lambda: T0)
    repository.open()
    yield repository
    repository.close()


def test_models_match_the_head_migration(repo: CacheRepository) -> None:
    engine = make_engine(repo.path, pooled=False)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


PRAGMAS = ("journal_mode", "busy_timeout", "foreign_keys", "synchronous")


def test_pragmas_are_set_on_every_connection(repo: CacheRepository) -> None:
    # The repository's own connection, and the engine migrations run on.
    assert repo._db is not None
    values = {name: repo._db.execute(f"PRAGMA {name}").fetchone()[0] for name in PRAGMAS}
    engine = make_engine(repo.path, pooled=False)
    try:
        with engine.connect() as connection:
            engines = {
                name: connection.exec_driver_sql(f"PRAGMA {name}").scalar() for name in PRAGMAS
            }
    finally:
        engine.dispose()
    assert engines == values
    assert values == {
        "journal_mode": "wal",
        "busy_timeout": 5000,
        "foreign_keys": 1,
        "synchronous": 1,
    }


def test_an_empty_cache_is_signed_out(repo: CacheRepository) -> None:
    snapshot = repo.snapshot()
    assert snapshot.account is None
    assert snapshot.eligibility is None  # never fetched: the UI keeps the module hidden
    assert snapshot.cursor == 0


def test_sync_round_trip_keeps_every_value_in_utc(repo: CacheRepository) -> None:
    sent = invitation(1)
    repo.apply_sync(delta(7, (sent, invitation(2)), (token(1), token(2, state="spent"))))
    snapshot = repo.snapshot()
    assert snapshot.account == ACCOUNT
    assert snapshot.cursor == 7
    assert snapshot.eligibility is not None
    assert snapshot.eligibility.enabled
    assert snapshot.eligibility.fetched_at == T0 + timedelta(hours=1)
    assert snapshot.invitations[1] == sent  # newest first
    assert snapshot.invitations[0].id == "inv-2"
    assert snapshot.tokens == (token(1), token(2, state="spent"))
    assert snapshot.weekly is not None
    assert snapshot.weekly.used == 820
    assert snapshot.weekly.started_at == T0 - timedelta(days=2)
    assert snapshot.weekly.started_at.tzinfo is not None


def test_a_delta_updates_only_its_rows_and_replaces_their_history(repo: CacheRepository) -> None:
    repo.apply_sync(delta(1, tuple(invitation(n) for n in range(5))))
    later = T0 + timedelta(days=1)
    opened = invitation(3, state=InvitationState.OPENED, updated=later, version=2)
    repo.apply_sync(delta(2, (opened,), since=1))
    by_id = {i.id: i for i in repo.snapshot().invitations}
    assert len(by_id) == 5
    assert by_id["inv-3"] == opened
    assert [state for state, _ in by_id["inv-3"].history] == ["sent", "opened"]
    assert by_id["inv-2"] == invitation(2)


def test_an_older_reply_never_overwrites_a_newer_row(repo: CacheRepository) -> None:
    revoked = invitation(
        1, state=InvitationState.REVOKED, updated=T0 + timedelta(days=1), version=2
    )
    repo.apply_sync(delta(2, (revoked,)))
    # A sync answered before the revoke, from an older cursor, arriving after it.
    applied = repo.apply_sync(delta(1, (invitation(1),)))
    assert repo.snapshot().invitations == (revoked,)
    assert applied.invitations == (revoked,)  # the caller learns what the cache kept
    assert applied.cursor == repo.cursor() == 2  # and the cursor does not move back


def test_versions_order_changes_whatever_their_timestamps(repo: CacheRepository) -> None:
    # The expiry sweep dates an expiry when the lifetime ran out: before the link was opened.
    opened = invitation(1, state=InvitationState.OPENED, updated=T0 + timedelta(days=3))
    expired = invitation(
        1, state=InvitationState.EXPIRED, updated=T0 + timedelta(days=1), version=2
    )
    repo.apply_sync(delta(1, (opened,)))
    repo.apply_sync(delta(2, (expired,), since=1))
    assert repo.snapshot().invitations == (expired,)
    # The same version again changes nothing; a lower one with a later date never wins.
    repo.apply_sync(delta(2, (expired,), since=1))
    later_but_older = invitation(
        1, state=InvitationState.OPENED, updated=T0 + timedelta(days=9), version=1
    )
    repo.store_invitation(later_but_older)
    assert repo.snapshot().invitations == (expired,)


def test_a_spent_token_never_becomes_available_again(repo: CacheRepository) -> None:
    repo.apply_sync(delta(2, (), (token(1, state="spent", version=2),)))
    repo.apply_sync(delta(1, (), (token(1),)))  # an older answer, arriving late
    assert repo.snapshot().tokens[0].state == "spent"


def test_the_outbox_keeps_queued_invitations_until_sent(repo: CacheRepository) -> None:
    repo.start_session(ACCOUNT)
    first = repo.queue_invitation("key-1", "a@example.com")
    assert repo.queue_invitation("key-1", "a@example.com") == first  # same key, same entry
    repo.queue_invitation("key-2", "b@example.com")
    repo.note_send_failure("key-2", "offline")
    queued = {q.key: q for q in repo.queued_invitations()}
    assert queued["key-2"].attempts == 1
    assert queued["key-2"].last_error == "offline"
    repo.complete_send("key-2", invitation(9, key="key-2"))
    snapshot = repo.snapshot()
    assert [q.key for q in snapshot.outbox] == ["key-1"]
    assert [i.id for i in snapshot.invitations] == ["inv-9"]


def test_a_sync_that_already_has_the_key_completes_the_queued_send(
    repo: CacheRepository,
) -> None:
    repo.start_session(ACCOUNT)
    repo.queue_invitation("key-1", "peer1@example.com")
    applied = repo.apply_sync(delta(1, (invitation(1, key="key-1"),)))
    assert applied.completed_outbox_keys == ("key-1",)
    assert repo.snapshot().outbox == ()


def test_signing_in_as_another_account_drops_the_previous_data(repo: CacheRepository) -> None:
    repo.apply_sync(delta(5, (invitation(1),), (token(1),)))
    repo.queue_invitation("key-1", "x@example.com")
    other = Profile("acc-2", "pro@example.com", "Pro", "pro", 1)
    assert repo.start_session(other) == 1
    snapshot = repo.snapshot()
    assert snapshot.account == other
    assert (snapshot.invitations, snapshot.tokens, snapshot.outbox, snapshot.cursor) == (
        (),
        (),
        (),
        0,
    )
    with closing(sqlite3.connect(repo.path)) as raw:
        assert raw.execute("select count(*) from invitation_event").fetchone() == (0,)


def test_signing_out_and_in_again_resumes_from_the_cursor(repo: CacheRepository) -> None:
    repo.apply_sync(delta(5, (invitation(1),)))
    repo.end_session()
    assert repo.snapshot().account is None
    repo.start_session(ACCOUNT)
    snapshot = repo.snapshot()
    assert snapshot.cursor == 5
    assert len(snapshot.invitations) == 1


def test_writes_need_a_signed_in_account(repo: CacheRepository) -> None:
    with pytest.raises(CacheClosed):
        repo.queue_invitation("key-1", "a@example.com")


def test_the_ledger_links_grants_spends_and_expiries_to_invitations(repo: CacheRepository) -> None:
    repo.apply_sync(
        delta(
            1,
            (invitation(1),),
            (token(1), token(2, state="spent"), token(3, state="expired", invitation_id="gone")),
        )
    )
    rows = [(e.event, e.token_id, e.invitation_id, e.recipient) for e in repo.ledger()]
    assert ("granted", "tok-1", "inv-1", "peer1@example.com") in rows
    assert ("spent", "tok-2", "inv-1", "peer1@example.com") in rows
    assert ("expired", "tok-3", "gone", "") in rows
    assert len(rows) == 5


def test_a_full_sync_replaces_rows_the_backend_no_longer_has(repo: CacheRepository) -> None:
    repo.apply_sync(delta(9, tuple(invitation(n) for n in range(3)), (token(1), token(2))))
    full = delta(1, (invitation(1),), (token(2),))
    repo.apply_sync(replace(full, full=True))
    snapshot = repo.snapshot()
    assert [i.id for i in snapshot.invitations] == ["inv-1"]
    assert [t.id for t in snapshot.tokens] == ["tok-2"]
    assert snapshot.cursor == 1


def test_a_delta_at_the_edges_of_its_range_is_applied(repo: CacheRepository) -> None:
    repo.apply_sync(delta(5, (invitation(1, version=5),)))
    # since == the stored cursor; rows at since + 1 and at the cursor itself.
    applied = repo.apply_sync(
        delta(9, (invitation(2, version=6), invitation(3, version=9)), since=5)
    )
    assert not applied.resync_needed
    assert applied.cursor == repo.cursor() == 9
    assert {i.id for i in repo.snapshot().invitations} == {"inv-1", "inv-2", "inv-3"}
    # A delta from an older cursor overlaps what is stored: harmless, versions decide.
    assert not repo.apply_sync(delta(9, (invitation(3, version=9),), since=2)).resync_needed


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        (delta(9, (invitation(2, version=7),), since=6), "a gap after the stored cursor"),
        (delta(9, (invitation(2, version=10),), since=5), "a row above the cursor"),
        (delta(9, (invitation(2, version=5),), since=5), "a row at or below since"),
        (delta(9, (), (token(1, version=10),), since=5), "a token above the cursor"),
        (delta(4, (), since=5), "a cursor before its start"),
        (delta(9, (invitation(2, version=10),), full=True), "a full answer above its cursor"),
    ],
)
def test_a_delta_the_cache_cannot_trust_resets_the_cursor_and_keeps_the_outbox(
    repo: CacheRepository, changes: SyncDelta, why: str
) -> None:
    repo.apply_sync(delta(5, (invitation(1, version=5),), (token(1, version=4),)))
    repo.queue_invitation("key-q", "queued@example.com")
    before = repo.snapshot()

    applied = repo.apply_sync(changes)

    assert applied.resync_needed, why
    assert (applied.cursor, applied.invitations, applied.tokens) == (0, (), ())
    after = repo.snapshot()
    assert after.cursor == 0  # the next sync asks for everything
    assert (after.invitations, after.tokens) == (before.invitations, before.tokens)
    assert [q.key for q in after.outbox] == ["key-q"]


def test_a_full_resync_replaces_rows_whatever_their_versions(repo: CacheRepository) -> None:
    # A rebuilt backend counts versions from 1 again: its full answer is the truth.
    repo.apply_sync(delta(50, (invitation(1, version=50),), (token(1, version=40),)))
    repo.queue_invitation("key-q", "queued@example.com")
    fresh = invitation(1, state=InvitationState.REVOKED, version=2)
    applied = repo.apply_sync(delta(3, (fresh,), (token(1, state="spent", version=3),), full=True))
    assert not applied.resync_needed
    snapshot = repo.snapshot()
    assert snapshot.invitations == (fresh,)
    assert snapshot.tokens[0].state == "spent"
    assert snapshot.cursor == 3
    assert [q.key for q in snapshot.outbox] == ["key-q"]


def test_the_snapshot_lists_invitations_by_creation_sequence(repo: CacheRepository) -> None:
    same_moment = [replace(invitation(n, sequence=10 - n), created_at=T0) for n in range(4)]
    repo.apply_sync(delta(1, tuple(same_moment)))
    assert [i.sequence for i in repo.snapshot().invitations] == [10, 9, 8, 7]


def test_what_the_repository_writes_the_models_read_back(repo: CacheRepository) -> None:
    """The repository writes with sqlite3; the schema, the migrations and any tool reading the
    file go through the SQLAlchemy models. Both agree on every value: times as SQLAlchemy's
    DATETIME text of the UTC instant, flags as 0/1, states as their values."""
    from sqlalchemy.orm import Session

    from desktop.storage.models import InvitationRow, SyncStateRow, TokenRow

    resent = replace(invitation(2, state=InvitationState.OPENED), rewardless=True, last_sent_at=T0)
    repo.apply_sync(delta(5, (invitation(1), resent), (token(1),)))
    engine = make_engine(repo.path, pooled=False)
    try:
        with Session(engine) as session:
            row = session.get(InvitationRow, resent.id)
            credit = session.get(TokenRow, token(1).id)
            meta = session.get(SyncStateRow, 1)
            assert row is not None
            assert credit is not None
            assert meta is not None
            assert (row.state, row.created_at, row.last_sent_at, row.rewardless) == (
                "opened",
                resent.created_at,
                T0,
                True,
            )
            assert (credit.granted_at, credit.source) == (token(1).granted_at, "referral")
            assert (meta.active_account_id, meta.cursor) == (ACCOUNT.id, 5)
    finally:
        engine.dispose()
    with closing(sqlite3.connect(repo.path)) as raw:
        (text,) = raw.execute("SELECT created_at FROM invitation WHERE id = ?", (resent.id,))
    assert text == (resent.created_at.strftime("%Y-%m-%d %H:%M:%S.%f"),)


def test_a_time_written_with_an_offset_is_read_as_its_instant(repo: CacheRepository) -> None:
    """SQLAlchemy read such text by ignoring the offset; the repository reads the instant."""
    repo.start_session(ACCOUNT)
    queued = repo.queue_invitation("key-1", "peer@example.com")
    at = (T0 + timedelta(hours=2)).astimezone(timezone(timedelta(hours=2)))
    with closing(sqlite3.connect(repo.path)) as raw, raw:
        raw.execute("UPDATE outbox SET queued_at = ? WHERE key = ?", (at.isoformat(" "), "key-1"))
    (stored,) = repo.queued_invitations()
    assert stored.queued_at == T0 + timedelta(hours=2) != queued.queued_at
    assert stored.queued_at.utcoffset() == timedelta(0)
