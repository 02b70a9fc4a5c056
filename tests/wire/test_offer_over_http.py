"""Issue 14 over the wire: the offer, sending against it, resending, and redeeming a named
credit, against a real server subprocess. The same rules and typed errors as in process, and
the outcome model holds for resend and redeem-by-credit: an answer lost after the server
committed is UNKNOWN, and the same key settles it with exactly one effect."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest

from desktop.backend.api import (
    InvalidState,
    InvitationRefused,
    NoTokens,
    OfferRefused,
    OutcomeUnknown,
    ServerError,
)
from desktop.domain.credits import CreditSource, CreditWindows, RedemptionCode
from desktop.domain.outcomes import Outcome
from desktop.domain.reasons import Reason
from desktop.remote.client import HttpApi
from desktop.remote.qa import RemoteSimulator
from tests.wire.support import QA_TOKEN, ServerProcess

PILOT = "pilot@example.com"


def sign_in(api: HttpApi) -> str:
    return api.sign_in(PILOT, "demo", "sign-in").token


def test_the_offer_over_http_is_the_servers_offer(api: HttpApi, qa: RemoteSimulator) -> None:
    session = sign_in(api)
    qa.set_offer({"title": "Bring a teammate", "rules": ["One reset per friend."]})
    offer = api.offer(session)
    assert offer.offered
    assert offer == qa.offer(PILOT)  # the same signed offer, read through QA
    assert offer.title == "Bring a teammate"
    assert offer.rules == ("One reset per friend.",)
    assert offer.requires_confirmation
    assert offer.send_capacity == qa.policy().daily_invitation_limit
    assert api.sync(session, 0).offer == offer
    qa.set_offer({"report_capacities": False})
    hidden = api.offer(session)
    assert hidden.send_capacity is None  # unknown, not zero
    assert hidden.reward_capacity is None


def test_not_offered_carries_its_reason_for_qa(api: HttpApi, qa: RemoteSimulator) -> None:
    session = sign_in(api)
    qa.cohort(PILOT, "deny")
    offer = api.offer(session)
    assert not offer.offered
    assert offer.unavailable_reason is Reason.NOT_IN_COHORT


def test_a_send_against_a_changed_or_expired_offer_is_refused(
    api: HttpApi, qa: RemoteSimulator
) -> None:
    session = sign_in(api)
    offer = api.offer(session)
    sent = api.send_invitation(session, "first@example.com", "s1", offer.id)
    assert sent.recipient == "first@example.com"
    qa.set_offer({"title": "New words"})
    with pytest.raises(OfferRefused) as changed:
        api.send_invitation(session, "second@example.com", "s2", offer.id)
    assert changed.value.reason is Reason.OFFER_CHANGED
    assert changed.value.outcome is Outcome.REFUSED
    fresh = api.offer(session)
    qa.advance_clock(fresh.expires_at - qa.now())  # exactly at expiry: too late
    with pytest.raises(OfferRefused) as expired:
        api.send_invitation(session, "second@example.com", "s3", fresh.id)
    assert expired.value.reason is Reason.OFFER_EXPIRED
    assert expired.value.details["at"] == fresh.expires_at  # a time again, not a string
    assert [r.invitation.recipient for r in qa.invitations(PILOT)] == ["first@example.com"]
    # The request that already happened: its key returns the first invitation regardless.
    assert api.send_invitation(session, "first@example.com", "s1", offer.id) == sent


def test_a_paused_offer_refuses_every_send(api: HttpApi, qa: RemoteSimulator) -> None:
    session = sign_in(api)
    qa.set_offer({"paused": True})
    with pytest.raises(OfferRefused) as paused:
        api.send_invitation(session, "any@example.com", "s")
    assert paused.value.reason is Reason.OFFER_PAUSED


def test_resend_inside_and_just_after_the_cooldown(api: HttpApi, qa: RemoteSimulator) -> None:
    session = sign_in(api)
    sent = api.send_invitation(session, "later@example.com", "s")
    assert sent.emails_sent == 1
    assert sent.resend_available_at == sent.last_sent_at + timedelta(  # type: ignore[operator]
        minutes=qa.policy().resend_cooldown_minutes
    )
    qa.advance_clock(sent.resend_available_at - qa.now() - timedelta(seconds=1))  # type: ignore[operator]
    with pytest.raises(InvitationRefused) as early:
        api.resend_invitation(session, sent.id, "r1")
    assert early.value.reason is Reason.RESEND_TOO_SOON
    assert early.value.details == {"sent_at": sent.last_sent_at, "at": sent.resend_available_at}
    qa.advance_clock(timedelta(seconds=1))
    again = api.resend_invitation(session, sent.id, "r2")
    assert again.emails_sent == 2
    assert again.last_sent_at == qa.now()
    assert api.resend_invitation(session, sent.id, "r2") == again  # replay: no third email
    assert sum(m.invitation_id == sent.id for m in qa.outbox()) == 2


def test_only_a_pending_invitation_is_resent(api: HttpApi, qa: RemoteSimulator) -> None:
    session = sign_in(api)
    sent = api.send_invitation(session, "gone@example.com", "s")
    api.revoke_invitation(session, sent.id, "r")
    with pytest.raises(InvalidState) as revoked:
        api.resend_invitation(session, sent.id, "again")
    assert revoked.value.reason is Reason.NOT_RESENDABLE


def test_redeem_a_named_credit_with_its_code_and_the_windows_before(
    api: HttpApi, qa: RemoteSimulator
) -> None:
    session = sign_in(api)
    soon = qa.grant(PILOT, expires_days=1)
    never = qa.grant(PILOT, title="Thank-you reset", expires_days=None, windows="five_hour")
    assert never.source is CreditSource.COMPLIMENTARY
    assert never.expires_at is None
    assert never.windows is CreditWindows.FIVE_HOUR
    qa.set_usage(PILOT, weekly_percent=40, five_hour_percent=60)
    spent = api.redeem(session, "spend-never", never.id)
    assert spent.code is RedemptionCode.RESET
    assert spent.token.id == never.id
    assert spent.token.title == "Thank-you reset"
    assert spent.usage_before is not None
    assert spent.usage_before.five_hour.percent_used == 60
    assert spent.usage.five_hour.percent_used == 0
    assert spent.usage.weekly.percent_used == 40  # a five-hour credit leaves the week alone
    replay = api.redeem(session, "spend-never", never.id)
    assert replay.code is RedemptionCode.ALREADY_REDEEMED
    assert replay.replayed
    assert replay.token.id == never.id
    wallet = {token.id: token.state for token in qa.wallet(PILOT).tokens}
    assert wallet == {soon.id: "available", never.id: "spent"}


def test_nothing_to_reset_keeps_the_credit_when_asked(api: HttpApi, qa: RemoteSimulator) -> None:
    session = sign_in(api)
    credit = qa.grant(PILOT)
    qa.set_usage(PILOT, weekly_percent=0, five_hour_percent=0)
    kept = api.redeem(session, "keep", credit.id, spend_if_unused=False)
    assert kept.code is RedemptionCode.NOTHING_TO_RESET
    assert [t.state for t in qa.wallet(PILOT).tokens] == ["available"]
    with pytest.raises(NoTokens) as unknown:
        api.redeem(session, "other", "tok_nope")
    assert unknown.value.reason is Reason.CREDIT_NOT_FOUND


def test_resend_with_lost_answers_settles_by_replay_with_one_email_per_key(
    api: HttpApi, qa: RemoteSimulator
) -> None:
    session = sign_in(api)
    sent = api.send_invitation(session, "resent@example.com", "s")
    qa.set_policy({"resend_cooldown_minutes": 0})
    qa.set_fault(error_rate=1.0)  # half roll back, half commit and lose the answer
    keys = [f"resend-{n}" for n in range(16)]
    unknown = []
    for key in keys:
        with pytest.raises((ServerError, OutcomeUnknown)) as failure:
            api.resend_invitation(session, sent.id, key)
        # Rolled back (server_error): provably not applied. Dropped: unknown.
        assert failure.value.outcome in (Outcome.UNKNOWN, Outcome.NOT_SENT)
        if failure.value.outcome is Outcome.UNKNOWN:
            unknown.append(key)
    assert unknown, "16 calls at error rate 1: a lost answer but for 2**-16"
    committed = sum(m.invitation_id == sent.id for m in qa.outbox())
    assert committed == 1 + len(unknown)  # the lost answers were applied, the rest were not
    qa.clear_faults()
    for key in keys:
        api.resend_invitation(session, sent.id, key)
    assert sum(m.invitation_id == sent.id for m in qa.outbox()) == 1 + len(keys)


def test_redeem_by_credit_with_lost_answers_settles_by_replay_spending_each_once(
    api: HttpApi, qa: RemoteSimulator
) -> None:
    session = sign_in(api)
    credits = [qa.grant(PILOT, expires_days=n + 1) for n in range(12)]
    qa.set_fault(error_rate=1.0)
    lost: set[str] = set()
    for credit in credits:
        with pytest.raises((ServerError, OutcomeUnknown)) as failure:
            api.redeem(session, f"redeem-{credit.id}", credit.id)
        if failure.value.outcome is Outcome.UNKNOWN:
            lost.add(credit.id)
    assert lost, "12 calls at error rate 1: a lost answer but for 2**-12"
    spent = {t.id for t in qa.wallet(PILOT).tokens if t.state == "spent"}
    assert spent == lost  # UNKNOWN was right: those were applied
    qa.clear_faults()
    for credit in credits:
        settled = api.redeem(session, f"redeem-{credit.id}", credit.id)
        assert settled.token.id == credit.id
        expected = RedemptionCode.ALREADY_REDEEMED if credit.id in lost else RedemptionCode.RESET
        assert settled.code is expected
    assert [t.state for t in qa.wallet(PILOT).tokens] == ["spent"] * len(credits)


def test_new_reasons_in_error_bodies_and_their_status_codes(
    api: HttpApi, server: ServerProcess, qa: RemoteSimulator
) -> None:
    session = sign_in(api)
    bearer = {"Authorization": f"Bearer {session.split(' ', 1)[1]}"}
    sent = api.send_invitation(session, "coded@example.com", "s")
    with httpx.Client(base_url=server.url, headers=bearer, trust_env=False) as http:
        soon = http.post(f"/v1/invitations/{sent.id}/resend", headers={"Idempotency-Key": "r"})
        assert soon.status_code == 429
        assert soon.json()["reason"] == "resend_too_soon"
        assert soon.json()["details"]["at"].endswith("Z")
        missing = http.post(
            "/v1/redemptions", headers={"Idempotency-Key": "x"}, json={"credit_id": "tok_nope"}
        )
        assert missing.status_code == 404
        assert missing.json()["reason"] == "credit_not_found"
        no_body = http.post("/v1/redemptions", headers={"Idempotency-Key": "y"})
        assert no_body.status_code == 409  # an older client's redeem: no credit to spend
        assert no_body.json()["reason"] == "no_tokens"
        qa.set_offer({"paused": True})
        paused = http.post(
            "/v1/invitations", headers={"Idempotency-Key": "z"}, json={"email": "p@example.com"}
        )
        assert paused.status_code == 409
        assert paused.json()["reason"] == "offer_paused"


def test_sim_backend_runs_the_offer_grant_and_resend_commands(
    server: ServerProcess, qa: RemoteSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    from desktop.app import main

    url = server.url
    sim = ["sim", "--backend", url, "--qa-token", QA_TOKEN]
    assert main([*sim, "offer", "set", "--title", "Invite a colleague",
                 "--capacities", "hidden"]) == 0  # fmt: skip
    assert "title = Invite a colleague" in capsys.readouterr().out
    assert main([*sim, "offer", "--email", PILOT, "--json"]) == 0
    offer = json.loads(capsys.readouterr().out)
    assert offer["title"] == "Invite a colleague"
    assert offer["send_capacity"] is None
    assert main([*sim, "grant", "--to", PILOT, "--no-expiry", "--windows", "five_hour"]) == 0
    assert "resets five_hour, expires never" in capsys.readouterr().out
    credit = qa.wallet(PILOT).tokens[0]
    assert credit.source is CreditSource.COMPLIMENTARY
    record = qa.invite(PILOT, "cli-resend@example.com")
    assert main([*sim, "resend", "--from", PILOT, record.invitation.id]) == 1
    assert "refused (resend_too_soon)" in capsys.readouterr().err
    qa.advance_clock(timedelta(minutes=qa.policy().resend_cooldown_minutes))
    assert main([*sim, "resend", "--from", PILOT, record.invitation.link, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["emails_sent"] == 2
    qa.set_usage(PILOT, five_hour_percent=0)
    assert main([*sim, "redeem", PILOT, "--credit", credit.id, "--keep-if-unused"]) == 0
    assert f"nothing_to_reset; {credit.id} was kept" in capsys.readouterr().out
    qa.set_usage(PILOT, five_hour_percent=30)
    assert main([*sim, "redeem", PILOT, "--credit", credit.id]) == 0
    assert f"spent {credit.id} (reset, five_hour)" in capsys.readouterr().out
