"""`referral-desktop sim [--data-dir DIR | --backend URL] COMMAND`: the simulator on the command
line.

Works on a data folder, also while the app runs on it, or (`--backend URL`, through the
`referral-desktop` command) on a running server's QA endpoints. A refused action exits with
status 1 and one line on stderr; a fault of this computer (data folder, disk, a damaged or newer
backend file) with status 3 and one line; `--json` prints one JSON document (docs/SIM.md lists
the keys).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Literal

from desktop.backend import documents
from desktop.backend.api import ApiError, InvitationRefused, OfferRefused
from desktop.backend.datafile import BackendFile, backend_db_path, inspect_backend, set_aside
from desktop.backend.documents import Document, iso
from desktop.backend.qa_api import QaApi
from desktop.backend.simulator import InvitationRecord, Simulator
from desktop.domain.clock import as_utc, parse_duration, utc_now
from desktop.domain.credits import RedemptionCode
from desktop.domain.policy import PolicyError
from desktop.domain.reasons import Reason, explain
from desktop.environment import EXIT_LOCAL_FAULT, LocalFault, local_fault
from desktop.paths import default_data_dir

EXIT_REFUSED = 1

Command = Callable[[QaApi, argparse.Namespace], tuple[Document, str]]
"""Runs one command; returns its JSON document and its text for people."""

RemoteOpener = Callable[[str, str | None], QaApi]
"""Opens a server's QA endpoints: (base URL, QA token) -> the simulator's calls over HTTP."""

QA_TOKEN_ENV = "REFERRAL_QA_TOKEN"


def main(argv: Sequence[str] | None = None, open_remote: RemoteOpener | None = None) -> int:
    """Run one simulator command. `argv` is what follows `referral-desktop sim`;
    `open_remote` serves `--backend URL` (the client's RemoteSimulator, given by desktop.app)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["sim"]:  # tolerate being handed the whole `sim ...` command line
        args = args[1:]
    options = _parser().parse_args(args)
    command: Command = options.command
    simulator: QaApi
    data_dir: Path = options.data_dir or default_data_dir()
    try:
        if options.backend is not None:
            if open_remote is None:
                return _refused("refused: sim --backend runs through the referral-desktop command")
            try:
                simulator = open_remote(options.backend, options.qa_token)
            except ValueError as error:
                return _refused(f"refused: {error}")
        else:
            if command is _reset_demo:
                _set_aside_unusable(data_dir)
            local = Simulator(data_dir)
            if local.store.kept_copy is not None:
                _note(explain(Reason.BACKEND_UPGRADED, {"backup": str(local.store.kept_copy)}))
            simulator = local
        with simulator:
            document, text = command(simulator, options)
    except (LocalFault, OSError, sqlite3.Error) as error:
        fault = local_fault(error, data_dir)
        _note(f"error ({fault.reason}): {fault.message}")
        return EXIT_LOCAL_FAULT
    except (InvitationRefused, OfferRefused) as error:
        return _refused(f"refused ({error.reason}): {error.message}")
    except ApiError as error:
        return _refused(f"refused: {error.message}")
    except (PolicyError, ValueError) as error:
        return _refused(f"refused: {error}")
    try:
        print(json.dumps(document, indent=2, sort_keys=False) if options.json else text)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader (`| head`) left early; the command itself succeeded. Point stdout at
        # devnull so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _refused(line: str) -> int:
    _note(line)
    return EXIT_REFUSED


def _note(line: str) -> None:
    print(" ".join(line.split()), file=sys.stderr)


def _set_aside_unusable(data_dir: Path) -> None:
    """`reset-demo` is the command line's way out of a damaged or newer backend file: it is
    moved aside (kept, and named on stderr) before the fresh seed."""
    path = backend_db_path(data_dir)
    if inspect_backend(path) in (BackendFile.DAMAGED, BackendFile.NEWER):
        moved = set_aside(path, utc_now())
        _note(explain(Reason.BACKEND_SET_ASIDE, {"backup": str(moved)}))


# -- commands -----------------------------------------------------------------------------------


def _reset_demo(sim: QaApi, options: argparse.Namespace) -> tuple[Document, str]:
    view = sim.reset_demo(at=options.at)
    return documents.clock_doc(view), f"Demo data reset. Backend clock: {iso(view.now)} (frozen)."


def _status(sim: QaApi, options: argparse.Namespace) -> tuple[Document, str]:
    status = sim.status()
    lines = [
        f"Backend clock: {iso(status.clock.now)} ({_clock_mode(status.clock.running)})",
        "Policy: " + ", ".join(f"{k}={v}" for k, v in status.policy.to_mapping().items()),
        "Faults: " + _faults_text(documents.faults_doc(status.faults)),
        "Accounts:",
    ]
    for account in status.accounts:
        role = "operator" if account.operator else "recipient"
        usage = account.usage
        wallet = account.wallet
        lines.append(
            f"  {account.email} [{account.id}] {role}, {account.plan}, billing day "
            f"{account.billing_day}, last active {iso(account.last_active)}"
            + (" (dormant)" if account.dormant else "")
        )
        lines.append(f"    cohort: {account.cohort.reason}")
        lines.append(
            f"    usage: weekly {usage.weekly.percent_used}%, 5-hour "
            f"{usage.five_hour.percent_used}%; wallet: {wallet.available} available, "
            f"{wallet.earned_this_cycle}/{wallet.cap} earned this cycle"
        )
    return documents.status_doc(status), "\n".join(lines)


def _invite(sim: QaApi, options: argparse.Namespace) -> tuple[Document, str]:
    record = sim.invite(options.sender, options.recipient, options.key)
    return documents.invitation_doc(record), _invitation_text(record)


def _revoke(sim: QaApi, options: argparse.Namespace) -> tuple[Document, str]:
    record = sim.revoke(options.sender, options.invitation)
    return documents.invitation_doc(record), _invitation_text(record)


def _invitations(sim: QaApi, options: argparse.Namespace) -> tuple[Document, str]:
    records = sim.invitations(options.sender)
    text = "\n".join(_invitation_text(record) for record in records) or "No invitations."
    return documents.invitations_doc(records), text


def _recipient(sim: QaApi, options: argparse.Namespace) -> tuple[Document, str]:
    action: str = options.action
    if action == "open":
        record = sim.recipient_open(options.link)
    else:
        if options.email is None:
            raise ValueError(f"recipient {action} needs --email")
        if action == "join":
            record = sim.recipient_join(options.link, options.email)
        elif action == "init":
            record = sim.recipient_init(options.link, options.email)
        else:
            record = sim.recipient_prompt(options.link, options.email, options.n)
    return documents.invitation_doc(record), _invitation_text(record)


def _cohort(sim: QaApi, options: argparse.Namespace) -> tuple[Document, str]:
    if options.action is None:
        decision = sim.cohort_decision(options.email)
    else:
        decision = sim.cohort(options.email, options.action)
    state = "in the cohort" if decision.eligible else "not in the cohort"
    return (
        documents.cohort_doc(options.email, decision),
        f"{options.email}: {state}. {decision.reason}",
    )


def _usage(sim: QaApi, options: argparse.Namespace) -> tuple[Document, str]:
    usage = sim.set_usage(options.email, options.weekly, options.five_hour)
    text = (
        f"{options.email}: weekly {usage.weekly.percent_used}% used, "
        f"5-hour {usage.five_hour.percent_used}% used"
    )
    return documents.usage_doc(usage), text


def _billing_day(sim: QaApi, options: argparse.Namespace) -> tuple[Document, str]:
    wallet = sim.set_billing_day(options.email, options.day)
    text = (
        f"{options.email}: billing day {options.day}; current cycle "
        f"{iso(wallet.cycle_start)} to {iso(wallet.cycle_end)}, earned "
        f"{wallet.earned_this_cycle} of {wallet.cap}"
    )
    return documents.wallet_doc(wallet), text


def _clock(sim: QaApi, options: argparse.Namespace) -> tuple[Document, str]:
    action: str = options.action or "show"
    if action == "advance":
        if not options.duration:
            raise ValueError("clock advance needs a duration such as 62d, 5h or 90m")
        view = sim.advance_clock(parse_duration(" ".join(options.duration)))
    elif action == "run":
        view = sim.clock_run()
    elif action == "freeze":
        view = sim.clock_freeze()
    else:
        view = sim.clock()
    return documents.clock_doc(
        view
    ), f"Backend clock: {iso(view.now)} ({_clock_mode(view.running)})"


def _policy(sim: QaApi, options: argparse.Namespace) -> tuple[Document, str]:
    changes: dict[str, object] = {}
    for item in options.values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"expected KEY=VALUE, got {item!r}")
        changes[key.strip()] = value.strip()
    policy = sim.set_policy(changes) if changes else sim.policy()
    text = "\n".join(f"{key} = {value}" for key, value in policy.to_mapping().items())
    return documents.policy_doc(policy), text


