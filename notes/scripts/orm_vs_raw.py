"""The ORM against the hand-written SQL issue 19 put in its place: µs per call, one process.

DJANGO_ENV=test PYTHONPATH=. python notes/scripts/orm_vs_raw.py

With DATABASE_URL (and REDIS_URL) set, on PostgreSQL: it makes and drops test_<name>.
Each line times 1 000 calls inside one transaction, after 50 untimed ones: the ORM
query the hot path ran before, then what it runs now.
"""

import os
import time
from collections.abc import Callable
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import transaction  # noqa: E402 - after django.setup()
from django.db.models import Count  # noqa: E402
from django.test.utils import setup_databases, setup_test_environment, teardown_databases  # noqa: E402

CALLS = 1000


def bench(label: str, call: Callable[[], Any]) -> None:
    with transaction.atomic():
        for _ in range(50):
            call()
        started = time.perf_counter()
        for _ in range(CALLS):
            call()
        elapsed = time.perf_counter() - started
    print(f"{label:58s} {elapsed / CALLS * 1e6:8.1f} µs")


setup_test_environment()
databases = setup_databases(verbosity=0, interactive=False, aliases={"default": True})
try:
    from teams.models import Membership
    from teams.selectors import team_roster
    from tests import factories
    from tests.tournaments.builders import match_at, started_tournament
    from tournaments.locks import tournament_lock
    from tournaments.models import Match, Registration, RegistrationStatus, Tournament
    from tournaments.selectors.matches import RELATED, match_for_result
    from tournaments.selectors.registrations import registration_counts
    from tournaments.services.registrations import REGISTRATION_FIELDS

    organizer = factories.user(username="organizer", is_staff=True)
    tournament, teams = started_tournament(organizer=organizer, teams=4)
    team, match = teams[0], match_at(tournament, 1, 1)
    statuses = [RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED]
    only = (
        *(field.attname for field in Match._meta.concrete_fields),
        *("tournament__status", "tournament__organizer_id", "tournament__best_of"),
        *("tournament__round_best_of", "tournament__format"),
        *(f"{side}__{field}" for side in ("team_a", "team_b") for field in ("name", "tag", "captain_id")),
        *("next_match__forfeited_by_id", "next_match__next_match_id"),
    )

    bench(
        "roster, ORM",
        lambda: list(
            Membership.objects.filter(team_id=team.pk).order_by("user_id").values_list("user_id", "team__captain_id")
        ),
    )
    bench("roster, TEAM_ROSTER_SQL", lambda: team_roster(team_id=team.pk))
    bench(
        "tournament lock, ORM",
        lambda: (
            Tournament.objects.select_for_update(of=("self",), no_key=True)
            .only(*REGISTRATION_FIELDS)
            .get(pk=tournament.pk)
        ),
    )
    bench(
        "tournament lock, Tournament.objects.raw",
        lambda: tournament_lock(tournament_id=tournament.pk, pipeline="p", caller="c", fields=REGISTRATION_FIELDS),
    )
    bench(
        "registration counts, ORM",
        lambda: dict(
            Registration.objects.filter(tournament_id=tournament.pk, status__in=statuses)
            .values_list("status")
            .annotate(count=Count("pk"))
            .order_by()
        ),
    )
    bench("registration counts, REGISTRATION_COUNTS_SQL", lambda: registration_counts(tournament_id=tournament.pk))
    bench("match read, ORM", lambda: Match.objects.select_related(*RELATED).only(*only).get(pk=match.pk))
    bench("match read, match_for_result", lambda: match_for_result(match_id=match.pk))
finally:
    teardown_databases(databases, verbosity=0)
