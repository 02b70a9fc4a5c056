"""Hostile strings as the recipient of `sim invite` and of the backend's send: each ends in a clear
refusal or a valid invitation, never a traceback or a library's raw message.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from desktop.backend.api import ApiError
from desktop.backend.cli import main as sim_main
from desktop.backend.service import MockBackend
from desktop.backend.simulator import Simulator
from desktop.domain.emails import normalise_email
from tests.reliability.harness import ROOT

OPERATOR = "pilot@example.com"
RAW_LEAKS = ("Traceback", "sqlite3.", "sqlalchemy", "Background on this error", "Error(")

# Pieces a hostile address is made of: look-alikes, invisible and direction-changing characters,
# header injection, quoting, SQL, very long parts.
HOSTILE_PIECES = [
    "pilot",
    "PILOT",
    "\uff50\uff49\uff4c\uff4f\uff54",  # full-width "pilot"
    "\u0440ilot",  # Cyrillic er
    "pilot+x",
    "\u200b",  # zero-width space
    "\u202e",  # right-to-left override
    "\u0301",  # combining acute
    "\x00",
    "\r\nBcc: victim@example.com",
    '"quoted local"',
    "'; drop table invitation; --",
    "<script>alert(1)</script>",
    "@",
    "..",
    " ",
    "a" * 65,
    "b" * 300,
    "example.com",
    "xn--80ak6aa92e.com",
    "例え.テスト",
    "%00",
    "\\",
]
pieces = st.sampled_from(HOSTILE_PIECES) | st.text(max_size=12)
hostile_addresses = st.one_of(
    st.text(max_size=80),
    st.emails(),
    st.builds(lambda a, b, c: f"{a}@{b}{c}", pieces, pieces, pieces),
    st.lists(pieces, max_size=6).map("".join),
)


def examples(request: pytest.FixtureRequest) -> int:
    """Examples per property: 40 by default, more with --reliability-trials."""
    return 40 * int(request.config.getoption("--reliability-trials"))


@contextlib.contextmanager
def backend_folder() -> Iterator[Path]:
    """A seeded backend where the daily invitation limit does not hide the other rules."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder)
        with Simulator(path) as simulator:
            simulator.set_policy({"daily_invitation_limit": 100_000})
        yield path


def assert_valid_invitation(recipient: str) -> None:
    """What the backend stored is a real, normalised address other than the operator's."""
    assert recipient == normalise_email(recipient)
    assert recipient != OPERATOR
    assert not any(ch in recipient for ch in '\r\n\x00 <>"')  # ' is a legal local part


def assert_plain_sentence(message: str) -> None:
    """A refusal a person can read: one line, no library internals."""
    assert message.strip(), "an empty refusal"
    assert "\n" not in message.strip()
    assert not any(leak in message for leak in RAW_LEAKS), message


def test_hostile_recipients_through_the_backend_send(request: pytest.FixtureRequest) -> None:
    with backend_folder() as folder, MockBackend(folder) as backend:
        session = backend.sign_in(OPERATOR, "demo").token

        @settings(max_examples=examples(request), suppress_health_check=[HealthCheck.too_slow])
        @given(address=hostile_addresses, key=st.text(max_size=80) | st.uuids().map(str))
        @example(address="\uff50\uff49\uff4c\uff4f\uff54@example.com", key="k1")
        @example(address="a" * 65 + "@example.com", key="k2")
        @example(address="peer@example.com\r\nBcc: x@example.com", key="")
        def send(address: str, key: str) -> None:
            try:
                invitation = backend.send_invitation(session, address, key)
            except ApiError as refusal:
                assert_plain_sentence(refusal.message)
            else:
                assert_valid_invitation(invitation.recipient)

        send()


def run_sim_invite(folder: Path, address: str) -> tuple[int, str, str]:
    """`referral-desktop sim invite` in this process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = sim_main(
            ["--data-dir", str(folder), "invite", "--from", OPERATOR, f"--to={address}", "--json"]
        )
    return status, out.getvalue(), err.getvalue()


def test_hostile_recipients_through_sim_invite(request: pytest.FixtureRequest) -> None:
    with backend_folder() as folder:

        @settings(max_examples=examples(request), suppress_health_check=[HealthCheck.too_slow])
        @given(address=hostile_addresses)
        @example(address="\u0440ilot@example.com")
        @example(address="-x@example.com")
        def invite(address: str) -> None:
            status, out, err = run_sim_invite(folder, address)
            if status == 0:
                assert not err
                assert '"recipient"' in out
            else:
                assert status == 1, (status, err)
                assert not out
                assert err.startswith("refused"), err
                assert_plain_sentence(err)

        invite()
        with Simulator(folder) as simulator:
            for record in simulator.invitations(OPERATOR):
                assert_valid_invitation(record.invitation.recipient)


PROCESS_CASES = [
    "pilot@example.com",
    "not an address",
    "peer@example.com\r\nBcc: victim@example.com",
    "a" * 65 + "@example.com",
    "-rf@example.com",
    "\u202e" + "moc.elpmaxe@reep",
]


def test_hostile_recipients_through_the_sim_command(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """The same through a real `python -m desktop sim` process: exit 0 or 1, never a traceback.
    Two cases by default (a process costs seconds here), all with --reliability-trials > 1."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cases = PROCESS_CASES if int(request.config.getoption("--reliability-trials")) > 1 else []
    for address in cases or PROCESS_CASES[2::3]:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "desktop",
                "sim",
                "--data-dir",
                str(tmp_path),
                "invite",
                "--from",
                OPERATOR,
                f"--to={address}",
                f"--key={uuid.uuid4()}",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode in (0, 1), (address, result.stderr)
        assert "Traceback" not in result.stderr, (address, result.stderr)
        if result.returncode == 1:
            assert len(result.stderr.strip().splitlines()) == 1, (address, result.stderr)
