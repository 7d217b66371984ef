"""The lock commands on logs as they are really written: the plan's schema, stdlib logging,
several workers, rotated files; exit codes 0/1/2 on both sides of a --since-days boundary.

Every log is built by ``lock_logs`` from the thresholds under test; no figure is typed here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings

from perf.stats import percentile
from tests.unit.perf import lock_logs as logs
from tests.unit.perf.test_lock_commands import run

NOW = datetime(2026, 2, 24, 10, 0, tzinfo=UTC)
DAYS = 5  # the plan's own run: --since-days 5
MARGIN = timedelta(minutes=1)


def inside(now: datetime) -> datetime:
    """A minute inside a DAYS-day window."""
    return now - timedelta(days=DAYS) + MARGIN


def outside(now: datetime) -> datetime:
    """Far enough before the boundary that a whole batch of holds (1 s apart) ends a minute outside."""
    return now - timedelta(days=DAYS) - MARGIN - timedelta(seconds=logs.MIN_SAMPLES)


Scenario = tuple[Callable[[datetime], list[logs.Event]], dict[int, int]]
SCENARIOS: dict[str, Scenario] = {
    # Healthy holds inside; a skill breach (P95 above 200 ms) just outside.
    "skill_breach_outside": (
        lambda now: logs.healthy(at=inside(now)) + logs.skill_breach(at=outside(now)),
        {DAYS: 0, DAYS + 1: 1},
    ),
    # Healthy holds inside; one deadlock just outside.
    "deadlock_outside": (
        lambda now: logs.healthy(at=inside(now)) + logs.deadlock(at=outside(now)),
        {DAYS: 0, DAYS + 1: 1},
    ),
    # One hold short of min_samples per group inside; the last one just outside.
    "one_short_inside": (
        lambda now: logs.healthy(at=inside(now), n=logs.MIN_SAMPLES - 1) + logs.healthy(at=outside(now), n=1),
        {DAYS: 2, DAYS + 1: 0},
    ),
}
KINDS = list(logs.WRITERS)


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("kind", KINDS)
def test_report_exit_codes_on_both_sides_of_the_window_boundary(tmp_path, kind, scenario):
    build, expected = SCENARIOS[scenario]
    specs = logs.WRITERS[kind](tmp_path, build(NOW))
    codes = {days: run("lock_report", log_file=specs, since_days=days, now=NOW)[0] for days in expected}
    assert codes == expected


def _report(specs: list[str], **options) -> dict:
    code, out, _ = run("lock_report", log_file=specs, json=True, now=NOW, **options)
    doc = json.loads(out)
    assert doc["exit_code"] == code
    return doc


@pytest.mark.parametrize("kind", KINDS)
def test_skill_breach_points_at_the_batch_query_playbook(tmp_path, kind):
    breach = logs.skill_breach(at=inside(NOW))
    doc = _report(logs.WRITERS[kind](tmp_path, logs.healthy(at=inside(NOW)) + breach))
    skill = next(group for group in doc["groups"] if group["pipeline"] == "skill")
    expected_p95 = round(
        percentile([e.duration_ms for e in breach] + logs.spread(logs.SKILL_LIMIT, low=0.25, high=0.75), 95), 3
    )
    assert (skill["p95_ms"], skill["verdict"], skill["decision"], skill["playbook"]) == (
        expected_p95,
        "warn",
        "ACTION_REQUIRED",
        "§4.1",
    )
    assert skill["p95_ms"] > logs.SKILL_LIMIT
    assert doc["pipelines"] == {"reward": "OK", "skill": "ACTION_REQUIRED"}
    assert (doc["verdict"], doc["decision"], doc["counts"]["malformed"]) == ("warn", "ACTION_REQUIRED", 0)


@pytest.mark.parametrize(
    ("kind", "source"), [("plan", "text"), ("stdlib", "text"), ("workers", "events"), ("rotated", "text")]
)
def test_a_deadlock_counts_once_and_points_at_the_incident_sprint(tmp_path, kind, source):
    doc = _report(logs.WRITERS[kind](tmp_path, logs.healthy(at=inside(NOW)) + logs.deadlock(at=inside(NOW))))
    deadlocks = doc["deadlocks"]
    # The stdlib traceback is chained: "deadlock detected" on two of its lines, one record.
    assert (deadlocks["count"], deadlocks[source], deadlocks["verdict"], deadlocks["playbook"]) == (
        1,
        1,
        "critical",
        "§4.3",
    )
    assert (doc["verdict"], doc["exit_code"]) == ("critical", 1)


@pytest.mark.parametrize(("kind", "absent"), [("plan", 5), ("stdlib", 5), ("workers", 0), ("rotated", 5)])
def test_seven_field_events_are_well_formed_and_their_missing_extensions_are_reported(tmp_path, kind, absent):
    doc = _report(logs.WRITERS[kind](tmp_path, logs.healthy(at=inside(NOW))))
    assert doc["counts"]["malformed"] == 0
    assert doc["counts"]["lock_released"] == len(logs.PLAN_SITES) * logs.MIN_SAMPLES
    assert [len(group["absent_fields"]) for group in doc["groups"]] == [absent] * len(logs.PLAN_SITES)
    assert doc["verdict"] == "ok"


def test_rotated_set_is_read_whole_through_one_glob(tmp_path):
    specs = logs.write_rotated(tmp_path, logs.healthy(at=inside(NOW)))
    assert sorted(path.name for path in tmp_path.iterdir()) == ["app.log", "app.log.1.gz", "app.log.2.gz"]
    doc = _report(specs)
    assert (doc["counts"]["files"], doc["counts"]["lock_released"]) == (3, len(logs.PLAN_SITES) * logs.MIN_SAMPLES)


def test_several_log_files_add_up(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    half = logs.MIN_SAMPLES // 2
    specs = logs.write_plan(first, logs.healthy(at=inside(NOW), n=half))
    specs += logs.write_stdlib(second, logs.healthy(at=inside(NOW), n=logs.MIN_SAMPLES - half))
    assert run("lock_report", log_file=specs[:1], now=NOW)[0] == 2
    doc = _report(specs)
    assert (doc["counts"]["files"], doc["verdict"]) == (2, "ok")


def test_stdin_is_read_with_a_dash(tmp_path):
    lines = logs.stdlib_lines(logs.healthy(at=inside(NOW)) + logs.skill_breach(at=inside(NOW)))
    assert run("lock_report", log_file=["-"], now=NOW, stdin=logs.stdin_of(lines))[0] == 1


# --- lock_validate on the same logs -------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_validate_accepts_every_real_log_shape(tmp_path, kind):
    specs = logs.WRITERS[kind](tmp_path, logs.healthy(at=inside(NOW)) + logs.deadlock(at=inside(NOW)))
    code, out, _ = run("lock_validate", log_file=specs, now=NOW)
    assert (code, out.splitlines()[-1]) == (
        0,
        f"OK: {len(logs.PLAN_SITES) * logs.MIN_SAMPLES + (kind == 'workers')} lock event(s) valid",
    )


def _stamps(lines: list[str]) -> list[str]:
    return [json.loads(line)["lock_released_at"] for line in lines]


def test_interleaved_workers_go_back_in_time_across_processes_only(tmp_path):
    lines = logs.worker_lines(logs.healthy(at=inside(NOW)))
    assert _stamps(lines) != sorted(_stamps(lines))  # the fixture really interleaves
    for pid in logs.WORKER_PIDS:
        own = [line for line in lines if json.loads(line)["pid"] == pid]
        assert _stamps(own) == sorted(_stamps(own))
    path = tmp_path / "app.log"
    path.write_text("".join(f"{line}\n" for line in lines))
    assert run("lock_validate", log_file=str(path))[0] == 0
    # A tolerance below the workers' spread flags the crossings.
    assert run("lock_validate", log_file=str(path), skew_ms=1)[0] == 1


def test_validate_fails_a_worker_whose_own_events_go_back(tmp_path):
    lines = logs.worker_lines(logs.healthy(at=inside(NOW)))
    first = json.loads(lines[0])
    later = next(json.loads(line) for line in lines[1:] if json.loads(line)["pid"] == first["pid"])
    path = tmp_path / "app.log"
    # The same worker writes its second event before its first.
    path.write_text("".join(f"{json.dumps(record)}\n" for record in [later, first]))
    code, out, _ = run("lock_validate", log_file=str(path))
    assert code == 1
    assert out.splitlines()[0].endswith(f"of the same process {logs.HOST}:{first['pid']}")


def test_validate_fails_a_stream_whose_clocks_differ_beyond_the_tolerance(tmp_path):
    events = logs.healthy(at=inside(NOW))
    lines = logs.worker_lines(events, jitter=timedelta(seconds=2))  # beyond the 1 s default
    path = tmp_path / "app.log"
    path.write_text("".join(f"{line}\n" for line in lines))
    code, out, _ = run("lock_validate", log_file=str(path))
    assert code == 1
    assert "by more than the 1 s skew" in out


def test_validate_window_on_both_sides_of_the_boundary(tmp_path):
    hours = DAYS * 24
    specs = logs.write_workers(tmp_path, logs.healthy(at=inside(NOW)))
    assert run("lock_validate", log_file=specs, since_hours=hours, now=NOW)[0] == 0
    # The same events a day later are all outside the window: no data.
    assert run("lock_validate", log_file=specs, since_hours=hours, now=NOW + timedelta(days=1))[0] == 2


# --- the standalone entry point, with no Django settings -----------------------------------


def _standalone(
    command: str, *args: str, block_django: bool = False, stdin: str | None = None
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    if block_django:
        # Any import of django inside the package then fails loudly.
        code = f"import runpy, sys; sys.modules['django'] = None; sys.argv = ['{command}', *sys.argv[1:]]; "
        code += f"runpy.run_module('perf.lock_analysis.{command}', run_name='__main__')"
        argv = [sys.executable, "-c", code, *args]
    else:
        argv = [sys.executable, "-m", f"perf.lock_analysis.{command}", *args]
    return subprocess.run(argv, env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, input=stdin, timeout=60)


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_standalone_report_exit_codes_on_both_sides_of_the_boundary(tmp_path, scenario):
    build, expected = SCENARIOS[scenario]
    specs = logs.write_rotated(tmp_path, build(datetime.now(tz=UTC)))
    codes = {}
    for days in expected:
        done = _standalone("lock_report", "--log-file", specs[0], "--since-days", str(days))
        assert done.stderr == ""
        codes[days] = done.returncode
    assert codes == expected


@pytest.mark.slow
def test_standalone_imports_no_django_and_matches_the_command(tmp_path):
    now = datetime.now(tz=UTC)
    specs = logs.write_stdlib(tmp_path, logs.healthy(at=inside(now)) + logs.skill_breach(at=inside(now)))
    done = _standalone("lock_report", "--log-file", specs[0], "--json", block_django=True)
    assert done.returncode == 1, done.stderr
    standalone = json.loads(done.stdout)
    command = _report(specs)
    assert standalone["groups"] == command["groups"]
    assert standalone["pipelines"] == command["pipelines"] == {"reward": "OK", "skill": "ACTION_REQUIRED"}
    for name in ("lock_validate", "lock_decision"):
        assert _standalone(name, "--log-file", specs[0], block_django=True).returncode in (0, 1)


@pytest.mark.slow
def test_standalone_reads_stdin_and_reports_a_missing_file(tmp_path):
    lines = logs.stdlib_lines(logs.healthy(at=inside(datetime.now(tz=UTC))))
    done = _standalone(
        "lock_report", "--log-file", "-", "--since-days", str(DAYS), stdin="".join(f"{line}\n" for line in lines)
    )
    assert (done.returncode, done.stdout.splitlines()[-1]) == (0, "Overall: ok (exit 0)")
    missing = _standalone("lock_validate", "--log-file", str(tmp_path / "absent.log"))
    assert missing.returncode == 2
    assert missing.stderr.startswith("Cannot read log file:")


def test_package_modules_import_no_django():
    package = Path(settings.BASE_DIR) / "perf" / "lock_analysis"
    sources = {path.name: path.read_text() for path in package.glob("*.py")}
    assert len(sources) >= 10
    importing = re.compile(r"^\s*(import|from)\s+django\b", re.MULTILINE)
    assert [name for name, text in sources.items() if importing.search(text)] == []
