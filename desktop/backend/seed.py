"""The demo seed (DESIGN section 4): demo operators and recipients with deterministic ids.

Each operator's cohort answer comes from a different rule, so the QA inspector shows all of
them: pilot by the allow list, capped by its rollout bucket (501, below the default 1,000),
pro by the deny list, free by its rollout bucket (3708, not below). The capped account's
history is produced by the real rules run at past moments, so it is consistent by construction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from desktop.backend import invitations, recipients, wallet
from desktop.backend.accounts import set_password
from desktop.backend.datafile import SCHEMA_VERSION
from desktop.backend.store import Account, BackendState, Base
from desktop.backend.transaction import BackendTransaction
from desktop.domain.cycles import cycle_containing
from desktop.domain.policy import ReferralPolicy

DEMO_PASSWORD = "demo"


@dataclass(frozen=True)
class DemoAccount:
    """One seeded account. `idle` is how long before seeding it was last active."""

    id: str
    email: str
    display_name: str
    plan: str
    billing_day: int
    operator: bool
    pilot_list: str | None = None
    idle: timedelta = timedelta(0)


PILOT = DemoAccount("acct_pilot", "pilot@example.com", "Pat Pilot", "plus", 14, True, "allow")
PRO = DemoAccount("acct_pro", "pro@example.com", "Robin Pro", "pro", 3, True, "deny")
FREE = DemoAccount("acct_free", "free@example.com", "Frankie Free", "free", 22, True)
CAPPED = DemoAccount("acct_capped_17", "capped@example.com", "Casey Capped", "plus", 1, True)
DORMANT = DemoAccount(
    "acct_dormant", "dormant@example.com", "Dana Dormant", "free", 9, False, idle=timedelta(90)
)
RECENT = DemoAccount(
    "acct_recent", "recent@example.com", "Riley Recent", "free", 9, False, idle=timedelta(10)
)
EDGE62 = DemoAccount(
    "acct_edge62", "edge62@example.com", "Eddie Edge", "free", 9, False, idle=timedelta(62)
)
DEMO_ACCOUNTS = (PILOT, PRO, FREE, CAPPED, DORMANT, RECENT, EDGE62)

PILOT_WEEKLY_PERCENT = 82
PILOT_FIVE_HOUR_PERCENT = 40
CAPPED_PEERS = tuple(f"capped-peer-{n}@example.com" for n in (1, 2, 3))


def install(session: Session, now: datetime) -> None:
    """Seed a new database: the state row (clock frozen at `now`, default policy) and the demo."""
    state = BackendState(
        id=1,
        schema_version=SCHEMA_VERSION,
        created_at=now,
        last_version=0,
        reset_floor=0,
        clock_virtual_at=now,
        clock_running=False,
        clock_real_anchor=None,
        fault_offline=False,
        fault_latency_ms=0,
        fault_error_rate=0.0,
        policy_json=_default_policy_json(),
    )
    session.add(state)
    session.flush()
    _install_demo(BackendTransaction(session, state, now, ReferralPolicy()))


def reset(tx: BackendTransaction, now: datetime) -> None:
    """Wipe every row, then seed again at `now` with the default policy and no faults.

    The change sequence keeps counting (a client's old cursor stays meaningful), and every
    cursor from before the reset asks for a full snapshot. Sessions end: sign in again.
    """
    state = tx.state
    tx.session.flush()
    for table in reversed(Base.metadata.sorted_tables):
        if table.name != BackendState.__tablename__:
            tx.session.execute(delete(table))
    for loaded in list(tx.session):
        if loaded is not state:
            tx.session.expunge(loaded)
    state.reset_floor = state.last_version
    state.clock_virtual_at = now
    state.clock_running = False
    state.clock_real_anchor = None
    state.fault_offline = False
    state.fault_latency_ms = 0
    state.fault_error_rate = 0.0
    state.policy_json = _default_policy_json()
    state.offer_json = "{}"
    tx.policy = ReferralPolicy()
    tx.now = now
    _install_demo(tx)


def _default_policy_json() -> str:
    return json.dumps(ReferralPolicy().to_mapping(), sort_keys=True)


def _install_demo(tx: BackendTransaction) -> None:
    now = tx.now
    for demo in DEMO_ACCOUNTS:
        add_account(tx, demo, last_active=now - demo.idle, created=now - demo.idle - timedelta(200))
    pilot = tx.session.get_one(Account, PILOT.id)
    pilot.weekly_used = tx.policy.weekly_limit * PILOT_WEEKLY_PERCENT // 100
    pilot.weekly_started_at = now - timedelta(days=3)
    pilot.five_hour_used = tx.policy.five_hour_limit * PILOT_FIVE_HOUR_PERCENT // 100
    pilot.five_hour_started_at = now - timedelta(hours=2)
    _install_capped_history(tx)
    tx.now = now


def add_account(
    tx: BackendTransaction, demo: DemoAccount, *, last_active: datetime, created: datetime
) -> Account:
    """Add one account as the demo seed does (an operator gets the demo password); also the
    benches' many operators (bench/seeding.py)."""
    account = Account(
        id=demo.id,
        email=demo.email,
        display_name=demo.display_name,
        plan=demo.plan,
        billing_day=demo.billing_day,
        created_at=created,
        last_active_at=last_active,
        pilot_list=demo.pilot_list,
        five_hour_used=0,
        weekly_used=0,
    )
    if demo.operator:
        set_password(account, DEMO_PASSWORD)
    tx.session.add(account)
    tx.session.flush()
    return account


def _install_capped_history(tx: BackendTransaction) -> None:
    """Three conversions inside the current cycle, each rewarded, then the first token spent.

    Run through the real rules at past moments. The peers are old accounts that came back
    (reactivated), so their ids stay deterministic too.
    """
    now = tx.now
    capped = tx.session.get_one(Account, CAPPED.id)
    cycle = cycle_containing(now, CAPPED.billing_day)
    span = now - cycle.start
    for number, email in enumerate(CAPPED_PEERS, start=1):
        converted_at = (cycle.start + span * number / 4).replace(microsecond=0)
        sent_at = converted_at - timedelta(days=1)
        peer = DemoAccount(f"acct_capped_peer_{number}", email, f"Peer {number}", "free", 9, False)
        add_account(
            tx,
            peer,
            last_active=sent_at - timedelta(days=120),
            created=sent_at - timedelta(days=400),
        )
        step = (converted_at - sent_at) / 4
        tx.now = sent_at
        invitation = invitations.send(tx, capped, email, f"seed-capped-{number}")
        link = invitations.link_of(tx, invitation)
        tx.now = sent_at + step
        recipients.join(tx, link, email)
        tx.now = sent_at + 2 * step
        recipients.initialise_workspace(tx, link, email)
        tx.now = sent_at + 3 * step
        if tx.policy.prompts_required > 1:
            recipients.send_prompts(tx, link, email, tx.policy.prompts_required - 1)
        tx.now = converted_at
        recipients.send_prompts(tx, link, email, 1)
    tx.now = (cycle.start + span * 7 / 8).replace(microsecond=0)
    wallet.redeem(tx, capped, "seed-capped-redemption")
