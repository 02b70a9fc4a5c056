"""Two app processes on one data folder spend the last reset at once: exactly one does."""

from __future__ import annotations

import uuid
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
        keys = [f"race-{n}-{uuid.uuid4()}" for n in range(2)]
        with (
            driver(folder, OPERATOR, "redeem", keys[0], "--wait-go") as first,
            driver(folder, OPERATOR, "redeem", keys[1], "--wait-go") as second,
        ):
            first.wait_for("READY")
            second.wait_for("READY")
            first.send("go")
            second.send("go")
            outcomes = [first.json_line("OUTCOME"), second.json_line("OUTCOME")]
            assert first.finish() == 0
            assert second.finish() == 0
        spent_now = backend_truth(folder, OPERATOR).spent - before
        told_spent = sum(1 for outcome in outcomes if outcome["status"] == "spent")
        # Exactly one process spent it, and it is the one that said so.
        assert (spent_now, told_spent) == (1, 1), outcomes
        other = next(o for o in outcomes if o["status"] != "spent")
        assert other["status"] == "no_tokens", other
        state = run_to_state(folder, OPERATOR)
        assert state["available_tokens"] == 0
        tally.count(killed=False, duplicated=max(0, spent_now - 1), lost=int(spent_now == 0))
    assert tally.survived == trials, tally
