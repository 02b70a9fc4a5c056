"""Redeem, revoke and resend: operations the operator confirms, that need the backend and are never
queued, and whose key lives in the cache until their outcome is definite (R6, R8, R11).

Confirming opens an intent (or finds the one still open: a double click, a second window and a
restart all get the same key). Each attempt sends that key. A definite answer closes the intent;
a lost answer leaves it open, marked doubtful, and every later sync replays it with the same key
until the backend says what happened. A clean "not sent" closes it only if no earlier attempt may
have reached the backend.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from desktop.backend.api import InvitationDTO, RedemptionDTO
from desktop.controller.hub import Hub, failure_of
from desktop.controller.mapping import LOCAL_PREFIX, invitation_record
from desktop.controller.model import AnsweredUsage
from desktop.controller.state import TokenView
from desktop.domain.credits import Credit
from desktop.domain.keys import new_key
from desktop.domain.outcomes import Operation, Outcome
from desktop.domain.reasons import Detail, Reason, explain
from desktop.domain.usage import WindowKind
from desktop.storage import CachedInvitation, PendingIntent

if TYPE_CHECKING:
    from desktop.storage import CacheRepository

Unqueue = Callable[[str, Callable[[Outcome, Reason | None], None]], None]


class IntentFlow:
    """Opens, attempts and settles redeem and revoke intents."""

    def __init__(self, hub: Hub, unqueue: Unqueue) -> None:
        self._hub = hub
        self._unqueue = unqueue
        self._opening: dict[tuple[str, str], str] = {}  # key of an intent the cache is opening
        # Keys handed out for an intent another window opened first: told its results too.
        self._aliases: dict[str, set[str]] = {}
        hub.on_new_session.append(self._opening.clear)

    # -- entry points -------------------------------------------------------------------------

    def redeem(self, credit_id: str = "") -> str:
        """Spend `credit_id` (default: the spendable credit expiring first); returns the intent's
        key. An open redemption is reused with the credit it named: one request, one spend."""
        if not credit_id:
            spendable = self._hub.state.available_tokens
            credit_id = spendable[0].credit.id if spendable else ""
        return self._open(Operation.REDEEM, "", credit_id)

    def resend(self, invitation_id: str) -> str:
        """Send a pending invitation's email again; returns the intent's key. The key is kept
        until the outcome is definite, so a lost answer never sends a second extra email."""
        return self._open(Operation.RESEND, invitation_id)

    def revoke(self, invitation_id: str) -> str:
        """Revoke a pending invitation; returns the intent's key."""
        hub = self._hub
        if invitation_id.startswith(LOCAL_PREFIX):
            key = new_key()  # this revoke's own key, not the queued send's
            recipient = self._recipient(invitation_id)

            def unqueued(outcome: Outcome, reason: Reason | None) -> None:
                hub.report(
                    Operation.REVOKE,
                    key,
                    outcome,
                    reason,
                    {"recipient": recipient},
                    subject=invitation_id,
                )

            self._unqueue(invitation_id, unqueued)
            return key
        return self._open(Operation.REVOKE, invitation_id)

    def settle(self, then: Callable[[bool], None]) -> None:
        """After a sync: replay every open intent with its key (a restart's too)."""
        for intent in list(self._hub.model.intents.values()):
            if intent.key not in self._hub.running:
                self._attempt(intent)
        then(True)

    # -- one intent ---------------------------------------------------------------------------

    def _open(self, operation: Operation, target: str, credit_id: str = "") -> str:
        hub = self._hub
        known = next(
            (
                intent
                for intent in hub.model.intents.values()
                if intent.operation == operation.value and intent.target == target
            ),
            None,
        )
        if known is not None:
            if known.key not in hub.running:
                self._attempt(known)
            return known.key  # a retry of an unsettled intent
        opening = self._opening.get((operation.value, target))
        if opening is not None:
            return opening  # a double click while the cache opens it
        key = new_key()
        if hub.token is None or hub.model.account is None:
            hub.report(operation, key, Outcome.REFUSED, Reason.NOT_SIGNED_IN, subject=target)
            return key
        self._opening[(operation.value, target)] = key

        def opened(intent: PendingIntent) -> None:
            self._opening.pop((operation.value, target), None)
            if intent.key != key:  # another window opened it first: one intent, both told
                self._aliases.setdefault(intent.key, set()).add(key)
            hub.model.intents[intent.key] = intent
            if intent.key not in hub.running:
                self._attempt(intent)

        def failed(error: Exception) -> None:
            self._opening.pop((operation.value, target), None)
            hub.fail(operation, key, error, subject=target)

        hub.run.cache(
            lambda cache: cache.open_intent(operation.value, target, key, credit_id),
            opened,
            failed,
        )
        return key

    def _attempt(self, intent: PendingIntent) -> None:
        hub = self._hub
        token, key, operation = hub.token, intent.key, Operation(intent.operation)
        if token is None or hub.run.closed:
            return
        hub.running.add(key)
        hub.publish()
        was_doubtful = intent.doubtful

        def call() -> object:
            if operation is Operation.REDEEM:
                if not intent.credit_id:  # nothing to name: the server's default credit
                    return hub.api.redeem(token, key)
                return hub.api.redeem(token, key, credit_id=intent.credit_id)
            if operation is Operation.RESEND:
                return hub.api.resend_invitation(token, intent.target, key)
            return hub.api.revoke_invitation(token, intent.target, key)

        def done(result: object) -> None:
            if isinstance(result, RedemptionDTO):
                self._redeemed(intent, result)
            elif isinstance(result, InvitationDTO):
                self._changed_invitation(intent, result)

        def failed(error: Exception) -> None:
            outcome, reason, details = failure_of(error)
            if outcome is Outcome.NOT_SENT and was_doubtful:
                outcome = Outcome.UNKNOWN  # an earlier attempt may still have gone through
            if outcome is Outcome.UNKNOWN:
                self._still_open(intent, reason, details)
            else:
                self._close(intent, lambda: self._tell_failure(intent, error))
                if outcome is Outcome.REFUSED:
                    hub.request_sync()  # the backend's answer is the truth: show it

        def stale(_: object) -> None:
            # The session changed meanwhile: the intent stays open in the cache, and the next
            # session's sync replays it with the same key.
            self._tell(intent, Outcome.UNKNOWN, Reason.SESSION_ENDED)

        # Written ahead: from the moment the request may leave, only a definite answer ends it.
        hub.run.cache(
            lambda cache: cache.note_attempt(key, doubtful=True),
            lambda _: hub.run.call_retrying(call, done, failed, stale=stale),
            lambda error: self._close(intent, lambda: self._tell_failure(intent, error)),
        )

    def _still_open(
        self, intent: PendingIntent, reason: Reason, details: Mapping[str, Detail]
    ) -> None:
        hub = self._hub
        hub.running.discard(intent.key)
        doubtful = PendingIntent(
            intent.key,
            intent.operation,
            intent.target,
            intent.created_at,
            intent.attempts + 1,
            True,
            intent.credit_id,
        )
        hub.model.intents[intent.key] = doubtful
        hub.publish()
        self._tell(intent, Outcome.UNKNOWN, reason, details)
        hub.request_sync()  # settles it as soon as the backend answers

    def _close(self, intent: PendingIntent, then: Callable[[], object]) -> None:
        hub = self._hub

        def closed(_: object = None) -> None:
            hub.running.discard(intent.key)
            hub.model.intents.pop(intent.key, None)
            hub.publish()
            then()

        hub.run.cache(lambda cache: cache.close_intent(intent.key), closed, closed)

    def _redeemed(self, intent: PendingIntent, result: RedemptionDTO) -> None:
        hub = self._hub
        usage = result.usage
        # From now on a sync that read the backend before this spend must not bring back the
        # windows as they were before it (its answer may still be on the way).
        hub.model.answered_usage = AnsweredUsage(
            result.token.version, usage.five_hour, usage.weekly, usage.now
        )

        def store(cache: CacheRepository) -> Credit:
            stored = cache.store_redemption(result.token, usage.five_hour, usage.weekly, usage.now)
            cache.close_intent(intent.key)
            return stored

        def stored(record: Credit) -> None:
            hub.running.discard(intent.key)
            hub.model.intents.pop(intent.key, None)
            hub.model.tokens[record.id] = record
            hub.model.five_hour, hub.model.weekly = usage.five_hour, usage.weekly
            hub.model.backend_now = usage.now
            hub.publish()
            view = TokenView(record, hub.model.recipient_of(record.invitation_id))
            self._tell(intent, Outcome.DONE, None, self._redemption_details(intent, result), view)
            hub.request_sync()  # the cycle and anything else the spend touched

        def unrecorded(error: Exception) -> None:
            hub.running.discard(intent.key)
            hub.cache_failed(error)
            self._tell(intent, Outcome.DONE)
            hub.request_sync()

        hub.run.cache(store, stored, unrecorded)

    def _redemption_details(
        self, intent: PendingIntent, result: RedemptionDTO
    ) -> dict[str, Detail]:
        """The result code in words' details. A replay of this client's own uncertain attempt
        is its reset, reported as such; after a reset, the windows the credit resets that did
        not go to zero (the client checks the service's numbers, issue 14)."""
        if result.replayed and intent.key not in self._hub.uncertain:
            return {"replayed": 1}
        windows = result.token.windows
        details: dict[str, Detail] = {"code": "reset", "windows": str(windows)}
        if not result.replayed:
            details["code"] = str(result.code)
            after = {
                WindowKind.FIVE_HOUR: result.usage.five_hour,
                WindowKind.WEEKLY: result.usage.weekly,
            }
            details["not_cleared"] = ",".join(
                str(kind)
                for kind in (WindowKind.FIVE_HOUR, WindowKind.WEEKLY)
                if kind in windows.kinds and after[kind].used > 0
            )
        return details

    def _changed_invitation(self, intent: PendingIntent, result: InvitationDTO) -> None:
        """A revoke or resend answered with the invitation as it now stands."""
        hub = self._hub

        def store(cache: CacheRepository) -> CachedInvitation:
            kept = cache.store_invitation(invitation_record(result))
            cache.close_intent(intent.key)
            return kept

        def stored(kept: CachedInvitation) -> None:
            hub.running.discard(intent.key)
            hub.model.intents.pop(intent.key, None)
            hub.model.put_invitation(kept)
            hub.publish()
            self._tell(intent, Outcome.DONE, None, {"recipient": kept.recipient})

        def unrecorded(error: Exception) -> None:
            hub.running.discard(intent.key)
            hub.cache_failed(error)
            self._tell(intent, Outcome.DONE)

        hub.run.cache(store, stored, unrecorded)

    def _tell(
        self,
        intent: PendingIntent,
        outcome: Outcome,
        reason: Reason | None = None,
        details: Mapping[str, Detail] | None = None,
        token: TokenView | None = None,
    ) -> None:
        """Report how an intent stands, under its key and any other window's key for it."""
        keys = [intent.key, *sorted(self._aliases.get(intent.key, ()))]
        if outcome.definite:
            self._aliases.pop(intent.key, None)
        for key in keys:
            self._hub.report(
                Operation(intent.operation),
                key,
                outcome,
                reason,
                details,
                subject=intent.target,
                token=token,
            )

    def _tell_failure(self, intent: PendingIntent, error: Exception) -> None:
        outcome, reason, details = failure_of(error)
        self._tell(intent, outcome, reason, details)
        if reason is Reason.SESSION_ENDED:
            self._hub.on_session_lost(explain(reason))

    def _recipient(self, invitation_id: str) -> str:
        view = next(
            (v for v in self._hub.state.invitations if v.id == invitation_id),
            None,
        )
        return "" if view is None else view.recipient
