"""QA mode: the QObject between the QA simulator window and the backend's `Simulator` (or, with
`--backend URL`, a server's QA endpoints: any `QaApi`), and the watcher that lets the app notice
changes other processes (`referral-desktop sim`) make to a data folder's backend.

Every simulator call runs on a one-thread pool, so actions run in the order they were asked
and never on the GUI thread. Each call is followed, on the same thread, by a fresh read of the
backend (`QaSnapshot`); after an action the main controller is asked to sync, so the settings
window follows within one sync. Refusals (a link used with the wrong address, an invalid policy
value...) come back as the backend's own sentence on `actionFailed`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from PySide6.QtCore import (
    QCoreApplication,
    QObject,
    QThreadPool,
    Signal,
    SignalInstance,
    Slot,
)

from desktop.backend.api import ApiError, UsageDTO
from desktop.controller.backend_watch import CHANGE_DEBOUNCE_MS, BackendChangeWatcher
from desktop.controller.mapping import invitation_record, invitation_view, newest_first
from desktop.controller.qa_state import (
    QaAccount,
    QaClock,
    QaFaults,
    QaInvitation,
    QaOffer,
    QaOutboxMessage,
    QaSnapshot,
)
from desktop.controller.state import AppState
from desktop.controller.tasks import Task, TaskSignals
from desktop.domain.clock import parse_duration
from desktop.domain.reasons import QT_TRANSLATE_NOOP, explain, translated

if TYPE_CHECKING:  # the Simulator pulls in SQLAlchemy: not at the app's start-up
    from desktop.backend.qa_api import QaApi
    from desktop.backend.simulator import CohortAction, InvitationRecord

log = logging.getLogger(__name__)

T = TypeVar("T")

NOT_SIGNED_IN = QT_TRANSLATE_NOOP(
    "QaController", "Sign in first: this acts on the signed-in account."
)


class SessionControl(Protocol):
    """What QA mode needs from the main controller (`desktop.controller.Controller`)."""

    @property
    def stateChanged(self) -> SignalInstance:
        """Emits a new `AppState` after every change."""
        ...

    @property
    def state(self) -> AppState:
        """The latest state."""
        ...

    def sync_now(self) -> None:
        """Pull changes now."""
        ...

    def sign_in(self, email: str, password: str) -> None:
        """Open a session."""
        ...

    def sign_out(self) -> None:
        """End the session."""
        ...


@dataclass
class _Pending:
    done: Callable[[Any], None]
    failed: Callable[[Exception], None]


class QaController(QObject):
    """Drives the Simulator for the QA window. `shutdown()` (or `set_active(False)`) before the
    simulator is closed: it waits for the call in progress."""

    snapshotChanged = Signal(object)
    """A `QaSnapshot` read after every action and refresh."""
    actionFinished = Signal(str)
    """A sentence saying what an action did."""
    actionFailed = Signal(str)
    """Why an action was refused or failed (the backend's own words); nothing changed."""
    busyChanged = Signal(bool)
    """True while simulator calls are queued or running."""

    def __init__(
        self,
        open_simulator: Callable[[], QaApi],
        session: SessionControl,
        parent: QObject | None = None,
    ) -> None:
        """`open_simulator` is called on the QA pool thread, so opening the backend database
        (and importing SQLAlchemy) never stalls the GUI thread."""
        super().__init__(parent)
        self._open_simulator = open_simulator
        self._session = session
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)  # one at a time, in the order asked
        self._signals = TaskSignals(self)
        self._signals.finished.connect(self._on_finished)
        self._jobs: dict[int, _Pending] = {}
        self._next_job = 0
        self._active = True
        self._shut_down = False
        self._refreshing = False
        self._refresh_again = False
        self._state_key: object = None
        self.snapshot: QaSnapshot | None = None
        session.stateChanged.connect(self._session_changed)

    # -- life cycle -------------------------------------------------------------------------

    @property
    def operator(self) -> str | None:
        """The signed-in operator's email, whom cohort and usage actions apply to."""
        account = self._session.state.account
        return account.email if account is not None else None

    @property
    def busy(self) -> bool:
        """Simulator calls are queued or running."""
        return bool(self._jobs)

    @property
    def is_shut_down(self) -> bool:
        """`shutdown()` ran and no simulator call is running."""
        return self._shut_down and self._pool.activeThreadCount() == 0

    def set_active(self, active: bool) -> None:
        """Pause (the window is hidden: wait for the call in progress, ignore further requests)
        or resume with a refresh."""
        if self._shut_down or active == self._active:
            return
        self._active = active
        if active:
            self.refresh()
            return
        self._pool.clear()
        self._pool.waitForDone()
        self._jobs.clear()
        self._refreshing = self._refresh_again = False
        self.busyChanged.emit(False)

    def shutdown(self) -> None:
        """Wait for the call in progress; nothing runs or calls back afterwards. Idempotent."""
        self.set_active(False)
        self._shut_down = True

    # -- reading ----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the backend again; requests made while a read runs collapse into one more."""
        if not self._active:
            return
        if self._refreshing:
            self._refresh_again = True
            return
        self._refreshing = True
        operator = self.operator

        def read() -> QaSnapshot:
            return read_world(self._open_simulator(), operator)

        def done(snapshot: QaSnapshot) -> None:
            self._refresh_done()
            self._publish(snapshot)

        def failed(error: Exception) -> None:
            self._refresh_done()
            self.actionFailed.emit(error_message(error))

        self._submit(read, done, failed)

    def _refresh_done(self) -> None:
        self._refreshing = False
        if self._refresh_again:
            self._refresh_again = False
            self.refresh()

    @Slot(object)
    def _session_changed(self, state: AppState) -> None:
        """Read again when what the window shows moved on: account, a sync, the invitations."""
        key = (
            state.account.email if state.account is not None else None,
            state.eligibility,
            state.sync.last_synced_at,
            tuple((i.id, i.state, i.prompts) for i in state.invitations),
            len(state.tokens),
        )
        if key != self._state_key:
            self._state_key = key
            self.refresh()

    # -- the recipient of an invitation -------------------------------------------------------

    def open_link(self, link: str) -> None:
        """The recipient opens the link."""
        self._act(lambda sim: sim.recipient_open(link), _invitation_note)

    def join(self, link: str, email: str) -> None:
        """The recipient signs up or signs in through the link with `email`."""
        self._act(lambda sim: sim.recipient_join(link, email), _invitation_note)

    def initialise(self, link: str, email: str) -> None:
        """The recipient initialises a workspace."""
        self._act(lambda sim: sim.recipient_init(link, email), _invitation_note)

    def prompt(self, link: str, email: str, count: int = 1) -> None:
        """The recipient sends `count` prompts."""
        self._act(lambda sim: sim.recipient_prompt(link, email, count), _invitation_note)

    # -- the signed-in account ------------------------------------------------------------------

    def set_cohort(self, action: CohortAction) -> None:
        """Put the signed-in account on the allow or deny list, or take it off both."""
        email = self._require_operator()
        if email is not None:
            self._act(
                lambda sim: sim.cohort(email, action),
                lambda decision: f"{email}: {decision.reason}",
            )

    def set_usage(self, weekly_percent: float | None, five_hour_percent: float | None) -> None:
        """Set how much of each usage window the signed-in account has used (None leaves it)."""
        email = self._require_operator()
        if email is None:
            return

        def note(usage: UsageDTO) -> str:
            return self.tr("{email}: weekly {weekly}% used, 5-hour {five_hour}% used.").format(
                email=email,
                weekly=usage.weekly.percent_used,
                five_hour=usage.five_hour.percent_used,
            )

        self._act(lambda sim: sim.set_usage(email, weekly_percent, five_hour_percent), note)

    # -- clock, faults, policy ----------------------------------------------------------------

    def advance_clock(self, delta: timedelta) -> None:
        """Move the backend clock forward."""
        self._act(
            lambda sim: sim.advance_clock(delta),
            lambda _: self.tr("Backend clock moved forward by {duration}.").format(
                duration=duration_words(delta)
            ),
        )

    def advance_clock_by(self, text: str) -> None:
        """Move the backend clock forward by a duration typed as `62d`, `5h`, `1d 5h`..."""
        try:
            delta = parse_duration(text)
        except ValueError as error:
            self.actionFailed.emit(
                self.tr("Not a duration: {error}. Use forms like 30d, 5h or 1d 5h.").format(
                    error=error
                )
            )
            return
        self.advance_clock(delta)

    def set_offline(self, offline: bool) -> None:
        """The app's calls fail at once as offline (True) or work again (False)."""
        note = (
            self.tr("Offline: every call from the app now fails.")
            if offline
            else self.tr("Back online.")
        )
        self._act(lambda sim: sim.set_fault(offline=offline), lambda _: note)

    def set_error_rate(self, rate: float) -> None:
        """That fraction of the app's calls fails (half of them after the change committed)."""
        self._act(
            lambda sim: sim.set_fault(error_rate=rate),
            lambda _: self.tr("Error rate set to {rate}.").format(rate=f"{rate:g}"),
        )

    def set_latency(self, milliseconds: int) -> None:
        """Every call from the app waits this long first."""
        self._act(
            lambda sim: sim.set_fault(latency_ms=milliseconds),
            lambda _: self.tr("Latency set to {ms} ms.").format(ms=milliseconds),
        )

    def clear_faults(self) -> None:
        """Online, no latency, no errors."""
        self._act(lambda sim: sim.clear_faults(), lambda _: self.tr("Faults cleared."))

    def set_policy(self, values: Mapping[str, object]) -> None:
        """Change some policy values (`"none"` for no expiry); refused values change nothing."""
        if not values:
            self.actionFailed.emit(self.tr("No policy value changed."))
            return
        changed = ", ".join(f"{key}={value}" for key, value in values.items())
        self._act(
            lambda sim: sim.set_policy(dict(values)),
            lambda _: self.tr("Policy: {changed}.").format(changed=changed),
        )

    # -- the offer and credits (issue 14) -----------------------------------------------------

    def set_offer(self, values: Mapping[str, object]) -> None:
        """Change some offer settings (title, description, rules, requires_confirmation, paused,
        report_capacities); outstanding offers whose terms change stop working for sending."""
        if not values:
            self.actionFailed.emit(self.tr("No offer value changed."))
            return
        changed = ", ".join(sorted(values))
        self._act(
            lambda sim: sim.set_offer(dict(values)),
            lambda _: self.tr("Offer: {changed} set.").format(changed=changed),
        )

    def grant_credit(self, title: str | None, expires_days: int | None, windows: str) -> None:
        """Give the signed-in account a complimentary credit (None expiry: it never expires)."""
        email = self._require_operator()
        if email is None:
            return
        self._act(
            lambda sim: sim.grant(email, title=title, expires_days=expires_days, windows=windows),
            lambda token: self.tr("{email}: complimentary credit “{title}” granted.").format(
                email=email, title=token.title
            ),
        )

    # -- demo data and accounts ---------------------------------------------------------------

    def reset_demo(self, password: str | None = None) -> None:
        """Wipe and reseed the demo; with `password`, sign the same operator back in after."""
        operator = self.operator

        def after(_: object) -> str:
            if operator is not None and password is not None:
                self._session.sign_in(operator, password)
                return self.tr("Demo data reset. Signing {operator} in again.").format(
                    operator=operator
                )
            return self.tr("Demo data reset.")

        self._act(lambda sim: sim.reset_demo(), after, sync=False)

    def switch_account(self, email: str, password: str) -> None:
        """Sign the current operator out and another demo account in."""
        if self.operator is not None:
            self._session.sign_out()
        self._session.sign_in(email, password)
        self.actionFinished.emit(self.tr("Signing in as {email}.").format(email=email))

    # -- running ------------------------------------------------------------------------------

    def _require_operator(self) -> str | None:
        email = self.operator
        if email is None:
            self.actionFailed.emit(translated("QaController", NOT_SIGNED_IN))
        return email

    def _act(
        self,
        work: Callable[[QaApi], T],
        note: Callable[[T], str],
        *,
        sync: bool = True,
    ) -> None:
        """Run `work`, then read the backend; publish both, then have the app sync."""
        if not self._active:
            return
        operator = self.operator

        def call() -> tuple[T, QaSnapshot]:
            simulator = self._open_simulator()
            result = work(simulator)
            return result, read_world(simulator, operator)

        def done(outcome: tuple[T, QaSnapshot]) -> None:
            result, snapshot = outcome
            self._publish(snapshot)
            self.actionFinished.emit(note(result))
            if sync:
                self._session.sync_now()

        def failed(error: Exception) -> None:
            self.actionFailed.emit(error_message(error))

        self._submit(call, done, failed)

    def _submit(
        self, work: Callable[[], T], done: Callable[[T], None], failed: Callable[[Exception], None]
    ) -> None:
        self._next_job += 1
        was_busy = self.busy
        self._jobs[self._next_job] = _Pending(done, failed)
        self._pool.start(Task(self._next_job, work, self._signals))
        if not was_busy:
            self.busyChanged.emit(True)

    @Slot(int, object, object)
    def _on_finished(self, job: int, result: object, error: object) -> None:
        pending = self._jobs.pop(job, None)
        if pending is None or not self._active:
            return  # paused or shut down meanwhile
        if not self._jobs:
            self.busyChanged.emit(False)
        if isinstance(error, Exception):
            pending.failed(error)
        else:
            pending.done(result)

    def _publish(self, snapshot: QaSnapshot) -> None:
        self.snapshot = snapshot
        self.snapshotChanged.emit(snapshot)