def _fault(sim: QaApi, options: argparse.Namespace) -> tuple[Document, str]:
    action: str = options.action or "show"
    value: str | None = options.value
    if action in ("error-rate", "latency") and value is None:
        raise ValueError(f"fault {action} needs a value")
    if action == "offline":
        faults = sim.set_fault(offline=True)
    elif action == "online":
        faults = sim.set_fault(offline=False)
    elif action == "error-rate":
        faults = sim.set_fault(error_rate=float(str(value)))
    elif action == "latency":
        faults = sim.set_fault(latency_ms=int(str(value)))
    elif action == "clear":
        faults = sim.clear_faults()
    else:
        faults = sim.faults()
    document = documents.faults_doc(faults)
    return document, "Faults: " + _faults_text(document)


def _outbox(sim: QaApi, options: argparse.Namespace) -> tuple[Document, str]:
    entries = sim.outbox()
    text = "\n\n".join(
        f"#{entry.id} {iso(entry.sent_at)} to {entry.recipient} ({entry.invitation_id})\n"
        f"Subject: {entry.subject}\n{entry.body}"
        for entry in entries
    )
    return documents.outbox_doc(entries), text or "The outbox is empty."


def _wallet(sim: QaApi, options: argparse.Namespace) -> tuple[Document, str]:
    wallet = sim.wallet(options.email)
    lines = [
        f"{wallet.email}: {wallet.available} available; earned {wallet.earned_this_cycle} of "
        f"{wallet.cap} this cycle ({iso(wallet.cycle_start)} to {iso(wallet.cycle_end)})"
    ]
    for token in wallet.tokens:
        expires = iso(token.expires_at) or "never"
        spent = f", spent {iso(token.spent_at)}" if token.spent_at else ""
        lines.append(
            f"  {token.id} {token.state}: granted {iso(token.granted_at)}, expires {expires}"
            f"{spent}, from {token.invitation_id}"
        )
    return documents.wallet_doc(wallet), "\n".join(lines)


