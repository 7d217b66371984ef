"""The plans of each hot path's costliest statements, with sequential scans flagged.

The head worker (``perf/worker.py`` ``profile``) times every statement of ``CALLS``
calls precisely (``perf_counter`` around each execute, grouped by SQL text), then runs
one more call under PostgreSQL's ``auto_explain`` (``log_analyze``, ``log_buffers``,
JSON, delivered to the client through ``client_min_messages``). So each plan is the
one the statement really ran with: writes and row locks as they executed, with their
real parameters, never re-executed with stale values. On SQLite: ``EXPLAIN QUERY PLAN``
of each statement with its parameters (it executes nothing).

Shown per hot path: the ``COSTLIEST`` statements by mean time per call, plus every
lock statement (``FOR UPDATE`` / ``FOR NO KEY UPDATE``) whatever its rank. A sequential
scan is flagged when the plan says it read more than ``SEQ_SCAN_ROWS`` rows (PostgreSQL)
or when SQLite scans a table without an index.
"""

from __future__ import annotations

import re
from typing import Any

CALLS = 20
COSTLIEST = 3
SEQ_SCAN_ROWS = 1000
LOCKING = re.compile(r"\bFOR (NO KEY )?UPDATE\b", re.IGNORECASE)


def chosen(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The costliest statements, then the lock statements not among them."""
    ranked = sorted(statements, key=lambda statement: statement["seconds"], reverse=True)
    top = [statement for statement in ranked if statement["plan"] is not None][:COSTLIEST]
    locks = [statement for statement in ranked if LOCKING.search(statement["sql"]) and statement not in top]
    return top + locks


def plan_lines(plan: Any) -> tuple[list[str], list[str]]:
    """Printable plan lines and the sequential-scan warnings of one statement."""
    warnings: list[str] = []
    if isinstance(plan, list):  # SQLite: EXPLAIN QUERY PLAN details
        warnings = [f"SCAN {match.group(1)} without an index" for line in plan if (match := _sqlite_scan(line))]
        return plan, warnings
    lines: list[str] = []
    _walk(plan, 0, lines, warnings)
    return lines, warnings


def _sqlite_scan(line: str) -> re.Match[str] | None:
    # "SCAN t" is a full scan; "SCAN t USING (COVERING) INDEX i" walks an index.
    return re.match(r"SCAN (\w+)$", line.strip())


def _walk(node: dict[str, Any], depth: int, lines: list[str], warnings: list[str]) -> None:
    label = node["Node Type"] + (f" on {node['Relation Name']}" if "Relation Name" in node else "")
    if "Index Name" in node:
        label += f" using {node['Index Name']}"
    buffers = node.get("Shared Hit Blocks", 0) + node.get("Shared Read Blocks", 0)
    rows = node.get("Actual Rows", 0) * node.get("Actual Loops", 1)
    lines.append(
        "  " * depth + f"{label} (actual {node.get('Actual Total Time', 0):.3f} ms, rows {rows}, buffers {buffers})"
    )
    scanned = rows + node.get("Rows Removed by Filter", 0)
    if node["Node Type"] == "Seq Scan" and scanned > SEQ_SCAN_ROWS:
        warnings.append(f"Seq Scan on {node['Relation Name']} read {scanned} rows (> {SEQ_SCAN_ROWS})")
    for child in node.get("Plans", []):
        _walk(child, depth + 1, lines, warnings)


def render(profiles: dict[str, dict[str, Any]], *, vendor: str) -> str:
    how = "auto_explain, as executed" if vendor == "postgresql" else "EXPLAIN QUERY PLAN"
    lines = []
    for name, profile in profiles.items():
        statements = chosen(profile["statements"])
        lines.append(f"\n== EXPLAIN {name}: {len(statements)} statements ({how}; mean of {profile['calls']} calls) ==")
        for statement in statements:
            lines.append(f"-- {statement['seconds'] * 1000:.3f} ms/call: {statement['sql'][:300]}")
            if statement["plan"] is None:
                lines.append("   (no plan: not a planned statement)")
                continue
            steps, warnings = plan_lines(statement["plan"])
            lines.extend(f"   {step}" for step in steps)
            lines.extend(f"   !! {warning}" for warning in warnings)
    return "\n".join(lines)
