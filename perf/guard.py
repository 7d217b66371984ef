"""The SLO guard: is a run's hot path more than 15% slower than its baseline?

Quiet and sharp at once (docs/perf.md "The SLO guard"):

* each round's block p95 is divided by the reference workload's block median of
  the same round, which cancels whatever slows the whole machine down right now;
* a path fails only when BOTH the median over rounds of its normalised block p95
  exceeds the baseline's by more than ``FACTOR`` AND a one-sided Mann-Whitney U
  test says the run's normalised calls, divided by ``FACTOR``, are still larger
  than the baseline's (p < ``ALPHA``): more than 15% slower, and not a noisy round
  or two. (The test runs on the ~200 calls, not the 10 block p95s: a p95 of 20
  calls varies by ~12% from block to block, which left 10-against-10 too weak to
  confirm a 25% slowdown.)
* a query count above the baseline's fails deterministically, whatever the timings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perf import stats
from perf.runner import REFERENCE, SCHEMA_VERSION

BASELINES_DIR = Path(__file__).resolve().parent / "baselines"
FACTOR = 1.15
# Calls of one round share its conditions, so they are not fully independent and the
# p-value is optimistic; a stricter alpha than 0.05 pays for that.
ALPHA = 0.01

OK = "ok"
FASTER = "faster"
SLOWER = "slower"  # slower but not significantly >15%: reported, never failing
REGRESSION = "regression"
QUERY_GROWTH = "query-growth"
NO_BASELINE = "no-baseline"


class InvalidBaseline(ValueError):
    """The baseline document is missing, unreadable or of another schema/vendor."""


@dataclass(frozen=True)
class Verdict:
    name: str
    status: str
    ratio: float | None = None
    p_value: float | None = None
    p95_change: float | None = None
    detail: str = ""

    @property
    def failed(self) -> bool:
        return self.status in {REGRESSION, QUERY_GROWTH, NO_BASELINE}


REQUIRED_PATH_KEYS = {
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "max_ms",
    "ops_per_s",
    "rounds",
    "queries",
    "normalized_block_p95",
    "normalized_samples",
}


def validate(document: Any, *, vendor: str | None = None) -> dict[str, Any]:
    """Return the document if it is a usable baseline, else raise ``InvalidBaseline``."""
    if not isinstance(document, dict) or document.get("schema_version") != SCHEMA_VERSION:
        raise InvalidBaseline(f"not a schema_version {SCHEMA_VERSION} perf baseline")
    if vendor is not None and document.get("vendor") != vendor:
        raise InvalidBaseline(f"baseline is for {document.get('vendor')!r}, this database is {vendor!r}")
    paths = document.get("hot_paths")
    if not isinstance(paths, dict) or not isinstance(document.get("reference"), dict):
        raise InvalidBaseline("baseline lacks 'reference' or 'hot_paths'")
    for name, entry in [(REFERENCE, document["reference"]), *paths.items()]:
        missing = REQUIRED_PATH_KEYS - set(entry if isinstance(entry, dict) else {})
        if missing or not entry["normalized_block_p95"] or not entry["normalized_samples"]:
            raise InvalidBaseline(f"baseline entry {name!r} lacks {sorted(missing) or ['blocks']}")
    return document


def judge(name: str, baseline: dict[str, Any] | None, current: dict[str, Any]) -> Verdict:
    if baseline is None:
        return Verdict(name, NO_BASELINE, detail="not in the baseline: re-save it (manage.py perf_baseline --save)")
    p95_change = current["p95_ms"] / baseline["p95_ms"] - 1 if baseline["p95_ms"] else None
    if current["queries"] > baseline["queries"]:
        detail = f"{current['queries']} queries per request, baseline {baseline['queries']}"
        return Verdict(name, QUERY_GROWTH, p95_change=p95_change, detail=detail)
    ratio = stats.median(current["normalized_block_p95"]) / stats.median(baseline["normalized_block_p95"])
    shifted = [value / FACTOR for value in current["normalized_samples"]]
    p_value = stats.mann_whitney_greater(shifted, baseline["normalized_samples"])
    if ratio > FACTOR and p_value < ALPHA:
        status = REGRESSION
    elif ratio > 1:
        status = SLOWER if ratio > FACTOR else OK
    else:
        status = FASTER if ratio < 1 / FACTOR else OK
    return Verdict(name, status, ratio=ratio, p_value=p_value, p95_change=p95_change)


def compare(baseline: dict[str, Any], current: dict[str, Any]) -> list[Verdict]:
    """One verdict per hot path of ``current`` (a run document), in its order."""
    known = baseline["hot_paths"]
    return [judge(name, known.get(name), entry) for name, entry in current["hot_paths"].items()]


def baseline_path(vendor: str) -> Path:
    return BASELINES_DIR / f"{vendor}.json"


def load_baseline(path: Path, *, vendor: str) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        raise InvalidBaseline(f"no baseline at {path}: run manage.py perf_baseline --save") from None
    except (OSError, ValueError) as exc:
        raise InvalidBaseline(f"unreadable baseline {path}: {exc}") from None
    return validate(document, vendor=vendor)


def save_baseline(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1, sort_keys=False) + "\n")
