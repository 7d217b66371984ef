"""The report as JSON and as text lines (plain data: callers map verdicts to styles)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from perf.lock_analysis.report import DeadlockCheck, HoldRow, IntegrityCheck, Report
from perf.lock_analysis.thresholds import PLAYBOOK, Decision, Verdict

StyledLine = tuple[str, Verdict | None]

_DECISION_STYLE = {
    Decision.OK: Verdict.OK,
    Decision.ACTION_REQUIRED: Verdict.WARN,
    Decision.CRITICAL: Verdict.CRITICAL,
    Decision.NO_DATA: Verdict.INSUFFICIENT,
    Decision.INSUFFICIENT_DATA: Verdict.INSUFFICIENT,
}


def _row_json(row: HoldRow) -> dict[str, Any]:
    data: dict[str, Any] = {"pipeline": row.pipeline, "entity_type": row.entity_type}
    if row.caller is not None:
        data["caller"] = row.caller
    stats = row.stats
    data |= {
        "n": stats.n,
        "p50_ms": stats.p50,
        "p95_ms": stats.p95,
        "p99_ms": stats.p99,
        "max_ms": stats.max,
        "verdict": row.verdict.value,
        "reasons": list(row.reasons),
        "decision": row.decision.value,
        "playbook": row.playbook,
        "wait_p95_ms": row.wait_p95,
        "rolled_back": row.rolled_back,
        "absent_fields": list(row.absent),
    }
    return data


def report_to_json(report: Report) -> dict[str, Any]:
    """Machine-readable report; fields are only ever added within a ``schema_version``."""
    window = report.window
    dl, ie = report.deadlocks, report.integrity
    return {
        "schema_version": 1,
        "verdict": report.verdict.value,
        "exit_code": report.exit_code,
        "decision": report.decision.value,
        "window": None if window is None else {"start": window.start.isoformat(), "end": window.end.isoformat()},
        "counts": dict(report.counts),
        "thresholds": report.thresholds.as_dict(),
        "pipelines": {pipeline: decision.value for pipeline, decision in report.pipelines.items()},
        "groups": [_row_json(row) for row in report.groups],
        "callers": [_row_json(row) for row in report.callers],
        "deadlocks": {
            "count": dl.count,
            "by_group": dict(dl.by_group),
            "verdict": dl.verdict.value,
            "reasons": list(dl.reasons),
            "events": dl.events,
            "text": dl.text,
            "playbook": dl.playbook,
        },
        "integrity_errors": {
            "count": ie.errors,
            "attempts": ie.attempts,
            "rate": ie.rate,
            "verdict": ie.verdict.value,
            "reasons": list(ie.reasons),
            "events": ie.events,
            "text": ie.text,
            "playbook": ie.playbook,
        },
    }


def table(header: Sequence[str], rows: Sequence[tuple[Sequence[str], Verdict | None]]) -> list[StyledLine]:
    widths = [len(h) for h in header]
    for cells, _ in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, cells, strict=True)]

    def fmt(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    lines: list[StyledLine] = [(fmt(header), None), (fmt(["-" * w for w in widths]), None)]
    lines += [(fmt(cells), verdict) for cells, verdict in rows]
    return lines


def _stat_cells(row: HoldRow) -> list[str]:
    s = row.stats
    return [str(s.n)] + [f"{v:.1f}" for v in (s.p50, s.p95, s.p99, s.max)] + [row.verdict.value]


_STAT_HEADER = ["n", "p50", "p95", "p99", "max", "verdict"]


def breaches(report: Report) -> list[tuple[str, str, Verdict]]:
    """(playbook section, what breached, verdict) for every breach, deadlocks first."""
    found: list[tuple[str, str, Verdict]] = []
    checks: list[tuple[str, DeadlockCheck | IntegrityCheck]] = [
        ("deadlocks", report.deadlocks),
        ("IntegrityError rate", report.integrity),
    ]
    for label, check in checks:
        if check.playbook is not None:
            found += [(check.playbook, f"{label}: {why}", check.verdict) for why in check.reasons]
    for row in report.groups:
        if row.playbook is not None:
            found += [(row.playbook, f"{row.pipeline}.{row.entity_type}: {why}", row.verdict) for why in row.reasons]
    return found


def render_report(report: Report, *, verbosity: int = 1) -> list[StyledLine]:
    """Human-readable report lines; verbosity 0 renders nothing."""
    if verbosity < 1:
        return []
    lines: list[StyledLine] = [("Lock hold times (ms) per pipeline/entity", None)]
    if report.groups:
        lines += table(
            ["pipeline", "entity", *_STAT_HEADER],
            [([r.pipeline, r.entity_type, *_stat_cells(r)], r.verdict) for r in report.groups],
        )
        lines += [("", None), ("Per caller", None)]
        lines += table(
            ["caller", "pipeline", "entity", *_STAT_HEADER],
            [([r.caller or "", r.pipeline, r.entity_type, *_stat_cells(r)], r.verdict) for r in report.callers],
        )
    else:
        lines.append(("  no lock_released events", Verdict.INSUFFICIENT))
    lines.append(("", None))
    lines += _check_lines(report)
    lines += _decision_lines(report)
    malformed = report.counts.get("malformed", 0)
    if malformed:
        # Skipped silently these would bias the percentiles; point at the fix.
        note = f"{malformed} malformed lock event line(s) skipped; see lock_validate"
        lines.append((note, Verdict.WARN))
    if verbosity >= 2:
        lines += _detail_lines(report)
    lines.append((f"Overall: {report.verdict.value} (exit {report.exit_code})", report.verdict))
    return lines


def _check_lines(report: Report) -> list[StyledLine]:
    dl, ie = report.deadlocks, report.integrity
    rate = "n/a" if ie.rate is None else f"{ie.rate:.2%}"
    return [
        (f"Deadlocks: {dl.count} ({dl.verdict.value})", dl.verdict),
        (f"IntegrityError rate: {ie.errors}/{ie.attempts} = {rate} ({ie.verdict.value})", ie.verdict),
    ]


def _decision_lines(report: Report) -> list[StyledLine]:
    lines: list[StyledLine] = [("", None), ("Decision per pipeline", None)]
    lines += [(f"  {p}: {d.value}", _DECISION_STYLE[d]) for p, d in report.pipelines.items()]
    found = breaches(report)
    if found:
        lines.append(("Action (audit plan playbook)", None))
        lines += [(f"  {section} {what}: {PLAYBOOK[section]}", verdict) for section, what, verdict in found]
    return lines


def _detail_lines(report: Report) -> list[StyledLine]:
    lines: list[StyledLine] = [("", None)]
    if report.window is not None:
        window = report.window
        lines.append((f"Window: {window.start.isoformat()} .. {window.end.isoformat()}", None))
    lines.append((", ".join(f"{k}={v}" for k, v in report.counts.items()), None))
    labelled: list[tuple[str, HoldRow | DeadlockCheck | IntegrityCheck]]
    labelled = [(f"{r.pipeline}.{r.entity_type}", r) for r in report.groups]
    labelled += [("deadlocks", report.deadlocks), ("integrity", report.integrity)]
    for label, check in labelled:
        lines += [(f"  {label}: {why}", check.verdict) for why in check.reasons]
    lines += [
        (f"  {r.pipeline}.{r.entity_type}: fields absent from every event: {', '.join(r.absent)}", None)
        for r in report.groups
        if r.absent
    ]
    return lines
