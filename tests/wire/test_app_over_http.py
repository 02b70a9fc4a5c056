"""The real app (`create(..., backend_url=...)`, as `referral-desktop --backend URL` builds it)
against a server subprocess: two desktop clients share one server, and the embedded server of a
data folder serves it over HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from pytestqt.qtbot import QtBot

from desktop.app import App, create
from desktop.controller.state import OperationResult
from desktop.domain.outcomes import Outcome
from desktop.embedded_server import EmbeddedServer
from desktop.remote.qa import RemoteSimulator
from desktop.server_record import STATE_FILE
from tests.conftest import MemoryKeyring
from tests.wire.support import ServerProcess

WAIT_MS = 20_000


@pytest.fixture
def launch(
    qtbot: QtBot, tmp_path: Path, memory_keyring: MemoryKeyring, server: ServerProcess
) -> Iterator[Callable[[str], App]]:
    apps: list[App] = []

    def start(name: str) -> App:
        folder = tmp_path / name
        folder.mkdir()
        app = create(folder, keyring_backend=memory_keyring, backend_url=server.url)
        qtbot.addWidget(app.window)
        app.start()
        apps.append(app)
        with qtbot.waitSignal(app.controller.operationFinished, timeout=WAIT_MS) as blocker:
            app.controller.sign_in("pilot@example.com", "demo")
        assert blocker.args is not None
        assert blocker.args[0].outcome is Outcome.DONE
        qtbot.waitUntil(lambda: app.state.sync.last_synced_at is not None, timeout=WAIT_MS)
        return app

    yield start
    for app in apps:
        app.close()


def test_two_desktop_clients_share_one_server_and_follow_it_live(
    qtbot: QtBot, launch: Callable[[str], App], qa: RemoteSimulator
) -> None:
    first = launch("first")
    second = launch("second")
    assert first.remote
    assert not (first.data_dir / "backend.sqlite").exists()  # the server holds the data
    with qtbot.waitSignal(first.controller.operationFinished, timeout=WAIT_MS) as sent:
        first.controller.send_invitation("shared@example.com")
    assert sent.args is not None
    assert sent.args[0].outcome is Outcome.DONE
    assert [r.invitation.recipient for r in qa.invitations("pilot@example.com")] == [
        "shared@example.com"
    ]
    # No sync_now: the second window learns of it by the server's long poll (the change feed).
    qtbot.waitUntil(
        lambda: [view.recipient for view in second.state.invitations] == ["shared@example.com"],
        timeout=WAIT_MS,
    )
    # And QA's change through the recipient's side shows in both, live.
    link = qa.invitations("pilot@example.com")[0].invitation.link
    qa.recipient_open(link)
    for app in (first, second):
        qtbot.waitUntil(lambda app=app: app.state.invitations[0].link_opened, timeout=WAIT_MS)


def test_the_embedded_server_serves_the_data_folder_and_stops(data_dir: Path) -> None:
    server = EmbeddedServer(data_dir)
    server.start()
    try:
        assert server.ready.wait(60)
        assert server.url is not None, server.problem
        health = httpx.get(f"{server.url}/v1/health", trust_env=False).json()
        assert (health["status"], health["instance"]) == ("ok", server.instance)
        with RemoteSimulator(server.url) as qa:  # loopback: no QA token needed
            link = qa.invite("pilot@example.com", "browser@example.com").invitation.link
        assert link.startswith(f"{server.url}/join/")
        assert server.url in (data_dir / STATE_FILE).read_text()
    finally:
        server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.url}/v1/health", trust_env=False)
    again = EmbeddedServer(data_dir)
    assert again.last_port() == int(server.url.rsplit(":", 1)[1])


def test_issue_14_over_http_offer_several_recipients_resend_and_a_named_credit(
    qtbot: QtBot, launch: Callable[[str], App], qa: RemoteSimulator
) -> None:
    """The desktop client's issue 14 calls against a server: the offer arrives with the sync,
    three addresses go in one send naming it, a pending invitation is resent after its
    cooldown, and a named complimentary credit is spent; each counted on the server."""
    qa.set_offer({"title": "Bring a colleague"})
    app = launch("offer")
    app.controller.sync_now()
    qtbot.waitUntil(
        lambda: app.state.offer is not None and app.state.offer.title == "Bring a colleague",
        timeout=WAIT_MS,
    )
    offer = app.state.offer
    assert offer is not None
    results: list[OperationResult] = []
    app.controller.operationFinished.connect(results.append)
    three = ["h1@example.org", "h2@example.org", "h3@example.org"]
    keys = app.controller.send_invitations(three, offer.id)
    qtbot.waitUntil(lambda: len({r.key for r in results if r.definite}) == 3, timeout=WAIT_MS)
    assert {r.outcome for r in results} == {Outcome.DONE}
    sent = {r.invitation.recipient: r.invitation for r in qa.invitations("pilot@example.com")}
    assert set(three) <= set(sent)
    assert {sent[a].idempotency_key for a in three} == set(keys)

    first = sent["h1@example.org"]
    assert first.resend_available_at is not None
    qa.advance_clock(first.resend_available_at - qa.now())
    before = sum(1 for e in qa.outbox() if e.recipient == "h1@example.org")
    results.clear()
    resend = app.controller.resend_invitation(first.id)
    # Its own result: a send of the batch above may still settle and report meanwhile.
    qtbot.waitUntil(lambda: any(r.key == resend and r.definite for r in results), timeout=WAIT_MS)
    assert [r.outcome for r in results if r.key == resend and r.definite] == [Outcome.DONE]
    assert sum(1 for e in qa.outbox() if e.recipient == "h1@example.org") == before + 1

    credit = qa.grant("pilot@example.com", title="Over the wire", expires_days=None)
    app.controller.sync_now()
    qtbot.waitUntil(
        lambda: any(t.credit.id == credit.id for t in app.state.tokens), timeout=WAIT_MS
    )
    results.clear()
    app.controller.redeem(credit.id)
    qtbot.waitUntil(lambda: any(r.definite for r in results), timeout=WAIT_MS)
    assert results[-1].outcome is Outcome.DONE
    spent = [t for t in qa.wallet("pilot@example.com").tokens if t.id == credit.id]
    assert [t.state for t in spent] == ["spent"]


def test_the_embedded_servers_command_line_parses_whatever_its_random_token(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A URL-safe token starts with "-" once in 64: as a separate argument argparse took it for
    # an option and the child exited with a usage error (no links, no server to stay).
    from desktop.backend.web.serve import parser
    from desktop.embedded_server import serve_command

    monkeypatch.setattr("secrets.token_urlsafe", lambda n: "-looks-like-an-option")
    command = serve_command(data_dir, 0, "instance-1", 600.0)
    options = parser().parse_args(command[command.index("serve") + 1 :])
    assert options.qa_token == "-looks-like-an-option"
    assert (options.instance, options.linger_s, options.data_dir) == ("instance-1", 600.0, data_dir)
    assert options.exit_with_stdin