# -- reading the backend ---------------------------------------------------------------------


def read_snapshot(simulator: QaApi, operator: str | None) -> QaSnapshot:
    """Clock, policy, faults, every account, the operator's invitations and the outbox."""
    # One transaction: read one after another, an invitation sent in between would show in the
    # outbox without its operator and link (a torn read).
    overview = simulator.overview()
    status, records, messages = overview.status, overview.invitations, overview.outbox
    by_id = {record.invitation.id: record for record in records}
    wanted = operator.casefold() if operator is not None else None
    # The settings window's order (`newest_first`), so both windows list them alike.
    mine = newest_first(
        invitation_view(invitation_record(record.invitation))
        for record in records
        if record.operator.casefold() == wanted
    )
    operator_of = {record.invitation.id: record.operator for record in records}
    return QaSnapshot(
        clock=QaClock(status.clock.now, status.clock.running),
        policy=status.policy,
        faults=QaFaults(status.faults.offline, status.faults.latency_ms, status.faults.error_rate),
        accounts=tuple(
            QaAccount(
                email=account.email,
                display_name=account.display_name,
                plan=account.plan,
                operator=account.operator,
                billing_day=account.billing_day,
                last_active=account.last_active,
                dormant=account.dormant,
                pilot_list=account.pilot_list,
                cohort=account.cohort,
                five_hour=account.usage.five_hour,
                weekly=account.usage.weekly,
                available_tokens=account.wallet.available,
                earned_this_cycle=account.wallet.earned_this_cycle,
                cap=account.wallet.cap,
            )
            for account in status.accounts
        ),
        operator=operator,
        invitations=tuple(QaInvitation(operator_of[view.id], view) for view in mine),
        outbox=tuple(
            QaOutboxMessage(
                id=message.id,
                invitation_id=message.invitation_id,
                operator=by_id[message.invitation_id].operator
                if message.invitation_id in by_id
                else "",
                recipient=message.recipient,
                subject=message.subject,
                body=message.body,
                link=by_id[message.invitation_id].invitation.link
                if message.invitation_id in by_id
                else "",
                sent_at=message.sent_at,
            )
            for message in reversed(messages)
        ),
    )


