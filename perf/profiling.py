"""Where a hot path's time goes, by cProfile (``manage.py perf_profile``).

``calls`` calls of a scenario, set up and warmed as the guard's workers do it, run under
``cProfile`` (stdlib: deterministic, every function, no sampling interval to choose).
The summary: the share of own time by where the code lives (this project, Django's ORM,
the rest of Django, DRF, the database driver, the standard library...), the functions
with the most own time, and Arena's functions by cumulative time. Profiling slows Python
code more than it slows waits, so the shares are where the CPU goes, not a latency
breakdown; the latencies are ``perf_baseline``'s.
"""

from __future__ import annotations

import cProfile
import pstats
import sysconfig
import time
from collections import defaultdict

from perf.compare import TREE
from perf.harness import Scenario

STDLIB = sysconfig.get_paths()["stdlib"]
#: Where a function's file lives, first match wins.
AREAS = (
    ("site-packages/django/db/", "Django ORM and backends"),
    ("site-packages/django/", "Django (request, middleware, rest)"),
    ("site-packages/rest_framework/", "DRF"),
    ("site-packages/psycopg", "psycopg (driver)"),
    ("site-packages/", "other packages"),
    (STDLIB + "/sqlite3/", "sqlite3 (driver)"),
    (STDLIB + "/json/", "json"),
    (STDLIB, "standard library"),
    (str(TREE / "tests"), "test client and harness"),
    (str(TREE / "perf"), "test client and harness"),
    (str(TREE), "Arena"),
)


#: An Arena function whose cumulative time is above this share of the call wraps the request.
WRAPS = 0.8


def area(filename: str) -> str:
    if filename.startswith("~") or filename.startswith("<"):
        return "built-ins (C)"
    for prefix, label in AREAS:
        if prefix in filename:
            return label
    return "other"


def profile(scenario: Scenario, name: str, *, calls: int, top: int) -> str:
    """``calls`` calls of a set-up ``scenario`` under cProfile, summarised (module docstring)."""
    items = scenario.prepare(calls)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for item in items:
        scenario.run(item)
    profiler.disable()
    wall = time.perf_counter() - started
    table = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(row[2] for row in table.values())
    by_area: dict[str, float] = defaultdict(float)
    for (filename, _line, _function), row in table.items():
        by_area[area(filename)] += row[2]
    lines = [f"== {name}: {calls} calls, {total / calls * 1000:.2f} ms of profiled own time per call"]
    lines += [f"  {seconds / total:6.1%}  {label}" for label, seconds in sorted(by_area.items(), key=lambda kv: -kv[1])]
    lines.append("  own ms/call  calls/call  function")
    ranked = sorted(table.items(), key=lambda kv: -kv[1][2])[:top]
    for (filename, line, function), row in ranked:
        where = filename.split("site-packages/")[-1].replace(str(TREE) + "/", "")
        lines.append(f"  {row[2] / calls * 1000:11.3f}  {row[1] / calls:10.1f}  {function} ({where}:{line})")
    lines.append("  cum ms/call  calls/call  Arena function (time in it and in what it calls)")
    # Not what wraps the whole request (the middleware): it says nothing about where.
    ours = [kv for kv in table.items() if area(kv[0][0]) == "Arena" and kv[1][3] < WRAPS * wall]
    for (filename, line, function), row in sorted(ours, key=lambda kv: -kv[1][3])[:top]:
        where = filename.replace(str(TREE) + "/", "")
        lines.append(f"  {row[3] / calls * 1000:11.3f}  {row[1] / calls:10.1f}  {function} ({where}:{line})")
    return "\n".join(lines) + "\n"
