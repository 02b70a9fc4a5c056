"""The ReferralApi over a real server subprocess: the same rules, the same errors, the outcome
model under the simulated faults, the long poll, and the QA token."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx
import pytest

from desktop.backend.api import (
    AuthenticationError,
    InvalidState,
    InvitationRefused,
    NotFound,
    NotInCohort,
    NotSent,
    OutcomeUnknown,
    ServerError,
)
from desktop.domain.reasons import Reason
from desktop.remote.client import HttpApi
from desktop.remote.qa import RemoteSimulator
from tests.wire.support import QA_TOKEN, ServerProcess


def test_a_whole_flow_over_http(api: HttpApi, qa: RemoteSimulator) -> None:
    session = api.sign_in("pilot@example.com", "demo", "sign-in-1").token
    first = api.sync(session, 0)
    assert first.full
    assert first.account.email == "pilot@example.com"
    assert first.eligible
    sent = api.send_invitation(session, "friend@example.com", "send-1")
    assert sent.recipient == "friend@example.com"
    assert api.send_invitation(session, "friend@example.com", "send-1") == sent  # replay
    delta = api.sync(session, first.cursor)
    assert [invitation.id for invitation in delta.invitations] == [sent.id]
    revoked = api.revoke_invitation(session, sent.id, "revoke-1")
    assert revoked.state.value == "revoked"
    assert len(qa.invitations("pilot@example.com")) == 1
    api.sign_out(session)
    with pytest.raises(AuthenticationError) as ended:
        api.sync(session, 0)
    assert ended.value.reason is Reason.SESSION_ENDED


def test_links_point_at_the_server(
    api: HttpApi, qa: RemoteSimulator, server: ServerProcess
) -> None:
    session = api.sign_in("pilot@example.com", "demo", "k").token
    link = api.send_invitation(session, "peer@example.com", "s").link
    assert link.startswith(f"{server.url}/join/")
    assert qa.recipient_open(link).invitation.link_opened


def test_refusals_arrive_as_the_same_typed_errors(api: HttpApi) -> None:
    with pytest.raises(AuthenticationError) as wrong:
        api.sign_in("pilot@example.com", "nope", "k1")
    assert wrong.value.reason is Reason.SIGN_IN_FAILED
    pilot = api.sign_in("pilot@example.com", "demo", "k2").token
    with pytest.raises(InvitationRefused) as own:
        api.send_invitation(pilot, "PILOT@example.com", "s1")
    assert own.value.reason is Reason.SELF_INVITE
    with pytest.raises(InvitationRefused) as invalid:
        api.send_invitation(pilot, "not an address", "s2")
    assert invalid.value.reason is Reason.INVALID_EMAIL
    pro = api.sign_in("pro@example.com", "demo", "k3").token
    with pytest.raises(NotInCohort):
        api.send_invitation(pro, "x@example.com", "s3")
    sent = api.send_invitation(pilot, "joiner@example.com", "s4")
    with pytest.raises(NotFound):
        api.revoke_invitation(pilot, "inv_nope", "r1")
    qa_joined = sent  # a joined invitation can no longer be revoked
    assert qa_joined.state.is_revocable
    assert sent.id


def test_the_daily_limit_keeps_its_time(api: HttpApi, qa: RemoteSimulator) -> None:
    qa.set_policy({"daily_invitation_limit": 1})
    pilot = api.sign_in("pilot@example.com", "demo", "k").token
    api.send_invitation(pilot, "one@example.com", "a")
    with pytest.raises(InvitationRefused) as limit:
        api.send_invitation(pilot, "two@example.com", "b")
    assert limit.value.reason is Reason.DAILY_LIMIT
    assert limit.value.details["limit"] == 1
    assert qa.now() < limit.value.details["at"]  # type: ignore[operator]


def test_offline_fault_is_not_sent(api: HttpApi, qa: RemoteSimulator) -> None:
    pilot = api.sign_in("pilot@example.com", "demo", "k").token
    qa.set_fault(offline=True)
    with pytest.raises(NotSent):
        api.send_invitation(pilot, "friend@example.com", "s")
    qa.clear_faults()
    assert qa.invitations("pilot@example.com") == ()


def test_error_rate_one_loses_answers_and_the_replay_settles_them(
    api: HttpApi, qa: RemoteSimulator
) -> None:
    """Half the failures roll back (ServerError), half commit and lose the answer (the
    connection is dropped: OutcomeUnknown). Replaying with the same key never doubles."""
    pilot = api.sign_in("pilot@example.com", "demo", "k").token
    qa.set_policy({"daily_invitation_limit": 50})
    qa.set_fault(error_rate=1.0)
    seen: set[type[Exception]] = set()
    keys = [f"send-{n}" for n in range(20)]
    for n, key in enumerate(keys):
        with pytest.raises((ServerError, OutcomeUnknown)) as failure:
            api.send_invitation(pilot, f"peer{n}@example.com", key)
        seen.add(type(failure.value))
        if isinstance(failure.value, OutcomeUnknown):
            assert failure.value.reason is Reason.ANSWER_LOST
    assert seen == {ServerError, OutcomeUnknown}  # 20 calls: both kinds, but for 2**-19
    committed = len(qa.invitations("pilot@example.com"))
    assert 0 < committed < len(keys)
    qa.clear_faults()
    for n, key in enumerate(keys):
        api.send_invitation(pilot, f"peer{n}@example.com", key)
    assert len(qa.invitations("pilot@example.com")) == len(keys)  # exactly once each


def test_a_slow_server_past_the_read_timeout_is_unknown_and_the_replay_settles_it(
    server: ServerProcess, qa: RemoteSimulator
) -> None:
    qa.set_fault(latency_ms=1500)
    patient = HttpApi(server.url, read_timeout=10.0)
    hasty = HttpApi(server.url, read_timeout=0.3)
    try:
        pilot = patient.sign_in("pilot@example.com", "demo", "k")
        session = pilot.token.replace(patient.base_url, hasty.base_url)
        qa.set_policy({"monthly_cap": 5})
        _give_tokens(qa, 1)
        with pytest.raises(OutcomeUnknown) as late:
            hasty.redeem(session, "redeem-1")
        assert late.value.reason is Reason.TIMED_OUT
        qa.clear_faults()
        settled = patient.redeem(pilot.token, "redeem-1")
        wallet = qa.wallet("pilot@example.com")
        assert [t.state for t in wallet.tokens] == ["spent"]
        assert settled.token.id == wallet.tokens[0].id
    finally:
        patient.close()
        hasty.close()


def _give_tokens(qa: RemoteSimulator, count: int) -> None:
    for n in range(count):
        link = qa.invite("pilot@example.com", f"convert{n}@example.com").invitation.link
        qa.recipient_join(link, f"convert{n}@example.com")
        qa.recipient_init(link, f"convert{n}@example.com")
        qa.recipient_prompt(link, f"convert{n}@example.com", qa.policy().prompts_required)


def test_nothing_listening_is_not_sent(own_server: ServerProcess) -> None:
    url = own_server.url
    own_server.stop()
    api = HttpApi(url, connect_timeout=2.0)
    try:
        with pytest.raises(NotSent):
            api.sign_in("pilot@example.com", "demo", "k")
    finally:
        api.close()


def test_the_long_poll_wakes_on_a_change_and_times_out_without_one(
    api: HttpApi, qa: RemoteSimulator
) -> None:
    pilot = api.sign_in("pilot@example.com", "demo", "k").token
    cursor = api.wait_for_change(pilot, 0, 5)  # unknown cursor: answers at once
    assert cursor != 0
    assert api.wait_for_change(pilot, cursor, 0.3) == cursor  # nothing changed
    result: list[int] = []
    waiter = threading.Thread(target=lambda: result.append(api.wait_for_change(pilot, cursor, 20)))
    waiter.start()
    qa.cohort("pilot@example.com", "deny")  # changes eligibility: no version, still a change
    waiter.join(20)
    assert not waiter.is_alive()
    assert result
    assert result[0] != cursor


def test_qa_calls_on_loopback_need_no_token_but_a_wrong_one_is_refused(
    server: ServerProcess,
) -> None:
    with RemoteSimulator(server.url) as anonymous:
        assert anonymous.clock().now
    with RemoteSimulator(server.url, "wrong") as wrong, pytest.raises(InvalidState) as refused:
        wrong.clock()
    assert refused.value.reason is Reason.QA_TOKEN_REQUIRED


def test_a_server_bound_beyond_loopback_refuses_qa_calls_without_the_token(
    data_dir: object, tmp_path: object
) -> None:
    from pathlib import Path

    assert isinstance(data_dir, Path)
    with ServerProcess(data_dir, host="0.0.0.0") as server:
        local = server.url.replace("0.0.0.0", "127.0.0.1")
        with RemoteSimulator(local) as anonymous, pytest.raises(InvalidState) as refused:
            anonymous.clock()
        assert refused.value.reason is Reason.QA_TOKEN_REQUIRED
        with RemoteSimulator(local, QA_TOKEN) as holder:
            assert holder.clock().now
        response = httpx.get(f"{local}/v1/qa/status", trust_env=False)
        assert response.status_code == 403
        assert response.json()["reason"] == "qa_token_required"


def test_error_bodies_and_status_codes(server: ServerProcess) -> None:
    with httpx.Client(base_url=server.url, trust_env=False) as http:
        unsigned = http.get("/v1/sync")
        assert unsigned.status_code == 401
        assert unsigned.json() == {
            "reason": "not_signed_in",
            "message": "Sign in first.",
            "details": {},
        }
        no_key = http.post("/v1/sessions", json={"email": "pilot@example.com", "password": "demo"})
        assert no_key.status_code == 422
        assert no_key.json()["reason"] == "invalid_request"
        missing = http.get("/v1/nothing-here")
        assert missing.status_code == 404
        assert missing.json()["reason"] == "invalid_request"
        token_in_query = http.get("/v1/sync", params={"access_token": "x", "token": "x"})
        assert token_in_query.status_code == 401  # tokens are read from the header only


def test_the_served_schema_is_the_checked_in_one(server: ServerProcess) -> None:
    """Regenerate with: python -m desktop.backend.web.openapi > docs/openapi.json"""
    checked_in = json.loads((Path(__file__).parents[2] / "docs" / "openapi.json").read_text())
    served = httpx.get(f"{server.url}/openapi.json", trust_env=False).json()
    assert served == checked_in, "python -m desktop.backend.web.openapi > docs/openapi.json"


def test_no_session_or_link_token_reaches_the_server_log(
    api: HttpApi, qa: RemoteSimulator, server: ServerProcess
) -> None:
    session = api.sign_in("pilot@example.com", "demo", "log-check").token
    link = api.send_invitation(session, "logged@example.com", "log-send").link
    qa.recipient_open(link)
    api.sync(session, 0)
    with pytest.raises(NotFound):
        api.revoke_invitation(session, "inv_missing", "log-revoke")
    httpx.get(f"{server.url}/join/{link.rsplit('/', 1)[1]}", trust_env=False)
    api.sign_out(session)
    log = server.log.read_text()
    assert "POST /v1/invitations 200" in log  # requests are logged, by route template
    assert session.split(" ", 1)[1] not in log
    assert link.rsplit("/", 1)[1] not in log
    assert "inv_missing" not in log


def test_log_level_warning_keeps_the_request_lines_out_of_the_server_log(
    data_dir: Path, tmp_path: Path
) -> None:
    """`--log-level` is the server's own level too, not only uvicorn's: at `warning` (the
    embedded server's, the load bench's) a request writes nothing; at `info` (the default)
    each writes its line (test_no_session_or_link_token_reaches_the_server_log)."""
    log = tmp_path / "quiet.log"
    with ServerProcess(data_dir, log=log, log_level="warning") as server:
        api = HttpApi(server.url)
        try:
            session = api.sign_in("pilot@example.com", "demo", "quiet-log").token
            assert api.send_invitation(session, "quiet@example.com", "quiet-send").recipient
            assert api.sync(session, 0).cursor > 0
        finally:
            api.close()
    text = log.read_text()
    assert "/v1/" not in text, text


def test_sim_backend_runs_the_same_commands(
    server: ServerProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    from desktop.app import main

    url = server.url
    assert main(["sim", "--backend", url, "--qa-token", QA_TOKEN, "invite", "--from",
                 "pilot@example.com", "--to", "cli@example.com"]) == 0  # fmt: skip
    assert f"link {url}/join/" in capsys.readouterr().out
    assert main(["sim", "--backend", url, "invitations", "--from", "pilot@example.com",
                 "--json"]) == 0  # fmt: skip
    document = json.loads(capsys.readouterr().out)
    assert [i["recipient"] for i in document["invitations"]] == ["cli@example.com"]
    assert main(["sim", "--backend", url, "--qa-token", "wrong", "status"]) == 1
    assert "QA token" in capsys.readouterr().err
    assert main(["sim", "--backend", url, "invite", "--from", "pilot@example.com",
                 "--to", "pilot@example.com"]) == 1  # fmt: skip
    assert "refused (self_invite)" in capsys.readouterr().err


def test_serve_offers_exactly_uvicorns_log_levels() -> None:
    """`serve --log-level` names its choices without importing uvicorn (its parser runs before
    any import); they must stay uvicorn's, each mapped to a level for the server's own log."""
    from uvicorn.config import LOG_LEVELS as UVICORN_LEVELS

    from desktop.backend.web.serve import LOG_LEVELS

    assert set(LOG_LEVELS) == set(UVICORN_LEVELS)
