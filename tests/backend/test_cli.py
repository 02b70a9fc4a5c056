"""`referral-desktop sim` through main(argv): flows, every end state, JSON keys, refusals."""

from __future__ import annotations

import errno
import json
import sqlite3
import subprocess
import sys
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from desktop.backend import store
from desktop.backend.cli import main
from desktop.environment import EXIT_LOCAL_FAULT

AT = "2025-03-10T12:00:00Z"
PILOT = "pilot@example.com"

INVITATION_KEYS = {
    "id",
    "from",
    "recipient",
    "link",
    "state",
    "label",
    "reason",
    "created_at",
    "updated_at",
    "checklist",
    "history",
    "idempotency_key",
    "rewardless",
    "last_sent_at",
    "resend_available_at",
    "emails_sent",
}
CHECKLIST_KEYS = {"link_opened", "account", "workspace_ready", "prompts", "prompts_required"}
TOKEN_KEYS = {
    "id",
    "state",
    "granted",
    "expires",
    "spent",
    "invitation",
    "source",
    "title",
    "windows",
}
WALLET_KEYS = {"email", "available", "earned_this_cycle", "cap", "cycle", "tokens"}
WINDOW_KEYS = {"used", "limit", "percent_used", "remaining", "started_at", "resets_at"}
USAGE_KEYS = {"now", "five_hour", "weekly"}
COHORT_KEYS = {"email", "eligible", "rule", "bucket", "rollout_basis_points", "reason"}
ACCOUNT_KEYS = {
    "id",
    "email",
    "display_name",
    "plan",
    "billing_day",
    "role",
    "last_active",
    "dormant",
    "pilot_list",
    "cohort",
    "usage",
    "wallet",
}
POLICY_KEYS = {
    "dormancy_days",
    "prompts_required",
    "monthly_cap",
    "token_expiry_days",
    "daily_invitation_limit",
    "invitation_expiry_days",
    "rollout_basis_points",
    "five_hour_limit",
    "weekly_limit",
    "join_attempts_per_link",
    "join_attempts_per_client",
    "join_attempts_window_minutes",
    "sign_in_failures_per_account",
    "sign_in_failures_per_client",
    "sign_in_window_minutes",
    "offer_expiry_seconds",
    "max_recipients_per_send",
    "resend_cooldown_minutes",
    "credit_resets_weekly",
}


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class Sim:
    """Runs `sim --data-dir DIR ...` in-process and captures what it prints."""

    def __init__(self, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.data_dir = data_dir
        self.capsys = capsys

    def __call__(self, *args: str) -> Result:
        code = main(["--data-dir", str(self.data_dir), *args])
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def ok(self, *args: str) -> Any:
        """Run with --json; it must succeed quietly on stderr."""
        result = self(*args, "--json")
        assert result.code == 0, result.err
        assert result.err == ""
        return result.json()

    def refused(self, *args: str) -> str:
        """Run; it must fail with exactly one line on stderr and nothing on stdout."""
        result = self(*args)
        assert result.code != 0
        assert result.out == ""
        lines = result.err.splitlines()
        assert len(lines) == 1, result.err
        return lines[0]


@pytest.fixture
def sim(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> Sim:
    runner = Sim(data_dir, capsys)
    assert runner("reset-demo", "--at", AT).code == 0
    runner.capsys.readouterr()
    return runner


def take_through(sim: Sim, link: str, email: str) -> dict[str, Any]:
    sim.ok("recipient", link, "--email", email, "join")
    sim.ok("recipient", link, "--email", email, "init")
    result: dict[str, Any] = sim.ok("recipient", link, "--email", email, "prompt", "-n", "3")
    return result


def test_a_demo_operator_goes_from_invitation_to_a_spent_reset(sim: Sim) -> None:
    sent = sim.ok("invite", "--from", PILOT, "--to", "dormant@example.com")
    assert sent["state"] == "sent"
    assert sim.ok("outbox")["messages"][-1]["to"] == "dormant@example.com"

    link = sent["link"]
    assert sim.ok("recipient", link, "open")["state"] == "opened"
    assert sim.ok("recipient", link, "--email", "dormant@example.com", "join")["state"] == (
        "reactivated"
    )
    assert sim.ok("recipient", link, "--email", "dormant@example.com", "init")["state"] == (
        "workspace_ready"
    )
    prompting = sim.ok("recipient", link, "--email", "dormant@example.com", "prompt", "-n", "2")
    assert prompting["state"] == "prompting"
    assert prompting["checklist"] == {
        "link_opened": True,
        "account": "reactivated",
        "workspace_ready": True,
        "prompts": 2,
        "prompts_required": 3,
    }
    converted = sim.ok("recipient", link, "--email", "dormant@example.com", "prompt")
    assert converted["state"] == "converted_rewarded"

    wallet = sim.ok("wallet", PILOT)
    assert (wallet["available"], wallet["earned_this_cycle"], wallet["cap"]) == (1, 1, 3)
    assert wallet["tokens"][0]["invitation"] == sent["id"]
    assert wallet["tokens"][0]["state"] == "available"

    spent = sim.ok("redeem", PILOT)
    assert spent["token"]["state"] == "spent"
    assert spent["usage"]["weekly"]["used"] == 0
    assert spent["usage"]["weekly"]["started_at"] is None
    assert sim.ok("wallet", PILOT)["available"] == 0

    text = sim("status")
    assert text.code == 0
    assert "pilot@example.com" in text.out


def test_every_end_state_of_an_invitation(sim: Sim) -> None:
    rewarded = sim.ok("invite", "--from", PILOT, "--to", "dormant@example.com")
    assert take_through(sim, rewarded["link"], "dormant@example.com")["state"] == (
        "converted_rewarded"
    )

    capped = sim.ok("invite", "--from", "capped@example.com", "--to", "new@example.com")
    assert take_through(sim, capped["link"], "new@example.com")["state"] == "converted_capped"

    not_eligible = sim.ok("invite", "--from", PILOT, "--to", "recent@example.com")
    joined = sim.ok("recipient", not_eligible["link"], "--email", "recent@example.com", "join")
    assert joined["state"] == "not_eligible"

    revoked = sim.ok("invite", "--from", PILOT, "--to", "friend@example.com")
    assert sim.ok("revoke", "--from", PILOT, revoked["id"])["state"] == "revoked"

    sim.ok("policy", "invitation_expiry_days=1")
    expiring = sim.ok("invite", "--from", PILOT, "--to", "late@example.com")
    sim.ok("clock", "advance", "1d")

    states = {row["id"]: row["state"] for row in sim.ok("invitations")["invitations"]}
    assert states[rewarded["id"]] == "converted_rewarded"
    assert states[capped["id"]] == "converted_capped"
    assert states[not_eligible["id"]] == "not_eligible"
    assert states[revoked["id"]] == "revoked"
    assert states[expiring["id"]] == "expired"
    for row in sim.ok("invitations", "--from", PILOT)["invitations"]:
        assert row["from"] == PILOT
        assert row["reason"]


def test_the_62_day_edge_through_the_command_line(sim: Sim) -> None:
    first = sim.ok("invite", "--from", PILOT, "--to", "edge62@example.com")
    sim.ok("clock", "advance", "1s")
    # edge62 was exactly 62 days idle at seeding; one second later it is dormant.
    assert (
        sim.ok("recipient", first["link"], "--email", "edge62@example.com", "join")["checklist"][
            "account"
        ]
        == "reactivated"
    )


def test_json_documents_keep_their_keys(sim: Sim) -> None:
    invitation = sim.ok("invite", "--from", PILOT, "--to", "friend@example.com")
    assert set(invitation) == INVITATION_KEYS
    assert set(invitation["checklist"]) == CHECKLIST_KEYS
    assert set(invitation["history"][0]) == {"state", "at"}
    assert invitation["created_at"] == AT

    assert set(sim.ok("invitations")) == {"invitations"}
    wallet = sim.ok("wallet", "capped@example.com")
    assert set(wallet) == WALLET_KEYS
    assert set(wallet["cycle"]) == {"start", "end"}
    assert all(set(token) == TOKEN_KEYS for token in wallet["tokens"])

    status = sim.ok("status")
    assert set(status) == {"clock", "policy", "faults", "accounts"}
    assert status["clock"] == {"now": AT, "running": False}
    assert set(status["policy"]) == POLICY_KEYS
    assert set(status["faults"]) == {"offline", "latency_ms", "error_rate"}
    for account in status["accounts"]:
        assert set(account) == ACCOUNT_KEYS
        assert set(account["cohort"]) == COHORT_KEYS
        assert set(account["usage"]) == USAGE_KEYS
        assert set(account["usage"]["weekly"]) == WINDOW_KEYS
        assert set(account["wallet"]) == {"available", "earned_this_cycle", "cap"}

    message = sim.ok("outbox")["messages"][-1]
    assert set(message) == {"id", "invitation", "to", "subject", "body", "sent_at"}
    assert set(sim.ok("cohort", PILOT)) == COHORT_KEYS
    assert set(sim.ok("usage", PILOT, "--weekly", "50", "--five-hour", "10")) == USAGE_KEYS
    assert set(sim.ok("clock")) == {"now", "running"}
    assert set(sim.ok("fault")) == {"offline", "latency_ms", "error_rate"}
    assert set(sim.ok("policy")) == POLICY_KEYS
    redeemed = sim.ok("redeem", "capped@example.com")
    assert set(redeemed) == {"email", "replayed", "code", "token", "usage"}
    assert set(sim.ok("reset-demo", "--at", AT)) == {"now", "running"}


def test_cohort_usage_clock_policy_and_faults(sim: Sim) -> None:
    shown = sim.ok("cohort", "free@example.com")
    assert (shown["eligible"], shown["rule"]) == (False, "rollout")
    assert sim.ok("cohort", "free@example.com", "allow")["rule"] == "allow_list"
    assert sim.ok("cohort", "pilot@example.com", "deny")["eligible"] is False
    assert sim.ok("cohort", "pilot@example.com", "clear")["rule"] == "rollout"

    usage = sim.ok("usage", "pro@example.com", "--weekly", "82", "--five-hour", "40")
    assert (usage["weekly"]["percent_used"], usage["five_hour"]["percent_used"]) == (82, 40)
    assert usage["weekly"]["started_at"] == AT

    assert sim.ok("clock", "advance", "1d", "5h")["now"] == "2025-03-11T17:00:00Z"
    assert sim.ok("clock", "run")["running"] is True
    assert sim.ok("clock", "freeze")["running"] is False

    policy = sim.ok("policy", "prompts_required=1", "token_expiry_days=none")
    assert (policy["prompts_required"], policy["token_expiry_days"]) == (1, None)

    assert sim.ok("fault", "offline")["offline"] is True
    assert sim.ok("fault", "online")["offline"] is False
    assert sim.ok("fault", "error-rate", "0.25")["error_rate"] == 0.25
    assert sim.ok("fault", "latency", "300")["latency_ms"] == 300
    assert sim.ok("fault", "clear") == {"offline": False, "latency_ms": 0, "error_rate": 0.0}

    assert sim.ok("billing-day", PILOT, "31")["cycle"]["start"] == "2025-02-28T00:00:00Z"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("invite", "--from", PILOT, "--to", PILOT), "self_invite"),
        (("invite", "--from", PILOT, "--to", "not an email"), "invalid_email"),
        (("invite", "--from", "pro@example.com", "--to", "x@example.com"), "referral pilot"),
        (("invite", "--from", "nobody@example.com", "--to", "x@example.com"), "no account"),
        (("redeem", PILOT), "no usage resets"),
        (("recipient", "https://referrals.example/join/nope", "open"), "does not exist"),
        (("clock", "advance", "soon"), "not a duration"),
        (("policy", "monthly_cap=-1"), "monthly_cap"),
        (("policy", "unknown=1"), "unknown policy value"),
        (("fault", "error-rate", "2"), "between 0 and 1"),
        (("recipient", "https://referrals.example/join/nope", "join"), "--email"),
        (("revoke", "--from", PILOT, "inv_nope"), "no such invitation"),
    ],
)
def test_a_refused_action_exits_non_zero_with_one_line(
    sim: Sim, args: tuple[str, ...], expected: str
) -> None:
    assert expected in sim.refused(*args)


