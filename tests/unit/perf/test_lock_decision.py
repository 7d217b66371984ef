"""The weekly §5 decision (``lock_decision``) on logs built by ``lock_logs``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from perf.stats import percentile
from tests.unit.perf import lock_logs as logs
from tests.unit.perf.test_lock_commands import run

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 09:00 UTC (§6)
WEEK = timedelta(days=7)
MARGIN = timedelta(minutes=1)


def decide(tmp_path, events, **options) -> tuple[int, list[str]]:
    code, out, _ = run("lock_decision", log_file=logs.write_stdlib(tmp_path, events), now=NOW, **options)
    return code, out.splitlines()


def test_all_thresholds_met_is_no_action_with_the_baseline(tmp_path):
    events = logs.healthy(at=NOW - WEEK + MARGIN)
    code, lines = decide(tmp_path, events)
    assert code == 0
    assert lines[0] == "Lock audit decision (2026-02-23 09:00 .. 2026-03-02 09:00 UTC): NO_ACTION_REQUIRED"
    assert lines[1].startswith("All thresholds met (§6)")
    rows = [line.split() for line in lines[lines.index("Baseline (ms)") + 3 :]]
    expected = []
    for pipeline, entity, _, limit in sorted(logs.PLAN_SITES, key=lambda site: site[0]):
        holds = logs.spread(limit, low=0.25, high=0.75)
        p50, p95 = (round(percentile(holds, q), 3) for q in (50, 95))
        expected.append([pipeline, entity, str(len(holds)), f"{p50:.1f}", f"{p95:.1f}", "OK"])
    assert rows == expected


def test_a_breach_is_an_optimisation_sprint_per_playbook_section_deadlocks_first(tmp_path):
    at = NOW - timedelta(days=1)
    code, lines = decide(tmp_path, logs.healthy(at=at) + logs.skill_breach(at=at) + logs.deadlock(at=at))
    assert code == 1
    assert lines[0].endswith(": OPTIMIZATION_REQUIRED")
    sections = [line.split()[0] for line in lines if line.startswith("  §")]
    assert sections == ["§4.3", "§4.1"]


def test_too_little_data_is_no_decision(tmp_path):
    code, lines = decide(tmp_path, logs.healthy(at=NOW - timedelta(days=1), n=logs.MIN_SAMPLES - 1))
    assert code == 2
    assert lines[0].endswith(": INSUFFICIENT_DATA")


@pytest.mark.parametrize(("offset", "expected"), [(-MARGIN, 0), (MARGIN, 2)])
def test_the_default_window_is_one_week(tmp_path, offset, expected):
    # Holds 1 s apart: the batch starts just inside (or ends just outside) the 7-day window.
    start = NOW - WEEK - offset - (timedelta(seconds=logs.MIN_SAMPLES) if offset > timedelta(0) else timedelta(0))
    code, _ = decide(tmp_path, logs.healthy(at=start))
    assert code == expected


def test_json_has_the_decision_and_the_full_report(tmp_path):
    at = NOW - timedelta(days=1)
    code, lines = decide(tmp_path, logs.healthy(at=at) + logs.skill_breach(at=at), json=True)
    doc = json.loads("\n".join(lines))
    assert (code, doc["decision"]["outcome"], doc["decision"]["exit_code"]) == (1, "OPTIMIZATION_REQUIRED", 1)
    assert [sprint["section"] for sprint in doc["decision"]["sprints"]] == ["§4.1"]
    assert doc["report"]["pipelines"] == {"reward": "OK", "skill": "ACTION_REQUIRED"}
    assert [(row["pipeline"], row["n"]) for row in doc["decision"]["baseline"]] == [
        ("reward", logs.MIN_SAMPLES),
        ("skill", 2 * logs.MIN_SAMPLES),
    ]
