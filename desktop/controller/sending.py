"""Sending invitations through the outbox: written ahead, sent with the entry's key, settled by
the same key after a lost answer (R2, R8, R11).

An intent to invite is an outbox entry from the first moment: a crash, a lost answer or being
offline leaves it there, to be sent again with the same key, never twice and never lost. A queued
invitation goes when the backend answers again (after each sync).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from desktop.backend.api import (
    AuthenticationError,
    BackendUnavailable,
    InvitationDTO,
    NotInCohort,
    OfferRefused,
)
from desktop.controller.hub import Hub, failure_of, ignore
from desktop.controller.mapping import LOCAL_PREFIX, invitation_record, invitation_view
from desktop.controller.state import Eligibility, SyncPhase
from desktop.domain.keys import new_key
from desktop.domain.outcomes import Operation, Outcome
from desktop.domain.reasons import Reason, explain
from desktop.storage import CachedInvitation, QueuedInvitation, SyncApplied


class SendFlow:
    """Queues, sends and settles invitations."""

    def __init__(self, hub: Hub, retry_soon: Callable[[], None]) -> None:
        self._hub = hub
        self._retry_soon = retry_soon
        self._sending: set[str] = set()  # keys with a send in flight
        # The offer each send names (issue 14), so the backend re-validates the terms the
        # operator read; kept for this session (a send queued before a restart names none).
        self._offers: dict[str, str] = {}
        # Sends in flight that a sync already found on the backend and told as done: their own
        # answer (or its loss) then tells nothing more; one definite outcome per intent.
        self._told: set[str] = set()
        hub.on_new_session.append(self._sending.clear)
        hub.on_new_session.append(self._told.clear)
        hub.on_new_session.append(self._offers.clear)

    def send_many(self, emails: list[str], offer_id: str | None = None) -> tuple[str, ...]:
        """Invite several recipients at once: each its own invitation, key and outcome."""
        return tuple(self.send(email, offer_id) for email in emails)

    def send(self, email: str, offer_id: str | None = None) -> str:
        """Invite one recipient; returns the intent's key, which every result for it carries.
        With `offer_id`, the backend refuses the send if that offer changed or expired."""
        hub = self._hub
        key = new_key()
        if hub.token is None or hub.model.account is None:
            hub.report(Operation.SEND, key, Outcome.REFUSED, Reason.NOT_SIGNED_IN)
            return key
        # email-validator loads on first use (~20 ms): not on the way to the cached data.
        from desktop.domain.emails import InvalidEmail, normalise_email

        try:
            recipient = normalise_email(email)
        except InvalidEmail as error:
            hub.report(Operation.SEND, key, Outcome.REFUSED, error.reason, {"detail": error.detail})
            return key
        refusal = self._local_refusal(recipient)
        if refusal is not None:
            hub.report(Operation.SEND, key, Outcome.REFUSED, refusal, {"recipient": recipient})
            return key
        self._sending.add(key)
        hub.hidden.add(key)
        if offer_id:
            self._offers[key] = offer_id

        def queued(entry: QueuedInvitation) -> None:
            hub.model.queue(entry)
            self._send(entry, retries=True, then=ignore)

        def not_queued(error: Exception) -> None:
            self._forget(key)
            hub.fail(Operation.SEND, key, error, subject=recipient)

        hub.run.cache(
            lambda cache: cache.queue_invitation(key, recipient),
            queued,
            not_queued,
            stale=lambda answer: self._stale(key, recipient, answer),
        )
        return key

    def found_by_sync(self, applied: SyncApplied) -> None:
        """A sync found queued sends on the backend (their answer was lost, or is still on the
        way): they are done, told now; a send still in flight tells nothing more when its
        answer comes (`_told`)."""
        hub = self._hub
        for key in applied.completed_outbox_keys:
            if key in self._sending:
                self._told.add(key)
            self._sending.discard(key)
            kept = hub.model.invitation_with_key(key)
            self._tell_sent(key, "" if kept is None else kept.recipient, kept)

    def resend_queued(self, key: str) -> None:
        """ "Send now" on a queued invitation: the same key, the same entry."""
        entry = self._hub.model.outbox.get(key)
        if entry is not None and key not in self._sending:
            self._send(entry, retries=True, then=ignore)

    def unqueue(self, invitation_id: str, report: Callable[[Outcome, Reason | None], None]) -> None:
        """Take a queued invitation out of the outbox (revoking one never sent)."""
        hub = self._hub
        key = invitation_id.removeprefix(LOCAL_PREFIX)
        if key in self._sending:
            # In flight: it may be on the backend already. Revoke it once the answer is in.
            report(Outcome.UNKNOWN, Reason.ANSWER_LOST)
            return

        def unqueued(_: object) -> None:
            hub.model.unqueue(key)
            hub.publish()
            report(Outcome.DONE, None)

        def failed(error: Exception) -> None:
            outcome, reason, _ = failure_of(error)
            report(outcome, reason)

        hub.run.cache(lambda cache: cache.complete_send(key, None), unqueued, failed)

    def flush(self, then: Callable[[bool], None]) -> None:
        """Send each queued invitation once, oldest first; stop at the first that cannot reach
        the backend (the sync's backoff is then the retry). `then(ok)` when done."""
        hub = self._hub
        generation = hub.generation
        waiting = sorted(
            (entry for entry in hub.model.outbox.values() if entry.key not in self._sending),
            key=lambda entry: (entry.queued_at, entry.key),
        )

        def next_one(ok: bool, rest: list[QueuedInvitation]) -> None:
            if generation != hub.generation or hub.run.closed:
                return
            if not ok or not rest:
                then(ok)
            else:
                self._send(rest[0], retries=False, then=lambda r: next_one(r, rest[1:]))

        next_one(True, waiting)

    # -- one send -----------------------------------------------------------------------------

    def _local_refusal(self, recipient: str) -> Reason | None:
        """What the client refuses without the backend (which checks everything again)."""
        from desktop.domain.emails import is_own_address

        hub = self._hub
        account = hub.model.account
        if hub.eligibility() is not Eligibility.ELIGIBLE:
            return Reason.NOT_IN_COHORT  # fail-closed, also offline
        if account is not None and is_own_address(recipient, account.email):
            return Reason.SELF_INVITE
        if hub.model.has_pending_invitation_for(recipient):
            return Reason.DUPLICATE_PENDING
        return None

    def _send(
        self, entry: QueuedInvitation, *, retries: bool, then: Callable[[bool], None]
    ) -> None:
        """Send one outbox entry with its key; `then(False)` when it must wait for a later
        sync."""
        hub = self._hub
        token, key = hub.token, entry.key
        if token is None:
            self._forget(key)
            then(False)
            return
        self._sending.add(key)

        def sent(dto: InvitationDTO) -> None:
            hub.run.cache(
                lambda cache: cache.complete_send(key, invitation_record(dto)),
                lambda kept: self._sent(key, entry.recipient, kept, then),
                lambda error: self._unrecorded(key, error, then),
            )

        def failed(error: Exception) -> None:
            outcome, _, _ = failure_of(error)
            # A lost session is refused too, but the invitation waits for the next sign-in.
            if outcome is Outcome.REFUSED and not isinstance(error, AuthenticationError):
                hub.run.cache(
                    lambda cache: cache.complete_send(key, None),
                    lambda _: self._refused(entry, error, then),
                    lambda err: self._unrecorded(key, err, then),
                )
            else:
                self._keep_queued(entry, error, then)

        offer_id = self._offers.get(key)

        def call() -> InvitationDTO:
            if offer_id is None:  # no offer read (a server without one): the plain send
                return hub.api.send_invitation(token, entry.recipient, key)
            return hub.api.send_invitation(token, entry.recipient, key, offer_id=offer_id)

        run = hub.run.call_retrying if retries else hub.run.call
        run(call, sent, failed, stale=lambda answer: self._stale(key, entry.recipient, answer))

    def _stale(self, key: str, recipient: str, answer: object) -> None:
        """The session changed before the answer came: the entry stays in the outbox, and the
        next session's sync sends it with the same key (or finds it sent)."""
        if key in self._told:
            self._told.discard(key)  # a sync told it done already
        elif isinstance(answer, InvitationDTO):
            details = {"recipient": recipient}
            self._hub.report(Operation.SEND, key, Outcome.DONE, details=details, subject=recipient)
        elif isinstance(answer, Exception) and failure_of(answer)[0] is Outcome.UNKNOWN:
            self._hub.fail(Operation.SEND, key, answer, subject=recipient)
        else:
            self._hub.report(
                Operation.SEND, key, Outcome.NOT_SENT, Reason.SESSION_ENDED, subject=recipient
            )

    def _sent(
        self,
        key: str,
        recipient: str,
        kept: CachedInvitation | None,
        then: Callable[[bool], None],
    ) -> None:
        hub = self._hub
        told = key in self._told  # by the sync that found it while this answer was on the way
        self._told.discard(key)
        self._forget(key)
        hub.model.unqueue(key)
        if kept is not None:
            hub.model.put_invitation(kept)
        hub.publish()
        if not told:
            self._tell_sent(key, recipient, kept)
        if hub.model.offer is not None:
            hub.request_sync()  # the offer's send capacity changed: show the server's count
        then(True)

    def _tell_sent(self, key: str, recipient: str, kept: CachedInvitation | None) -> None:
        """The send's one definite outcome: it went out, with the invitation when known."""
        self._hub.report(
            Operation.SEND,
            key,
            Outcome.DONE,
            details={"recipient": recipient},
            subject=recipient,
            invitation=None if kept is None else invitation_view(kept),
        )

    def _refused(
        self, entry: QueuedInvitation, error: Exception, then: Callable[[bool], None]
    ) -> None:
        hub = self._hub
        self._forget(entry.key)
        hub.model.unqueue(entry.key)
        hub.publish()
        hub.fail(Operation.SEND, entry.key, error, subject=entry.recipient)
        if isinstance(error, NotInCohort | OfferRefused):
            hub.request_sync()  # the flag or the offer changed: show the new one
        then(True)

    def _keep_queued(
        self, entry: QueuedInvitation, error: Exception, then: Callable[[bool], None]
    ) -> None:
        """Not sent, or sent with its answer lost: it stays queued under its key."""
        hub = self._hub
        key = entry.key
        _, reason, details = failure_of(error)
        text = explain(reason, details)

        def noted(_: object = None) -> None:
            self._forget(key)
            known = hub.model.outbox.get(key)
            if known is None:  # a sync found it done meanwhile (a lost answer that went through)
                self._sent(key, entry.recipient, hub.model.invitation_with_key(key), then)
                return
            hub.model.queue(
                dataclasses.replace(known, attempts=known.attempts + 1, last_error=text)
            )
            phase = SyncPhase.OFFLINE if isinstance(error, BackendUnavailable) else SyncPhase.ERROR
            hub.sync = dataclasses.replace(hub.sync, phase=phase, message=text, reason=reason)
            hub.publish()
            hub.fail(Operation.SEND, key, error, subject=entry.recipient)
            self._retry_soon()
            then(False)

        hub.run.cache(lambda cache: cache.note_send_failure(key, text), noted, noted)

    def _unrecorded(self, key: str, error: Exception, then: Callable[[bool], None]) -> None:
        self._forget(key)
        self._hub.cache_failed(error)
        then(False)

    def _forget(self, key: str) -> None:
        self._sending.discard(key)
        self._hub.hidden.discard(key)
