"""The cache file itself: migrations keep data (with a backup), damaged files are rebuilt."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import alembic.command
import pytest

from desktop.domain.offer import Offer
from desktop.domain.reasons import Reason
from desktop.storage import CacheRepository, CacheSnapshot, OpenReport, database
from desktop.storage.database import (
    backups_of,
    current_revision,
    head_revision,
    is_corruption,
    migrate,
)
from desktop.storage.revision import HEAD_REVISION
from tests.client.records import ACCOUNT, T0, delta, invitation

OLD_REVISION = "0001_initial"


def test_the_head_revision_constant_is_alembics_head() -> None:
    # A new migration: copy its id to desktop/storage/revision.py and teach the peek its schema.
    assert head_revision() == HEAD_REVISION


def fill_old_revision(path: Path) -> None:
    """A cache written by the first release: one account, an invitation with history, a queue."""
    migrate(path, T0, target=OLD_REVISION)
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA foreign_keys=ON")
        raw.execute(
            "insert into account values ('acc-1', 'pilot@example.com', 'Pilot', 'plus', 10)"
        )
        raw.execute("insert into sync_state values (1, 'acc-1', 42, '2025-03-10 12:00:00', NULL)")
        raw.execute(
            "insert into invitation values ('inv-1', 'acc-1', 'peer@example.com', 'https://l', "
            "'opened', '2025-03-10 12:00:00', '2025-03-11 12:00:00', 1, NULL, 0, 0, 3, 'r')"
        )
        raw.executemany(
            "insert into invitation_event (invitation_id, seq, state, at) values (?, ?, ?, ?)",
            [
                ("inv-1", 0, "sent", "2025-03-10 12:00:00"),
                ("inv-1", 1, "opened", "2025-03-11 12:00:00"),
            ],
        )
        raw.execute(
            "insert into outbox values ('key-1', 'acc-1', 'later@example.com', "
            "'2025-03-12 08:00:00')"
        )
    raw.close()


def test_migration_from_the_older_revision_keeps_the_data(data_dir: Path) -> None:
    path = data_dir / "cache.sqlite"
    fill_old_revision(path)
    repo = CacheRepository(path, clock=lambda: T0)
    report = repo.open()
    try:
        snapshot = repo.snapshot()
    finally:
        repo.close()
    assert report.migrated_from == OLD_REVISION
    assert current_revision(path) == head_revision() != OLD_REVISION
    assert snapshot.account == ACCOUNT
    # 0003 sends the cursor back: rows from before it have no version, the next sync is full.
    assert snapshot.cursor == 0
    (cached,) = snapshot.invitations
    assert cached.state == "opened"
    assert cached.idempotency_key is None
    assert (cached.version, cached.sequence) == (0, 0)
    # Batch mode recreated `invitation`: with foreign keys on, its history would have cascaded away.
    assert [state for state, _ in cached.history] == ["sent", "opened"]
    (queued,) = snapshot.outbox
    assert (queued.key, queued.recipient, queued.attempts, queued.last_error) == (
        "key-1",
        "later@example.com",
        0,
        "",
    )


def _migrated(path: Path, revision: str, *rows: str) -> tuple[OpenReport, CacheSnapshot]:
    """A cache at `revision` holding the account pilot@ (cursor 42) and `rows`, opened (so
    migrated to the head) and read."""
    migrate(path, T0, target=revision)
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA foreign_keys=ON")
        raw.execute(
            "insert into account values ('acc-1', 'pilot@example.com', 'Pilot', 'plus', 10)"
        )
        raw.execute("insert into sync_state values (1, 'acc-1', 42, '2025-03-10 12:00:00', NULL)")
        for row in rows:
            raw.execute(row)
    raw.close()
    repo = CacheRepository(path, clock=lambda: T0)
    report = repo.open()
    try:
        return report, repo.snapshot()
    finally:
        repo.close()


def test_migration_from_0004_keeps_the_data_and_syncs_the_new_values_in_full(
    data_dir: Path,
) -> None:
    # A cache written by the release before issue 14: an invitation, a token, an open redeem.
    path = data_dir / "cache.sqlite"
    report, snapshot = _migrated(
        path,
        "0004_intents",
        (
            "insert into invitation (id, account_id, recipient, link, state, created_at, "
            "updated_at, link_opened, joined_kind, workspace_ready, prompts, prompts_required, "
            "reason, idempotency_key, message_subject, message_body, version, sequence) values "
            "('inv-1', 'acc-1', 'peer@example.com', 'https://l', 'sent', '2025-03-10 12:00:00', "
            "'2025-03-10 12:00:00', 0, NULL, 0, 0, 3, 'r', 'k1', 's', 'b', 5, 1)"
        ),
        (
            "insert into token (id, account_id, granted_at, expires_at, state, invitation_id, "
            "spent_at, version) values ('tok-1', 'acc-1', '2025-03-10 12:00:00', NULL, "
            "'available', 'inv-1', NULL, 6)"
        ),
        ("insert into intent values ('key-r', 'acc-1', 'redeem', '', '2025-03-10 12:00:00', 1, 1)"),
    )
    assert report.migrated_from == "0004_intents"
    assert current_revision(path) == HEAD_REVISION
    (kept,) = snapshot.invitations
    assert (kept.id, kept.idempotency_key, kept.version, kept.message_body) == (
        "inv-1",
        "k1",
        5,
        "b",
    )
    assert (kept.rewardless, kept.resend_available_at, kept.emails_sent) == (False, None, 1)
    (credit,) = snapshot.tokens
    assert (credit.id, credit.source, credit.title, credit.windows) == (
        "tok-1",
        "referral",
        "",
        "both",
    )
    (intent,) = snapshot.intents
    assert (intent.key, intent.doubtful, intent.credit_id) == ("key-r", True, "")
    assert snapshot.offer is None
    # The old rows lack the new values: the next sync is a full one that fills them in.
    assert snapshot.cursor == 0


def test_migration_from_0005_keeps_the_cached_offer_as_the_one_offer_shape(
    data_dir: Path,
) -> None:
    # A cache written before the offer table's columns became the domain Offer's fields: it had
    # `fetched_at` and no `unavailable_reason`.
    path = data_dir / "cache.sqlite"
    report, snapshot = _migrated(
        path,
        "0005_offer_credits",
        (
            "insert into offer values ('acc-1', 'off_1', 1, 'Bring a colleague', 'Share it.', "
            "'[\"One address per invitation.\"]', 1, NULL, 2, NULL, NULL, 5, "
            "'2025-03-10 12:00:00', '2025-03-10 12:05:00', '2025-03-10 12:00:01')"
        ),
    )
    assert report.migrated_from == "0005_offer_credits"
    assert current_revision(path) == HEAD_REVISION
    assert snapshot.offer == Offer(
        id="off_1",
        offered=True,
        title="Bring a colleague",
        description="Share it.",
        rules=("One address per invitation.",),
        requires_confirmation=True,
        send_capacity=None,  # unknown stays unknown, not zero
        reward_capacity=2,
        rewards_resume_at=None,
        send_capacity_frees_at=None,
        max_recipients=5,
        issued_at=T0,
        expires_at=T0 + timedelta(minutes=5),
        unavailable_reason=None,
    )
    # Only the offer's columns changed: the sync goes on from where it was.
    assert snapshot.cursor == 42


def test_a_backup_is_taken_before_migrating(data_dir: Path) -> None:
    path = data_dir / "cache.sqlite"
    fill_old_revision(path)
    repo = CacheRepository(path, clock=lambda: T0)
    report = repo.open()
    repo.close()
    assert report.backup is not None
    assert report.backup.name == f"cache.sqlite.backup-{OLD_REVISION}-20250310T120000Z"
    assert current_revision(report.backup) == OLD_REVISION
    with sqlite3.connect(report.backup) as raw:
        assert raw.execute("select count(*) from invitation_event").fetchone() == (2,)
    raw.close()


def test_an_up_to_date_cache_is_not_backed_up(data_dir: Path) -> None:
    path = data_dir / "cache.sqlite"
    for _ in range(2):
        repo = CacheRepository(path, clock=lambda: T0)
        report = repo.open()
        repo.close()
    assert report.backup is None
    assert sorted(p.name for p in data_dir.iterdir()) == ["cache.sqlite"]


def test_a_file_that_is_not_a_database_is_moved_aside_and_rebuilt(data_dir: Path) -> None:
    path = data_dir / "cache.sqlite"
    garbage = b"this is not sqlite at all\n" * 200
    path.write_bytes(garbage)
    repo = CacheRepository(path, clock=lambda: T0)
    report = repo.open()
    try:
        assert repo.snapshot().account is None
    finally:
        repo.close()
    assert report.rebuilt
    assert report.rebuilt_from == data_dir / "cache.sqlite.corrupt-20250310T120000Z"
    assert report.rebuilt_from.read_bytes() == garbage
    assert report.reason is Reason.CACHE_DAMAGED
    assert current_revision(path) == head_revision()


def test_a_malformed_database_is_moved_aside_and_rebuilt(data_dir: Path) -> None:
    path = data_dir / "cache.sqlite"
    repo = CacheRepository(path, clock=lambda: T0)
    repo.open()
    repo.apply_sync(delta(1, tuple(invitation(n) for n in range(300))))
    repo.close()
    page_size = 4096
    with path.open("r+b") as file:  # scribble over a few b-tree pages, keep the header
        file.seek(page_size * 3)
        file.write(b"\xa5" * page_size * 4)
    repo = CacheRepository(path, clock=lambda: T0)
    report = repo.open()
    try:
        snapshot = repo.snapshot()
    finally:
        repo.close()
    assert report.rebuilt
    assert snapshot.invitations == ()


def test_a_lagging_head_constant_costs_only_the_fast_path(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A migration was added and HEAD_REVISION not updated yet (the test above fails then): a cache
    # at the real head is still left alone, without a backup or a rebuild on every start.
    path = data_dir / "cache.sqlite"
    migrate(path, T0)
    monkeypatch.setattr(database, "HEAD_REVISION", OLD_REVISION)
    report = migrate(path, T0)
    assert report == OpenReport()
    assert sorted(p.name for p in data_dir.iterdir() if "backup" in p.name) == []
    assert current_revision(path) == head_revision()


def test_a_cache_from_a_newer_version_is_moved_aside(data_dir: Path) -> None:
    path = data_dir / "cache.sqlite"
    repo = CacheRepository(path, clock=lambda: T0)
    repo.open()
    repo.close()
    with sqlite3.connect(path) as raw:
        raw.execute("update alembic_version set version_num = '9999_from_the_future'")
    raw.close()
    repo = CacheRepository(path, clock=lambda: T0)
    report = repo.open()
    repo.close()
    assert report.rebuilt
    assert report.reason is Reason.CACHE_NEWER
    assert current_revision(path) == head_revision()


@pytest.mark.parametrize(
    ("error", "corrupt"),
    [
        (sqlite3.DatabaseError("file is not a database"), True),
        (sqlite3.DatabaseError("database disk image is malformed"), True),
        (sqlite3.OperationalError("database is locked"), False),
        (ValueError("something else"), False),
    ],
)
def test_only_damage_counts_as_corruption(error: Exception, corrupt: bool) -> None:
    assert is_corruption(error) is corrupt


def test_interrupted_migrations_keep_at_most_one_backup(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = data_dir / "cache.sqlite"
    fill_old_revision(path)

    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt  # the process dies mid-migration: nothing is committed

    with monkeypatch.context() as patch:
        patch.setattr(alembic.command, "upgrade", interrupted)
        for minute in range(3):
            with pytest.raises(KeyboardInterrupt):
                migrate(path, T0 + timedelta(minutes=minute))
    assert [p.name for p in backups_of(path)] == [
        f"cache.sqlite.backup-{OLD_REVISION}-20250310T120200Z"
    ]
    report = migrate(path, T0 + timedelta(minutes=3))  # the next start completes it
    assert report.migrated_from == OLD_REVISION
    assert backups_of(path) == [report.backup]
    assert sorted(p.name for p in data_dir.iterdir()) == [
        "cache.sqlite",
        f"cache.sqlite.backup-{OLD_REVISION}-20250310T120300Z",
    ]


def test_a_backup_killed_while_copying_is_not_kept(data_dir: Path) -> None:
    path = data_dir / "cache.sqlite"
    fill_old_revision(path)
    (data_dir / "cache.sqlite.backup.partial").write_bytes(b"half a copy")
    report = migrate(path, T0)
    assert report.backup is not None
    assert not (data_dir / "cache.sqlite.backup.partial").exists()
    assert backups_of(path) == [report.backup]
