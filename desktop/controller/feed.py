"""Following the backend's changes as they happen: a long poll the wire carries (R12).

After each sync the feed asks the backend to answer when this account's data changes
(`ReferralApi.wait_for_change`, at most `WAIT_S` per request, asked again at once); an answer
with another cursor means "sync now". So a change made by QA, by the recipient's web page or by
another desktop client shows within about a second, from any machine, with no file watching and
no polling from the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable

from desktop.controller.hub import Hub

WAIT_S = 1.5
"""How long one long-poll request waits on the backend. Short: closing the app never leaves a
request waiting longer than this (a blocked HTTP read cannot be interrupted), at the cost of one
cheap request a second and a half while nothing changes."""


class ChangeFeed:
    """One long poll at a time per session; a failure waits on the backoff schedule."""

    def __init__(self, hub: Hub, sync_now: Callable[[], None]) -> None:
        self._hub = hub
        self._sync_now = sync_now
        self._polling = False
        self._cursor = 0  # the backend's change cursor last seen; 0: not known yet
        self._failures = 0
        hub.on_new_session.append(self._reset)

    def follow(self, then: Callable[[bool], None] | None = None) -> None:
        """Start waiting for the next change, unless already waiting (an `after` step too)."""
        hub = self._hub
        if then is not None:
            then(True)
        token = hub.token
        if self._polling or token is None or hub.run.closed:
            return
        self._polling = True
        cursor = self._cursor
        hub.run.call(
            lambda: hub.api.wait_for_change(token, cursor, WAIT_S),
            self._answered,
            self._failed,
            stale=self._stale,
            timeout=False,  # it answers by itself within WAIT_S
            detached=True,  # shutdown never waits for it: it changes nothing
        )

    def _answered(self, cursor: object) -> None:
        self._polling = False
        self._failures = 0
        changed = isinstance(cursor, int) and self._cursor != 0 and cursor != self._cursor
        if isinstance(cursor, int):
            self._cursor = cursor
        if changed:
            self._sync_now()  # its end starts the next wait
        else:
            self.follow()

    def _failed(self, _error: Exception) -> None:
        self._polling = False
        self._failures += 1
        self._hub.run.later(self._hub.retry.delay_ms(self._failures), self.follow)

    def _stale(self, _answer: object) -> None:
        self._polling = False  # the new session's first sync starts its own wait

    def _reset(self) -> None:
        self._cursor = 0
        self._failures = 0
