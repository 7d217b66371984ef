"""Verdicts, the audit plan's thresholds, and where each breach points in its playbook.

The defaults, and the playbook section each breach points at, are the one
table in docs/locks.md ("Thresholds"); ``DEFAULT_THRESHOLDS`` below is that
table in code.  Comparisons are strict: a P95 of exactly 200 ms passes a
200 ms limit, as in the plan.

When a pipeline rule and an entity rule both match, the stricter wins; a
group no rule names gets ``default_p95_warn_ms``.  The plan's own names
(``skill``/``UserLicense``, ``reward``/``Semester``) and Arena's (``skill``/
``PlayerSkill``, ``reward``/``Season``) are both covered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from perf.lock_analysis.schema import Invalid, millis

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_NO_DATA = 2


class Verdict(StrEnum):
    """Outcome of one check, declared in increasing order of severity."""

    OK = "ok"
    INSUFFICIENT = "insufficient"
    WARN = "warn"
    CRITICAL = "critical"

    @property
    def severity(self) -> int:
        return list(Verdict).index(self)


class Decision(StrEnum):
    """The origin report's per-pipeline vocabulary."""

    OK = "OK"
    ACTION_REQUIRED = "ACTION_REQUIRED"
    CRITICAL = "CRITICAL"
    NO_DATA = "NO_DATA"
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"


DECISIONS = {
    Verdict.OK: Decision.OK,
    Verdict.INSUFFICIENT: Decision.INSUFFICIENT_DATA,
    Verdict.WARN: Decision.ACTION_REQUIRED,
    Verdict.CRITICAL: Decision.CRITICAL,
}


def worst(verdicts: Iterable[Verdict]) -> Verdict:
    return max(verdicts, key=lambda v: v.severity, default=Verdict.OK)


def exit_code_for(verdict: Verdict) -> int:
    if verdict in (Verdict.WARN, Verdict.CRITICAL):
        return EXIT_FAILED
    if verdict is Verdict.INSUFFICIENT:
        return EXIT_NO_DATA
    return EXIT_OK


# The audit plan's playbook (§4) and the one threshold without a playbook entry (§3.4).
PLAYBOOK = {
    "§4.1": "batch-query optimisation: move the N×M reads out of the skill lock",
    "§4.2": "commit boundary narrowing: hold the lock through less work",
    "§4.3": "deadlock incident sprint: review the lock order",
    "§3.4": "review unique constraint coverage; possible missing index",
}
_SKILL_ENTITIES = frozenset({"UserLicense", "PlayerSkill"})


def playbook_section(*, pipeline: str, entity_type: str) -> str:
    """Where a hold-time breach of this group points in the plan's playbook."""
    if pipeline == "skill" or entity_type in _SKILL_ENTITIES:
        return "§4.1"
    # §4.2 is the plan's remedy for any lock held too long, not only the season's.
    return "§4.2"


DEFAULT_THRESHOLDS: dict[str, Any] = {
    # §3.1: the skill pipeline's player-skill lock.
    "pipeline_p95_warn_ms": {"skill": 200.0, "reward": 500.0},
    # §3.2: the season lock (the plan's Semester, Arena's Season), whatever the pipeline.
    "entity_p95_warn_ms": {"Semester": 500.0, "Season": 500.0},
    # The origin report's limit for every other pipeline.
    "default_p95_warn_ms": 500.0,
    # Any lock held this long blocks concurrent users: critical everywhere.
    "p95_critical_ms": 2000.0,
    # §3.3: a single deadlock is an incident.
    "max_deadlocks": 0,
    # §3.4: some IntegrityErrors are expected from SAVEPOINT guards.
    "integrity_error_rate_warn": 0.05,
    # Below this a P95 is noise, not evidence.
    "min_samples": 20,
    # Pipelines that must appear in the window (NO_DATA, exit 2, when absent).
    "expected_pipelines": [],
}


