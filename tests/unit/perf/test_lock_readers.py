"""How lock events are found in real log text (pure functions, no database)."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta

import pytest

from perf import lock_analysis as la
from perf.lock_analysis import readers
from tests.unit.perf import lock_logs as logs

T0 = datetime(2026, 2, 24, 10, 15, 32, 456000, tzinfo=UTC)


def plan_line(**overrides) -> str:
    return json.dumps(logs.plan_record(logs.Event(at=T0, duration_ms=187.3)) | overrides)


@pytest.mark.parametrize(
    "prefix",
    [
        "",
        "2026-02-24 10:15:32,456 INFO app.utils.lock_logger ",
        "[2026-02-24T10:15:32Z] [pid 12] {worker} ",  # a brace that is not JSON comes first
        "web-1 | ",
    ],
)
def test_the_event_is_found_after_any_prefix(prefix):
    (event,) = la.parse_events([prefix + plan_line() + " trailing words"]).events
    assert (event.pipeline, event.entity_type, event.hold_ms, event.at) == ("skill", "UserLicense", 187.3, T0)


def test_the_plans_own_example_line_is_well_formed():
    parsed = la.parse_events([f"2026-02-24 10:15:32,456 INFO app.utils.lock_logger {plan_line()}"])
    assert (parsed.errors, parsed.non_json, len(parsed.events)) == ((), 0, 1)
    (event,) = parsed.events
    assert (event.wait_ms, event.outcome, event.process, event.extensions) == (None, None, None, ())


def test_python_reprs_and_broken_json_are_non_json():
    parsed = la.parse_events(["INFO {'event': 'lock_released'}", "{not json", "[1, 2]"])
    assert (parsed.non_json, parsed.events, parsed.errors) == (3, (), ())


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("2026-02-24 10:15:32,456 INFO x", T0),
        ("2026-02-24T10:15:32.456Z x", T0),
        ("2026-02-24 11:15:32.456 +01:00 x", T0),
        ("[2026-02-24 10:15:32.456 UTC] x", T0),
        ("2026-02-24 10:15:32 x", T0.replace(microsecond=0)),
        ("INFO no time", None),
    ],
)
def test_leading_time_of_a_record(line, expected):
    assert readers.leading_time(line) == expected


def test_a_chained_traceback_is_one_deadlock_and_its_detail_lines_belong_to_it():
    lines = logs.stdlib_lines(logs.deadlock(at=T0))
    assert sum("deadlock detected" in line for line in lines) > 1  # the traceback repeats it
    (incident,) = la.parse_events(lines).text_incidents
    assert (incident.kind, incident.from_text, incident.at) == (la.LOCK_DEADLOCK, True, T0)  # asctime keeps ms


def test_each_record_mentioning_a_deadlock_or_integrity_error_counts_once():
    lines = [
        "2026-02-24 10:00:00.000 UTC [42] ERROR:  deadlock detected",
        "2026-02-24 10:00:00.000 UTC [42] DETAIL:  Process 42 waits for ShareLock on transaction 7",
        "2026-02-24 10:00:01,000 ERROR app IntegrityError: duplicate key value violates unique constraint",
        "Traceback (most recent call last):",
        "sqlalchemy.exc.IntegrityError: (psycopg2.errors.UniqueViolation)",
        "2026-02-24 10:00:02,000 ERROR app deadlock detected",
    ]
    kinds = [incident.kind for incident in la.parse_events(lines).text_incidents]
    assert sorted(kinds) == [la.LOCK_DEADLOCK, la.LOCK_DEADLOCK, la.LOCK_INTEGRITY_ERROR]


def test_lock_events_themselves_are_never_text_incidents():
    event = json.dumps({"event": "lock_deadlock", "pipeline": "p", "entity_type": "Season", "caller": "c", "at": "x"})
    parsed = la.parse_events([event.replace('"x"', '"2026-02-24T10:00:00Z"') + " deadlock detected"])
    assert (len(parsed.events), parsed.text_incidents) == (1, ())


def test_events_and_text_of_one_deadlock_count_once_and_neither_is_missed():
    event = logs.arena_record(logs.deadlock(at=T0)[0], pid=1)
    both = [json.dumps(event), *logs.stdlib_lines(logs.deadlock(at=T0 + timedelta(milliseconds=1)))]
    thresholds = la.resolve_thresholds()
    report = la.build_report(la.parse_events(both), thresholds=thresholds)
    assert (report.deadlocks.count, report.deadlocks.events, report.deadlocks.text) == (1, 1, 1)
    text_only = la.build_report(la.parse_events(both[1:]), thresholds=thresholds)
    assert (text_only.deadlocks.count, text_only.deadlocks.by_group) == (1, {"(log text)": 1})


def test_integrity_errors_in_text_feed_the_rate():
    holds = [plan_line()] * logs.MIN_SAMPLES
    errors = ["2026-02-24 10:00:01,000 WARNING app IntegrityError on badge insert"] * 2
    report = la.build_report(la.parse_events(holds + errors), thresholds=la.resolve_thresholds())
    assert (report.integrity.errors, report.integrity.text, report.integrity.verdict) == (2, 2, la.Verdict.WARN)
    assert report.integrity.playbook == "§3.4"


def test_gzip_is_recognised_by_its_bytes_not_its_name(tmp_path):
    path = tmp_path / "app.log.1"
    path.write_bytes(gzip.compress(f"{plan_line()}\n".encode()))
    assert len(la.load_log(path).events) == 1


def test_glob_reads_rotations_oldest_first(tmp_path):
    for name in ["app.log", "app.log.1.gz", "app.log.10.gz", "app.log.2.gz"]:
        (tmp_path / name).write_text("")
    assert [p.rsplit("/", 1)[1] for p in readers.expand([str(tmp_path / "app.log*")])] == [
        "app.log.10.gz",
        "app.log.2.gz",
        "app.log.1.gz",
        "app.log",
    ]


def test_a_corrupt_gzip_is_an_unreadable_file(tmp_path):
    path = tmp_path / "app.log.1.gz"
    path.write_bytes(gzip.compress(b"x" * 100)[:20])
    with pytest.raises(OSError, match="Compressed file ended before the end-of-stream marker"):
        la.load_log(path)
