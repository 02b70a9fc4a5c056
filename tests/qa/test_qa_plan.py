"""docs/QA.md agrees with the app: each case is replayed on a fresh data folder and every text it
quotes (and every bold name) must be one the app showed (scripts/check_qa_plan.py, one test per
case, or per run of cases that go on from one another: `B1 > B1 (cont.) > D1` replays B1's steps
once and compares each of the three at the end of its own steps). A case the app no longer
matches fails here with the texts the app shows instead.

Set QA_PLAN_SHOTS=DIR to keep each case's screenshot (settings and QA windows side by side).
"""

from __future__ import annotations

import itertools
import os
import re
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.ui.referral.invite_dialog import InviteDialog
from tests.packaging.scripts import load_script

plan = load_script("check_qa_plan")
CASES = plan.parse_plan(plan.PLAN.read_text(encoding="utf-8"))
BY_ID = {case.id: case for case in CASES}
REPLAYED = [case for case in CASES if case.replay]
RUNS = plan.chains(CASES)
REAL_CONFIRM_SEND = InviteDialog.__dict__["confirm_send"]  # before the autouse fixture's stand-in


def test_the_plan_parses_into_cases_each_replayed() -> None:
    assert len(CASES) >= 40
    assert len({case.id for case in CASES}) == len(CASES), "two cases share an id"
    unreplayed = [f"{case.id} (line {case.line})" for case in CASES if case.missing_replay]
    assert not unreplayed, f"cases without <!-- replay: ... -->: {', '.join(unreplayed)}"
    manual = [f"{case.id} ({case.manual})" for case in CASES if case.manual]
    assert not manual, f"cases the check does not replay: {', '.join(manual)}"
    for case in CASES:
        assert case.replay, case.id
        for step in case.replay:
            if step.startswith("after "):
                assert step[6:] in BY_ID, f"{case.id}: {step}"


def test_a_quote_matches_with_its_elisions_and_placeholders() -> None:
    found = plan.pattern("the next cycle starts on 1 *month*.")
    assert found.search("… until the next cycle starts on 1 Jan 2027.")
    assert not found.search("the next cycle starts on 1.")
    assert plan.pattern("Offline: showing saved data (last synced …)").search(
        "Offline: showing saved data (last synced just now)"
    )
    assert not plan.pattern("Reset used").search("Reset spent")
    assert not plan.pattern("4 of 5").search("14 of 50")
    assert plan.pattern("Sent").search("Sent 2 Dec")


def test_every_picture_the_plan_shows_exists() -> None:
    text = plan.PLAN.read_text(encoding="utf-8")
    pictures = re.findall(r"\]\((screenshots/[^)]+)\)", text)
    assert pictures
    missing = [picture for picture in pictures if not (plan.PLAN.parent / picture).is_file()]
    assert not missing


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded backend and an empty cache, copied into each case's data folder."""
    path: Path = plan.make_template(tmp_path_factory.mktemp("qa-plan-template"))
    return path


def test_runs_hold_every_replayed_case_once_each_going_on_from_the_one_before() -> None:
    assert sorted(case.id for run in RUNS for case in run) == sorted(c.id for c in REPLAYED)
    for run in RUNS:
        for before, case in itertools.pairwise(run):
            assert case.replay[0] == f"after {before.id}", case.id
    assert ["B1", "B1 (cont.)", "D1"] in [[case.id for case in run] for run in RUNS]


@pytest.mark.slow
@pytest.mark.parametrize("run", RUNS, ids=[" > ".join(case.id for case in run) for run in RUNS])
def test_case_matches_the_app(
    run: list[object],
    qtbot: QtBot,
    template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The replay answers the real "Send invitation?" box, so its words are checked too.
    monkeypatch.setattr(InviteDialog, "confirm_send", REAL_CONFIRM_SEND)
    shots = os.environ.get("QA_PLAN_SHOTS")
    outcomes = plan.Replay(run[0], BY_ID, tmp_path / "data", template).run_chain(
        run, Path(shots) if shots else None
    )
    problems = [line for outcome in outcomes for line in outcome.problems]
    assert not problems, "\n".join(problems)