def read_offer(simulator: QaApi, operator: str | None) -> QaOffer | None:
    """The operator's offer as the backend hands it out, and the offer settings (QA's Offer tab).

    Read after the snapshot's one transaction: the offer has no rows the snapshot's invitations
    and outbox must agree with, and both simulators (in-process and over a server) answer it."""
    if operator is None:
        return None
    offer = simulator.offer(operator)
    reason = offer.unavailable_reason
    return QaOffer(
        offer=offer,
        reason="" if reason is None else explain(reason),
        settings=simulator.offer_settings(),
    )


def read_world(simulator: QaApi, operator: str | None) -> QaSnapshot:
    """`read_snapshot`, with the operator's offer (`read_offer`)."""
    snapshot = read_snapshot(simulator, operator)
    try:
        offer = read_offer(simulator, operator)
    except ApiError:  # the operator is gone (a reset demo meanwhile): no offer to show
        offer = None
    return dataclasses.replace(snapshot, offer=offer)


def error_message(error: Exception) -> str:
    """The sentence to show for a refused or failed simulator call."""
    if isinstance(error, ApiError):
        return error.message
    if isinstance(error, ValueError):  # PolicyError, out-of-range values
        return str(error)
    log.error("QA simulator call failed", exc_info=error)
    return QCoreApplication.translate("QaController", "Unexpected error: {error}").format(
        error=error
    )


