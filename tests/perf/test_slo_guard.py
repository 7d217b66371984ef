"""The SLO guard (docs/perf.md) on this machine: quiet on the working tree, sharp on
slowdowns injected from outside the hot path's code.

* The guard: one ``perf.compare`` run of the base commit the committed baseline records
  against the working tree, every hot path, interleaved. This is what ``make perf`` and
  ``.ci/run`` gate on: the working tree must not be slower than its base.
* Sharpness: one run of the working tree against itself with a CPU-type and a
  wait-type slowdown of ``PERCENT`` of each registration request's own wall time,
  injected at Django's request handler (not in the hot path's code, and not on the
  guard's clock). Each slowed arm must fail registration and not ``CONTROL``, a path
  the injection does not touch. Judged against the unslowed working tree measured in
  the same run, not against the base: the injection is a fraction of the working tree's
  own time. Only these two paths are measured, so registration gets the rounds it needs
  for the 20% within seconds; how often the whole suite's run catches it, beside every
  other path, is what ``manage.py perf_proof`` measures (docs/perf.md "Proof").

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
#: The cheapest path the injection does not touch: a slowed arm must not fail it.
CONTROL = "transfer"
PERCENT = 20
#: CI can trade time for sensitivity; each run prints its minimal detectable effects.
ROUNDS = int(os.environ.get("PERF_ROUNDS", compare.DEFAULT_ROUNDS))
BUDGET = float(os.environ.get("PERF_BUDGET", compare.DEFAULT_BUDGET))
SLOWED = [
    compare.head_arm([compare.Slowdown(kind=kind, percent=PERCENT, path=TARGET_PATH)])
    for kind in compare.SLOWDOWN_KINDS
]


@pytest.fixture(scope="module")
def baseline() -> dict:
    path = guard.baseline_path(connection.vendor)
    try:
        return guard.load_baseline(path, vendor=connection.vendor)
    except guard.InvalidBaseline as exc:
        pytest.fail(f"{exc}", pytrace=False)


@pytest.fixture(scope="module")
def guard_run(baseline: dict) -> dict[str, compare.ArmResult]:
    with compare.scratch_directory() as scratch:
        try:
            base = compare.base_arm(compare.resolve_commit(baseline["environment"]["commit"]), scratch)
        except compare.BaseUnavailable as exc:
            pytest.fail(f"the base cannot be measured: {exc}", pytrace=False)
        plan = compare.Plan(names=hot_path_names(), rounds=ROUNDS, budget=BUDGET)
        return compare.measure([base, compare.head_arm()], plan)


@pytest.fixture(scope="module")
def sharp_run() -> dict[str, compare.ArmResult]:
    plan = compare.Plan(names=[TARGET, CONTROL], rounds=ROUNDS, budget=BUDGET)
    return compare.measure([compare.head_arm(), *SLOWED], plan)


def judged(run: dict[str, compare.ArmResult], label: str, *, against: str) -> tuple[list[str], str]:
    names = sorted(run[label].blocks)
    verdicts = compare.verdicts(run, label, names, against=against)
    head = compare.arm_document(run[label], compare.Plan(names=[]))
    base = compare.arm_document(run[against], compare.Plan(names=[]))
    return [verdict.name for verdict in verdicts if verdict.failed], f"{label}\n{format_table(head, base, verdicts)}"


def test_every_hot_path_of_the_working_tree_is_measured(guard_run: dict[str, compare.ArmResult]) -> None:
    assert sorted(guard_run[compare.HEAD].blocks) == hot_path_names()


def test_unchanged_tree_passes_the_guard(guard_run: dict[str, compare.ArmResult]) -> None:
    failed, table = judged(guard_run, compare.HEAD, against=compare.BASE)
    assert failed == [], table


@pytest.mark.parametrize("arm", SLOWED, ids=compare.SLOWDOWN_KINDS)
def test_guard_fails_only_the_slowed_hot_path(sharp_run: dict[str, compare.ArmResult], arm: compare.Arm) -> None:
    failed, table = judged(sharp_run, arm.label, against=compare.HEAD)
    assert failed == [TARGET], table
