"""The tournament metadata cache (issue 20), on and off, interleaved in one process.

DJANGO_ENV=test PYTHONPATH=. python notes/scripts/tournament_cache.py [--rounds 20]

With DATABASE_URL and REDIS_URL set: PostgreSQL and Redis (it makes and drops
test_<name>, and flushes the Redis database it is given: give it one of its own);
without them SQLite in memory and the process's own cache. Each round
serves a block of requests with the cache on, then a block with it off (the order
alternating by round), through Django's test client with a token, as a viewer:

* detail: GET /api/tournaments/{id}/ over 20 public tournaments, in turn;
* list: GET /api/tournaments/ (its first page, 20 rows);
* mixed: the detail block again, with one status-changing write (an UPDATE through the
  manager, as the services write) after every 25 reads, so some reads miss.

It prints p50/p95 per block kind and arm, in ms (every request's own wall time), and
the hit ratio the cache's counter (``arena_cache_reads_total``) saw in each kind.
"""

import argparse
import os
import statistics
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.test.utils import (  # noqa: E402
    override_settings,
    setup_databases,
    setup_test_environment,
    teardown_databases,
)

from core.metrics import REGISTRY  # noqa: E402

BLOCK = 50


def counted() -> tuple[float, float]:
    def value(result: str) -> float:
        return REGISTRY.get_sample_value("arena_cache_reads_total", {"cache": "tournament", "result": result}) or 0.0

    return value("hit"), value("miss")


def quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds

    setup_test_environment()
    databases = setup_databases(verbosity=0, interactive=False, aliases={"default": True})
    try:
        from django.core.cache import cache

        from tests import factories
        from tournaments.models import Tournament

        organizer = factories.user(username="organizer", is_staff=True)
        viewer = factories.user(username="viewer")
        ids = [factories.tournament(organizer=organizer, name=f"Cup {n}").pk for n in range(20)]
        client = factories.client_for(viewer)
        writes = iter(range(10**9))

        def detail(n: int) -> None:
            response = client.get(f"/api/tournaments/{ids[n % len(ids)]}/")
            assert response.status_code == 200, response.content

        def listing(n: int) -> None:
            response = client.get("/api/tournaments/")
            assert response.status_code == 200, response.content
            assert len(response.json()["results"]) == 20

        def mixed(n: int) -> None:
            if n % 25 == 24:
                status = ("registration_open", "registration_closed")[next(writes) % 2]
                Tournament.objects.filter(pk=ids[n % len(ids)]).update(status=status)
            detail(n)

        kinds = {"detail": detail, "list": listing, "mixed": mixed}
        times: dict[tuple[str, str], list[float]] = {(kind, arm): [] for kind in kinds for arm in ("on", "off")}
        ratios: dict[str, list[float]] = {kind: [0.0, 0.0] for kind in kinds}
        cache.clear()
        for number in range(rounds + 1):  # round 0 warms up, untimed
            arms = ("on", "off") if number % 2 else ("off", "on")
            for kind, call in kinds.items():
                for arm in arms:
                    with override_settings(TOURNAMENT_CACHE_SECONDS=300 if arm == "on" else 0):
                        before = counted()
                        for n in range(BLOCK):
                            started = time.perf_counter()
                            call(n)
                            if number:
                                times[kind, arm].append(time.perf_counter() - started)
                        after = counted()
                    if number and arm == "on":
                        ratios[kind][0] += after[0] - before[0]
                        ratios[kind][1] += after[1] - before[1]
        from django.db import connection

        print(f"{connection.vendor}, {rounds} rounds × {BLOCK} requests per arm and kind")
        print("| kind | cache | p50 ms | p95 ms | hit ratio |")
        print("|---|---|---:|---:|---:|")
        for kind in kinds:
            hits, misses = ratios[kind]
            for arm in ("on", "off"):
                values = times[kind, arm]
                ratio = f"{hits / (hits + misses):.1%}" if arm == "on" else ""
                p50, p95 = quantile(values, 0.5) * 1000, quantile(values, 0.95) * 1000
                print(f"| {kind} | {arm} | {p50:.2f} | {p95:.2f} | {ratio} |")
    finally:
        teardown_databases(databases, verbosity=0)


main()
