"""The SLO guard's proof records (``perf_proof --json``), and their table in the README.

A record is one ``perf_proof`` session: what was measured (database, commit, base,
target, slowdown, whether another process kept a core busy) and every run's verdicts,
per arm. ``perf_readme`` renders the README's proof table from ``perf/proofs/*.json``,
so no count in it is typed by hand.
"""

from __future__ import annotations

import math
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from perf import compare, guard

SCHEMA_VERSION = 1
PROOFS_DIR = Path(__file__).with_name("proofs")
START = "<!-- proof:start -->"
END = "<!-- proof:end -->"
VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL + Redis"}


class InvalidProof(ValueError):
    pass


def record(
    runs: list[dict[str, list[dict[str, Any]]]],
    *,
    vendor: str,
    base: str,
    target: str,
    percent: float,
    busy_core: bool,
    note: str = "",
) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "vendor": vendor,
        "commit": compare.head_commit(),
        "base": base,
        "target": target,
        "percent": percent,
        "busy_core": busy_core,
        "environment": {
            "machine": f"{platform.node()} {platform.machine()}",
            "cpus": compare.cores(),
            "python": platform.python_version(),
            "started": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        },
        "note": note,
        "runs": runs,
    }


def validate(document: Any, *, source: str) -> dict[str, Any]:
    required = {"schema_version", "vendor", "commit", "base", "target", "percent", "busy_core", "runs"}
    if not isinstance(document, dict) or not required <= set(document):
        raise InvalidProof(f"{source}: not a perf_proof record (needs {sorted(required)})")
    if document["schema_version"] != SCHEMA_VERSION:
        raise InvalidProof(f"{source}: schema_version {document['schema_version']}, expected {SCHEMA_VERSION}")
    return document


def _slowed(run: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """The slowed arms of a run by kind: ``head+cpu:20%:/api/...`` is ``cpu``."""
    return {label.split("+", 1)[1].split(":", 1)[0]: label for label in run if label != compare.HEAD}


def _failing(verdicts: list[dict[str, Any]]) -> list[str]:
    return [verdict["name"] for verdict in verdicts if verdict["status"] in {guard.REGRESSION, guard.QUERY_GROWTH}]


def _range(values: list[float]) -> str:
    if not values:
        return "-"
    low, high = min(values), max(values)
    return f"{low * 100:+.0f}%" if round(low * 100) == round(high * 100) else f"{low * 100:+.0f}% … {high * 100:+.0f}%"


def _span(values: list[float]) -> str:
    if not values:
        return "-"
    low, high = round(min(values) * 100), round(max(values) * 100)
    return f"{low}%" if low == high else f"{low}–{high}%"


def summarize(document: dict[str, Any]) -> dict[str, Any]:
    """Counts over the record's runs, as the issue's bar reads them."""
    runs, target = document["runs"], document["target"]
    kinds = sorted({kind for run in runs for kind in _slowed(run)})
    noisy = sum(bool(_failing(run[compare.HEAD])) for run in runs)
    caught, only = dict.fromkeys(kinds, 0), dict.fromkeys(kinds, 0)
    measured: dict[str, list[float]] = {kind: [] for kind in kinds}
    for run in runs:
        for kind, label in _slowed(run).items():
            failing = _failing(run[label])
            caught[kind] += target in failing
            only[kind] += failing == [target]
            change = next((v["change"] for v in run[label] if v["name"] == target), None)
            if change is not None:
                measured[kind].append(change)
    mdes = [max((v["mde"] for v in run[compare.HEAD] if v["mde"] is not None), default=0.0) for run in runs]
    meets = (
        len(runs) >= 20
        and noisy <= len(runs) // 20
        and all(only[kind] >= math.ceil(len(runs) * 19 / 20) for kind in kinds)
    )
    return {
        "runs": len(runs),
        "noisy": noisy,
        "kinds": kinds,
        "caught": caught,
        "only": only,
        "measured": measured,
        "mdes": mdes,
        "meets": meets,
    }


def render_row(name: str, document: dict[str, Any]) -> str:
    summary, runs = summarize(document), len(document["runs"])

    def caught(kind: str) -> str:
        only, any_ = summary["only"][kind], summary["caught"][kind]
        return f"{only} / {runs}" + (f" ({any_} caught, others failed too)" if any_ != only else "")

    label = f"`{document['commit']}` against `{document['base'][:7]}`"
    if document.get("note"):
        label += f": {document['note']}"
    cells = [
        label,
        VENDOR_NAMES.get(document["vendor"], document["vendor"]),
        "yes" if document["busy_core"] else "no",
        f"{summary['noisy']} / {runs}",
        *(caught(kind) for kind in summary["kinds"]),
        " / ".join(_range(summary["measured"][kind]) for kind in summary["kinds"]),
        _span(summary["mdes"]),
        "**yes**" if summary["meets"] else "no",
        f"`{name}`",
    ]
    return "| " + " | ".join(cells) + " |"


def render(documents: list[tuple[str, dict[str, Any]]]) -> str:
    """The table, one row per record in file-name order (``name`` says which file)."""
    if not documents:
        return "No proof record yet: `python manage.py perf_proof --runs 20 --json perf/proofs/NAME.json`."
    percents = sorted({f"{document['percent']:g}" for _, document in documents})
    slowdown = "/".join(percents)
    lines = [
        "Generated by `python manage.py perf_readme` from `perf/proofs/*.json`, which "
        "`perf_proof --json` wrote. A slowed arm is caught when it fails the target hot path and no "
        "other; the issue's bar is at most 1 noisy run in 20 and at least 19 in 20 caught, per kind.",
        "",
        f"| proof (commit against base) | database | a core kept busy | unchanged tree fails | "
        f"cpu +{slowdown}% caught | wait +{slowdown}% caught | target as measured, cpu / wait | "
        f"worst MDE of a run | meets the bar | record |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [render_row(name, document) for name, document in documents]
    return "\n".join(lines)
