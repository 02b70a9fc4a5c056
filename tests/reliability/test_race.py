"""Two app processes on one data folder spend the last reset at once: exactly one token goes."""

from __future__ import annotations

from pathlib import Path

from desktop.backend.simulator import Simulator
from tests.reliability.conftest import OPERATOR, Tally, Template
from tests.reliability.harness import backend_truth, copy_folder, driver, run_to_state


def keep_one_token(folder: Path) -> None:
    """Spend all but the last token from outside the app (sim redeem)."""
    with Simulator(folder) as simulator:
        while simulator.wallet(OPERATOR).available > 1:
            simulator.redeem(OPERATOR)


def test_two_processes_spend_the_last_token_at_once(
    template: Template, tmp_path: Path, trials: int, tally: Tally
) -> None:
    for trial in range(trials):
        folder = copy_folder(template.folder, tmp_path / f"t{trial}")
        keep_one_token(folder)
        before = backend_truth(folder, OPERATOR).spent
        with (
            driver(folder, OPERATOR, "redeem", "--wait-go") as first,
            driver(folder, OPERATOR, "redeem", "--wait-go") as second,
        ):
            first.wait_for("READY")
            second.wait_for("READY")
            first.send("go")
            second.send("go")
            outcomes = [first.json_line("OUTCOME"), second.json_line("OUTCOME")]
            assert first.finish() == 0
            assert second.finish() == 0
        spent_now = backend_truth(folder, OPERATOR).spent - before
        # Exactly one token is spent. The two clicks share one data folder, so the second may
        # join the first's open intent (same key: both are told it was spent, which it was
        # once), or come after it closed and be refused for want of a token.
        assert spent_now == 1, outcomes
        kinds = sorted((o["outcome"], o["reason"]) for o in outcomes)
        assert kinds in (
            [("done", None), ("done", None)],
            [("done", None), ("refused", "no_tokens")],
        ), outcomes
        if kinds[1][0] == "done":
            tally.notes.append(f"trial {trial}: one shared intent, both told it was spent")
        else:
            tally.notes.append(f"trial {trial}: one spent, the other refused (no tokens)")
        state = run_to_state(folder, OPERATOR)
        assert state["available_tokens"] == 0
        tally.count(killed=False, duplicated=max(0, spent_now - 1), lost=int(spent_now == 0))
    assert tally.survived == trials, tally
