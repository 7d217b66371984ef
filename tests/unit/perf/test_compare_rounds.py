"""perf.compare's round planning: set-up in waves, block sizes and the time budget (no timing anywhere)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

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


@pytest.mark.parametrize(
    ("labels", "judged"),
    [
        (["base", "head"], {"head": "base"}),
        (["base", "head", "head+cpu"], {"head": "base", "head+cpu": "head"}),
        (["head", "head+cpu", "head+wait"], {"head+cpu": "head", "head+wait": "head"}),
        (["base", "head+cpu"], {"head+cpu": "base"}),
        (["head"], {}),
    ],
)
def test_each_arm_is_judged_against_the_base_or_the_unslowed_working_tree(
    labels: list[str], judged: dict[str, str]
) -> None:
    assert compare.references(labels) == judged


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


class WaveWorker:
    """A worker whose set-up waits at a barrier for one process of every other arm: it
    only gets past when set-up runs in waves. No subprocess, no timing."""

    barrier: threading.Barrier
    passed: list[tuple[str, int]]

    def __init__(self, arm: compare.Arm, *, index: int, scratch: Path) -> None:
        self.arm, self.index = arm, index

    def call(self, op: str, **arguments: Any) -> dict[str, Any]:
        if op == "setup":
            self.barrier.wait(timeout=10)
            self.passed.append((self.arm.label, self.index % 2))
            return {"vendor": "sqlite", "database": "sqlite", "paths": {"p": {"description": "", "queries": []}}}
        return {"wall": [0.001] * arguments["size"], "cpu": [0.001] * arguments["size"]}

    def close(self) -> None:
        pass


def test_every_arm_s_nth_process_is_set_up_with_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    # Processes set up at different times stayed apart for a whole run (docs/perf.md
    # "Set-up in waves"), so the processes a round pairs are set up together.
    arms = [compare.Arm(label=label, tree=Path("."), commit="abc") for label in (compare.BASE, compare.HEAD, "slowed")]
    WaveWorker.barrier, WaveWorker.passed = threading.Barrier(len(arms)), []
    monkeypatch.setattr(compare, "WorkerProcess", WaveWorker)
    compare.measure(arms, compare.Plan(names=["p"], rounds=1, max_rounds=1))
    assert [process for _, process in WaveWorker.passed] == [0, 0, 0, 1, 1, 1]
    assert {label for label, _ in WaveWorker.passed[:3]} == {arm.label for arm in arms}
