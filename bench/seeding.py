"""Fast bulk seeding for the benches (not a test fixture, not app code).

`seed_operators(url, count, credits_each)` adds `count` operator accounts through the demo
seed's own account builder (bench/server_load.py gives each simulated client its own).

`seed_invitations(data_dir, email, count)` writes `count` invitations from `email` straight into
the mock backend's database of a data folder, in one transaction with two `executemany` inserts
(about a second for 10,000), instead of `count` API calls. The rows are what the backend itself
would hold: a mix of states with their checklist counters and one history event per step, each
with its own change version from the backend's global sequence, so the client's next sync pulls
them like any other change. They were all created more than a day before the backend's clock, so
they do not use up the daily invitation limit of later sends.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from desktop.backend import seed, wallet
from desktop.backend.database import BackendStore
from desktop.backend.store import Account, Invitation, InvitationEvent
from desktop.domain.invitations import InvitationState

# (state, link opened, joined kind, workspace ready, prompts): the steps each one went through.
_SHAPES = (
    (InvitationState.SENT, False, None, False, 0),
    (InvitationState.OPENED, True, None, False, 0),
    (InvitationState.PROMPTING, True, "new", True, 1),
    (InvitationState.NOT_ELIGIBLE, True, None, False, 0),
    (InvitationState.REVOKED, False, None, False, 0),
)


def seed_invitations(data_dir: Path, email: str, count: int) -> None:
    """Add `count` invitations from the operator `email` to the backend of `data_dir`."""
    store = BackendStore.open(data_dir)
    try:
        with store.transaction() as tx:
            operator_id = tx.session.scalars(select(Account.id).where(Account.email == email)).one()
            first_version = tx.state.last_version + 1
            tx.state.last_version += count
            first_sequence = int(tx.session.scalar(select(func.max(Invitation.sequence))) or 0) + 1
            oldest = tx.now - timedelta(days=2) - timedelta(minutes=count)
            invitations: list[dict[str, object]] = []
            events: list[dict[str, object]] = []
            for number in range(count):
                state, opened, joined, ready, prompts = _SHAPES[number % len(_SHAPES)]
                created = oldest + timedelta(minutes=number)
                updated = created + timedelta(seconds=30)
                invitation_id = f"inv_bench{number:07d}"
                invitations.append(
                    {
                        "id": invitation_id,
                        "operator_id": operator_id,
                        "recipient_email": f"peer{number:05d}@bench.example",
                        "link_token": secrets.token_urlsafe(24),
                        "idempotency_key": f"bench-{number}",
                        "state": state.value,
                        "created_at": created,
                        "updated_at": updated,
                        "version": first_version + number,
                        "sequence": first_sequence + number,
                        "link_opened_at": updated if opened else None,
                        "joined_kind": joined,
                        "workspace_ready_at": updated if ready else None,
                        "prompts": prompts,
                        "prompts_required": None,
                        "ended_at": updated if state.is_final else None,
                    }
                )
                events.append(
                    {
                        "invitation_id": invitation_id,
                        "state": InvitationState.SENT.value,
                        "at": created,
                    }
                )
                if state is not InvitationState.SENT:
                    events.append(
                        {"invitation_id": invitation_id, "state": state.value, "at": updated}
                    )
            tx.session.execute(insert(Invitation), invitations)
            tx.session.execute(insert(InvitationEvent), events)
    finally:
        store.close()


OPERATOR_PASSWORD = seed.DEMO_PASSWORD


def operator_email(number: int) -> str:
    """The address of the bench's operator `number` (see `seed_operators`)."""
    return f"operator{number:04d}@bench.example"


def seed_operators(database_url: str, count: int, credits_each: int) -> list[str]:
    """Add `count` operators in the referral pilot (allow list, plus plan, the demo password),
    each with `credits_each` complimentary credits that never expire, through the demo seed's
    own account builder and the wallet's grant, in one transaction. Their addresses, in order.
    Real deployments have one or two desktop clients per operator, not one operator for all."""
    store = BackendStore.open_url(database_url)
    emails = [operator_email(number) for number in range(count)]
    try:
        with store.transaction() as tx:
            for number, email in enumerate(emails):
                demo = seed.DemoAccount(
                    f"acct_bench_{number:04d}",
                    email,
                    f"Operator {number}",
                    "plus",
                    1 + number % 28,
                    True,
                    "allow",
                )
                account = seed.add_account(tx, demo, last_active=tx.now, created=tx.now)
                for _ in range(credits_each):
                    wallet.grant_complimentary(tx, account)
    finally:
        store.close()
    return emails
