"""The SLO guard: is the working tree's hot path slower than the base's, measured side by side?

Both sides are measured on this machine in one run, interleaved (``perf.compare``), on
wall-clock time per call. For each hot path (docs/perf.md "The SLO guard"):

* the **floor**: how much slower the fastest calls got. A change to the code moves
  every call, the fastest included, while this machine's noise is slow spells that
  stretch whole blocks of calls (an unchanged block runs 1.5x slower now and then).
  Two estimates of it, each ``ln(head / base)``, are combined with the weights that
  make the combination steadiest in this run (``floor_estimate``): the 10th percentile
  of every call of the arm (its blocks pooled), and the Hodges-Lehmann location of the
  per-round log ratios of block minima (the arms of one round run seconds apart, and
  on some machines share their slow spells). Its standard error is a seeded bootstrap
  over rounds (a round's blocks drawn together);
* a path **fails** when the estimate exceeds ``GATE`` (10%) *and* its one-sided 99%
  lower bound (Student's t over the rounds) exceeds ``MARGIN`` (5%): clearly slower by
  more than the noise between two processes, not a noisy round or two;
* the **median** is a backstop: the Hodges-Lehmann location of per-round log ratios
  of block medians, judged by the same rule. It catches a slowdown of most but not all
  calls, which leaves the floor where it was, at its own, coarser sensitivity;
* a path whose floor verdict is still unclear after the minimum rounds, or whose
  minimal detectable effect is above ``TARGET_MDE``, gets more rounds while the run's
  time budget lasts (``undecided``, ``perf.compare``);
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
#: ... and the one-sided 99% lower bound of that estimate is above 5%. The
#: bootstrap sees the noise between rounds, not the few percent by which one worker
#: process can stay faster than another for a whole run (seen here: an unchanged transfer
#: at +12%, lower bound +3.5%, after 30 rounds); the margin absorbs that.
MARGIN = 0.05
#: The bound's confidence: 99% per test. Not shared out among a run's 14 tests (two per
#: path, Bonferroni): the margin already makes a false alarm of an honest standard error
#: rare. To fail, an unchanged path must read above 5% + t·se; at se = 8%, 12 rounds
#: (t = 2.72) that is 3.3 standard errors, about 1 in 2 000 tests, or 0.7% of runs of 14.
#: What fails unchanged code is a standard error too small for the truth, which sharing
#: out does not mend, while it costs every path sensitivity (t of 3.3 instead of 2.65 at
#: 13 rounds; notes/issue-12.md, fifth session).
CONFIDENCE = 0.99
#: The minimal detectable effect is the slowdown caught with 95% probability.
POWER = 0.95
#: Rounds needed before a timing verdict is given at all: a bootstrap of fewer rounds
#: underestimates the noise (seen here: 5 rounds of the whole suite on PostgreSQL
#: flagged an unchanged transfer).
MIN_PAIRED_ROUNDS = 8
#: Rounds go on (within the run's budget) until a run could catch a 20% slowdown, the
#: size of the sharpness proof's injection (20% of a request's own time).
TARGET_MDE = 0.20

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


def _paired_minimum_log_ratio(rounds: Sequence[tuple[list[float], list[float]]]) -> float:
    return stats.hodges_lehmann([math.log(min(head) / min(base)) for base, head in rounds])


@dataclass(frozen=True)
class Estimate:
    """A slowdown estimate (``ln(head / base)``) with its standard error over ``rounds``
    paired rounds.

    Its bounds use Student's t with ``rounds - 1`` degrees of freedom, not the normal:
    with 8 to 30 rounds the standard error is itself an estimate (at 8 rounds the 99%
    quantile is 3.00, not 2.33)."""

    log_change: float
    standard_error: float
    rounds: int

    @property
    def confidence_quantile(self) -> float:
        return stats.t_quantile(CONFIDENCE, self.rounds - 1)

    @property
    def power_quantile(self) -> float:
        return stats.t_quantile(POWER, self.rounds - 1)

    @property
    def change(self) -> float:
        return math.expm1(self.log_change)

    @property
    def low(self) -> float:
        return math.expm1(self.log_change - self.confidence_quantile * self.standard_error)

    @property
    def high(self) -> float:
        return math.expm1(self.log_change + self.confidence_quantile * self.standard_error)

    @property
    def mde(self) -> float:
        """The true slowdown that ``judge`` catches with 95% probability: the estimate must
        clear both the gate and the margin plus the confidence quantile's standard errors."""
        threshold = max(math.log1p(GATE), math.log1p(MARGIN) + self.confidence_quantile * self.standard_error)
        return math.expm1(threshold + self.power_quantile * self.standard_error)

    @property
    def regressed(self) -> bool:
        return self.change > GATE and self.low > MARGIN

    @property
    def clear(self) -> bool:
        """More rounds would not change the verdict: the interval lies on one side of the gate."""
        gate = math.log1p(GATE)
        return abs(self.log_change - gate) > self.confidence_quantile * self.standard_error