def _redeem(sim: QaApi, options: argparse.Namespace) -> tuple[Document, str]:
    redemption = sim.redeem(
        options.email, options.key, options.credit, spend_if_unused=not options.keep_if_unused
    )
    usage = redemption.usage
    if redemption.code is RedemptionCode.NOTHING_TO_RESET:
        text = f"{options.email}: nothing_to_reset; {redemption.token.id} was kept."
    else:
        replay = " (replayed: nothing new was spent)" if redemption.replayed else ""
        text = (
            f"{options.email} spent {redemption.token.id} ({redemption.code.value}, "
            f"{redemption.token.windows.value}){replay}. Weekly now "
            f"{usage.weekly.percent_used}%, 5-hour {usage.five_hour.percent_used}%."
        )
    return documents.redemption_doc(options.email, redemption), text


def _grant(sim: QaApi, options: argparse.Namespace) -> tuple[Document, str]:
    expires: int | Literal["policy"] | None = "policy"
    if options.no_expiry:
        expires = None
    elif options.expires_days is not None:
        expires = options.expires_days
    token = sim.grant(
        options.to, title=options.title, expires_days=expires, windows=options.windows
    )
    text = (
        f'{options.to} was granted {token.id} "{token.title}": resets {token.windows.value}, '
        f"expires {iso(token.expires_at) or 'never'}"
    )
    return documents.token_doc(token), text


def _resend(sim: QaApi, options: argparse.Namespace) -> tuple[Document, str]:
    record = sim.resend(options.sender, options.invitation, options.key)
    return documents.invitation_doc(record), _invitation_text(record)


