"""MockBackend: the authoritative server behind ReferralApi, over `<data folder>/backend.sqlite`."""

from __future__ import annotations

import hashlib
import logging
import random
import secrets
import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from desktop.backend import accounts, invitations, offers, wallet
from desktop.backend.answers import Miss, SyncAnswers
from desktop.backend.api import (
    AuthenticationError,
    InvitationDTO,
    NotSent,
    RedemptionDTO,
    SessionDTO,
    SyncDTO,
)
from desktop.backend.changes import EVERYONE, concerns
from desktop.backend.database import BackendStore, ClosesOnExit
from desktop.backend.faults import FaultInjector
from desktop.backend.rows import (
    INVITATION_FIELDS,
    TOKEN_FIELDS,
    EventRow,
    InvitationRow,
    MessageRow,
    TokenRow,
)
from desktop.backend.store import (
    Account,
    BackendState,
    Invitation,
    InvitationEvent,
    OutboxMessage,
    SessionRecord,
    Token,
    read_only,
    snapshot_reads,
)
from desktop.backend.transaction import BackendTransaction
from desktop.backend.wire import json_body
from desktop.domain.clock import Clock
from desktop.domain.credits import Credit
from desktop.domain.cycles import BillingCycle, RewardCycle
from desktop.domain.offer import Offer
from desktop.domain.reasons import Reason

CHANGE_POLL_S = 0.25
"""How often `wait_for_change` looks at the database for changes made by other processes."""
MAX_WAIT_S = 60.0
"""The longest one `wait_for_change` call waits."""
CLOSE_WAIT_S = 5.0
"""How long `close` waits at most for `wait_for_change` calls to leave the store: one look is a
short read, bounded by SQLite's busy timeout."""

log = logging.getLogger(__name__)

T = TypeVar("T")


