"""perf.explain: which statements are shown, and how plans read (hand-built profiles)."""

from __future__ import annotations

from perf import explain


def statement(sql: str, seconds: float, plan: object = ("SEARCH t USING INDEX i (k=?)",)) -> dict:
    return {"sql": sql, "seconds": seconds, "count": 20, "plan": list(plan) if isinstance(plan, tuple) else plan}


def test_the_costliest_statements_come_first_and_lock_statements_always_show() -> None:
    statements = [
        statement("SELECT a", 0.004),
        statement("SELECT b", 0.001),
        statement('SELECT "t"."id" FROM "t" WHERE "t"."id" = %s FOR NO KEY UPDATE', 0.0001),
        statement("INSERT c", 0.003),
        statement("SELECT d", 0.002),
        statement("BEGIN", 0.01, plan=None),
    ]
    shown = [entry["sql"][:8] for entry in explain.chosen(statements)]
    assert shown == ["SELECT a", "INSERT c", "SELECT d", 'SELECT "']


def test_a_postgresql_plan_flags_a_big_sequential_scan_only() -> None:
    plan = {
        "Node Type": "LockRows",
        "Actual Total Time": 0.05,
        "Actual Rows": 1,
        "Plans": [
            {"Node Type": "Index Scan", "Relation Name": "t", "Index Name": "t_pkey", "Actual Rows": 1},
            {"Node Type": "Seq Scan", "Relation Name": "small", "Actual Rows": 3, "Rows Removed by Filter": 10},
            {"Node Type": "Seq Scan", "Relation Name": "big", "Actual Rows": 1, "Rows Removed by Filter": 5000},
        ],
    }
    lines, warnings = explain.plan_lines(plan)
    assert lines[0].startswith("LockRows (actual 0.050 ms, rows 1")
    assert lines[1].startswith("  Index Scan on t using t_pkey")
    assert warnings == ["Seq Scan on big read 5001 rows (> 1000)"]


def test_a_sqlite_scan_without_an_index_is_flagged() -> None:
    _lines, warnings = explain.plan_lines(["SCAN t", "SCAN u USING INDEX u_idx", "SEARCH v USING INDEX v_idx (k=?)"])
    assert warnings == ["SCAN t without an index"]