def _offer(sim: QaApi, options: argparse.Namespace) -> tuple[Document, str]:
    action: str = options.action or "show"
    if action == "set":
        changes: dict[str, object] = {}
        if options.default_copy:
            changes.update(title=None, description=None, rules=None)
        if options.title is not None:
            changes["title"] = options.title
        if options.description is not None:
            changes["description"] = options.description
        if options.rule:
            changes["rules"] = list(options.rule)
        if options.confirmation is not None:
            changes["requires_confirmation"] = options.confirmation == "required"
        if options.state is not None:
            changes["paused"] = options.state == "paused"
        if options.capacities is not None:
            changes["report_capacities"] = options.capacities == "shown"
        sim.set_offer(changes)
    if options.email is None:
        settings = sim.offer_settings()
        document = documents.offer_settings_doc(settings)
        return document, "\n".join(f"{key} = {value}" for key, value in document.items())
    offer = sim.offer(options.email)
    document = documents.offer_doc(options.email, offer)
    why = f" ({offer.unavailable_reason.value})" if offer.unavailable_reason else ""
    lines = [
        f"{options.email}: {'offered' if offer.offered else 'not offered'}{why}, offer {offer.id} "
        f"valid until {iso(offer.expires_at)}",
        f"  {offer.title}: {offer.description}",
        *(f"  - {rule}" for rule in offer.rules),
        f"  confirmation {'required' if offer.requires_confirmation else 'optional'}; send "
        f"capacity {_capacity(offer.send_capacity)}, reward capacity "
        f"{_capacity(offer.reward_capacity)}, up to {offer.max_recipients} addresses per send",
    ]
    return document, "\n".join(lines)


def _capacity(value: int | None) -> str:
    return "unknown" if value is None else str(value)


# -- text helpers -------------------------------------------------------------------------------


def _clock_mode(running: bool) -> str:
    return "running" if running else "frozen"


def _faults_text(document: Document) -> str:
    return ", ".join(f"{key}={value}" for key, value in document.items())


def _invitation_text(record: InvitationRecord) -> str:
    invitation = record.invitation
    opened = "yes" if invitation.link_opened else "no"
    account = invitation.joined_kind or "-"
    workspace = "yes" if invitation.workspace_ready else "no"
    return (
        f"{invitation.id} {record.operator} -> {invitation.recipient}: {invitation.state.value}\n"
        f"  link {invitation.link}\n"
        f"  opened {opened}, account {account}, workspace {workspace}, prompts "
        f"{invitation.prompts}/{invitation.prompts_required}\n"
        f"  {invitation.reason}"
    )


