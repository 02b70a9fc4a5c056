"""Network faults the QA tools inject into API calls: offline, latency and an error rate.

Stored in the backend database so the `sim` command can flip them while the app runs.
They apply to ReferralApi calls only, never to the simulator.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import Engine, select

from desktop.backend.api import NotSent, OutcomeUnknown, ServerError
from desktop.backend.store import BackendState, read_only
from desktop.domain.reasons import Reason

if TYPE_CHECKING:
    from desktop.backend.database import BackendStore

T = TypeVar("T")


@dataclass(frozen=True)
class FaultSettings:
    """What goes wrong with API calls. All off by default."""

    offline: bool = False
    latency_ms: int = 0
    error_rate: float = 0.0

    def __post_init__(self) -> None:
        if self.latency_ms < 0:
            raise ValueError("latency must be 0 ms or more")
        if not 0.0 <= self.error_rate <= 1.0:
            raise ValueError("the error rate must be between 0 and 1")


def read_faults(state: BackendState) -> FaultSettings:
    """The faults stored in the state row."""
    return FaultSettings(state.fault_offline, state.fault_latency_ms, state.fault_error_rate)


def write_faults(state: BackendState, faults: FaultSettings) -> None:
    """Store new faults in the state row."""
    state.fault_offline = faults.offline
    state.fault_latency_ms = faults.latency_ms
    state.fault_error_rate = faults.error_rate


_FAULTS_QUERY = select(
    BackendState.fault_offline, BackendState.fault_latency_ms, BackendState.fault_error_rate
).where(BackendState.id == 1)


_FAULTS_SQL = (
    "SELECT fault_offline, fault_latency_ms, fault_error_rate FROM backend_state WHERE id = 1"
)
"""`_FAULTS_QUERY` in plain SQL, the same for both databases (no parameters)."""


def current_faults(source: Engine | BackendStore) -> FaultSettings:
    """The faults in force, read without queuing behind a writer. It runs before every API
    call, so it is one statement on the store's plain driver connection in autocommit
    (`BackendStore.plain_row`: no pool checkout, BEGIN or ORM), the last commit's values. On an
    engine, or when the plain connection fails (a real fault then shows on the pooled read),
    three columns on a pooled connection."""
    if not isinstance(source, Engine):
        row = source.plain_row(_FAULTS_SQL, ())
        if row is not None:
            offline, latency_ms, error_rate = row
            return FaultSettings(bool(offline), int(latency_ms), float(error_rate))
        source = source.engine
    with read_only(source).connect() as connection:
        offline, latency_ms, error_rate = connection.execute(_FAULTS_QUERY).one()
    return FaultSettings(bool(offline), int(latency_ms), float(error_rate))


class FaultInjector:
    """Applies the stored faults around one API call.

    Offline: fail at once, doing nothing. Latency: wait before handling. Error rate: that
    fraction of calls fails, half of them before doing anything (ServerError) and half after the
    change is committed (the answer is lost: OutcomeUnknown): the client must settle it with the
    same idempotency key.
    """

    def __init__(
        self, source: Engine | BackendStore, rng: random.Random, sleep: Callable[[float], None]
    ):
        self._source = source
        self._rng = rng
        self._sleep = sleep

    def call(self, handle: Callable[[], T]) -> T:
        """Run `handle` (one committed unit of work) under the faults in force."""
        faults = current_faults(self._source)
        if faults.offline:
            raise NotSent()
        if faults.latency_ms:
            self._sleep(faults.latency_ms / 1000)
        fails = faults.error_rate > 0 and self._rng.random() < faults.error_rate
        if fails and self._rng.random() < 0.5:
            raise ServerError()
        result = handle()
        if fails:
            raise OutcomeUnknown(Reason.ANSWER_LOST)
        return result
