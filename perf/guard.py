"""The SLO guard: is the working tree's hot path slower than the base's, measured side by side?

Both sides are measured on this machine in one run, interleaved (``perf.compare``), on
wall-clock time per call. For each hot path (docs/perf.md "The SLO guard"):

* the **floor**: the 10th percentile of every call the arm made (its blocks pooled).
  On this machine the noise is delay that whole blocks suffer (a block of unchanged
  code runs 1.5x slower now and then, whatever the arm); a change to the code moves
  every call, the fastest ones included. The slowdown estimate is
  ``ln(floor(head) / floor(base))``, its standard error a seeded bootstrap over
  rounds (a round's two blocks drawn together);
* a path **fails** when the estimate exceeds ``GATE`` (10%) *and* its one-sided 99%
  lower bound exceeds ``MARGIN`` (5%): clearly slower by more than the noise between two
  processes, not a noisy round or two;
* the **median** is a backstop: the Hodges-Lehmann location of per-round log ratios
  of block medians, judged by the same rule. It catches a slowdown of most but not all
  calls, which leaves the floor where it was, at its own, coarser sensitivity;
* a path whose floor verdict is still unclear after the minimum rounds gets more
  rounds, up to the maximum (``undecided``);
* each verdict carries the run's **minimal detectable effect**: the smallest slowdown
  this run, with its own noise, would have caught 95% of the time;
* a query count above the base's fails exactly, whatever the timings.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perf import stats

BASELINES_DIR = Path(__file__).resolve().parent / "baselines"
SCHEMA_VERSION = 2
#: Schema 1 (service-time baselines) still names its commit and carries its figures.
READABLE_SCHEMAS = {1, SCHEMA_VERSION}
#: A path fails when it is estimated more than 10% slower than the base ...
GATE = 0.10
#: ... and the one-sided 99% lower bound of that estimate is above 5%. The bootstrap sees
#: the noise between rounds, not the few percent by which one worker process can stay
#: faster than another for a whole run (seen here: an unchanged transfer at +12%, lower
#: bound +3.5%, after 30 rounds); the margin absorbs that.
MARGIN = 0.05
Z_CONFIDENCE = 2.326
#: The minimal detectable effect is the slowdown caught with 95% probability.
Z_POWER = 1.645
#: Rounds needed before a timing verdict is given at all: a bootstrap of fewer rounds
#: underestimates the noise (seen here: 5 rounds of the whole suite on PostgreSQL
#: flagged an unchanged transfer).
MIN_PAIRED_ROUNDS = 8

OK = "ok"
FASTER = "faster"
SLOWER = "slower"  # estimated above the gate but not significantly: reported, never failing
REGRESSION = "regression"
QUERY_GROWTH = "query-growth"
NEW = "new"  # not in the base: reported, passes


class InvalidBaseline(ValueError):
    """The baseline document is missing, unreadable or of another schema/vendor."""


@dataclass(frozen=True)
class Verdict:
    name: str
    status: str
    change: float | None = None  # estimated slowdown: +0.12 is 12% slower than the base
    low: float | None = None  # one-sided 99% lower bound of ``change``
    mde: float | None = None  # minimal detectable effect of this run
    rounds: int = 0
    queries: tuple[int, int] | None = None  # (base, head)
    detail: str = ""

    @property
    def failed(self) -> bool:
        return self.status in {REGRESSION, QUERY_GROWTH}


#: The floor: this percentile of a path's calls in one run, its blocks pooled.
FLOOR_PERCENTILE = 10


def round_log_ratios(base_blocks: list[list[float]], head_blocks: list[list[float]]) -> list[float]:
    return [
        math.log(stats.median(head) / stats.median(base))
        for base, head in zip(base_blocks, head_blocks, strict=False)
        if base and head
    ]


def _floor_log_ratio(rounds: Sequence[tuple[list[float], list[float]]]) -> float:
    base = [call for block, _ in rounds for call in block]
    head = [call for _, block in rounds for call in block]
    return math.log(stats.percentile(head, FLOOR_PERCENTILE) / stats.percentile(base, FLOOR_PERCENTILE))


@dataclass(frozen=True)
class Estimate:
    log_change: float
    standard_error: float
    rounds: int

    @property
    def change(self) -> float:
        return math.expm1(self.log_change)

    @property
    def low(self) -> float:
        return math.expm1(self.log_change - Z_CONFIDENCE * self.standard_error)

    @property
    def high(self) -> float:
        return math.expm1(self.log_change + Z_CONFIDENCE * self.standard_error)

    @property
    def mde(self) -> float:
        """The true slowdown that ``judge`` catches with 95% probability: the estimate must
        clear both the gate and the margin plus 2.326 standard errors."""
        threshold = max(math.log1p(GATE), math.log1p(MARGIN) + Z_CONFIDENCE * self.standard_error)
        return math.expm1(threshold + Z_POWER * self.standard_error)

    @property
    def regressed(self) -> bool:
        return self.change > GATE and self.low > MARGIN

    @property
    def clear(self) -> bool:
        """More rounds would not change the verdict: the interval lies on one side of the gate."""
        gate = math.log1p(GATE)
        return abs(self.log_change - gate) > Z_CONFIDENCE * self.standard_error


def floor_estimate(base_blocks: list[list[float]], head_blocks: list[list[float]]) -> Estimate | None:
    """The slowdown of the floor (``FLOOR_PERCENTILE``), over the rounds both arms ran."""
    rounds = [(base, head) for base, head in zip(base_blocks, head_blocks, strict=False) if base and head]
    if len(rounds) < MIN_PAIRED_ROUNDS:
        return None
    return Estimate(
        log_change=_floor_log_ratio(rounds),
        standard_error=stats.bootstrap_sd(rounds, _floor_log_ratio),
        rounds=len(rounds),
    )


def median_estimate(base_blocks: list[list[float]], head_blocks: list[list[float]]) -> Estimate | None:
    """The slowdown of the typical call: Hodges-Lehmann of per-round block-median log ratios."""
    ratios = round_log_ratios(base_blocks, head_blocks)
    if len(ratios) < MIN_PAIRED_ROUNDS:
        return None
    return Estimate(
        log_change=stats.hodges_lehmann(ratios),
        standard_error=stats.bootstrap_sd(ratios, stats.hodges_lehmann),
        rounds=len(ratios),
    )


def judge(
    name: str,
    *,
    base_blocks: list[list[float]] | None,
    head_blocks: list[list[float]],
    base_queries: int | None,
    head_queries: int,
) -> Verdict:
    if base_blocks is None or base_queries is None:
        return Verdict(name, NEW, detail="not in the base: nothing to compare with")
    queries = (base_queries, head_queries)
    found = floor_estimate(base_blocks, head_blocks)
    numbers: dict[str, Any] = {}
    if found is not None:
        numbers = {"change": found.change, "low": found.low, "mde": found.mde, "rounds": found.rounds}
    if head_queries > base_queries:
        detail = f"{head_queries} queries per request, base {base_queries}"
        return Verdict(name, QUERY_GROWTH, queries=queries, detail=detail, **numbers)
    if found is None:
        return Verdict(name, OK, queries=queries, detail=f"fewer than {MIN_PAIRED_ROUNDS} rounds: not judged")
    typical = median_estimate(base_blocks, head_blocks)
    detail = ""
    if found.regressed:
        status = REGRESSION
    elif typical is not None and typical.regressed:
        status = REGRESSION
        detail = f"median {typical.change:+.1%} (99% ≥ {typical.low:+.1%}): most calls slower, not the fastest"
    elif found.change > GATE:
        status = SLOWER
    elif found.change < -GATE and found.high < -MARGIN:
        status = FASTER
    else:
        status = OK
    return Verdict(name, status, queries=queries, detail=detail, **numbers)


def undecided(base_blocks: list[list[float]], head_blocks: list[list[float]]) -> bool:
    found = floor_estimate(base_blocks, head_blocks)
    return found is None or not found.clear


def baseline_path(vendor: str) -> Path:
    return BASELINES_DIR / f"{vendor}.json"


REQUIRED_PATH_KEYS = {"p50_ms", "p95_ms", "p99_ms", "max_ms", "ops_per_s", "queries", "samples_ms"}


def validate(document: Any, *, vendor: str | None = None) -> dict[str, Any]:
    """Return the document if it is a usable baseline, else raise ``InvalidBaseline``."""
    if not isinstance(document, dict) or document.get("schema_version") not in READABLE_SCHEMAS:
        raise InvalidBaseline(f"not a perf baseline of schema {sorted(READABLE_SCHEMAS)}")
    if vendor is not None and document.get("vendor") != vendor:
        raise InvalidBaseline(f"baseline is for {document.get('vendor')!r}, this database is {vendor!r}")
    paths = document.get("hot_paths")
    commit = (document.get("environment") or {}).get("commit")
    if not isinstance(paths, dict) or not commit:
        raise InvalidBaseline("baseline lacks 'hot_paths' or 'environment.commit'")
    for name, entry in paths.items():
        missing = REQUIRED_PATH_KEYS - set(entry if isinstance(entry, dict) else {})
        if missing:
            raise InvalidBaseline(f"baseline entry {name!r} lacks {sorted(missing)}")
    return document


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