def duration_words(delta: timedelta) -> str:
    """`62 days`, `1 day 5 hours`, `90 minutes`."""
    seconds = int(delta.total_seconds())
    parts = []
    for size, one, many in _DURATION_UNITS:
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(
                translated("QaController", one if count == 1 else many).format(count=count)
            )
    return " ".join(parts) or translated("QaController", _DURATION_UNITS[-1][2]).format(count=0)


_DURATION_UNITS = (
    (
        86_400,
        QT_TRANSLATE_NOOP("QaController", "{count} day"),
        QT_TRANSLATE_NOOP("QaController", "{count} days"),
    ),
    (
        3600,
        QT_TRANSLATE_NOOP("QaController", "{count} hour"),
        QT_TRANSLATE_NOOP("QaController", "{count} hours"),
    ),
    (
        60,
        QT_TRANSLATE_NOOP("QaController", "{count} minute"),
        QT_TRANSLATE_NOOP("QaController", "{count} minutes"),
    ),
    (
        1,
        QT_TRANSLATE_NOOP("QaController", "{count} second"),
        QT_TRANSLATE_NOOP("QaController", "{count} seconds"),
    ),
)


def _invitation_note(record: InvitationRecord) -> str:
    invitation = record.invitation
    return QCoreApplication.translate("QaController", "{recipient}: {state}. {reason}").format(
        recipient=invitation.recipient,
        state=translated("invitations", invitation.state.label),
        reason=invitation.reason,
    )


__all__ = [
    "CHANGE_DEBOUNCE_MS",
    "BackendChangeWatcher",
    "QaController",
    "SessionControl",
    "duration_words",
    "error_message",
    "read_offer",
    "read_snapshot",
    "read_world",
]
