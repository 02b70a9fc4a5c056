"""A server killed (SIGKILL) mid-request and restarted: the outcome model holds, and nothing is
lost or doubled; the same key replayed after the restart returns the first result."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from desktop.backend.api import ApiError, NotSent, OutcomeUnknown, ServerError
from desktop.remote.client import HttpApi
from desktop.remote.qa import RemoteSimulator
from tests.wire.support import QA_TOKEN, ServerProcess, wait_until


def established_connections(port: int) -> int:
    """Server-side TCP connections on `port` (Linux /proc/net/tcp), ESTABLISHED."""
    count = 0
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        if not table.exists():
            continue
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "01":
                count += 1
    return count


def give_tokens(qa: RemoteSimulator, email: str, count: int) -> None:
    qa.set_policy({"monthly_cap": count})
    for n in range(count):
        peer = f"convert{n}@example.com"
        link = qa.invite(email, peer).invitation.link
        qa.recipient_join(link, peer)
        qa.recipient_init(link, peer)
        qa.recipient_prompt(link, peer, qa.policy().prompts_required)


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads /proc/net/tcp")
def test_killed_while_handling_then_restarted_the_replay_settles_it(
    own_server: ServerProcess,
) -> None:
    with RemoteSimulator(own_server.url, QA_TOKEN) as qa:
        give_tokens(qa, "pilot@example.com", 2)
        qa.set_fault(latency_ms=5_000)  # the server holds the request before handling it
    signer = HttpApi(own_server.url)
    session = signer.sign_in("pilot@example.com", "demo", "sign-in").token  # 5 s, latency
    signer.close()
    wait_until(lambda: established_connections(own_server.port) == 0, timeout=10)

    api = HttpApi(own_server.url, read_timeout=30)
    outcome: list[BaseException] = []

    def redeem() -> None:
        try:
            api.redeem(session, "redeem-once")
        except ApiError as error:
            outcome.append(error)

    caller = threading.Thread(target=redeem)
    caller.start()
    try:
        wait_until(lambda: established_connections(own_server.port) > 0, timeout=10)
        own_server.kill()
    finally:
        caller.join(30)
    assert not caller.is_alive()
    (error,) = outcome
    # The request went out (or, if the kill beat the write, provably did not): never "failed".
    assert isinstance(error, OutcomeUnknown | NotSent)
    with pytest.raises(NotSent):  # nothing listens now
        api.sync(session, 0)

    own_server.start()  # same data folder, same port
    with RemoteSimulator(own_server.url, QA_TOKEN) as qa:
        assert qa.faults().latency_ms == 5_000
        assert [t.state for t in qa.wallet("pilot@example.com").tokens] == ["available"] * 2
        qa.clear_faults()
        settled = api.redeem(session, "redeem-once")
        again = api.redeem(session, "redeem-once")
        states = sorted(t.state for t in qa.wallet("pilot@example.com").tokens)
    api.close()
    assert states == ["available", "spent"]  # exactly one token for the one intent
    assert again.token.id == settled.token.id
    assert again.replayed


def test_committed_then_the_answer_lost_then_killed_the_replay_returns_the_first_result(
    own_server: ServerProcess,
) -> None:
    api = HttpApi(own_server.url)
    session = api.sign_in("pilot@example.com", "demo", "sign-in").token
    with RemoteSimulator(own_server.url, QA_TOKEN) as qa:
        qa.set_policy({"daily_invitation_limit": 50})
        qa.set_fault(error_rate=1.0)
    lost: list[tuple[str, str]] = []
    rolled_back: list[tuple[str, str]] = []
    for n in range(40):
        key, email = f"send-{n}", f"peer{n}@example.com"
        try:
            api.send_invitation(session, email, key)
        except OutcomeUnknown:
            lost.append((key, email))
        except ServerError:
            rolled_back.append((key, email))
        if lost and rolled_back and len(lost) >= 2:
            break
    assert lost
    assert rolled_back

    own_server.kill()
    own_server.start()
    with RemoteSimulator(own_server.url, QA_TOKEN) as qa:
        committed = {r.invitation.idempotency_key: r.invitation for r in qa.invitations()}
        assert {key for key, _ in lost} <= set(committed)  # committed before the answer was lost
        assert not {key for key, _ in rolled_back} & set(committed)  # nothing of these
        qa.clear_faults()
        for key, email in lost:
            assert api.send_invitation(session, email, key).id == committed[key].id
        for key, email in rolled_back:
            api.send_invitation(session, email, key)
        pilot = qa.invitations("pilot@example.com")
    api.close()
    keys = [record.invitation.idempotency_key for record in pilot]
    assert sorted(keys) == sorted(key for key, _ in lost + rolled_back)  # each exactly once
