"""Start-up: the cached state on screen at once, then the proper cache open, then the session
from the keyring, then the first sync (R8).

A quick read-only look first: the cached data is on screen while the proper open (integrity
check, and SQLAlchemy with Alembic when a migration is due) is still under way; with many
invitations cached, the newest first and the whole list once those are painted. The open is
queued at once (every later cache job comes after it) but waits until the GUI thread has painted
the peeked state: its work would take the GIL from that paint.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer

from desktop.controller.hub import Hub, ignore, local_reason
from desktop.controller.model import Views, views_of
from desktop.controller.state import SyncPhase, SyncStatus
from desktop.domain.reasons import Reason, explain
from desktop.storage.peek import Screenful, peek_first_screenful, peek_snapshot

if TYPE_CHECKING:
    from desktop.storage import CacheRepository, CacheSnapshot, OpenReport

log = logging.getLogger(__name__)

OPEN_AFTER_PEEK_WAIT_S = 1.0
"""How long the proper cache open (and the rest of a first screenful) waits at most for the
peeked state to be painted."""
LOOK_ALIKES_AFTER_MS = 2_000
"""The look-alike tables load this long after the first sync has ended, off its way."""
FIRST_SCREENFUL = 100
"""Invitations in the first peek: the newest, more than a window shows; the rest follow."""


class StartupFlow:
    """Peeks at the cache, opens it properly, then hands over to the session and the sync.

    With more than `FIRST_SCREENFUL` invitations cached the peek is in two steps: the newest
    first, with the counts of all (on screen as fast with 10,000 cached as with 10), then, once
    that is painted, the whole list; the proper open comes after both."""

    def __init__(
        self, hub: Hub, cache_opened: Callable[[], None], restored: Callable[[object], None]
    ) -> None:
        self._hub = hub
        self._cache_opened = cache_opened
        self._restored = restored
        self._showing_peek = False  # the model holds the quick look at the cache, nothing newer
        self._cache_ready = False
        self._look_alikes_due = False
        self.rest_when_shown = threading.Event()  # the cache thread may read the whole list
        self.open_when_shown = threading.Event()  # the cache thread may start the proper open

    def start(self) -> None:
        """Queue the peeks and the proper open on the cache thread."""
        hub = self._hub
        peeked: list[CacheSnapshot | None] = [None]  # the whole peeked snapshot
        partial = [False]  # the first peek held the newest invitations only
        rest, go = self.rest_when_shown, self.open_when_shown

        def peek(cache: CacheRepository) -> tuple[Screenful, Views] | None:
            path = getattr(cache, "path", None)
            first = peek_first_screenful(path, FIRST_SCREENFUL) if isinstance(path, Path) else None
            if first is None:
                return None
            partial[0] = not first.complete
            if first.complete:
                peeked[0] = first.snapshot
            return first, views_of(first.snapshot.invitations)

        def peek_rest(cache: CacheRepository) -> tuple[CacheSnapshot, Views] | None:
            if not partial[0]:
                return None
            rest.wait(OPEN_AFTER_PEEK_WAIT_S)  # the first screenful painted first
            path = getattr(cache, "path", None)
            snapshot = peeked[0] = peek_snapshot(path) if isinstance(path, Path) else None
            return None if snapshot is None else (snapshot, views_of(snapshot.invitations))

        def open_cache(cache: CacheRepository) -> tuple[OpenReport, CacheSnapshot, bool, Views]:
            go.wait(OPEN_AFTER_PEEK_WAIT_S)
            report = cache.open()
            snapshot = cache.snapshot()
            same = peeked[0] is not None and snapshot == peeked[0]
            return report, snapshot, same, {} if same else views_of(snapshot.invitations)

        def peek_failed(_: object) -> None:
            rest.set()
            go.set()

        hub.run.cache(peek, self._peeked, peek_failed, any_session=True)
        hub.run.cache(peek_rest, self._peeked_rest, peek_failed, any_session=True)
        hub.run.cache(open_cache, self._opened, self._unusable, any_session=True)

    def _peeked(self, peeked: tuple[Screenful, Views] | None) -> None:
        hub = self._hub
        first = None if peeked is None else peeked[0]
        if first is None or first.snapshot.account is None or self._cache_ready:
            self.rest_when_shown.set()
            self.open_when_shown.set()  # nothing to show early: the proper open will say
            return
        assert peeked is not None
        counts = None if first.complete else (first.total, first.pending)
        hub.model.load(first.snapshot, peeked[1], first_screenful_of=counts)
        self._showing_peek = True
        hub.publish()  # the cached state, before the cache is even opened properly
        # The window has just scheduled its repaint (a low-priority posted event); a timer
        # fires after posted events are handled, so after that paint.
        QTimer.singleShot(1, (self.open_when_shown if first.complete else self.rest_when_shown).set)

    def _peeked_rest(self, peeked: tuple[CacheSnapshot, Views] | None) -> None:
        if peeked is None or not self._showing_peek or self._cache_ready:
            self.open_when_shown.set()  # nothing more to show: the proper open will say
            return
        self._hub.model.load(*peeked)  # the whole list
        self._hub.publish()
        QTimer.singleShot(1, self.open_when_shown.set)

    def _opened(self, opened: tuple[OpenReport, CacheSnapshot, bool, Views]) -> None:
        hub = self._hub
        report, snapshot, same_as_peek, views = opened
        self._cache_ready = True
        if report.rebuilt:
            set_aside = (
                Reason.CACHE_NEWER_SET_ASIDE
                if report.reason is Reason.CACHE_NEWER
                else Reason.CACHE_DAMAGED_SET_ASIDE
            )
            hub.cache_notice = explain(set_aside, {"path": str(report.rebuilt_from)})
        if not (same_as_peek and self._showing_peek and not report.rebuilt):
            hub.model.load(snapshot, views or None)
            hub.publish()  # the cached state, before any backend call
        self._showing_peek = False
        self._cache_opened()
        hub.run.call(
            hub.credentials.load,
            self._restored,
            lambda _: self._restored(None),
            timeout=False,  # an OS keyring may show an unlock prompt
            any_session=True,  # a sign-in meanwhile is told apart by `restore_wanted`
        )

    def first_sync_ended(self) -> None:
        """The own-address rule's look-alike tables (~0.15 s) load a moment after the first sync
        has ended, however it ended, not while it runs, and not on the first address typed (an
        invitation needs a session, so a sync comes first). It was a fixed 2 s after the cache
        opened: on a slow machine that fell in the middle of the first sign-in and sync."""
        if self._look_alikes_due:
            return
        self._look_alikes_due = True
        hub = self._hub
        hub.run.later(
            LOOK_ALIKES_AFTER_MS,
            lambda: hub.run.call(
                _load_look_alikes, ignore, ignore, timeout=False, any_session=True
            ),
            any_session=True,
        )

    def _unusable(self, error: Exception) -> None:
        hub = self._hub
        log.warning("the local cache could not be opened")
        reason, details = local_reason(error)  # logs the reason (and an unexpected one's trace)
        hub.cache_notice = explain(reason, details)
        hub.sync = SyncStatus(phase=SyncPhase.ERROR, message=hub.cache_notice, reason=reason)
        hub.publish()


def _load_look_alikes() -> None:
    from desktop.domain.emails import load_look_alikes

    load_look_alikes()
