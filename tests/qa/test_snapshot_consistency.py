"""The QA snapshot is one read of the backend: a write landing while it is read never tears it."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pytest

from desktop.backend.database import BackendStore
from desktop.backend.simulator import Simulator
from desktop.backend.transaction import BackendTransaction
from desktop.controller.qa import read_snapshot

OPERATOR = "pilot@example.com"
T = TypeVar("T")


@pytest.fixture
def store(data_dir: Path) -> Iterator[BackendStore]:
    with BackendStore.open(data_dir) as opened:
        yield opened


def test_an_invitation_sent_between_transactions_never_tears_the_snapshot(
    store: BackendStore, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After every unit of work (a write transaction or a read) the snapshot's simulator ends,
    another process sends one more invitation: the worst interleaving, made certain. Read in
    several units, the outbox would list a message whose invitation (operator, link) the
    snapshot never saw."""
    other = Simulator(data_dir)  # another process's view of the same backend file
    addresses = (f"torn{n}@example.com" for n in itertools.count())
    plain = store.transaction
    plain_read = store.read
    transactions = 0

    @contextmanager
    def then_someone_writes() -> Iterator[BackendTransaction]:
        nonlocal transactions
        transactions += 1
        with plain() as tx:
            yield tx
        other.invite(OPERATOR, next(addresses))

    def read_then_someone_writes(handle: Callable[[BackendTransaction], T]) -> T:
        nonlocal transactions
        transactions += 1
        result = plain_read(handle)
        other.invite(OPERATOR, next(addresses))
        return result

    monkeypatch.setattr(store, "transaction", then_someone_writes)
    monkeypatch.setattr(store, "read", read_then_someone_writes)
    try:
        snapshot = read_snapshot(Simulator.over_store(store), OPERATOR)
    finally:
        other.close()

    seen = {invitation.view.id: invitation for invitation in snapshot.invitations}
    ours = [message for message in snapshot.outbox if message.operator == OPERATOR]
    for message in snapshot.outbox:
        assert message.operator, f"outbox message {message.id} lost its operator"
        assert message.link, f"outbox message {message.id} lost its link"
    # Every message pilot@ sent is one of pilot@'s invitations in the same snapshot.
    assert {message.invitation_id for message in ours} <= set(seen)
    assert len(ours) == len(seen)
    assert transactions == 1


def test_the_overview_agrees_with_the_single_reads(data_dir: Path) -> None:
    with Simulator(data_dir) as simulator:
        simulator.invite(OPERATOR, "peer@example.com")
        overview = simulator.overview()
        assert overview.status == simulator.status()
        assert overview.invitations == simulator.invitations()
        assert overview.outbox == simulator.outbox()


def test_each_outbox_message_names_the_invitation_it_was_sent_for(data_dir: Path) -> None:
    """The QA outbox ties each dispatched email to its invitation (the id, and the operator and
    link a tester follows from it), newest first like the window lists them."""
    with Simulator(data_dir) as simulator:
        first = simulator.invite(OPERATOR, "first@example.com").invitation
        second = simulator.invite(OPERATOR, "second@example.com").invitation
        snapshot = read_snapshot(simulator, OPERATOR)

    sent = {"first@example.com": first, "second@example.com": second}
    ours = [message for message in snapshot.outbox if message.recipient in sent]
    assert [message.invitation_id for message in ours] == [second.id, first.id]
    invitations = {invitation.view.id: invitation for invitation in snapshot.invitations}
    for message in ours:
        invitation = invitations[message.invitation_id]
        assert (message.operator, message.link) == (OPERATOR, sent[message.recipient].link)
        assert (invitation.operator, invitation.view.link) == (message.operator, message.link)
