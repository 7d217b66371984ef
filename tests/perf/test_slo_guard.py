"""The SLO guard (docs/perf.md): this run against perf/baselines/<vendor>.json.

Quiet: the unchanged tree passes. Sharp: a 25% slowdown injected into one hot path
fails that hot path and only that one. A missing or invalid baseline fails (CI
must never go green by having nothing to compare with).
"""

from __future__ import annotations

import pytest
from django.db import connection

from perf import guard
from perf.management.commands.perf_baseline import format_table
from perf.runner import hot_path_names, run_suite
from tests.perf.conftest import GUARD_BLOCK_SIZE, GUARD_ROUNDS

#: The hot path slowed down by the sharpness test, when it is registered.
PREFERRED_TARGET = "registration"


@pytest.fixture
def baseline() -> dict:
    path = guard.baseline_path(connection.vendor)
    try:
        return guard.load_baseline(path, vendor=connection.vendor)
    except guard.InvalidBaseline as exc:
        pytest.fail(f"{exc} (DJANGO_ENV=test python manage.py perf_baseline --save)", pytrace=False)


def guarded_run(baseline: dict) -> tuple[list[guard.Verdict], str]:
    names = [name for name in hot_path_names() if name in baseline["hot_paths"]]
    document = run_suite(names=names, rounds=GUARD_ROUNDS, block_size=GUARD_BLOCK_SIZE)
    verdicts = guard.compare(baseline, document)
    return verdicts, format_table(document, {verdict.name: verdict for verdict in verdicts})


def test_every_hot_path_is_in_the_baseline(baseline: dict) -> None:
    assert sorted(set(hot_path_names()) - set(baseline["hot_paths"])) == []


def test_unchanged_tree_passes_the_guard(perf_db, baseline: dict) -> None:
    verdicts, table = guarded_run(baseline)
    assert [verdict.name for verdict in verdicts if verdict.failed] == [], table


def test_guard_fails_only_the_hot_path_slowed_by_25_percent(perf_db, baseline: dict, slow_down) -> None:
    names = [name for name in hot_path_names() if name in baseline["hot_paths"]]
    target = PREFERRED_TARGET if PREFERRED_TARGET in names else names[0]
    slow_down(target, 1.25)
    verdicts, table = guarded_run(baseline)
    assert [verdict.name for verdict in verdicts if verdict.failed] == [target], table
    assert next(verdict for verdict in verdicts if verdict.name == target).status == guard.REGRESSION, table
