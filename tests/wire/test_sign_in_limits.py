"""The JSON API's sign-in limits (issue 12 item 8), at their edges, over real HTTP on loopback:
failed attempts per account and per client address in a sliding window of real time (moved by
hand here: no sleeps), the refusal's sentence saying when to try again, and a replay of the same
request that never counts as a new attempt."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from desktop.backend.api import AuthenticationError
from desktop.backend.service import MockBackend
from desktop.backend.simulator import Simulator
from desktop.backend.web.app import create_app
from desktop.domain.outcomes import Outcome
from desktop.domain.reasons import Reason, explain
from desktop.remote.client import HttpApi
from tests.web.support import serving

PILOT = "pilot@example.com"
WINDOW_S = 10 * 60


class Monotonic:
    """Real time as the limiter reads it, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def monotonic() -> Monotonic:
    return Monotonic()


@pytest.fixture
def world(data_dir: Path, monotonic: Monotonic) -> Iterator[tuple[HttpApi, Simulator, str]]:
    with MockBackend(data_dir) as backend, Simulator(data_dir) as sim:
        sim.reset_demo()
        sim.set_policy(
            {
                "sign_in_failures_per_account": 3,
                "sign_in_failures_per_client": 5,
                "sign_in_window_minutes": 10,
            }
        )
        app = create_app(backend, sim, monotonic=monotonic)
        with serving(app) as url:
            api = HttpApi(url, read_timeout=10.0)
            try:
                yield api, sim, url
            finally:
                api.close()


def fails(api: HttpApi, email: str, password: str, key: str) -> Reason:
    with pytest.raises(AuthenticationError) as refused:
        api.sign_in(email, password, key)
    assert refused.value.outcome is Outcome.REFUSED
    return refused.value.reason


def test_the_last_allowed_attempt_the_first_refused_and_allowed_again_after_the_window(
    world: tuple[HttpApi, Simulator, str], monotonic: Monotonic
) -> None:
    api, _, url = world
    for n in range(3):  # the third is the last allowed
        assert fails(api, PILOT, f"guess-{n}", f"k{n}") is Reason.SIGN_IN_FAILED
        monotonic.now += 60
    # The first refused: even the right password, and the sentence says when to try again.
    with pytest.raises(AuthenticationError) as limited:
        api.sign_in(PILOT, "demo", "right-1")
    assert limited.value.reason is Reason.TOO_MANY_SIGN_INS
    assert limited.value.details == {"minutes": 7}  # the oldest failure leaves in 420 s
    assert limited.value.message == (
        "Too many failed sign-ins for this account or from this network. Try again in 7 minutes."
    )
    with httpx.Client(base_url=url, trust_env=False) as http:
        answer = http.post(
            "/v1/sessions",
            json={"email": PILOT, "password": "demo"},
            headers={"Idempotency-Key": "raw"},
        )
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == str(WINDOW_S - 180)
    assert answer.json()["message"] == explain(Reason.TOO_MANY_SIGN_INS, {"minutes": 7})
    monotonic.now += WINDOW_S - 180 - 1  # one second before the oldest failure leaves
    assert fails(api, PILOT, "demo", "right-2") is Reason.TOO_MANY_SIGN_INS
    monotonic.now += 1  # the window has passed for it: one attempt is allowed again
    assert api.sign_in(PILOT, "demo", "right-3").account.email == PILOT
    assert fails(api, PILOT, "guess-again", "k4") is Reason.SIGN_IN_FAILED  # its slot
    assert fails(api, PILOT, "demo", "right-4") is Reason.TOO_MANY_SIGN_INS


def test_successful_sign_ins_never_count(world: tuple[HttpApi, Simulator, str]) -> None:
    api, _, _ = world
    for n in range(10):  # twice the client's limit: a QA lab signs many clients in
        assert api.sign_in(PILOT, "demo", f"ok-{n}").account.email == PILOT
    for n in range(3):
        assert fails(api, PILOT, f"guess-{n}", f"k{n}") is Reason.SIGN_IN_FAILED
    assert fails(api, PILOT, "demo", "ok-late") is Reason.TOO_MANY_SIGN_INS


def test_the_client_address_limit_spans_accounts(
    world: tuple[HttpApi, Simulator, str],
) -> None:
    api, _, _ = world
    accounts = ["a@example.com", "b@example.com", "c@example.com", "d@example.com"]
    for n in range(5):  # per account at most 2 each: only the address's limit is reached
        assert fails(api, accounts[n % 4], "guess", f"k{n}") is Reason.SIGN_IN_FAILED
    assert fails(api, "pro@example.com", "demo", "other-account") is Reason.TOO_MANY_SIGN_INS


def test_a_replay_of_the_same_request_is_never_a_new_attempt(
    world: tuple[HttpApi, Simulator, str],
) -> None:
    api, _, _ = world
    session = api.sign_in(PILOT, "demo", "settled-later")
    for _ in range(5):  # a client retrying one failed request after lost answers
        assert fails(api, PILOT, "typo", "same-key") is Reason.SIGN_IN_FAILED
    assert fails(api, PILOT, "guess-1", "k1") is Reason.SIGN_IN_FAILED
    assert fails(api, PILOT, "guess-2", "k2") is Reason.SIGN_IN_FAILED  # 3 failures: full
    assert fails(api, PILOT, "typo", "same-key") is Reason.SIGN_IN_FAILED  # still a replay
    # The retry of a sign-in that succeeded gets its session although the limit now holds.
    assert api.sign_in(PILOT, "demo", "settled-later").token == session.token
    # The same key with another password is another attempt: refused.
    assert fails(api, PILOT, "demo", "same-key") is Reason.TOO_MANY_SIGN_INS


def test_qa_reset_demo_forgets_the_counted_attempts(
    world: tuple[HttpApi, Simulator, str],
) -> None:
    api, sim, url = world
    for n in range(3):
        assert fails(api, PILOT, f"guess-{n}", f"k{n}") is Reason.SIGN_IN_FAILED
    assert fails(api, PILOT, "demo", "locked") is Reason.TOO_MANY_SIGN_INS
    with httpx.Client(base_url=url, trust_env=False) as http:
        assert http.post("/v1/qa/reset-demo", json={}).status_code == 200
    sim.set_policy({"sign_in_failures_per_account": 3})  # the reset restored the default 5
    assert api.sign_in(PILOT, "demo", "after-reset").account.email == PILOT