@dataclass(frozen=True)
class Thresholds:
    pipeline_p95_warn_ms: Mapping[str, float]
    entity_p95_warn_ms: Mapping[str, float]
    default_p95_warn_ms: float | None
    p95_critical_ms: float
    max_deadlocks: int
    integrity_error_rate_warn: float
    min_samples: int
    expected_pipelines: tuple[str, ...] = ()

    def warn_limit(self, *, pipeline: str, entity_type: str) -> float | None:
        # When both a pipeline and an entity rule match, the stricter wins.
        limits = [self.pipeline_p95_warn_ms.get(pipeline), self.entity_p95_warn_ms.get(entity_type)]
        present = [limit for limit in limits if limit is not None]
        return min(present) if present else self.default_p95_warn_ms

    def as_dict(self) -> dict[str, Any]:
        return {
            "pipeline_p95_warn_ms": dict(self.pipeline_p95_warn_ms),
            "entity_p95_warn_ms": dict(self.entity_p95_warn_ms),
            "default_p95_warn_ms": self.default_p95_warn_ms,
            "p95_critical_ms": self.p95_critical_ms,
            "max_deadlocks": self.max_deadlocks,
            "integrity_error_rate_warn": self.integrity_error_rate_warn,
            "min_samples": self.min_samples,
            "expected_pipelines": list(self.expected_pipelines),
        }


def _limit_map(value: Any, *, name: str) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping of name -> milliseconds")
    return {str(key): _number(limit, name=f"{name}[{key!r}]") for key, limit in value.items()}


def _number(value: Any, *, name: str) -> float:
    try:
        return millis(value)
    except Invalid as exc:
        raise ValueError(f"{name}: {exc}") from None


def _count(value: Any, *, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return value


def _names(value: Any, *, name: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"{name} must be a list of pipeline names")
    return tuple(value)


def resolve_thresholds(overrides: Mapping[str, Any] | None = None) -> Thresholds:
    """Merge ``overrides`` (settings.LOCK_REPORT_THRESHOLDS, or a --thresholds file) over the defaults.

    The two per-name limit maps are merged key by key, so adding a limit for
    one pipeline keeps the defaults for the others; set a limit (or
    ``default_p95_warn_ms``) to ``None`` to remove that rule.  Unknown keys or
    bad values raise ValueError (TypeError for a wrong shape) so a typo cannot
    silently disable a threshold.
    """
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(DEFAULT_THRESHOLDS))
    if unknown:
        raise ValueError(f"unknown LOCK_REPORT_THRESHOLDS keys: {', '.join(unknown)}")
    merged = {**DEFAULT_THRESHOLDS, **overrides}
    for key in ("pipeline_p95_warn_ms", "entity_p95_warn_ms"):
        if not isinstance(overrides.get(key, {}), Mapping):
            raise TypeError(f"{key} must be a mapping of name -> milliseconds")
        combined = {**DEFAULT_THRESHOLDS[key], **overrides.get(key, {})}
        merged[key] = {k: v for k, v in combined.items() if v is not None}
    default = merged["default_p95_warn_ms"]
    return Thresholds(
        pipeline_p95_warn_ms=_limit_map(merged["pipeline_p95_warn_ms"], name="pipeline_p95_warn_ms"),
        entity_p95_warn_ms=_limit_map(merged["entity_p95_warn_ms"], name="entity_p95_warn_ms"),
        default_p95_warn_ms=None if default is None else _number(default, name="default_p95_warn_ms"),
        p95_critical_ms=_number(merged["p95_critical_ms"], name="p95_critical_ms"),
        max_deadlocks=_count(merged["max_deadlocks"], name="max_deadlocks"),
        integrity_error_rate_warn=_number(merged["integrity_error_rate_warn"], name="integrity_error_rate_warn"),
        min_samples=_count(merged["min_samples"], name="min_samples"),
        expected_pipelines=_names(merged["expected_pipelines"], name="expected_pipelines"),
    )
