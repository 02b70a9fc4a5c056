"""Compare what the controller shows with what the backend holds (the backend is the truth)."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.backend.simulator import Simulator
from desktop.controller.state import AppState, Eligibility
from desktop.domain.invitations import InvitationState
from desktop.domain.usage import UsageWindow


@dataclass(frozen=True)
class Facts:
    """The parts of an operator's data both sides must agree on."""

    email: str
    eligible: bool
    invitations: frozenset[tuple[str, str, InvitationState, int]]  # id, recipient, state, prompts
    tokens: frozenset[tuple[str, str, str]]  # id, state, invitation id
    earned: int
    weekly: UsageWindow
    five_hour: UsageWindow


def backend_facts(simulator: Simulator, email: str) -> Facts:
    """What the backend says about `email`."""
    status = {account.email: account for account in simulator.status().accounts}[email]
    return Facts(
        email=email,
        eligible=status.cohort.eligible,
        invitations=frozenset(
            (r.invitation.id, r.invitation.recipient, r.invitation.state, r.invitation.prompts)
            for r in simulator.invitations(email)
        ),
        tokens=frozenset((t.id, t.state, t.invitation_id) for t in status.wallet.tokens),
        earned=status.wallet.earned_this_cycle,
        weekly=status.usage.weekly,
        five_hour=status.usage.five_hour,
    )


def client_facts(state: AppState) -> Facts:
    """What the controller shows (queued, local-only invitations left out)."""
    assert state.account is not None, "signed out"
    assert state.weekly is not None
    assert state.five_hour is not None
    assert state.cycle is not None
    return Facts(
        email=state.account.email,
        eligible=state.eligibility is Eligibility.ELIGIBLE,
        invitations=frozenset(
            (i.id, i.recipient, i.state, i.prompts)
            for i in state.invitations
            if i.state is not InvitationState.QUEUED
        ),
        tokens=frozenset(
            (t.credit.id, t.credit.state, t.credit.invitation_id) for t in state.tokens
        ),
        earned=state.cycle.earned,
        weekly=state.weekly,
        five_hour=state.five_hour,
    )


def known_facts(state: AppState) -> Facts | None:
    """The state's facts, or None for a signed-in state that has fetched nothing yet (which
    must then show nothing: eligibility unknown, no usage, no rows)."""
    assert state.account is not None, "signed out"
    if state.eligibility_fetched_at is None:
        assert state.eligibility is Eligibility.UNKNOWN
        assert (state.weekly, state.five_hour, state.cycle) == (None, None, None)
        assert (state.tokens, state.invitations) == ((), ())
        return None
    return client_facts(state)


def assert_matches_backend(state: AppState, simulator: Simulator) -> None:
    """The state shows exactly what the backend holds for its operator."""
    assert state.account is not None
    assert client_facts(state) == backend_facts(simulator, state.account.email)


def invented_rows(state: AppState, simulator: Simulator) -> set[str]:
    """Ids the state shows that the backend never had (queued local ones excepted)."""
    assert state.account is not None
    facts = backend_facts(simulator, state.account.email)
    known = {row[0] for row in facts.invitations} | {row[0] for row in facts.tokens}
    shown = {i.id for i in state.invitations if i.state is not InvitationState.QUEUED}
    shown |= {t.credit.id for t in state.tokens}
    return shown - known
