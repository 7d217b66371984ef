"""EXPLAIN of each hot path's slowest queries, with sequential scans flagged.

The statements come from the run's exact query capture (``query_log``: SQL with
its parameters inlined by the driver, and its time). On PostgreSQL each is run as
``EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)`` inside a transaction that is rolled
back, so a measured INSERT/UPDATE never persists; on SQLite ``EXPLAIN QUERY PLAN``
(which executes nothing). A sequential scan is flagged when its table holds more
than ``SEQ_SCAN_ROWS`` rows: below that a scan is what the planner should do.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, connection, transaction

SEQ_SCAN_ROWS = 1000
SLOWEST = 3
EXPLAINABLE = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")


@dataclass
class Explained:
    sql: str
    seconds: float
    plan: list[str] = field(default_factory=list)
    seq_scans: list[tuple[str, int]] = field(default_factory=list)
    error: str = ""


class _Rollback(Exception):
    pass


def slowest(query_log: list[dict[str, str]], limit: int = SLOWEST) -> list[dict[str, str]]:
    candidates = [query for query in query_log if query["sql"].lstrip().upper().startswith(EXPLAINABLE)]
    return sorted(candidates, key=lambda query: float(query.get("time") or 0), reverse=True)[:limit]


def explain_query(sql: str, seconds: float) -> Explained:
    result = Explained(sql=sql, seconds=seconds)
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                _explain_postgresql(result)
            else:
                _explain_sqlite(result)
            raise _Rollback  # EXPLAIN ANALYZE executed the statement: undo it
    except _Rollback:
        pass
    except DatabaseError as exc:
        result.error = str(exc).strip().splitlines()[0]
    return result


def _explain_postgresql(result: Explained) -> None:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + result.sql)
        raw = cursor.fetchone()[0]
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    _walk(plan, 0, result)
    result.seq_scans = [(table, table_rows(table)) for table, _ in result.seq_scans]


def _walk(node: dict[str, Any], depth: int, result: Explained) -> None:
    label = node["Node Type"] + (f" on {node['Relation Name']}" if "Relation Name" in node else "")
    if "Index Name" in node:
        label += f" using {node['Index Name']}"
    timing = f" (actual {node.get('Actual Total Time', 0):.3f} ms, rows {node.get('Actual Rows', '?')}"
    buffers = node.get("Shared Hit Blocks", 0) + node.get("Shared Read Blocks", 0)
    result.plan.append("  " * depth + label + timing + f", buffers {buffers})")
    if node["Node Type"] == "Seq Scan":
        result.seq_scans.append((node["Relation Name"], 0))
    for child in node.get("Plans", []):
        _walk(child, depth + 1, result)


def _explain_sqlite(result: Explained) -> None:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + result.sql)
        rows = cursor.fetchall()
    for row in rows:
        detail = row[-1]
        result.plan.append(detail)
        # "SCAN t" is a full scan; "SCAN t USING (COVERING) INDEX i" walks an index.
        match = re.match(r"SCAN (\w+)(?! USING)", detail)
        if match and "USING" not in detail:
            result.seq_scans.append((match.group(1), 0))
    result.seq_scans = [(table, table_rows(table)) for table, _ in result.seq_scans]


def table_rows(table: str) -> int:
    if table not in connection.introspection.table_names():
        return 0  # an alias or a subquery, not a table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - introspected name
        return int(cursor.fetchone()[0])


def explain_document(document: dict[str, Any]) -> dict[str, list[Explained]]:
    """EXPLAIN the slowest captured queries of every hot path of a run document."""
    return {
        name: [explain_query(query["sql"], float(query.get("time") or 0)) for query in slowest(entry["query_log"])]
        for name, entry in document["hot_paths"].items()
    }


def flagged(explained: Explained) -> list[tuple[str, int]]:
    return [(table, rows) for table, rows in explained.seq_scans if rows > SEQ_SCAN_ROWS]


def render(report: dict[str, list[Explained]]) -> str:
    lines = []
    for name, queries in report.items():
        lines.append(f"\n== EXPLAIN {name} ({len(queries)} slowest queries) ==")
        for query in queries:
            lines.append(f"-- {query.seconds * 1000:.3f} ms: {query.sql[:300]}")
            lines.extend(f"   {step}" for step in query.plan)
            if query.error:
                lines.append(f"   (not explained: {query.error})")
            lines.extend(f"   !! Seq Scan on {table} ({rows} rows > {SEQ_SCAN_ROWS})" for table, rows in flagged(query))
    return "\n".join(lines)
