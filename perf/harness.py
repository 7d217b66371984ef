"""The perf harness's contract: one ``Scenario`` per hot path.

A scenario builds its world once (``setup``), prepares the inputs of N timed calls
outside the timing (``prepare``: fresh teams, fresh matches, ...), and performs one
timed operation per input (``run``), asserting its response so that a broken
endpoint can never look fast. The same scenarios feed the pytest-benchmark tests in
``tests/perf`` and ``manage.py perf_baseline``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rest_framework.test import APIClient

REGISTRY: dict[str, type[Scenario]] = {}


class Scenario:
    name: ClassVar[str]
    #: Human description for reports.
    description: ClassVar[str] = ""
    #: HTTP requests in one timed call: a distance to the floor is per request.
    requests: ClassVar[int] = 1

    def setup(self) -> None:
        """Build the world once (users, teams, tournaments). Not timed."""

    def prepare(self, count: int) -> list[Any]:
        """Return ``count`` inputs for ``run``, each usable exactly once. Not timed."""
        return [None] * count

    def run(self, item: Any) -> None:
        """One timed operation. Must assert its response (status and body)."""
        raise NotImplementedError


def register(cls: type[Scenario]) -> type[Scenario]:
    REGISTRY[cls.name] = cls
    return cls


def api_client(*, token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def expect(response: Any, status: int, check: Callable[[Any], bool] | None = None) -> Any:
    """Assert a response's status (and optionally its JSON) inside a benchmark."""
    if response.status_code != status:
        raise AssertionError(
            f"expected {status}, got {response.status_code}: {getattr(response, 'content', b'')[:300]!r}"
        )
    body = response.json() if response.content else None
    if check is not None and not check(body):
        raise AssertionError(f"unexpected body: {body!r}")
    return body


#: The yardstick every hot path's distance is measured against (perf/scenarios/floor.py).
FLOOR = "floor_drf"


def floor_multiple(paths: dict[str, dict[str, Any]], name: str, key: str = "p95_ms") -> float | None:
    """``name``'s ``key`` per request as a multiple of the DRF floor's, from one run's paths
    (a baseline's ``hot_paths``); None when that run has no floor."""
    floor = paths.get(FLOOR)
    if floor is None or not floor[key]:
        return None
    entry = paths[name]
    return entry[key] / entry.get("requests", 1) / floor[key]


def hot_path_names(registry: dict[str, type[Scenario]] | None = None) -> list[str]:
    """Every registered scenario, in a stable order."""
    return sorted(registry if registry is not None else REGISTRY)


def capture_queries(scenario: Scenario) -> list[dict[str, str]]:
    """Run one prepared call under ``CaptureQueriesContext``, after an untimed one: the exact
    statement list of a warm call, as the timed ones are (a token is read once, then
    cached: ``accounts.token_cache``)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    warm, item = scenario.prepare(2)
    scenario.run(warm)
    with CaptureQueriesContext(connection) as captured:
        scenario.run(item)
    return list(captured.captured_queries)
