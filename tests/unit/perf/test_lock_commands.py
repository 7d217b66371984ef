"""lock_report / lock_validate management commands on synthetic logs (no database)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

T0 = datetime(2026, 2, 24, 10, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)


def released(*, hold: float, pipeline: str = "skill", entity: str = "UserLicense", at: datetime = T0, **extra) -> str:
    record = {
        "event": "lock_released",
        "pipeline": pipeline,
        "entity_type": entity,
        "entity_id": None,
        "caller": f"{pipeline}.caller",
        "lock_released_at": at.isoformat().replace("+00:00", "Z"),
        "duration_ms": hold,
        "wait_ms": 0.5,
        "hold_ms": hold,
        "outcome": "committed",
    }
    return json.dumps(record | extra)


def deadlock(*, at: datetime = T0) -> str:
    return json.dumps(
        {"event": "lock_deadlock", "pipeline": "reward", "entity_type": "Season", "caller": "fin", "at": at.isoformat()}
    )


def write_log(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "app.log"
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def run(command: str, **options) -> tuple[int, str, str]:
    """Run a command; return (exit code, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    raised: int | None = None
    try:
        call_command(command, stdout=out, stderr=err, no_color=True, **options)
    except SystemExit as exc:
        raised = int(exc.code or 0)
    # Success is signalled by returning normally, never by SystemExit(0).
    assert raised != 0
    return raised or 0, out.getvalue(), err.getvalue()


def healthy_lines(*, at: datetime = T0) -> list[str]:
    return [released(hold=100.0, at=at)] * 20 + [released(hold=400.0, pipeline="reward", entity="Season", at=at)] * 20


# --- lock_report -------------------------------------------------------------


def test_report_exit_0_when_all_thresholds_hold(tmp_path):
    log = write_log(tmp_path, ["server started", *healthy_lines()])
    code, out, err = run("lock_report", log_file=log)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[1].split() == ["pipeline", "entity", "n", "p50", "p95", "p99", "max", "verdict"]
    assert lines[3].split() == ["reward", "Season", "20", "400.0", "400.0", "400.0", "400.0", "ok"]
    assert lines[4].split() == ["skill", "UserLicense", "20", "100.0", "100.0", "100.0", "100.0", "ok"]
    assert "Deadlocks: 0 (ok)" in lines
    assert "IntegrityError rate: 0/40 = 0.00% (ok)" in lines
    assert lines[-1] == "Overall: ok (exit 0)"


def test_report_exit_1_on_skill_p95_warn(tmp_path):
    log = write_log(tmp_path, [released(hold=250.0)] * 20)
    code, out, _ = run("lock_report", log_file=log)
    assert code == 1
    assert out.splitlines()[-1] == "Overall: warn (exit 1)"


def test_report_exit_1_on_any_deadlock(tmp_path):
    log = write_log(tmp_path, [*healthy_lines(), deadlock()])
    code, out, _ = run("lock_report", log_file=log)
    assert code == 1
    assert "Deadlocks: 1 (critical)" in out.splitlines()


def test_report_other_pipeline_warns_above_500_and_is_critical_above_2000(tmp_path):
    log = write_log(tmp_path, [released(hold=400.0, pipeline="mystery", entity="Thing")] * 20)
    assert run("lock_report", log_file=log)[0] == 0
    log = write_log(tmp_path, [released(hold=600.0, pipeline="mystery", entity="Thing")] * 20)
    code, out, _ = run("lock_report", log_file=log)
    assert code == 1
    assert out.splitlines()[3].split()[-1] == "warn"
    assert "  §4.2 mystery.Thing: p95 600 ms > 500 ms: commit boundary narrowing: hold the lock through less work" in (
        out.splitlines()
    )
    log = write_log(tmp_path, [released(hold=2100.0, pipeline="mystery", entity="Thing")] * 20)
    code, out, _ = run("lock_report", log_file=log)
    assert code == 1
    assert out.splitlines()[3].split()[-1] == "critical"


def test_report_decisions_per_pipeline_and_playbook_in_text(tmp_path):
    log = write_log(tmp_path, [released(hold=350.0)] * 20 + [deadlock()])
    lines = run("lock_report", log_file=log)[1].splitlines()
    start = lines.index("Decision per pipeline")
    assert lines[start : start + 5] == [
        "Decision per pipeline",
        "  skill: ACTION_REQUIRED",
        "Action (audit plan playbook)",
        "  §4.3 deadlocks: 1 deadlock(s) > 0: deadlock incident sprint: review the lock order",
        "  §4.1 skill.UserLicense: p95 350 ms > 200 ms: "
        "batch-query optimisation: move the N×M reads out of the skill lock",
    ]


def test_report_exit_2_on_insufficient_data(tmp_path):
    log = write_log(tmp_path, [released(hold=10.0)] * 19)
    code, out, _ = run("lock_report", log_file=log)
    assert code == 2
    assert out.splitlines()[3].split() == ["skill", "UserLicense", "19", "10.0", "10.0", "10.0", "10.0", "insufficient"]


def test_report_exit_2_on_empty_log(tmp_path):
    log = write_log(tmp_path, [])
    code, out, err = run("lock_report", log_file=log)
    assert code == 2
    assert err == f"Log file {log} is empty.\n"
    assert "no lock_released events" in out


def test_report_exit_2_on_missing_file(tmp_path):
    code, out, err = run("lock_report", log_file=tmp_path / "absent.log")
    assert (code, out) == (2, "")
    assert err == f"Cannot read log file: [Errno 2] No such file or directory: '{tmp_path / 'absent.log'}'\n"


def test_report_exit_2_on_a_glob_matching_nothing(tmp_path):
    code, _, err = run("lock_report", log_file=str(tmp_path / "app.log*"))
    assert code == 2
    assert err == f"Cannot read log file: no file matches '{tmp_path / 'app.log*'}'\n"


def test_report_exit_2_without_a_log_file():
    code, _, err = run("lock_report")
    assert (code, err) == (2, "--log-file is required (a path, a glob or - for stdin)\n")


def test_report_exit_2_on_unreadable_path(tmp_path):
    code, _, err = run("lock_report", log_file=tmp_path)  # a directory
    assert code == 2
    assert "Cannot read log file" in err


def test_report_since_days_window(tmp_path):
    old = [released(hold=5000.0, at=T0 - timedelta(days=3))] * 20  # would be critical
    log = write_log(tmp_path, old + healthy_lines())
    assert run("lock_report", log_file=log, now=NOW)[0] == 1
    code, out, _ = run("lock_report", log_file=log, since_days=2, now=NOW, json=True)
    doc = json.loads(out)
    assert code == 0
    assert doc["counts"]["outside_window"] == 20
    assert doc["window"] == {"start": "2026-02-22T11:00:00+00:00", "end": "2026-02-24T11:00:00+00:00"}
    # An empty window is "no data", not "all good".
    assert run("lock_report", log_file=log, since_days=1, now=NOW + timedelta(days=5))[0] == 2


def test_report_json_structure_and_values(tmp_path):
    lines = ["junk", '{"level": "INFO", "message": "x"}', released(hold=10.0), released(hold=40.0), released(hold=20.0)]
    log = write_log(tmp_path, lines)
    code, out, _ = run("lock_report", log_file=log, json=True)
    doc = json.loads(out)
    assert code == 2
    assert (doc["verdict"], doc["exit_code"], doc["window"]) == ("insufficient", 2, None)
    assert doc["counts"] == {
        "lines": 5,
        "events": 3,
        "lock_released": 3,
        "malformed": 0,
        "non_json": 1,
        "foreign": 1,
        "outside_window": 0,
        "text_incidents": 0,
        "files": 1,
        "processes": 0,
    }
    (group,) = doc["groups"]
    assert {k: group[k] for k in ("n", "p50_ms", "p95_ms", "p99_ms", "max_ms", "verdict")} == {
        "n": 3,
        "p50_ms": 20.0,
        "p95_ms": 38.0,
        "p99_ms": 39.6,
        "max_ms": 40.0,
        "verdict": "insufficient",
    }
    assert doc["callers"][0]["caller"] == "skill.caller"
    assert doc["deadlocks"]["count"] == 0
    assert doc["integrity_errors"] == {
        "count": 0,
        "attempts": 3,
        "rate": 0.0,
        "verdict": "insufficient",
        "reasons": ["3 lock_released event(s) < min_samples=20"],
        "events": 0,
        "text": 0,
        "playbook": None,
    }
    assert doc["thresholds"]["min_samples"] == 20


def test_report_small_n_percentiles_in_table(tmp_path, settings):
    settings.LOCK_REPORT_THRESHOLDS = {"min_samples": 1}
    for values, expected in [
        ([7.0], ["1", "7.0", "7.0", "7.0", "7.0"]),
        ([100.0, 200.0], ["2", "150.0", "195.0", "199.0", "200.0"]),
    ]:
        log = write_log(tmp_path, [released(hold=v, pipeline="booking", entity="Slot") for v in values])
        code, out, _ = run("lock_report", log_file=log)
        assert code == 0
        assert out.splitlines()[3].split()[2:7] == expected


def test_report_thresholds_from_settings_override_defaults(tmp_path, settings):
    log = write_log(tmp_path, [released(hold=250.0)] * 20)
    settings.LOCK_REPORT_THRESHOLDS = {"pipeline_p95_warn_ms": {"skill": 300}}
    assert run("lock_report", log_file=log)[0] == 0
    settings.LOCK_REPORT_THRESHOLDS = {"min_samples": 21}
    assert run("lock_report", log_file=log)[0] == 2


def test_report_invalid_thresholds_setting_exits_2(tmp_path, settings):
    settings.LOCK_REPORT_THRESHOLDS = {"p95_warn": 1}
    code, _, err = run("lock_report", log_file=write_log(tmp_path, healthy_lines()))
    assert code == 2
    assert err == "Invalid LOCK_REPORT_THRESHOLDS: unknown LOCK_REPORT_THRESHOLDS keys: p95_warn\n"


def test_report_verbosity(tmp_path):
    log = write_log(tmp_path, [*healthy_lines(), released(hold=1.0, outcome="maybe")])
    assert run("lock_report", log_file=log, verbosity=0)[:2] == (0, "")
    normal = run("lock_report", log_file=log)[1].splitlines()
    assert "1 malformed lock event line(s) skipped; see lock_validate" in normal
    verbose = run("lock_report", log_file=log, verbosity=2)[1].splitlines()
    counts = "lines=41, events=40, lock_released=40, malformed=1, non_json=0, foreign=0, outside_window=0"
    assert f"{counts}, text_incidents=0, files=1, processes=0" in verbose
    assert len(verbose) > len(normal)


def test_report_rejects_non_positive_since_days(tmp_path):
    with pytest.raises(CommandError, match="must be a positive integer"):
        call_command("lock_report", "--log-file", str(tmp_path / "x.log"), "--since-days", "0")


# --- lock_validate -----------------------------------------------------------


def test_validate_exit_0_on_valid_log_with_ignored_junk(tmp_path):
    log = write_log(tmp_path, ["Starting worker", released(hold=1.0), "", deadlock(at=T0 + timedelta(seconds=1))])
    code, out, _ = run("lock_validate", log_file=log)
    assert (code, out) == (0, "OK: 2 lock event(s) valid\n")


def test_validate_exit_1_lists_malformed_events_with_line_numbers(tmp_path):
    lines = [
        released(hold=1.0),
        released(hold=1.0, wait_ms=-2),
        json.dumps({"event": "lock_integrity_error", "pipeline": "reward", "caller": "g", "at": "2026-02-24T10:00:00"}),
    ]
    code, out, _ = run("lock_validate", log_file=write_log(tmp_path, lines))
    assert code == 1
    assert out.splitlines() == [
        "line 2: wait_ms: must be non-negative, got -2",
        "line 3: missing field 'entity_type'; at: timestamp has no timezone: '2026-02-24T10:00:00'",
        "FAILED: 2 problem(s); 1 well-formed",
    ]


def test_validate_exit_1_when_one_process_goes_back_in_time(tmp_path):
    lines = [released(hold=1.0, at=T0, pid=7), released(hold=1.0, at=T0 - timedelta(milliseconds=1), pid=7)]
    code, out, _ = run("lock_validate", log_file=write_log(tmp_path, lines))
    assert code == 1
    assert out.splitlines()[0] == (
        "line 2: timestamp 2026-02-24T09:59:59.999000+00:00 is earlier than line 1 (2026-02-24T10:00:00+00:00)"
        " of the same process 7"
    )


def test_validate_tolerates_a_few_ms_across_processes_or_without_a_pid(tmp_path):
    for pids in [(7, 8), (None, None)]:
        lines = [
            released(hold=1.0, at=T0 + timedelta(milliseconds=3 * i) - (i % 2) * timedelta(milliseconds=5), pid=pid)
            for i, pid in enumerate(pids * 3)
        ]
        log = write_log(tmp_path, [line.replace(', "pid": null', "") for line in lines])
        assert run("lock_validate", log_file=log)[0] == 0
        assert run("lock_validate", log_file=log, skew_ms=1)[0] == 1


def test_validate_names_the_file_when_several_are_read(tmp_path):
    good = write_log(tmp_path, [released(hold=1.0)])
    bad = tmp_path / "worker2.log"
    bad.write_text(released(hold=1.0, outcome="x") + "\n")
    code, out, _ = run("lock_validate", log_file=[str(good), str(bad)])
    assert code == 1
    assert out.splitlines()[0].startswith(f"{bad}:1: outcome: must be one of")


def test_validate_strict_makes_non_json_lines_errors(tmp_path):
    log = write_log(tmp_path, ["Starting worker", released(hold=1.0)])
    assert run("lock_validate", log_file=log)[0] == 0
    code, out, _ = run("lock_validate", log_file=log, strict=True)
    assert code == 1
    assert out.splitlines()[0] == "line 1: not a JSON object"


def test_validate_exit_2_on_empty_log(tmp_path):
    code, out, _ = run("lock_validate", log_file=write_log(tmp_path, []))
    assert (code, out) == (2, "NO DATA: no lock events to validate\n")


def test_validate_exit_2_when_no_lock_events(tmp_path):
    log = write_log(tmp_path, ["junk", '{"level": "INFO", "message": "hello"}'])
    assert run("lock_validate", log_file=log)[0] == 2


def test_validate_exit_2_on_missing_file(tmp_path):
    code, out, err = run("lock_validate", log_file=tmp_path / "absent.log")
    assert (code, out) == (2, "")
    assert "Cannot read log file" in err


def test_validate_since_hours_window(tmp_path):
    lines = [
        released(hold=1.0, at=T0 - timedelta(hours=30), outcome="bogus"),  # old breakage, out of scope
        released(hold=1.0, at=T0),
    ]
    log = write_log(tmp_path, lines)
    assert run("lock_validate", log_file=log, now=NOW)[0] == 1
    assert run("lock_validate", log_file=log, since_hours=24, now=NOW)[:2] == (0, "OK: 1 lock event(s) valid\n")
    assert run("lock_validate", log_file=log, since_hours=24, now=NOW + timedelta(days=3))[0] == 2


def test_validate_verbosity_0_prints_nothing(tmp_path):
    log = write_log(tmp_path, [released(hold=1.0, outcome="x")])
    assert run("lock_validate", log_file=log, verbosity=0)[:2] == (1, "")


@pytest.mark.parametrize("command", ["lock_report", "lock_validate", "lock_decision"])
def test_help_documents_exit_codes(command):
    from django.core.management import load_command_class

    parser = load_command_class("perf", command).create_parser("manage.py", command)
    text = parser.format_help()
    assert "Exit codes:\n  0  " in text
    assert "\n  1  " in text
    assert "\n  2  " in text


def test_report_thresholds_file_overrides_settings_and_defaults(tmp_path, settings):
    log = write_log(tmp_path, [released(hold=250.0)] * 20)
    relaxed = tmp_path / "thresholds.json"
    relaxed.write_text(json.dumps({"pipeline_p95_warn_ms": {"skill": 300}}))
    settings.LOCK_REPORT_THRESHOLDS = {"pipeline_p95_warn_ms": {"skill": 100}}
    assert run("lock_report", log_file=log)[0] == 1
    assert run("lock_report", log_file=log, thresholds=relaxed)[0] == 0
    broken = tmp_path / "broken.json"
    broken.write_text('["not", "an", "object"]')
    code, out, err = run("lock_report", log_file=log, thresholds=broken)
    assert (code, out, err) == (2, "", f"Invalid LOCK_REPORT_THRESHOLDS: {broken} must hold a JSON object\n")
