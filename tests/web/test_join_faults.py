"""The join page on a server whose own disk is full (docs/QA.md E11, the server's side): the
invited peer gets the page with the plain reason, as the API's `server_error` with its `cause`
says it, never the API's JSON error body nor the server's file path; once space is freed the
same link works. Served by the real service (`create_app`: the API's fault handlers included)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from desktop.backend.database import BackendStore
from desktop.backend.service import MockBackend
from desktop.backend.simulator import Simulator
from desktop.backend.web.app import create_app
from desktop.domain.reasons import Reason, explain
from desktop.environment import LocalFault
from tests.web.support import serving

PILOT = "pilot@example.com"


def status_of(html: str) -> str:
    found = re.search(r'role="status"[^>]*>([^<]*)</div>', html)
    assert found is not None
    return found.group(1).strip().replace("&#39;", "'")


@pytest.fixture
def world(data_dir: Path) -> Iterator[tuple[Simulator, httpx.Client]]:
    with (
        Simulator(data_dir) as sim,
        MockBackend(data_dir) as backend,
        serving(create_app(backend, sim)) as url,
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        yield sim, client


def fill_disk(store: BackendStore, monkeypatch: pytest.MonkeyPatch, reason: Reason) -> None:
    """Every unit of work of `store` fails as the store reports its file's fault."""

    def failing(*args: object, **kwargs: object) -> None:
        raise LocalFault(reason, {"path": str(store.path)})

    monkeypatch.setattr(store, "transaction", failing)
    monkeypatch.setattr(store, "read", failing)


@pytest.mark.parametrize(
    ("reason", "sentence"),
    [
        (Reason.DISK_FULL, "its disk is full"),
        (Reason.READ_ONLY, "failed to handle the request"),  # any other cause: the general one
    ],
)
def test_the_page_on_a_server_with_a_full_disk_tells_the_peer_plainly(
    world: tuple[Simulator, httpx.Client],
    monkeypatch: pytest.MonkeyPatch,
    reason: Reason,
    sentence: str,
) -> None:
    sim, client = world
    token = sim.invite(PILOT, "peer@example.com").invitation.link.rsplit("/", 1)[1]
    store = sim.store
    fill_disk(store, monkeypatch, reason)

    page = client.get(f"/join/{token}")

    assert page.status_code == 500
    assert page.headers["content-type"].startswith("text/html")
    assert status_of(page.text) == explain(Reason.SERVER_ERROR, {"cause": reason.value})
    assert sentence in status_of(page.text)
    assert str(store.path) not in page.text
    assert '"reason"' not in page.text  # not the API's JSON body
    # A form posted meanwhile (the sign-in of an earlier visit) is told the same way.
    posted = client.post(f"/join/{token}/sign-in", data={"email": "peer@example.com"})
    assert (posted.status_code, status_of(posted.text)) == (500, status_of(page.text))

    monkeypatch.undo()  # space freed: the same link works
    again = client.get(f"/join/{token}")
    assert again.status_code == 200
    assert "<form" in again.text