def _bootstrap_sd(draws: Sequence[float], rounds: int) -> float:
    """The bootstrap's standard deviation, scaled by sqrt(n / (n - 1)): resampling n rounds
    sees (n - 1) / n of their variance."""
    return stats.sd(draws) * math.sqrt(rounds / (rounds - 1))


def floor_estimate(base_blocks: list[list[float]], head_blocks: list[list[float]]) -> Estimate | None:
    """The slowdown of the fastest calls, over the rounds both arms ran.

    Two estimates of it, weighted by their precision in this run: the pooled floor
    (``FLOOR_PERCENTILE`` of every call) and the paired minimum (Hodges-Lehmann of the
    per-round log ratio of block minima). Which one is steadier depends on the machine:
    where slow spells hit whole blocks of one arm, the pooled floor; where they hit the
    arms of a round together, the pairing (docs/perf.md "The SLO guard"). The weight is
    chosen on half of the bootstrap's resamples and the standard error measured on the
    other half: a weight chosen to make the same draws steadiest would understate it.
    """
    rounds = [(base, head) for base, head in zip(base_blocks, head_blocks, strict=False) if base and head]
    if len(rounds) < MIN_PAIRED_ROUNDS:
        return None
    draws = stats.bootstrap(rounds, [_floor_log_ratio, _paired_minimum_log_ratio])
    choosing, measuring = draws[0::2], draws[1::2]
    weight = stats.precision_weight([draw[0] for draw in choosing], [draw[1] for draw in choosing])
    combined = [weight * floor + (1 - weight) * minimum for floor, minimum in measuring]
    return Estimate(
        log_change=weight * _floor_log_ratio(rounds) + (1 - weight) * _paired_minimum_log_ratio(rounds),
        standard_error=_bootstrap_sd(combined, len(rounds)),
        rounds=len(rounds),
    )


def median_estimate(base_blocks: list[list[float]], head_blocks: list[list[float]]) -> Estimate | None:
    """The slowdown of the typical call: Hodges-Lehmann of per-round block-median log ratios."""
    ratios = round_log_ratios(base_blocks, head_blocks)
    if len(ratios) < MIN_PAIRED_ROUNDS:
        return None
    draws = [draw for (draw,) in stats.bootstrap(ratios, [stats.hodges_lehmann])]
    return Estimate(
        log_change=stats.hodges_lehmann(ratios),
        standard_error=_bootstrap_sd(draws, len(ratios)),
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
        detail = f"median {typical.change:+.1%} (low {typical.low:+.1%}): most calls slower, not the fastest"
    elif found.change > GATE:
        status = SLOWER
    elif found.change < -GATE and found.high < -MARGIN:
        status = FASTER
    else:
        status = OK
    return Verdict(name, status, queries=queries, detail=detail, **numbers)


def undecided(base_blocks: list[list[float]], head_blocks: list[list[float]]) -> bool:
    """Whether more rounds could change the verdict, or would make the run sharper than
    ``TARGET_MDE``."""
    found = floor_estimate(base_blocks, head_blocks)
    return found is None or not found.clear or found.mde > TARGET_MDE


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