def test_duplicate_and_daily_limit_and_wrong_address_are_refused(sim: Sim) -> None:
    sent = sim.ok("invite", "--from", PILOT, "--to", "friend@example.com")
    assert "duplicate_pending" in sim.refused(
        "invite", "--from", PILOT, "--to", "friend@example.com"
    )
    assert "another address" in sim.refused(
        "recipient", sent["link"], "--email", "other@example.com", "join"
    )
    sim.ok("policy", "daily_invitation_limit=2")
    sim.ok("invite", "--from", PILOT, "--to", "second@example.com")
    assert "daily_limit" in sim.refused("invite", "--from", PILOT, "--to", "third@example.com")


def test_the_same_redeem_key_is_replayed(sim: Sim) -> None:
    first = sim.ok("redeem", "capped@example.com", "--key", "k1")
    again = sim.ok("redeem", "capped@example.com", "--key", "k1")
    assert (first["replayed"], again["replayed"]) == (False, True)
    assert first["token"] == again["token"]
    assert sim.ok("wallet", "capped@example.com")["available"] == 1


def test_text_output_is_readable(sim: Sim) -> None:
    invited = sim("invite", "--from", PILOT, "--to", "friend@example.com")
    assert invited.code == 0
    assert "friend@example.com: sent" in invited.out
    assert "https://referrals.example/join/" in invited.out
    wallet = sim("wallet", "capped@example.com")
    assert "2 available; earned 3 of 3 this cycle" in wallet.out


