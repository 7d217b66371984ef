"""The SLO guard (docs/perf.md), quiet and sharp in one run on this machine.

One ``perf.compare`` run with four arms, interleaved: the base commit the committed
baseline records, the working tree, and the working tree with a CPU-type and with
a wait-type slowdown of ``PERCENT`` of each registration request's own wall time,
injected at Django's request handler (not in the hot path's code, and not on the
guard's clock). Quiet: the working tree passes against the base. Sharp: each slowed
arm, judged against the unslowed working tree measured in the same run, fails
registration, and only registration. Against the working tree, not the base: the
injection is a fraction of the working tree's own time, and a base that is itself
slower or faster (registration on SQLite lost 4 of its 13 statements since dcaea0e)
would shrink or inflate it.

Needs git history (the base is exported from it): on a tree without it the base
cannot be measured, which fails here as it exits 2 in ``perf_baseline --compare``.
"""

from __future__ import annotations

import os

import pytest
from django.db import connection

from perf import compare, guard
from perf.harness import hot_path_names
from perf.management.commands.perf_baseline import format_table

TARGET = "registration"
TARGET_PATH = "/api/tournaments/register/"
PERCENT = 20
#: CI can trade time for sensitivity; each run prints its minimal detectable effects.
ROUNDS = int(os.environ.get("PERF_ROUNDS", compare.DEFAULT_ROUNDS))
BUDGET = float(os.environ.get("PERF_BUDGET", compare.DEFAULT_BUDGET))


@pytest.fixture(scope="module")
def baseline() -> dict:
    path = guard.baseline_path(connection.vendor)
    try:
        return guard.load_baseline(path, vendor=connection.vendor)
    except guard.InvalidBaseline as exc:
        pytest.fail(f"{exc}", pytrace=False)


@pytest.fixture(scope="module")
def run(baseline: dict) -> dict[str, compare.ArmResult]:
    slowdowns = [compare.Slowdown(kind=kind, percent=PERCENT, path=TARGET_PATH) for kind in compare.SLOWDOWN_KINDS]
    with compare.scratch_directory() as scratch:
        try:
            base = compare.base_arm(compare.resolve_commit(baseline["environment"]["commit"]), scratch)
        except compare.BaseUnavailable as exc:
            pytest.fail(f"the base cannot be measured: {exc}", pytrace=False)
        arms = [base, compare.head_arm(), *(compare.head_arm([slowdown]) for slowdown in slowdowns)]
        plan = compare.Plan(names=hot_path_names(), rounds=ROUNDS, budget=BUDGET)
        return compare.measure(arms, plan)


def judged(run: dict[str, compare.ArmResult], label: str, *, against: str = compare.BASE) -> tuple[list[str], str]:
    verdicts = compare.verdicts(run, label, hot_path_names(), against=against)
    head = compare.arm_document(run[label], compare.Plan(names=[]))
    base = compare.arm_document(run[against], compare.Plan(names=[]))
    return [verdict.name for verdict in verdicts if verdict.failed], f"{label}\n{format_table(head, base, verdicts)}"


def test_every_hot_path_of_the_working_tree_is_measured(run: dict[str, compare.ArmResult]) -> None:
    assert sorted(run[compare.HEAD].blocks) == hot_path_names()


def test_unchanged_tree_passes_the_guard(run: dict[str, compare.ArmResult]) -> None:
    failed, table = judged(run, compare.HEAD)
    assert failed == [], table


@pytest.mark.parametrize("kind", compare.SLOWDOWN_KINDS)
def test_guard_fails_only_the_slowed_hot_path(run: dict[str, compare.ArmResult], kind: str) -> None:
    label = compare.head_arm([compare.Slowdown(kind=kind, percent=PERCENT, path=TARGET_PATH)]).label
    failed, table = judged(run, label, against=compare.HEAD)
    assert failed == [TARGET], table
