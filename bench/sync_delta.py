"""Delta sync cost against cache size: 10 changes over 10,000 cached invitations vs an empty cache.

Measures the client's side of a sync (DESIGN R8: "cost follows the changes, not the history"):
from `Controller.sync_now()` to the SYNCED `AppState`, through the pool thread, the cache worker
thread (bulk upserts, read-back of the touched rows) and the state snapshot the UI receives.
The API answers instantly with a prepared delta, so the backend's own cost is left out (the
backend has its own sync-cost test). Also times the repository's `apply_sync` alone.

    .venv/bin/python bench/sync_delta.py [--runs 21] [--cached 10000] [--changes 10]

Prints the median of the runs for each cache size and the ratio (target: at most 2x). The
runs alternate between the two caches so machine load affects both alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keyring.backend
from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

from desktop.backend.api import (
    InvitationDTO,
    InvitationEventDTO,
    SyncDTO,
    UsageDTO,
)
from desktop.controller import Controller, RetryPolicy
from desktop.controller.mapping import sync_delta
from desktop.controller.state import AppState, SyncPhase
from desktop.credentials import CredentialStore
from desktop.domain.cycles import RewardCycle
from desktop.domain.invitations import InvitationState
from desktop.domain.policy import ReferralPolicy
from desktop.domain.profile import Profile
from desktop.domain.usage import UsageWindow, WindowKind
from desktop.memory_keyring import MemoryKeyring
from desktop.storage import CacheRepository

T0 = datetime(2025, 3, 1, tzinfo=UTC)
ACCOUNT = Profile("acct_bench", "bench@example.com", "Bench", "plus", 1)


def invitation(number: int, version: int) -> InvitationDTO:
    """Invitation `number`; a higher `version` is a later change (one more prompt)."""
    created = T0 + timedelta(seconds=number)
    updated = created + timedelta(minutes=version)
    return InvitationDTO(
        id=f"inv_{number:06d}",
        recipient=f"peer{number}@example.com",
        link=f"https://example.invalid/join/{number:032x}",
        state=InvitationState.PROMPTING if version else InvitationState.SENT,
        created_at=created,
        updated_at=updated,
        link_opened=bool(version),
        joined_kind="new" if version else None,
        workspace_ready=bool(version),
        prompts=min(version, 2),
        prompts_required=3,
        reason="bench",
        history=(
            InvitationEventDTO(InvitationState.SENT, created),
            InvitationEventDTO(InvitationState.OPENED, updated),
        ),
        idempotency_key=f"key-{number}",
        version=version,
        sequence=number + 1,
    )


def sync_answer(cursor: int, rows: tuple[InvitationDTO, ...], *, full: bool) -> SyncDTO:
    """A sync answer carrying `rows` as the changed invitations."""
    usage = UsageDTO(
        UsageWindow(WindowKind.FIVE_HOUR, 100, 10, T0),
        UsageWindow(WindowKind.WEEKLY, 1000, 100, T0),
        T0,
    )
    return SyncDTO(
        cursor=cursor,
        account=ACCOUNT,
        eligible=True,
        policy=ReferralPolicy(),
        usage=usage,
        cycle=RewardCycle(T0, T0 + timedelta(days=31), 0, 3),
        invitations=rows,
        tokens=(),
        now=T0,
        full=full,
    )


class PreparedApi:
    """Answers `sync` at once with the next prepared delta; nothing else is called."""

    def __init__(self, changes: int, first_number: int) -> None:
        self._changes = changes
        self._first = first_number
        self.round = 0

    def sync(self, session: str, cursor: int) -> SyncDTO:
        self.round += 1
        rows = tuple(invitation(self._first + n, self.round) for n in range(self._changes))
        return sync_answer(cursor + 1, rows, full=False)

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"the bench does not call {name}")


def prefill(path: Path, cached: int) -> None:
    """A cache holding `cached` invitations (each with two history events)."""
    repository = CacheRepository(path)
    repository.open()
    rows = tuple(invitation(n, 0) for n in range(cached))
    repository.apply_sync(sync_delta(sync_answer(1, rows, full=True), T0))
    repository.close()


def wait_for(controller: Controller, done: Callable[[AppState], bool]) -> None:
    """Run the event loop until the controller emits a state that satisfies `done`."""
    loop = QEventLoop()

    def check(state: AppState) -> None:
        if done(state):
            loop.quit()

    controller.stateChanged.connect(check)
    QTimer.singleShot(30_000, loop.quit)
    loop.exec()
    controller.stateChanged.disconnect(check)


def synced(state: AppState) -> bool:
    """The sync this bench asked for has been stored and emitted."""
    return state.sync.phase is SyncPhase.SYNCED


class ControllerSetup:
    """A signed-in controller over a cache prefilled with `cached` invitations."""

    def __init__(self, folder: Path, cached: int, changes: int) -> None:
        path = folder / "cache.sqlite"
        prefill(path, cached)
        credentials = CredentialStore(backend=MemoryKeyring())
        credentials.save("bench-session")
        self.expected = cached + changes
        self.controller = Controller(
            PreparedApi(changes, first_number=cached),  # type: ignore[arg-type]
            CacheRepository(path),
            credentials,
            sync_interval_ms=3_600_000,
            retry=RetryPolicy(attempts=1),
        )
        self.controller.start()  # the cached state, then the session, then a first sync
        wait_for(self.controller, synced)

    def run(self) -> float:
        """Seconds for one delta sync, from `sync_now()` to the emitted SYNCED state."""
        start = time.perf_counter()
        self.controller.sync_now()
        wait_for(self.controller, synced)
        elapsed = time.perf_counter() - start
        assert len(self.controller.state.invitations) == self.expected
        return elapsed

    def close(self) -> None:
        self.controller.shutdown()


class RepositorySetup:
    """The cache repository alone, prefilled with `cached` invitations."""

    def __init__(self, folder: Path, cached: int, changes: int) -> None:
        path = folder / "cache.sqlite"
        prefill(path, cached)
        self.repository = CacheRepository(path)
        self.repository.open()
        self.api = PreparedApi(changes, first_number=cached)
        self.cursor = 1

    def run(self) -> float:
        """Seconds for one `apply_sync` of a prepared delta."""
        self.cursor += 1
        delta = sync_delta(self.api.sync("", self.cursor), T0)
        start = time.perf_counter()
        self.repository.apply_sync(delta)
        return time.perf_counter() - start

    def close(self) -> None:
        self.repository.close()


def compare(
    kind: type[ControllerSetup] | type[RepositorySetup], cached: int, changes: int, runs: int
) -> tuple[float, float]:
    """Median seconds on an empty and on a full cache. The runs alternate, so load drift on a
    shared machine hits both alike."""
    with tempfile.TemporaryDirectory() as one, tempfile.TemporaryDirectory() as two:
        empty, full = kind(Path(one), 0, changes), kind(Path(two), cached, changes)
        try:
            empty.run()  # warm-up: first inserts, statement caches
            full.run()
            on_empty: list[float] = []
            on_full: list[float] = []
            for _ in range(runs):
                on_empty.append(empty.run())
                on_full.append(full.run())
            return statistics.median(on_empty), statistics.median(on_full)
        finally:
            empty.close()
            full.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--cached", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=10)
    args = parser.parse_args()
    app = QCoreApplication.instance() or QCoreApplication(sys.argv)
    keyring.set_keyring(MemoryKeyring())
    print(f"delta sync of {args.changes} changed invitations, median of {args.runs} runs")
    setups: tuple[tuple[str, type[ControllerSetup] | type[RepositorySetup]], ...] = (
        ("controller sync", ControllerSetup),
        ("apply_sync only", RepositorySetup),
    )
    for label, kind in setups:
        empty, full = compare(kind, args.cached, args.changes, args.runs)
        print(
            f"  {label:16} empty cache {empty * 1000:6.2f} ms   "
            f"{args.cached:,} cached {full * 1000:6.2f} ms   ratio {full / empty:4.2f}x"
        )
    del app


if __name__ == "__main__":
    main()