def test_a_leading_sim_word_is_accepted(
    sim: Sim, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sim", "--data-dir", str(data_dir), "clock", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["now"] == AT


def test_python_dash_m_runs_the_command(sim: Sim, data_dir: Path) -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "desktop.backend.cli",
            "--data-dir",
            str(data_dir),
            "clock",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == {"now": AT, "running": False}


# -- faults of this computer: one line on stderr, exit 3, and a way out -------------------------


def _local_fault(sim: Sim, *args: str) -> str:
    result = sim(*args)
    assert result.code == EXIT_LOCAL_FAULT
    assert result.out == ""
    [line] = result.err.splitlines()
    assert "Traceback" not in line
    assert "sqlite3" not in line
    assert "Error" not in line  # no exception names
    return line


def test_a_damaged_backend_is_one_line_and_reset_demo_is_the_way_out(sim: Sim) -> None:
    path = sim.data_dir / "backend.sqlite"
    garbage = b"garbage, not a database\n" * 100
    path.write_bytes(garbage)
    for side in ("backend.sqlite-wal", "backend.sqlite-shm"):
        (sim.data_dir / side).unlink(missing_ok=True)
    line = _local_fault(sim, "status")
    assert line.startswith("error (backend_damaged): ")
    assert "sim reset-demo" in line
    assert path.read_bytes() == garbage  # untouched

    result = sim("reset-demo", "--at", AT)
    assert result.code == 0
    [moved] = sim.data_dir.glob("backend.sqlite.set-aside-*")
    assert moved.read_bytes() == garbage
    assert str(moved) in result.err
    assert len(sim.ok("status")["accounts"]) > 0


def test_a_newer_backend_is_refused_and_left_alone(sim: Sim) -> None:
    path = sim.data_dir / "backend.sqlite"
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("UPDATE backend_state SET schema_version = schema_version + 1")
        connection.commit()
    line = _local_fault(sim, "status")
    assert line.startswith("error (backend_newer): ")
    assert _local_fault(sim, "invite", "--from", PILOT, "--to", "x@example.com")


def test_an_older_backend_is_kept_and_the_user_told(sim: Sim) -> None:
    path = sim.data_dir / "backend.sqlite"
    with closing(sqlite3.connect(path)) as connection:
        # A file from before Alembic, at a version with no in-place step.
        connection.execute("DROP TABLE alembic_version")
        connection.execute("UPDATE backend_state SET schema_version = 0")
        connection.commit()
    result = sim("status")
    assert result.code == 0
    [kept] = sim.data_dir.glob("backend.sqlite.backup-v0-*")
    assert f"It was kept as {kept}" in result.err


def test_a_data_dir_that_is_a_file_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("")
    for target in (a_file, a_file / "below"):
        line = _local_fault(Sim(target, capsys), "status")
        assert line.startswith("error (not_a_folder): ")


def test_a_full_disk_is_one_line(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Root fills no disk here: the OSError the kernel would give is raised where the file is
    # created.
    def full(path: Path, sides: object = ()) -> Path:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(store, "private_file", full)
    line = _local_fault(Sim(data_dir, capsys), "status")
    assert line.startswith("error (disk_full): ")
    assert "No space left" not in line


def test_offer_grant_resend_and_a_named_redeem_from_the_command_line(sim: Sim) -> None:
    settings = sim.ok("offer", "set", "--title", "Share it", "--rule", "One.", "--rule", "Two.")
    assert (settings["title"], settings["rules"]) == ("Share it", ["One.", "Two."])
    offer = sim.ok("offer", "--email", PILOT)
    assert (offer["offered"], offer["title"], offer["rules"]) == (
        True,
        "Share it",
        ["One.", "Two."],
    )
    assert offer["send_capacity"] == 10
    assert sim.ok("offer", "--email", "pro@example.com")["unavailable_reason"] == "not_in_cohort"
    assert sim.ok("offer", "set", "--default-copy", "--state", "paused")["paused"] is True
    assert "offer_paused" in sim.refused("invite", "--from", PILOT, "--to", "a@example.com")
    sim.ok("offer", "set", "--state", "live")

    sent = sim.ok("invite", "--from", PILOT, "--to", "friend@example.com")
    assert "resend_too_soon" in sim.refused("resend", "--from", PILOT, sent["id"])
    sim.ok("clock", "advance", "15m")
    resent = sim.ok("resend", "--from", PILOT, sent["id"], "--key", "r1")
    assert resent["emails_sent"] == 2

    credit = sim.ok(
        "grant", "--to", PILOT, "--title", "Gift", "--no-expiry", "--windows", "five_hour"
    )
    assert (credit["source"], credit["title"], credit["expires"], credit["windows"]) == (
        "complimentary",
        "Gift",
        None,
        "five_hour",
    )
    spent = sim.ok("redeem", PILOT, "--key", "k", "--credit", credit["id"], "--keep-if-unused")
    assert spent["code"] == "reset"  # pilot's 5-hour window is 40% used at seeding
    assert spent["usage"]["weekly"]["percent_used"] == 82
    assert sim.ok("redeem", PILOT, "--key", "k")["code"] == "already_redeemed"
    assert "no usage resets" in sim.refused("redeem", PILOT)
