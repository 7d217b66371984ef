"""Before/after tables in the README, from comparison runs kept in perf/comparisons/.

A comparison is what ``perf_baseline --compare --against BEFORE --json
perf/comparisons/NAME-<vendor>.json`` wrote: both arms measured on one machine in one
run, interleaved. ``manage.py perf_readme`` renders each file between ``START`` and
``END``; nothing in the table is typed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from perf.harness import FLOOR, floor_multiple
from perf.proof import VENDOR_NAMES

COMPARISONS_DIR = Path(__file__).with_name("comparisons")
START = "<!-- compare:start -->"
END = "<!-- compare:end -->"


class InvalidComparison(ValueError):
    pass


def validate(document: Any, *, source: str) -> dict[str, Any]:
    if not isinstance(document, dict) or not all(isinstance(document.get(key), dict) for key in ("head", "base")):
        raise InvalidComparison(f"{source}: not a perf_baseline --compare --json run (no head and base)")
    if not isinstance(document.get("verdicts"), list):
        raise InvalidComparison(f"{source}: the run has no verdicts")
    return document


def render(comparisons: list[tuple[str, dict[str, Any]]]) -> str:
    if not comparisons:
        return "No comparison recorded in `perf/comparisons/`."
    return "\n\n".join(render_one(name, run) for name, run in comparisons)


def render_one(name: str, run: dict[str, Any]) -> str:
    head, base = run["head"], run["base"]
    verdicts = {verdict["name"]: verdict for verdict in run["verdicts"]}
    env = head["environment"]
    lines = [
        f"**{VENDOR_NAMES.get(head['vendor'], head['vendor'])}**, `perf/comparisons/{name}`: before "
        f"`{base['environment']['commit']}`, after `{env['commit']}`, one run on {env['machine']} "
        f"({env['cpus']} CPUs), {env['date']}. × floor: p95 per request ÷ the p95 of `{FLOOR}` of the same arm.",
        "",
        "| hot path | before p95 ms | × floor | after p95 ms | × floor | floor Δ (99% bound) | queries |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for path, after in head["hot_paths"].items():
        before = base["hot_paths"].get(path)
        verdict = verdicts.get(path, {})
        change = verdict.get("change")
        delta = "–" if change is None else f"{change:+.1%} ({verdict['low']:+.1%})"
        queries = f"{before['queries']} → {after['queries']}" if before else f"new: {after['queries']}"
        lines.append(
            f"| {path} | {_ms(before)} | {_multiple(base['hot_paths'], path)} | {_ms(after)} | "
            f"{_multiple(head['hot_paths'], path)} | {delta} | {queries} |"
        )
    return "\n".join(lines)


def _ms(entry: dict[str, Any] | None) -> str:
    return "–" if entry is None else f"{entry['p95_ms']:.2f}"


def _multiple(paths: dict[str, Any], name: str) -> str:
    multiple = floor_multiple(paths, name) if name in paths else None
    return "–" if multiple is None else f"{multiple:.1f}×"
