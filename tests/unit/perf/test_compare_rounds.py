"""perf.compare's round planning: block sizes and the time budget (no timing anywhere)."""

from __future__ import annotations

from pathlib import Path

from perf import compare


def results(first_calls: dict[str, list[float]]) -> dict[str, compare.ArmResult]:
    arm = compare.ArmResult(arm=compare.Arm(label=compare.HEAD, tree=Path("."), commit="abc"))
    arm.blocks = {name: [calls] for name, calls in first_calls.items()}
    return {compare.HEAD: arm}


def test_an_expensive_path_gets_short_blocks_after_its_first_round() -> None:
    plan = compare.Plan(names=["cheap", "dear"])
    measured = results({"cheap": [0.004] * 5, "dear": [0.05] * 5})
    assert compare.block_plan(measured, "cheap", plan) == (plan.block_size, plan.block_warmup)
    assert compare.block_plan(measured, "dear", plan) == compare.EXPENSIVE_BLOCK


def test_each_path_wanting_rounds_gets_an_equal_part_of_the_budget() -> None:
    cost = {"registration": 1.0, "transfer": 0.5, "finalization": 6.0}
    names = ["finalization", "registration", "transfer"]
    assert compare.affordable(names, dict.fromkeys(names, 10.0), cost, 60.0) == names
    # Finalization's next round does not fit in its third of 45 s: its part goes to the others.
    assert compare.affordable(names, dict.fromkeys(names, 10.0), cost, 45.0) == ["registration", "transfer"]
    # What a path that stopped wanting rounds spent is not shared out again.
    spent = {"finalization": 30.0, "registration": 10.0, "transfer": 10.0}
    assert compare.affordable(["registration", "transfer"], spent, cost, 52.0) == ["registration", "transfer"]
    assert compare.affordable(["registration", "transfer"], spent, cost, 51.0) == ["transfer"]
    assert compare.affordable(names, spent, cost, 40.0) == []