class MockBackend(ClosesOnExit):
    """Implements OfferApi (ReferralApi and issue 14's calls; R1-R8) over a data folder's
    backend database.

    Every call is one transaction under the faults QA has set (offline, latency, error rate).
    `clock` replaces the database's virtual clock (tests); `rng` drives the error rate.
    """

    def __init__(
        self,
        data_dir: Path,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._attach(BackendStore.open(data_dir, clock), rng, sleep)

    def _attach(
        self, store: BackendStore, rng: random.Random | None, sleep: Callable[[float], None]
    ) -> None:
        self._store = store
        self._faults = FaultInjector(store, rng or random.Random(), sleep)
        self._closing = threading.Event()
        self._waiting = 0  # `wait_for_change` calls in progress (`close` waits for them)
        self._waiters_left = threading.Condition()
        self._answers = SyncAnswers()

    @classmethod
    def over_store(
        cls,
        store: BackendStore,
        rng: random.Random | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> MockBackend:
        """A backend over an already open store (tests that watch the engine's statements)."""
        backend = cls.__new__(cls)
        backend._attach(store, rng, sleep)
        return backend

    @classmethod
    def over_url(
        cls,
        url: str,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> MockBackend:
        """A backend over the database at `url`: `sqlite:///<file>` or
        `postgresql+psycopg://...` (a shared server; see BackendStore.open_url)."""
        return cls.over_store(BackendStore.open_url(url, clock), rng, sleep=sleep)

    @property
    def store(self) -> BackendStore:
        """The database this backend works on."""
        return self._store

    def close(self) -> None:
        """Release the database connections. A waiting `wait_for_change` returns at once, and
        the store is closed once every one has left it (at most CLOSE_WAIT_S): one still
        reading when the connections went was a thread using a closed database."""
        self.close_waiters()
        with self._waiters_left:
            if not self._waiters_left.wait_for(lambda: self._waiting == 0, CLOSE_WAIT_S):
                log.warning("%d change waiter(s) still reading at close", self._waiting)
        self._store.close()

    def _call(self, handle: Callable[[], T]) -> T:
        """One API call under the injected faults; a fault of the backend file (damaged, disk
        full...) leaves as LocalFault, not as the driver's message."""
        with self._store.faults_translated():
            return self._faults.call(handle)

    # -- ReferralApi ------------------------------------------------------------------------

    def sign_in(self, email: str, password: str, idempotency_key: str | None = None) -> SessionDTO:
        """Check credentials and open a session; the same key returns the same session (no
        key: a new session every time, as a script signing in once would want)."""
        key = idempotency_key or secrets.token_hex(16)

        def handle() -> SessionDTO:
            # The password is hashed before the write lock is taken: PBKDF2 is most of the work.
            proof = self._store.read(lambda tx: accounts.password_proof(tx, email, password))
            with self._store.transaction() as tx:
                token, account = accounts.sign_in(tx, email, password, key, proof)
                return SessionDTO(token=token, account=accounts.account_dto(account))

        return self._call(handle)

    def sign_out(self, session: str) -> None:
        """End a session. Signing out an unknown or ended session is a no-op, so retries work."""

        def handle() -> None:
            with self._store.transaction() as tx:
                accounts.end_session(tx, session)

        self._call(handle)

    def sync(self, session: str, cursor: int) -> SyncDTO:
        """The small parts in full, plus invitations and tokens changed after `cursor`."""

        # A quiet sync's answer from the cache, checked on one snapshot; never while QA has a
        # fault set (the cache reads the faults in that snapshot, as `_call` would before it).
        quiet = self._answers.answer(self._store, session, cursor)
        if not isinstance(quiet, Miss):
            return quiet
        return self._changed_sync(session, cursor, quiet)

    def sync_json(self, session: str, cursor: int) -> bytes:
        """`sync` as the HTTP service's JSON body (`wire.json_body`): a quiet answer is written
        from the cache entry's body with only its cursor and since filled in."""
        quiet = self._answers.answer_json(self._store, session, cursor)
        if not isinstance(quiet, Miss):
            return quiet
        return json_body(self._changed_sync(session, cursor, quiet))

    async def quiet_sync_json(self, session: str, cursor: int) -> bytes | None:
        """`sync_json`'s quiet answer for an asyncio event loop, without a worker thread: the
        cache's one statement on the loop's own plain connection (`plain_row_async`, which never
        waits). None: no quiet answer here (a miss, a fault set, the statement would wait or
        failed): ask `sync_json` on a worker thread, which reads, builds or reports it."""
        look = self._answers.quiet_look(self._store, session)
        if look is None:
            return None
        row = await self._store.plain_row_async(look.sql, look.arguments)
        if row is None:
            return None
        quiet = self._answers.answer_json_after(self._store, look, row, cursor)
        return None if isinstance(quiet, Miss) else quiet

    def _changed_sync(self, session: str, cursor: int, miss: Miss) -> SyncDTO:
        if miss is Miss.BUILD:
            built = self._built_sync(session, cursor)
            if built is not None:
                return built
        return self._read_sync(session, cursor)

    def _built_sync(self, session: str, cursor: int) -> SyncDTO | None:
        """The answer after the account's own changes, built on its cache entry: on one
        snapshot, the entry checked as for a quiet answer (state row, session, no fault, the
        same time, nothing due), then only the changed rows read, the account row again only
        if it moved, and the parts that follow the rows (the cycle's earned count, the offer's
        capacities) computed again. None: read in full. The answer equals the full read's
        on the same snapshot (tests/backend/test_sync_answers.py)."""
        store = self._store
        with (
            store.faults_translated(),
            Session(snapshot_reads(store.engine), expire_on_commit=False) as db,
            db.begin(),
        ):
            base = self._answers.build_base(store, db.connection().connection, session, cursor)
            if base is None:
                return None
            entry = base.entry
            state = BackendState(
                **{column: getattr(entry.state_row, column) for column in _STATE_FIELDS},
                last_version=base.cursor,
            )
            tx = BackendTransaction(db, state, entry.now, entry.standing.policy, read_only=True)
            account = entry.account_row
            if base.account_moved:
                account = db.get_one(Account, entry.account_id)
            elif base.newest_token == entry.newest_token:
                # No token changed: the cycle's earned count is the entry's.
                # (wallet.earned_in's memo key: a read-only unit of work counts once.)
                key = ("earned_in", account.id, entry.standing.cycle.start)
                tx.memo[key] = entry.standing.cycle.earned
            if base.account_moved:
                standing = _standing(tx, account)
            elif (base.newest_invitation, base.newest_token) == (
                entry.newest_invitation,
                entry.newest_token,
            ):
                standing = entry.standing  # only the cursor is behind the entry's
            else:
                standing = _standing_after_rows(tx, account, entry.standing)
            changed = _read_changed(
                tx,
                account.id,
                cursor,
                with_invitations=base.newest_invitation > cursor,
                with_tokens=base.newest_token > cursor,
            )
            changed_invitations, changed_tokens = _changed_rows(tx, changed)
            self._answers.keep_built(base, standing, account)
            return replace(
                standing,
                cursor=base.cursor,
                invitations=changed_invitations,
                tokens=changed_tokens,
                since=cursor,
            )

    def _read_sync(self, session: str, cursor: int) -> SyncDTO:
        def handle() -> SyncDTO:
            # Read-only unless an expiry or the clock's write-back is due (BackendStore.read).
            return self._store.read(lambda tx: self._full_sync(tx, session, cursor))

        return self._call(handle)

    def _full_sync(self, tx: BackendTransaction, session: str, cursor: int) -> SyncDTO:
        account = accounts.session_account(tx, session)
        return self._answers.remember(tx, session, account, _snapshot(tx, account, cursor))

    @property
    def answers(self) -> SyncAnswers:
        """The cache of quiet delta-sync answers (desktop.backend.answers)."""
        return self._answers

    def offer(self, session: str) -> Offer:
        """The account's current offer, as `sync` carries it (issue 14)."""

        def handle() -> Offer:
            return self._store.read(
                lambda tx: offers.current_offer(tx, accounts.session_account(tx, session))
            )

        return self._call(handle)

    def send_invitation(
        self, session: str, email: str, idempotency_key: str, offer_id: str | None = None
    ) -> InvitationDTO:
        """Invite one recipient (R1, R2). The same key returns the first invitation. With
        `offer_id`, a changed or expired offer stops the send (OfferRefused)."""

        def handle() -> InvitationDTO:
            with self._store.transaction() as tx:
                operator = accounts.session_account(tx, session)
                invitation = invitations.send(tx, operator, email, idempotency_key, offer_id)
                return invitations.invitation_dto(tx, invitation)

        return self._call(handle)

    def resend_invitation(
        self, session: str, invitation_id: str, idempotency_key: str
    ) -> InvitationDTO:
        """Send a pending invitation's email again after the cooldown, once per key."""

        def handle() -> InvitationDTO:
            with self._store.transaction() as tx:
                operator = accounts.session_account(tx, session)
                invitation = invitations.resend(tx, operator, invitation_id, idempotency_key)
                return invitations.invitation_dto(tx, invitation)

        return self._call(handle)

    def revoke_invitation(
        self, session: str, invitation_id: str, idempotency_key: str = ""
    ) -> InvitationDTO:
        """Revoke a pending (sent or opened) invitation of the signed-in operator. Revoking is
        idempotent by itself (a revoked invitation is returned unchanged), so the key is only
        carried for the wire's logs."""

        def handle() -> InvitationDTO:
            with self._store.transaction() as tx:
                operator = accounts.session_account(tx, session)
                invitation = invitations.revoke(tx, operator, invitation_id)
                return invitations.invitation_dto(tx, invitation)

        return self._call(handle)

    def redeem(
        self,
        session: str,
        idempotency_key: str,
        credit_id: str | None = None,
        *,
        spend_if_unused: bool = True,
    ) -> RedemptionDTO:
        """Spend `credit_id`, by default the earliest-expiring credit (R6); works outside the
        cohort too. The result carries its code (reset, nothing_to_reset, already_redeemed)."""

        def handle() -> RedemptionDTO:
            with self._store.transaction() as tx:
                account = accounts.session_account(tx, session)
                return wallet.redeem(
                    tx, account, idempotency_key, credit_id, spend_if_unused=spend_if_unused
                )

        return self._call(handle)

    def change_cursor(self, session: str) -> int:
        """An opaque number that changes whenever anything the session's account syncs changes
        (its invitations and tokens, its profile, cohort and usage, the policy, the clock, a
        reset). Read without queuing behind writers. Offline fault: NotSent."""
        return self.watch(session)[1]

    def watch(self, session: str) -> tuple[str, int]:
        """The session's account id and its `change_cursor` (what a change feed waits on)."""
        with Session(read_only(self._store.engine)) as db, db.begin():
            state = db.get_one(BackendState, 1)
            if state.fault_offline:
                raise NotSent()
            record = db.get(SessionRecord, accounts.token_digest(session))
            if record is None or record.ended_at is not None:
                raise AuthenticationError(Reason.SESSION_ENDED)
            account = db.get_one(Account, record.account_id)
            return account.id, _fingerprint(db, state, account)

    def cursors(self, watched: Mapping[str, Collection[str]]) -> tuple[dict[str, int], set[str]]:
        """One read for many waiters: the `change_cursor` of each account in `watched` (account
        id: the sessions waiting on it), computed once per account, and the sessions among them
        that have ended (or whose account is gone). Offline fault: NotSent."""
        cursors: dict[str, int] = {}
        ended: set[str] = set()
        with Session(read_only(self._store.engine)) as db, db.begin():
            state = db.get_one(BackendState, 1)
            if state.fault_offline:
                raise NotSent()
            for account_id, sessions in watched.items():
                live = _live_sessions(db, account_id, sessions)
                ended.update(session for session in sessions if session not in live)
                account = db.get(Account, account_id)
                if account is not None and live:
                    cursors[account_id] = _fingerprint(db, state, account)
        return cursors, ended

    def wait_for_change(self, session: str, cursor: int, timeout_s: float) -> int:
        """Wait until the account's data changes past `cursor` (a value this method or
        `change_cursor` returned; 0: unknown) or `timeout_s` passes (at most MAX_WAIT_S), and
        return the cursor then: different from `cursor` means "sync now". Only the offline
        fault applies (NotSent); latency and the error rate are for the calls that change
        things.

        Looks again when a write of this process changes the account (or everyone's data), and
        every CHANGE_POLL_S for writes by other processes on the same database."""
        deadline = time.monotonic() + max(0.0, min(timeout_s, MAX_WAIT_S))
        woken = threading.Event()
        account_box: list[str] = []

        def heard(changed: frozenset[str]) -> None:
            if not account_box or concerns(changed, account_box[0]):
                woken.set()

        with self._waiters_left:
            self._waiting += 1
        unsubscribe = self._store.changes.subscribe(heard)
        try:
            while True:
                woken.clear()
                if self._closing.is_set():  # closing: no look at a store being closed
                    return cursor
                account, current = self.watch(session)
                account_box[:] = [account]
                left = deadline - time.monotonic()
                if current != cursor or left <= 0:
                    return current
                woken.wait(min(CHANGE_POLL_S, left))
        finally:
            unsubscribe()
            with self._waiters_left:
                self._waiting -= 1
                self._waiters_left.notify_all()

    def close_waiters(self) -> None:
        """Release every waiting `wait_for_change` at once (with its unchanged cursor)."""
        self._closing.set()
        self._store.changes.publish(EVERYONE)


def _live_sessions(db: Session, account_id: str, sessions: Collection[str]) -> set[str]:
    by_digest = {accounts.token_digest(session): session for session in sessions}
    rows = db.scalars(
        select(SessionRecord.token_sha256).where(
            SessionRecord.token_sha256.in_(by_digest),
            SessionRecord.account_id == account_id,
            SessionRecord.ended_at.is_(None),
        )
    )
    return {by_digest[digest] for digest in rows}


def _snapshot(tx: BackendTransaction, account: Account, cursor: int) -> SyncDTO:
    # A cursor from before a reset-demo (or from another file) cannot be continued: send all.
    full = cursor <= tx.state.reset_floor or cursor > tx.state.last_version
    since = 0 if full else cursor
    changed_invitations, changed_tokens = _changed_rows(tx, _read_changed(tx, account.id, since))
    return replace(
        _standing(tx, account),
        invitations=changed_invitations,
        tokens=changed_tokens,
        full=full,
        since=since,
    )


def _standing(tx: BackendTransaction, account: Account) -> SyncDTO:
    """The answer's standing part (no rows; cursor: the snapshot's change version)."""
    cycle = wallet.current_cycle(tx, account)
    return SyncDTO(
        cursor=tx.state.last_version,
        account=accounts.account_dto(account),
        eligible=accounts.cohort_decision(account, tx.policy).eligible,
        policy=tx.policy,
        usage=accounts.windows(account, tx.policy, tx.now),
        cycle=RewardCycle(
            start=cycle.start,
            end=cycle.end,
            earned=wallet.earned_in(tx, account, cycle),
            cap=tx.policy.monthly_cap,
        ),
        invitations=(),
        tokens=(),
        now=tx.now,
        full=False,
        since=0,
        offer=offers.current_offer(tx, account),
    )


def _standing_after_rows(tx: BackendTransaction, account: Account, before: SyncDTO) -> SyncDTO:
    """`before` (a standing part of the same account row, state row and time) after changes
    to the account's invitations or tokens only: what follows them computed again, the cycle's
    earned count (from `tx.memo` when no token changed) and the offer (its capacities)."""
    cycle = before.cycle
    earned = wallet.earned_in(tx, account, BillingCycle(cycle.start, cycle.end))
    return replace(
        before,
        cursor=tx.state.last_version,
        cycle=replace(cycle, earned=earned),
        offer=offers.current_offer(tx, account),
    )


_INVITATIONS = Invitation.__table__
_EVENTS = InvitationEvent.__table__
_MESSAGES = OutboxMessage.__table__
_TOKENS = Token.__table__
_CHANGED_INVITATIONS = (
    select(*(_INVITATIONS.c[name] for name in INVITATION_FIELDS))
    .where(
        _INVITATIONS.c.operator_id == bindparam("account"),
        _INVITATIONS.c.version > bindparam("since"),
    )
    .order_by(_INVITATIONS.c.version, _INVITATIONS.c.id)
)
_THEIR_EVENTS = (
    select(_EVENTS.c.invitation_id, _EVENTS.c.state, _EVENTS.c.at)
    .where(_EVENTS.c.invitation_id.in_(bindparam("ids", expanding=True)))
    .order_by(_EVENTS.c.id)
)
_THEIR_MESSAGES = (
    select(_MESSAGES.c.invitation_id, _MESSAGES.c.subject, _MESSAGES.c.body, _MESSAGES.c.sent_at)
    .where(_MESSAGES.c.invitation_id.in_(bindparam("ids", expanding=True)))
    .order_by(_MESSAGES.c.id)
)
_CHANGED_TOKENS = (
    select(*(_TOKENS.c[name] for name in TOKEN_FIELDS))
    .where(_TOKENS.c.account_id == bindparam("account"), _TOKENS.c.version > bindparam("since"))
    .order_by(_TOKENS.c.version, _TOKENS.c.id)
)
_STATE_FIELDS = tuple(
    column.key for column in BackendState.__table__.columns if column.key != "last_version"
)


def _changed_rows(
    tx: BackendTransaction, changed: tuple[list[InvitationRow], list[TokenRow]]
) -> tuple[tuple[InvitationDTO, ...], tuple[Credit, ...]]:
    """The changed rows (`_read_changed`) as the answer's DTOs, in version order."""
    rows, tokens = changed
    return (
        tuple(invitations.invitation_dto(tx, row) for row in rows),
        tuple(wallet.token_dto(token, tx.now) for token in tokens),
    )


def _read_changed(
    tx: BackendTransaction,
    account_id: str,
    since: int,
    *,
    with_invitations: bool = True,
    with_tokens: bool = True,
) -> tuple[list[InvitationRow], list[TokenRow]]:
    """The account's invitations and tokens with a version above `since`, in version order,
    as plain rows (desktop.backend.rows), not ORM objects: four Core statements (invitations,
    their history, their emails, tokens), no identity map. `with_invitations`/`with_tokens`
    False: known to be none (the account's newest version is not above `since`)."""
    connection = tx.session.connection()
    found: list[InvitationRow] = []
    if with_invitations:
        rows = connection.execute(
            _CHANGED_INVITATIONS, {"account": account_id, "since": since}
        ).all()
        ids = [row.id for row in rows]
        events: dict[str, list[EventRow]] = {key: [] for key in ids}
        messages: dict[str, list[MessageRow]] = {key: [] for key in ids}
        if ids:
            for event in connection.execute(_THEIR_EVENTS, {"ids": ids}):
                events[event.invitation_id].append(EventRow(event.state, event.at))
            for message in connection.execute(_THEIR_MESSAGES, {"ids": ids}):
                messages[message.invitation_id].append(
                    MessageRow(message.subject, message.body, message.sent_at)
                )
        found = [
            InvitationRow(
                **row._mapping, events=tuple(events[row.id]), messages=tuple(messages[row.id])
            )
            for row in rows
        ]
    tokens: list[TokenRow] = []
    if with_tokens:
        parameters = {"account": account_id, "since": since}
        tokens = [TokenRow(*row) for row in connection.execute(_CHANGED_TOKENS, parameters)]
    return found, tokens


def _fingerprint(db: Session, state: BackendState, account: Account) -> int:
    invitations_version = db.scalar(
        select(func.max(Invitation.version)).where(Invitation.operator_id == account.id)
    )
    tokens_version = db.scalar(
        select(func.max(Token.version)).where(Token.account_id == account.id)
    )
    parts = (
        state.reset_floor,
        invitations_version,
        tokens_version,
        account.email,
        account.display_name,
        account.plan,
        account.billing_day,
        account.pilot_list,
        account.five_hour_used,
        account.five_hour_started_at,
        account.weekly_used,
        account.weekly_started_at,
        state.policy_json,
        state.clock_virtual_at,
        state.clock_running,
        state.clock_real_anchor,
        state.link_base,
        state.offer_json,
    )
    digest = hashlib.sha256(repr(parts).encode()).digest()
    # 52 bits: exact as a JSON number everywhere; never 0 (the "unknown" cursor).
    return (int.from_bytes(digest[:7], "big") >> 4) | 1
