"""The join page in a real browser (Debian's Chromium through Playwright): a peer walks from the
link to a conversion, and every refusal shows its reason's sentence."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import update

from desktop.backend.simulator import Simulator
from desktop.backend.store import Account
from desktop.domain.invitations import InvitationState
from desktop.domain.reasons import Reason, explain
from tests.backend.support import ManualClock

PILOT = "pilot@example.com"


def token_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


def open_link(page: Any, server: str, sim: Simulator, recipient: str) -> str:
    """Invite `recipient` as pilot@ and open the link's page; returns the token."""
    token = token_of(sim.invite(PILOT, recipient).invitation.link)
    page.goto(f"{server}/join/{token}")
    return token


def status_text(page: Any) -> str:
    return str(page.get_by_role("status").inner_text()).strip()


def step_mark(page: Any, key: str) -> str:
    return str(page.locator(f"#step-{key}").get_attribute("class"))


def shoot(page: Any, path: Path) -> None:
    # Bytes written here: Playwright's path= writes on an executor thread that outlives the test.
    path.write_bytes(page.screenshot(full_page=True))


def sign_in(page: Any, email: str) -> None:
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()


def test_a_peer_walks_from_the_link_to_a_conversion(
    page: Any, server: str, sim: Simulator, screenshots: Path
) -> None:
    before = sim.wallet(PILOT).available
    token = open_link(page, server, sim, "newpeer@example.com")
    assert page.get_by_role("heading", level=1).inner_text() == "You're invited"
    assert step_mark(page, "opened") == "done"
    assert step_mark(page, "account") == "current"
    assert page.locator("[aria-current=step]").count() == 1
    shoot(page, screenshots / "join-1-opened.png")

    sign_in(page, "NewPeer@Example.com")
    assert status_text(page) == "Your free account is ready."
    assert page.locator("#step-account").inner_text().startswith("Account created")
    assert step_mark(page, "workspace") == "current"
    assert page.locator("#signedInAs").inner_text() == "Signed in as newpeer@example.com"
    shoot(page, screenshots / "join-2-signed-up.png")

    page.get_by_role("button", name="Initialise workspace").click()
    page.wait_for_load_state()
    assert step_mark(page, "workspace") == "done"
    assert step_mark(page, "prompts") == "current"
    shoot(page, screenshots / "join-3-workspace-ready.png")

    required = sim.policy().prompts_required
    for sent in range(1, required + 1):
        page.get_by_label("Prompt", exact=True).fill(f"Prompt number {sent}")
        page.get_by_role("button", name="Send prompt").click()
        page.wait_for_load_state()
        if sent < required:
            assert status_text(page) == f"Prompt sent: {sent} of {required} counted."
            assert f"Prompts: {sent} of {required}" in page.locator("#step-prompts").inner_text()
            if sent == 1:
                shoot(page, screenshots / "join-4-prompting.png")

    assert "You're all set" in status_text(page)
    assert all(step_mark(page, key) == "done" for key in ("prompts", "converted"))
    assert page.locator("form").count() == 0
    shoot(page, screenshots / "join-5-converted.png")

    # The backend's own state, not the page's word for it.
    view = sim.link_view(token)
    assert view.invitation.state is InvitationState.CONVERTED_REWARDED
    assert view.invitation.joined_kind == "new"
    assert view.invitation.prompts == required
    assert sim.wallet(PILOT).available == before + 1
    assert "newpeer@example.com" in {account.email for account in sim.status().accounts}


def test_another_address_is_refused_with_the_plain_reason(
    page: Any, server: str, sim: Simulator, screenshots: Path
) -> None:
    token = open_link(page, server, sim, "invited@example.com")
    sign_in(page, "someone.else@example.com")

    assert status_text(page) == explain(Reason.LINK_WRONG_EMAIL)
    assert page.get_by_label("Email address").input_value() == "someone.else@example.com"
    shoot(page, screenshots / "join-wrong-address.png")
    assert sim.link_view(token).invitation.state is InvitationState.OPENED
    assert "someone.else@example.com" not in {a.email for a in sim.status().accounts}


def test_a_revoked_link_says_so_and_offers_nothing(
    page: Any, server: str, sim: Simulator, screenshots: Path
) -> None:
    record = sim.invite(PILOT, "late@example.com")
    sim.revoke(PILOT, record.invitation.id)
    page.goto(f"{server}/join/{token_of(record.invitation.link)}")

    assert status_text(page) == explain(Reason.LINK_REVOKED)
    assert page.locator("form").count() == 0
    shoot(page, screenshots / "join-revoked.png")


def test_an_expired_link_says_so(
    page: Any, server: str, sim: Simulator, clock: ManualClock
) -> None:
    sim.set_policy({"invitation_expiry_days": 1})
    record = sim.invite(PILOT, "slow@example.com")
    clock.advance(timedelta(days=2))
    page.goto(f"{server}/join/{token_of(record.invitation.link)}")

    assert status_text(page) == explain(Reason.LINK_EXPIRED)
    assert page.locator("form").count() == 0


def test_a_recently_active_account_is_not_eligible(
    page: Any, server: str, sim: Simulator, screenshots: Path
) -> None:
    token = open_link(page, server, sim, "recent@example.com")
    sign_in(page, "recent@example.com")

    days = sim.policy().dormancy_days
    assert status_text(page) == explain(Reason.RECIPIENT_NOT_ELIGIBLE, {"days": days})
    assert step_mark(page, "account") == "failed"
    assert page.locator("form").count() == 0
    shoot(page, screenshots / "join-not-eligible.png")
    assert sim.link_view(token).invitation.state is InvitationState.NOT_ELIGIBLE


def test_a_dormant_account_comes_back(page: Any, server: str, sim: Simulator) -> None:
    open_link(page, server, sim, "dormant@example.com")
    sign_in(page, "dormant@example.com")

    assert status_text(page) == "Welcome back: your account is active again."
    assert page.locator("#step-account").inner_text().startswith("Account reactivated")


def test_hostile_names_and_addresses_are_shown_as_text_never_run(
    page: Any, server: str, sim: Simulator, screenshots: Path
) -> None:
    hostile_name = "<script>alert('name')</script><img src=x onerror=alert('img')>"
    with sim._store.transaction() as tx:  # no simulator call renames an operator
        tx.session.execute(
            update(Account).where(Account.email == PILOT).values(display_name=hostile_name)
        )
    hostile_address = "o'neil&{co}/=?`|~#$%*!^@example.com"
    open_link(page, server, sim, hostile_address)
    assert page.locator("#invitedBy").inner_text() == (
        f"{hostile_name} invited you to try the product."
    )
    assert page.locator("img").count() == 0

    quoted = '"<script>alert(1)</script>"@example.com'
    page.get_by_label("Email address").fill(quoted)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert "not a valid email address" in status_text(page)
    assert page.get_by_label("Email address").input_value() == quoted
    assert page.locator("script").count() == 0

    sign_in(page, hostile_address)
    assert page.locator("#signedInAs").inner_text() == f"Signed in as {hostile_address}"
    assert page.locator("script, img").count() == 0
    shoot(page, screenshots / "join-hostile-names.png")
