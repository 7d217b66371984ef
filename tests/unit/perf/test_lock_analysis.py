"""Unit tests for perf.lock_analysis (pure functions, no database)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from perf import lock_analysis as la
from perf.stats import percentile

T0 = datetime(2026, 2, 24, 10, 0, tzinfo=UTC)


def released(
    *,
    hold: float,
    pipeline: str = "skill",
    entity: str = "UserLicense",
    caller: str = "svc.write",
    at: datetime = T0,
    **overrides: object,
) -> str:
    record = {
        "event": "lock_released",
        "pipeline": pipeline,
        "entity_type": entity,
        "entity_id": 7,
        "caller": caller,
        "lock_released_at": at.isoformat().replace("+00:00", "Z"),
        "duration_ms": hold,
        "wait_ms": 1.5,
        "hold_ms": hold,
        "outcome": "committed",
    }
    record.update(overrides)
    return json.dumps({k: v for k, v in record.items() if v is not ...})


def incident(*, kind: str, at: datetime = T0, pipeline: str = "reward", entity: str = "Season") -> str:
    return json.dumps(
        {"event": kind, "pipeline": pipeline, "entity_type": entity, "caller": "svc.fin", "at": at.isoformat()}
    )


def events(lines: list[str]) -> tuple[la.LockEvent, ...]:
    parsed = la.parse_events(lines)
    assert parsed.errors == ()
    return parsed.events


DEFAULTS = la.resolve_thresholds()


# --- percentiles (perf.stats, the project's one implementation) -------------------


def test_hold_stats_are_perf_stats_percentiles_at_the_emitters_resolution():
    values = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0, 5.0]
    stats = la.HoldStats.of(values)
    assert (stats.p50, stats.p95, stats.p99) == tuple(round(percentile(values, q), 3) for q in (50, 95, 99))


def test_float_error_of_the_interpolation_never_pushes_a_p95_over_its_limit():
    values = [100.0] * 19 + [2100.0]  # type 7: P95 = x[18] + 0.05 * (x[19] - x[18]) = 200 exactly
    assert percentile(values, 95) > 200.0  # in floats it lands a hair above
    assert la.HoldStats.of(values).p95 == 200.0


def test_hold_stats_sorts_once_and_reports_max():
    assert la.HoldStats.of([30.0, 10.0, 20.0]) == la.HoldStats(n=3, p50=20.0, p95=29.0, p99=29.8, max=30.0)


# --- parsing -----------------------------------------------------------------


def test_parse_mixed_junk_lines_counts_each_kind():
    lines = [
        "plain text log line\n",
        "",
        "   \n",
        '{"ts": "2026-02-24T10:00:00Z", "level": "INFO", "message": "hi"}',
        "[1, 2, 3]",
        "42",
        "{not json",
        released(hold=12.5),
        incident(kind="lock_deadlock"),
        incident(kind="lock_integrity_error"),
        '{"event": "lock_acquired", "pipeline": "skill"}',
    ]
    parsed = la.parse_events(lines)
    assert parsed.lines == 9
    assert parsed.non_json == 4
    assert parsed.foreign == 2
    assert parsed.errors == ()
    assert [type(e).__name__ for e in parsed.events] == ["LockReleased", "LockIncident", "LockIncident"]
    assert parsed.events[0] == la.LockReleased(
        line_no=8,
        pipeline="skill",
        entity_type="UserLicense",
        entity_id=7,
        caller="svc.write",
        at=T0,
        hold_ms=12.5,
        wait_ms=1.5,
        outcome="committed",
        process=None,
        source="",
        extensions=("wait_ms", "hold_ms", "outcome"),
    )
    assert parsed.events[1].kind == "lock_deadlock"
    assert parsed.events[1].line_no == 9


def test_parse_strict_reports_non_json_lines_with_line_numbers():
    parsed = la.parse_events(["junk", released(hold=1), "[1]"], strict=True)
    assert parsed.errors == (la.LineError(1, "not a JSON object"), la.LineError(3, "not a JSON object"))
    assert len(parsed.events) == 1


@pytest.mark.parametrize(
    "stamp",
    ["2026-02-24T10:00:00Z", "2026-02-24T10:00:00+00:00", "2026-02-24T11:00:00+01:00", "2026-02-24T10:00:00.000Z"],
)
def test_timestamps_with_offsets_normalise_to_utc(stamp):
    (event,) = events([released(hold=1, lock_released_at=stamp)])
    assert event.at == T0
    assert event.at.tzinfo is UTC


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"pipeline": 3}, "pipeline: expected a string, got int"),
        ({"caller": " "}, "caller: must not be empty"),
        ({"entity_id": True}, "entity_id: expected a string, integer or null, got bool"),
        ({"entity_id": 1.5}, "entity_id: expected a string, integer or null, got float"),
        ({"lock_released_at": "2026-02-24T10:00:00"}, "lock_released_at: timestamp has no timezone"),
        ({"lock_released_at": "yesterday"}, "lock_released_at: not an ISO-8601 timestamp: 'yesterday'"),
        ({"lock_released_at": 1700000000}, "lock_released_at: expected an ISO-8601 string, got int"),
        ({"wait_ms": -0.5}, "wait_ms: must be non-negative, got -0.5"),
        ({"wait_ms": "5"}, "wait_ms: expected a number, got str"),
        ({"wait_ms": False}, "wait_ms: expected a number, got bool"),
        ({"wait_ms": float("inf")}, "wait_ms: must be finite, got inf"),
        ({"wait_ms": 10**400}, "wait_ms: number out of range"),
        ({"outcome": "aborted"}, "outcome: must be one of ['committed', 'rolled_back'], got 'aborted'"),
        ({"duration_ms": ..., "hold_ms": ...}, "missing field 'duration_ms'"),
        ({"pid": True}, "pid: expected a string, got bool"),
        ({"entity_id": ...}, "missing field 'entity_id'"),
        ({"duration_ms": 5}, "duration_ms (5.0) differs from hold_ms (9.0)"),
    ],
)
def test_malformed_released_event_reasons(overrides, reason):
    parsed = la.parse_events(["noise", released(hold=9, **overrides)])
    assert parsed.events == ()
    (error,) = parsed.errors
    assert error.line_no == 2
    assert error.reason.startswith(reason)


def test_nan_is_rejected_as_non_finite():
    line = released(hold=9).replace('"wait_ms": 1.5', '"wait_ms": NaN')
    (error,) = la.parse_events([line]).errors
    assert error.reason == "wait_ms: must be finite, got nan"


def test_all_problems_on_a_line_are_reported_together():
    (error,) = la.parse_events([released(hold=1, pipeline="", outcome=None)]).errors
    assert error.reason == (
        "pipeline: must not be empty; outcome: must be one of ['committed', 'rolled_back'], got None"
    )
    assert error.at == T0  # a readable timestamp is kept for windowing


def test_malformed_incident_and_null_entity_id_accepted():
    bad = json.dumps({"event": "lock_deadlock", "pipeline": "reward", "entity_type": "Season", "caller": "x"})
    good = released(hold=1, entity_id=None)
    parsed = la.parse_events([bad, good])
    assert parsed.errors == (la.LineError(1, "missing field 'at'", None),)
    assert parsed.events[0].entity_id is None


def test_load_log_reads_file_and_tolerates_bad_bytes(tmp_path):
    path = tmp_path / "app.log"
    path.write_bytes(b"\xff\xfe garbage\n" + released(hold=3).encode() + b"\n")
    parsed = la.load_log(path)
    assert (parsed.lines, parsed.non_json, len(parsed.events)) == (2, 1, 1)


# --- validation --------------------------------------------------------------


def test_validate_valid_log_exits_0():
    result = la.validate(la.parse_events([released(hold=1), incident(kind="lock_deadlock", at=T0)]))
    assert (result.checked, result.errors, result.exit_code) == (2, (), 0)


def test_validate_reports_timestamps_going_backwards():
    lines = [
        released(hold=1, at=T0),
        released(hold=1, at=T0 + timedelta(seconds=30)),
        released(hold=1, at=T0 + timedelta(seconds=20)),
        released(hold=1, at=T0 + timedelta(seconds=25)),
        released(hold=1, at=T0 + timedelta(seconds=25)),  # equal is fine
    ]
    result = la.validate(la.parse_events(lines))
    assert result.exit_code == 1
    assert [(e.line_no, e.reason) for e in result.errors] == [
        (
            3,
            "timestamp 2026-02-24T10:00:20+00:00 is earlier than line 2 (2026-02-24T10:00:30+00:00)"
            " by more than the 1 s skew",
        )
    ]


def test_validate_errors_sorted_by_line_and_exit_1():
    lines = [released(hold=1, at=T0 + timedelta(seconds=5)), released(hold=1, outcome="x"), released(hold=1)]
    result = la.validate(la.parse_events(lines))
    assert [e.line_no for e in result.errors] == [2, 3]
    assert result.exit_code == 1


def test_validate_no_events_exits_2():
    result = la.validate(la.parse_events(["junk", '{"level": "INFO"}']))
    assert (result.checked, result.exit_code, result.non_json, result.foreign) == (0, 2, 1, 1)


def test_validate_window_drops_old_events_and_old_malformed_lines():
    now = T0 + timedelta(hours=5)
    lines = [
        released(hold=1, at=T0 - timedelta(hours=1)),  # too old
        released(hold=1, at=T0, outcome="bad"),  # old and malformed: out of scope
        released(hold=1, at=T0 + timedelta(hours=4)),
        '{"event": "lock_deadlock"}',  # no timestamp: cannot prove it is old
    ]
    window = la.Window.last(now=now, span=timedelta(hours=2))
    result = la.validate(la.parse_events(lines), window=window)
    assert result.checked == 1
    assert result.outside_window == 1
    assert [e.line_no for e in result.errors] == [4]


def test_window_bounds_are_inclusive_and_exclude_future():
    window = la.Window.last(now=T0, span=timedelta(days=1))
    assert window.contains(T0 - timedelta(days=1))
    assert window.contains(T0)
    assert not window.contains(T0 - timedelta(days=1, microseconds=1))
    assert not window.contains(T0 + timedelta(microseconds=1))


def test_window_requires_aware_now():
    with pytest.raises(ValueError, match="timezone-aware"):
        la.Window.last(now=datetime(2026, 2, 24), span=timedelta(days=1))  # noqa: DTZ001


# --- thresholds --------------------------------------------------------------


def test_default_thresholds():
    assert DEFAULTS.as_dict() == {
        "pipeline_p95_warn_ms": {"skill": 200.0, "reward": 500.0},
        "entity_p95_warn_ms": {"Semester": 500.0, "Season": 500.0},
        "default_p95_warn_ms": 500.0,
        "p95_critical_ms": 2000.0,
        "max_deadlocks": 0,
        "integrity_error_rate_warn": 0.05,
        "min_samples": 20,
        "expected_pipelines": [],
    }


def test_overrides_merge_per_name_and_none_removes_a_rule():
    thresholds = la.resolve_thresholds(
        {"pipeline_p95_warn_ms": {"booking": 300}, "entity_p95_warn_ms": {"Season": None}, "min_samples": 5}
    )
    assert thresholds.pipeline_p95_warn_ms == {"skill": 200.0, "reward": 500.0, "booking": 300.0}
    assert thresholds.entity_p95_warn_ms == {"Semester": 500.0}
    assert thresholds.min_samples == 5
    assert thresholds.p95_critical_ms == 2000.0


@pytest.mark.parametrize(
    ("overrides", "error", "match"),
    [
        ({"p95_warn": 1}, ValueError, "unknown LOCK_REPORT_THRESHOLDS keys: p95_warn"),
        ({"min_samples": -1}, ValueError, "min_samples must be a non-negative integer"),
        ({"min_samples": 2.5}, ValueError, "min_samples must be a non-negative integer"),
        ({"p95_critical_ms": "fast"}, ValueError, "p95_critical_ms: expected a number"),
        ({"pipeline_p95_warn_ms": 200}, TypeError, "must be a mapping"),
        ({"expected_pipelines": "skill"}, TypeError, "must be a list of pipeline names"),
        ({"default_p95_warn_ms": -5}, ValueError, "default_p95_warn_ms: must be non-negative"),
        ({"entity_p95_warn_ms": {"Season": -1}}, ValueError, r"entity_p95_warn_ms\['Season'\]"),
    ],
)
def test_invalid_thresholds_rejected(overrides, error, match):
    with pytest.raises(error, match=match):
        la.resolve_thresholds(overrides)


def test_stricter_warn_limit_wins_when_pipeline_and_entity_both_match():
    assert DEFAULTS.warn_limit(pipeline="skill", entity_type="Season") == 200.0
    assert DEFAULTS.warn_limit(pipeline="reward", entity_type="Season") == 500.0


@pytest.mark.parametrize(
    ("pipeline", "entity", "limit"),
    [
        ("skill", "UserLicense", 200.0),  # the plan's names, §3.1
        ("reward", "Semester", 500.0),  # §3.2
        ("reward", "TournamentBadge", 500.0),
        ("skill", "PlayerSkill", 200.0),  # Arena's names
        ("registration", "Season", 500.0),
        ("economy", "Wallet", 500.0),  # any other pipeline
    ],
)
def test_the_plans_thresholds_apply_to_its_names_and_to_ours(pipeline, entity, limit):
    assert DEFAULTS.warn_limit(pipeline=pipeline, entity_type=entity) == limit


def test_default_warn_limit_can_be_removed():
    thresholds = la.resolve_thresholds({"default_p95_warn_ms": None})
    assert thresholds.warn_limit(pipeline="booking", entity_type="Slot") is None
    assert thresholds.warn_limit(pipeline="skill", entity_type="Slot") == 200.0


# --- summary and verdicts ----------------------------------------------------


def holds(values: list[float], **kwargs: Any) -> list[str]:
    return [released(hold=v, **kwargs) for v in values]


def test_summary_all_ok_exits_0():
    lines = holds([100.0] * 20) + holds([400.0] * 20, pipeline="reward", entity="Season", caller="fin")
    report = la.summarise(events(lines), thresholds=DEFAULTS)
    assert [(r.pipeline, r.entity_type, r.stats.n, r.verdict) for r in report.groups] == [
        ("reward", "Season", 20, la.Verdict.OK),
        ("skill", "UserLicense", 20, la.Verdict.OK),
    ]
    assert report.deadlocks.count == 0
    assert (report.integrity.errors, report.integrity.attempts, report.integrity.rate) == (0, 40, 0.0)
    assert (report.verdict, report.exit_code) == (la.Verdict.OK, 0)


def test_p95_exactly_at_limit_passes_and_just_above_warns():
    # n=20: h = 19 * 0.95 = 18.05, so P95 = x[18] + 0.05 * (x[19] - x[18]).
    at_limit = la.summarise(events(holds([100.0] * 19 + [2100.0])), thresholds=DEFAULTS)
    assert (at_limit.groups[0].stats.p95, at_limit.groups[0].verdict) == (200.0, la.Verdict.OK)
    above = la.summarise(events(holds([100.0] * 19 + [2120.0])), thresholds=DEFAULTS)
    (row,) = above.groups
    assert (row.stats.p95, row.stats.max) == (201.0, 2120.0)
    assert (row.verdict, row.reasons, above.exit_code) == (la.Verdict.WARN, ("p95 201 ms > 200 ms",), 1)


def test_season_warns_above_500_and_any_pipeline_is_critical_above_2000():
    season = la.summarise(events(holds([600.0] * 20, pipeline="reward", entity="Season")), thresholds=DEFAULTS)
    assert season.groups[0].verdict is la.Verdict.WARN
    slow = la.summarise(events(holds([2500.0] * 20)), thresholds=DEFAULTS)
    assert (slow.groups[0].verdict, slow.groups[0].reasons) == (la.Verdict.CRITICAL, ("p95 2500 ms > 2000 ms",))


def test_reward_semester_p95_of_600_warns_and_points_at_commit_boundary_narrowing():
    # The case: only Season was configured, so the plan's Semester passed at 600 ms.
    report = la.summarise(events(holds([600.0] * 20, pipeline="reward", entity="Semester")), thresholds=DEFAULTS)
    (row,) = report.groups
    assert (row.verdict, row.decision, row.playbook, report.exit_code) == (
        la.Verdict.WARN,
        la.Decision.ACTION_REQUIRED,
        "§4.2",
        1,
    )


def test_other_pipeline_warns_above_the_default_limit_and_is_critical_above_2000():
    ok = la.summarise(events(holds([500.0] * 20, pipeline="mystery", entity="Thing")), thresholds=DEFAULTS)
    assert [(r.pipeline, r.verdict) for r in ok.groups] == [("mystery", la.Verdict.OK)]
    warn = la.summarise(events(holds([501.0] * 20, pipeline="mystery", entity="Thing")), thresholds=DEFAULTS)
    assert (warn.groups[0].verdict, warn.groups[0].playbook) == (la.Verdict.WARN, "§4.2")
    bad = la.summarise(events(holds([2001.0] * 20, pipeline="mystery", entity="Thing")), thresholds=DEFAULTS)
    assert (bad.groups[0].verdict, bad.groups[0].decision) == (la.Verdict.CRITICAL, la.Decision.CRITICAL)


def test_pipeline_decisions_use_the_origin_vocabulary():
    lines = holds([300.0] * 20) + holds([1.0] * 3, pipeline="booking", entity="Slot")
    lines += holds([10.0] * 20, pipeline="reward", entity="Season")
    thresholds = la.resolve_thresholds({"expected_pipelines": ["enrollment", "reward"]})
    report = la.summarise(events(lines), thresholds=thresholds)
    assert report.pipelines == {
        "booking": la.Decision.INSUFFICIENT_DATA,
        "enrollment": la.Decision.NO_DATA,
        "reward": la.Decision.OK,
        "skill": la.Decision.ACTION_REQUIRED,
    }
    assert report.exit_code == 1


def test_an_expected_pipeline_without_data_is_exit_2():
    lines = holds([10.0] * 20)
    thresholds = la.resolve_thresholds({"expected_pipelines": ["reward"]})
    report = la.summarise(events(lines), thresholds=thresholds)
    assert (report.pipelines, report.exit_code) == ({"reward": la.Decision.NO_DATA, "skill": la.Decision.OK}, 2)
    assert la.summarise(events(lines), thresholds=DEFAULTS).exit_code == 0


def test_extensions_are_used_when_present_and_reported_absent_when_not():
    plan = [released(hold=10.0, wait_ms=..., hold_ms=..., outcome=...)] * 20
    (row,) = la.summarise(events(plan), thresholds=DEFAULTS).groups
    assert (row.wait_p95, row.rolled_back, row.absent) == (None, None, ("wait_ms", "hold_ms", "outcome", "pid", "host"))
    arena = [released(hold=10.0, wait_ms=w, pid=7, host="h") for w in (1.0, 3.0)] + [
        released(hold=10.0, outcome="rolled_back")
    ]
    (row,) = la.summarise(events(arena), thresholds=DEFAULTS).groups
    assert (row.wait_p95, row.rolled_back, row.absent) == (round(percentile([1.0, 3.0, 1.5], 95), 3), 1, ())


def test_insufficient_samples_exit_2_even_if_slow():
    report = la.summarise(events(holds([5000.0] * 19)), thresholds=DEFAULTS)
    assert report.groups[0].verdict is la.Verdict.INSUFFICIENT
    assert report.groups[0].reasons == ("n=19 < min_samples=20",)
    assert (report.verdict, report.exit_code) == (la.Verdict.INSUFFICIENT, 2)


def test_breach_wins_over_insufficient_data():
    lines = holds([300.0] * 20) + holds([1.0] * 3, pipeline="booking", entity="Slot")
    report = la.summarise(events(lines), thresholds=DEFAULTS)
    assert [r.verdict for r in report.groups] == [la.Verdict.INSUFFICIENT, la.Verdict.WARN]
    assert report.exit_code == 1


def test_any_deadlock_is_critical():
    lines = holds([10.0] * 20) + [incident(kind="lock_deadlock"), incident(kind="lock_deadlock", entity="UserLicense")]
    report = la.summarise(events(lines), thresholds=DEFAULTS)
    assert report.deadlocks.count == 2
    assert report.deadlocks.by_group == {"reward.Season": 1, "reward.UserLicense": 1}
    assert (report.deadlocks.verdict, report.verdict, report.exit_code) == (la.Verdict.CRITICAL,) * 2 + (1,)


def test_integrity_rate_at_5_percent_passes_and_above_warns():
    at_limit = holds([10.0] * 20) + [incident(kind="lock_integrity_error")]
    report = la.summarise(events(at_limit), thresholds=DEFAULTS)
    assert (report.integrity.errors, report.integrity.rate, report.integrity.verdict) == (1, 0.05, la.Verdict.OK)
    above = at_limit + [incident(kind="lock_integrity_error")]
    report = la.summarise(events(above), thresholds=DEFAULTS)
    assert (report.integrity.rate, report.integrity.verdict, report.exit_code) == (0.1, la.Verdict.WARN, 1)


def test_no_events_is_insufficient():
    report = la.summarise((), thresholds=DEFAULTS)
    assert report.groups == ()
    assert report.integrity.rate is None
    assert (report.verdict, report.exit_code) == (la.Verdict.INSUFFICIENT, 2)


def test_min_samples_zero_with_no_events_is_still_insufficient():
    report = la.summarise((), thresholds=la.resolve_thresholds({"min_samples": 0}))
    assert report.exit_code == 2


def test_caller_rows_are_a_drill_down_that_does_not_drive_the_exit_code():
    lines = holds([100.0] * 20, caller="a") + holds([100.0] * 5, caller="b")
    report = la.summarise(events(lines), thresholds=DEFAULTS)
    assert [(r.caller, r.stats.n, r.verdict) for r in report.callers] == [
        ("a", 20, la.Verdict.OK),
        ("b", 5, la.Verdict.INSUFFICIENT),
    ]
    assert report.exit_code == 0


def test_build_report_windows_events_and_counts_inputs():
    now = T0 + timedelta(days=5)
    lines = ["junk", *holds([50.0] * 20, at=T0), released(hold=999.0, at=T0 - timedelta(days=1)), released(hold=-1)]
    window = la.Window.last(now=now, span=timedelta(days=5))
    report = la.build_report(la.parse_events(lines), thresholds=DEFAULTS, window=window)
    assert report.counts == {
        "lines": 23,
        "events": 20,
        "lock_released": 20,
        "malformed": 1,
        "non_json": 1,
        "foreign": 0,
        "outside_window": 1,
        "text_incidents": 0,
        "files": 1,
        "processes": 0,
    }
    assert report.groups[0].stats.max == 50.0
    assert report.exit_code == 0


# --- rendering ---------------------------------------------------------------


def test_report_to_json_structure():
    lines = holds([10.0, 20.0, 40.0]) + [incident(kind="lock_deadlock")]
    window = la.Window.last(now=T0, span=timedelta(days=1))
    report = la.build_report(la.parse_events(lines), thresholds=DEFAULTS, window=window)
    doc = la.report_to_json(report)
    assert json.loads(json.dumps(doc)) == doc  # serialisable as-is
    assert doc["schema_version"] == 1
    assert (doc["verdict"], doc["exit_code"]) == ("critical", 1)
    assert doc["window"] == {"start": "2026-02-23T10:00:00+00:00", "end": "2026-02-24T10:00:00+00:00"}
    assert doc["groups"] == [
        {
            "pipeline": "skill",
            "entity_type": "UserLicense",
            "n": 3,
            "p50_ms": 20.0,
            "p95_ms": 38.0,
            "p99_ms": 39.6,
            "max_ms": 40.0,
            "verdict": "insufficient",
            "reasons": ["n=3 < min_samples=20"],
            "decision": "INSUFFICIENT_DATA",
            "playbook": None,
            "wait_p95_ms": 1.5,
            "rolled_back": 0,
            "absent_fields": ["pid", "host"],
        }
    ]
    assert doc["callers"][0]["caller"] == "svc.write"
    assert doc["deadlocks"] == {
        "count": 1,
        "by_group": {"reward.Season": 1},
        "verdict": "critical",
        "reasons": ["1 deadlock(s) > 0"],
        "events": 1,
        "text": 0,
        "playbook": "§4.3",
    }
    assert (doc["decision"], doc["pipelines"]) == ("CRITICAL", {"skill": "INSUFFICIENT_DATA"})
    assert doc["integrity_errors"]["attempts"] == 3
    assert set(doc) == {
        "schema_version",
        "verdict",
        "exit_code",
        "decision",
        "pipelines",
        "window",
        "counts",
        "thresholds",
        "groups",
        "callers",
        "deadlocks",
        "integrity_errors",
    }


def test_render_report_table_and_verbosity():
    report = la.build_report(la.parse_events(holds([10.0, 20.0, 40.0])), thresholds=DEFAULTS)
    assert la.render_report(report, verbosity=0) == []
    text = [line for line, _ in la.render_report(report, verbosity=1)]
    assert text[1].split() == ["pipeline", "entity", "n", "p50", "p95", "p99", "max", "verdict"]
    assert text[3].split() == ["skill", "UserLicense", "3", "20.0", "38.0", "39.6", "40.0", "insufficient"]
    assert text[-1] == "Overall: insufficient (exit 2)"
    verbose = [line for line, _ in la.render_report(report, verbosity=2)]
    assert "  skill.UserLicense: n=3 < min_samples=20" in verbose


def test_render_validation_lists_errors():
    result = la.validate(la.parse_events(["junk", released(hold=1, outcome="x")], strict=True))
    lines = la.render_validation(result, verbosity=1)
    assert lines[0] == ("line 1: not a JSON object", la.Verdict.CRITICAL)
    assert lines[1][0].startswith("line 2: outcome: must be one of")
    assert lines[-1] == ("FAILED: 2 problem(s); 0 well-formed", la.Verdict.CRITICAL)
    assert la.render_validation(result, verbosity=0) == []


def test_fixed_offset_timezone_is_accepted_for_now():
    window = la.Window.last(now=T0.astimezone(timezone(timedelta(hours=2))), span=timedelta(hours=1))
    assert window.contains(T0)