def _moment(text: str) -> datetime:
    try:
        return as_utc(datetime.fromisoformat(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from None


def _percent(text: str) -> float:
    try:
        value = float(text.rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a percentage: {text!r}") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError("a percentage is between 0 and 100")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


# -- parser -------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="referral-desktop sim",
        description="Drive the mock referral backend of a data folder (also while the app runs).",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="data folder holding backend.sqlite (default: the app's user data folder)",
    )
    where.add_argument(
        "--backend",
        metavar="URL",
        help="a running server (referral-desktop serve) instead of a data folder",
    )
    parser.add_argument(
        "--qa-token",
        default=os.environ.get(QA_TOKEN_ENV),
        help=f"the QA token the server printed (default: ${QA_TOKEN_ENV}); a loopback server "
        "takes local calls without it",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print one JSON document")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    def command(name: str, handler: Command, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, parents=[common], help=help_text, description=help_text)
        sub.set_defaults(command=handler)
        return sub

    sub = command("reset-demo", _reset_demo, "wipe the backend and seed the demo accounts again")
    sub.add_argument("--at", type=_moment, help="seed at this UTC time instead of the real now")

    command("status", _status, "clock, policy, faults, accounts with cohort, usage and wallet")

    sub = command("invite", _invite, "send an invitation as an operator (same rules as the app)")
    sub.add_argument("--from", dest="sender", required=True, metavar="EMAIL")
    sub.add_argument("--to", dest="recipient", required=True, metavar="EMAIL")
    sub.add_argument("--key", help="idempotency key (default: a fresh one)")

    sub = command("revoke", _revoke, "revoke a pending invitation as its operator")
    sub.add_argument("--from", dest="sender", required=True, metavar="EMAIL")
    sub.add_argument("invitation", metavar="ID_OR_LINK")

    sub = command("invitations", _invitations, "list invitations with checklist and reason")
    sub.add_argument("--from", dest="sender", metavar="EMAIL")

    sub = command("recipient", _recipient, "act as the recipient of an invitation link")
    sub.add_argument("link", metavar="LINK")
    sub.add_argument("--email", metavar="EMAIL", help="the address the recipient uses")
    sub.add_argument("action", choices=["open", "join", "init", "prompt"])
    sub.add_argument("-n", type=_positive, default=1, help="prompts to send (prompt only)")

    sub = command("cohort", _cohort, "show, or set, an account's pilot cohort membership")
    sub.add_argument("email", metavar="EMAIL")
    sub.add_argument("action", nargs="?", choices=["allow", "deny", "clear"])

    sub = command("usage", _usage, "set how much of an account's usage windows is used")
    sub.add_argument("email", metavar="EMAIL")
    sub.add_argument("--weekly", type=_percent, metavar="PCT")
    sub.add_argument("--five-hour", type=_percent, metavar="PCT")

    sub = command("billing-day", _billing_day, "move an account's billing day (cycle anchor)")
    sub.add_argument("email", metavar="EMAIL")
    sub.add_argument("day", type=int, metavar="DAY")

    sub = command("clock", _clock, "show, advance, run or freeze the backend clock")
    sub.add_argument("action", nargs="?", choices=["advance", "run", "freeze", "show"])
    sub.add_argument("duration", nargs="*", help="for advance: 62d, 7d, 5h, 90m, 30s, 2w, 1d 5h")

    sub = command("policy", _policy, "show policy values, or set some with KEY=VALUE")
    sub.add_argument("values", nargs="*", metavar="KEY=VALUE")

    sub = command("fault", _fault, "inject faults into the app's API calls")
    sub.add_argument(
        "action", nargs="?", choices=["offline", "online", "error-rate", "latency", "clear", "show"]
    )
    sub.add_argument("value", nargs="?", help="error-rate: 0..1; latency: milliseconds")

    command("outbox", _outbox, "the invitation emails the backend dispatched")

    sub = command("wallet", _wallet, "an account's tokens and this cycle's earnings")
    sub.add_argument("email", metavar="EMAIL")

    sub = command("redeem", _redeem, "spend a credit (default: the earliest-expiring)")
    sub.add_argument("email", metavar="EMAIL")
    sub.add_argument("--key", help="idempotency key (default: a fresh one)")
    sub.add_argument("--credit", metavar="ID", help="the credit to spend")
    sub.add_argument(
        "--keep-if-unused",
        action="store_true",
        help="keep the credit when its windows hold no use (result nothing_to_reset)",
    )

    sub = command("grant", _grant, "give an account a complimentary reset credit")
    sub.add_argument("--to", required=True, metavar="EMAIL")
    sub.add_argument("--title", help="the credit's title (default: the server's words)")
    expiry = sub.add_mutually_exclusive_group()
    expiry.add_argument("--expires-days", type=_positive, metavar="N")
    expiry.add_argument("--no-expiry", action="store_true")
    sub.add_argument("--windows", choices=["both", "five_hour"], default="both")

    sub = command("resend", _resend, "send a pending invitation's email again (after cooldown)")
    sub.add_argument("--from", dest="sender", required=True, metavar="EMAIL")
    sub.add_argument("invitation", metavar="ID_OR_LINK")
    sub.add_argument("--key", help="idempotency key (default: a fresh one)")

    sub = command("offer", _offer, "show the offer (an account's with --email), or set it")
    sub.add_argument("action", nargs="?", choices=["show", "set"])
    sub.add_argument("--email", metavar="EMAIL", help="show this account's current offer")
    sub.add_argument("--title")
    sub.add_argument("--description")
    sub.add_argument("--rule", action="append", metavar="SENTENCE", help="repeat for each rule")
    sub.add_argument("--default-copy", action="store_true", help="back to the server's words")
    sub.add_argument("--confirmation", choices=["required", "optional"])
    sub.add_argument("--state", choices=["live", "paused"])
    sub.add_argument("--capacities", choices=["shown", "hidden"], help="hidden: sent as unknown")
    return parser


if __name__ == "__main__":
    sys.exit(main())
