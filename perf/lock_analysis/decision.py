"""The audit plan's §5 decision, from the report of one measurement window.

§5 ends each window with one of three outcomes, and §6 puts the report in
weekly CI.  The decision is the report's exit code read as the plan reads it:

- 0, NO ACTION REQUIRED (§6): every threshold met.  Schedule the next window,
  record the P50/P95 baseline shown.
- 1, OPTIMIZATION REQUIRED (§7): open one sprint per playbook section listed
  (§4.3 first: a deadlock is an incident, not an optimisation).
- 2, INSUFFICIENT DATA: no decision can be made; extend the window or check
  that the log collector receives the lock events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from perf.lock_analysis.render import StyledLine, breaches, table
from perf.lock_analysis.report import HoldRow, Report
from perf.lock_analysis.thresholds import EXIT_FAILED, EXIT_OK, PLAYBOOK, Verdict

NO_ACTION = "NO_ACTION_REQUIRED"
OPTIMIZE = "OPTIMIZATION_REQUIRED"
NO_DECISION = "INSUFFICIENT_DATA"

_NEXT_STEP = {
    NO_ACTION: "All thresholds met (§6): schedule the next window; record the P50/P95 baseline below.",
    OPTIMIZE: "Threshold breached (§7): open a sprint branch per playbook section below; do not mix it with features.",
    NO_DECISION: "Not enough data for a decision: extend the window, or check the lock events reach this log.",
}


@dataclass(frozen=True)
class WeeklyDecision:
    outcome: str
    sprints: tuple[tuple[str, tuple[str, ...]], ...]  # (playbook section, breaches), §4.3 first
    report: Report

    @property
    def exit_code(self) -> int:
        return self.report.exit_code


def decide(report: Report) -> WeeklyDecision:
    outcome = {EXIT_OK: NO_ACTION, EXIT_FAILED: OPTIMIZE}.get(report.exit_code, NO_DECISION)
    by_section: dict[str, list[str]] = {}
    for section, what, _ in breaches(report):
        by_section.setdefault(section, []).append(what)
    # A deadlock sprint is immediate (§3.3); the rest in playbook order.
    order = sorted(by_section, key=lambda section: (section != "§4.3", section))
    return WeeklyDecision(outcome, tuple((s, tuple(by_section[s])) for s in order), report)


def _baseline(row: HoldRow) -> dict[str, Any]:
    stats = row.stats
    names = {"pipeline": row.pipeline, "entity_type": row.entity_type}
    return names | {"n": stats.n, "p50_ms": stats.p50, "p95_ms": stats.p95}


def decision_to_json(decision: WeeklyDecision) -> dict[str, Any]:
    return {
        "outcome": decision.outcome,
        "exit_code": decision.exit_code,
        "next_step": _NEXT_STEP[decision.outcome],
        "sprints": [{"section": s, "action": PLAYBOOK[s], "breaches": list(found)} for s, found in decision.sprints],
        "baseline": [
            {
                "pipeline": r.pipeline,
                "entity_type": r.entity_type,
                "n": r.stats.n,
                "p50_ms": r.stats.p50,
                "p95_ms": r.stats.p95,
            }
            for r in decision.report.groups
        ],
    }


def _baseline_cells(row: HoldRow) -> list[str]:
    stats = row.stats
    return [row.pipeline, row.entity_type, str(stats.n), f"{stats.p50:.1f}", f"{stats.p95:.1f}", row.decision.value]


def render_decision(decision: WeeklyDecision, *, verbosity: int = 1) -> list[StyledLine]:
    if verbosity < 1:
        return []
    verdict = decision.report.verdict
    window = decision.report.window
    span = "" if window is None else f" ({window.start:%Y-%m-%d %H:%M} .. {window.end:%Y-%m-%d %H:%M} UTC)"
    lines: list[StyledLine] = [(f"Lock audit decision{span}: {decision.outcome}", verdict)]
    lines.append((_NEXT_STEP[decision.outcome], None))
    for section, found in decision.sprints:
        lines.append((f"  {section} {PLAYBOOK[section]}", Verdict.CRITICAL if section == "§4.3" else Verdict.WARN))
        lines += [(f"    - {what}", None) for what in found]
    rows = decision.report.groups
    if rows:
        lines += [("", None), ("Baseline (ms)", None)]
        cells = [
            (
                [
                    r.pipeline,
                    r.entity_type,
                    str(r.stats.n),
                    f"{r.stats.p50:.1f}",
                    f"{r.stats.p95:.1f}",
                    r.decision.value,
                ],
                r.verdict,
            )
            for r in rows
        ]
        lines += table(["pipeline", "entity", "n", "p50", "p95", "decision"], cells)
    return lines
