"""kill -9 at a random moment of a first sync, a send, a redeem and a cache migration; restart,
let the app settle, then compare the cache file with the backend: nothing lost, nothing doubled.
"""

from __future__ import annotations

import random
import sqlite3
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from desktop.paths import CACHE_DB
from desktop.storage.database import (
    alembic_config,
    current_revision,
    head_revision,
    make_engine,
)
from tests.reliability.conftest import OPERATOR, Tally, Template
from tests.reliability.harness import (
    backend_truth,
    cache_truth,
    copy_folder,
    driver,
    run_to_state,
)

OLD_REVISION = "0001_initial"
FIRST_WINDOW_S = 0.5  # kill moments after READY, until an unkilled trial measured the operation


class KillWindow:
    """Where after READY to draw kill moments: over the operation's measured length, so most
    kills land inside it rather than after the process has finished by itself."""

    def __init__(self) -> None:
        self.seconds = FIRST_WINDOW_S

    def draw(self, rng: random.Random) -> float:
        """A random moment in the window (a little past its end too)."""
        return rng.uniform(0.0, 1.2 * self.seconds)

    def measured(self, seconds: float) -> None:
        """An operation that ran to its end took this long."""
        self.seconds = seconds


def agree(folder: Path) -> tuple[int, int]:
    """(lost, duplicated) between the settled cache and the backend for the operator."""
    backend = backend_truth(folder, OPERATOR)
    cache = cache_truth(folder)
    cached_ids = [i for i, _ in cache.invitations]
    lost = len(set(backend.invitations) - set(cached_ids))
    duplicated = len(cached_ids) - len(set(cached_ids))
    duplicated += sum(1 for r in set(backend.invitations.values()) if backend.sent_to(r) > 1)
    lost += sum(1 for i, s in backend.token_states.items() if cache.token_states.get(i) != s)
    assert not cache.outbox, f"the settled cache still queues {cache.outbox}"
    return lost, duplicated


def test_kill_during_first_sync(
    template: Template, tmp_path: Path, trials: int, rng: random.Random, tally: Tally
) -> None:
    for trial in range(trials):
        folder = copy_folder(template.folder, tmp_path / f"t{trial}", with_cache=False)
        with driver(folder, OPERATOR, "sync") as first:
            killed = first.kill_after(rng.uniform(0.2, 1.0) * template.sync_seconds)
        state = run_to_state(folder, OPERATOR)
        lost, duplicated = agree(folder)
        assert state["available_tokens"] == len(backend_truth(folder, OPERATOR).token_states)
        tally.count(killed=killed, lost=lost, duplicated=duplicated)
    assert tally.survived == trials, tally


def test_kill_during_send(
    template: Template, tmp_path: Path, trials: int, rng: random.Random, tally: Tally
) -> None:
    window = KillWindow()
    for trial in range(trials):
        folder = copy_folder(template.folder, tmp_path / f"t{trial}")
        recipient = f"sent{trial}@example.com"
        with driver(folder, OPERATOR, "send", recipient) as sending:
            sending.wait_for("READY")
            ready = time.monotonic()
            killed = sending.kill_after(window.draw(rng))
            if not killed:
                window.measured(time.monotonic() - ready)
            told = [line for line in sending.drain() if line.startswith("OUTCOME")]
        intent_kept = cache_truth(folder).rows_for(recipient) > 0 or bool(told)
        run_to_state(folder, OPERATOR)
        lost, duplicated = agree(folder)
        sent = backend_truth(folder, OPERATOR).sent_to(recipient)
        duplicated += max(0, sent - 1)
        lost += intent_kept and sent == 0
        if not intent_kept:
            tally.notes.append(f"trial {trial}: killed before the intent reached the outbox")
        tally.count(killed=killed, lost=lost, duplicated=duplicated)
    assert tally.survived == trials, tally


def test_kill_during_redeem(
    template: Template, tmp_path: Path, trials: int, rng: random.Random, tally: Tally
) -> None:
    window = KillWindow()
    for trial in range(trials):
        folder = copy_folder(template.folder, tmp_path / f"t{trial}")
        before = backend_truth(folder, OPERATOR).spent
        with driver(folder, OPERATOR, "redeem") as redeeming:
            redeeming.wait_for("READY")
            ready = time.monotonic()
            killed = redeeming.kill_after(window.draw(rng))
            if not killed:
                window.measured(time.monotonic() - ready)
            told_spent = any('"outcome": "done"' in line for line in redeeming.drain())
        run_to_state(folder, OPERATOR)
        lost, duplicated = agree(folder)
        spent = backend_truth(folder, OPERATOR).spent - before
        duplicated += max(0, spent - 1)
        lost += told_spent and spent == 0  # the user was told a reset was spent: it must be
        tally.count(killed=killed, lost=lost, duplicated=duplicated)
    assert tally.survived == trials, tally


def downgrade_cache(folder: Path, queued_recipient: str) -> None:
    """Turn the cache back into the first release's, with one invitation still queued."""
    from alembic import command

    path = folder / CACHE_DB
    engine = make_engine(path, foreign_keys=False, pooled=False)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, OLD_REVISION)
    finally:
        engine.dispose()
    with sqlite3.connect(path) as raw:
        (account,) = raw.execute("select id from account").fetchone()
        raw.execute(
            "insert into outbox values (?, ?, ?, ?)",
            (f"old-{uuid.uuid4()}", account, queued_recipient, datetime.now(UTC).isoformat(" ")),
        )
    raw.close()
    assert current_revision(path) == OLD_REVISION


def test_kill_during_cache_migration(
    template: Template, tmp_path: Path, trials: int, rng: random.Random, tally: Tally
) -> None:
    for trial in range(trials):
        folder = copy_folder(template.folder, tmp_path / f"t{trial}")
        recipient = f"migrated{trial}@example.com"
        downgrade_cache(folder, recipient)
        with driver(folder, OPERATOR, "check") as migrating:
            killed = migrating.kill_after(rng.uniform(0.1, 0.8) * template.sync_seconds)
        run_to_state(folder, OPERATOR)
        assert current_revision(folder / CACHE_DB) == head_revision()
        lost, duplicated = agree(folder)
        sent = backend_truth(folder, OPERATOR).sent_to(recipient)
        lost += sent == 0  # the queued invitation of the old release must still go out
        duplicated += max(0, sent - 1)
        backups = sorted(p.name for p in folder.iterdir() if ".backup-" in p.name)
        tally.notes.append(f"trial {trial}: {len(backups)} backup file(s)")
        tally.count(killed=killed, lost=lost, duplicated=duplicated)
    assert tally.survived == trials, tally
