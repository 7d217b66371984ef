"""The trend: every version of a baseline file that git history holds (``git log -p perf/baselines/``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from perf.compare import TREE, BaseUnavailable, git


def baseline_history(path: Path, *, limit: int = 30) -> list[dict[str, Any]]:
    """Oldest first: ``{"commit", "date", "hot_paths": {name: {"p50_ms", "p95_ms"}}}`` per committed version.

    Empty when there is no git history (an exported tree) or the file was never committed."""
    try:
        relative = path.resolve().relative_to(TREE)
        log = git("log", f"-{limit}", "--format=%H %cI", "--", str(relative))
    except (BaseUnavailable, ValueError):
        return []
    versions = []
    for line in reversed(log.splitlines()):
        commit, date = line.split(" ", 1)
        try:
            document = json.loads(git("show", f"{commit}:{relative}"))
        except (BaseUnavailable, ValueError):
            continue  # deleted in that commit, or not JSON then
        paths = {
            name: {"p50_ms": entry["p50_ms"], "p95_ms": entry["p95_ms"]}
            for name, entry in document.get("hot_paths", {}).items()
        }
        versions.append({"commit": commit[:12], "date": date, "hot_paths": paths})
    return versions
