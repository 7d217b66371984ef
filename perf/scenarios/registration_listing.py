"""The organizer's registration listing, at two table sizes (SPEC "Tournament registration").

``GET /api/tournaments/{id}/registrations/?status=pending,confirmed`` for a tournament
with 150 registrations, while the table around it holds 100 or 100 000 others: the
latency must not grow with the table (idx_registration_tournament_status, a constant
number of queries). Each call checks the page size and the total.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from accounts.services import user_create
from perf.harness import Scenario, api_client, expect, register
from teams.models import Team
from tournaments.models import Registration, Tournament, TournamentStatus

STATUSES = ("pending", "confirmed", "waitlisted", "withdrawn", "rejected")
#: Registrations of the listed tournament; 2 in 5 are pending or confirmed: 60 rows, a full page and more.
LISTED = 150
PER_TOURNAMENT = 100


def bulk_registrations(*, tournaments: list[Tournament], teams: list[Team], registered_by: Any) -> None:
    """One registration per (tournament, team), statuses cycling through STATUSES."""
    Registration.objects.bulk_create(
        (
            Registration(tournament=cup, team=team, status=STATUSES[n % len(STATUSES)], registered_by=registered_by)
            for cup in tournaments
            for n, team in enumerate(teams)
        ),
        batch_size=5000,
    )


class _ListingScenario(Scenario):
    #: Registrations of *other* tournaments around the listed one.
    background: ClassVar[int]

    def setup(self) -> None:
        tag = uuid.uuid4().hex[:10]
        organizer, token = user_create(username=f"perf-lst-{tag}", password=uuid.uuid4().hex, is_staff=True)
        captain = get_user_model().objects.create(username=f"perf-lst-cpt-{tag}", password=make_password(None))
        teams = Team.objects.bulk_create(
            Team(name=f"List {n}", tag=f"L{tag[:6]}{n}".upper()[:12], captain=captain) for n in range(LISTED)
        )
        others = Tournament.objects.bulk_create(
            Tournament(name=f"Bg {n}", game="chess", organizer=organizer, max_teams=PER_TOURNAMENT, team_size=1)
            for n in range(max(1, self.background // PER_TOURNAMENT))
        )
        bulk_registrations(tournaments=others, teams=teams[:PER_TOURNAMENT], registered_by=captain)
        self.tournament = Tournament.objects.create(
            name="Listed", game="chess", organizer=organizer, status=TournamentStatus.REGISTRATION_CLOSED,
            max_teams=LISTED, team_size=1,
        )  # fmt: skip
        bulk_registrations(tournaments=[self.tournament], teams=teams, registered_by=captain)
        self.expected_total = sum(1 for n in range(LISTED) if STATUSES[n % len(STATUSES)] in {"pending", "confirmed"})
        self.client = api_client(token=token.key)
        self.path = f"/api/tournaments/{self.tournament.pk}/registrations/?status=pending,confirmed"

    def run(self, item: Any) -> None:
        response = self.client.get(self.path)
        expect(response, 200, lambda body: body["count"] == self.expected_total and len(body["results"]) == 50)


@register
class RegistrationListingScenario(_ListingScenario):
    name = "registration_listing"
    description = "GET registrations?status=pending,confirmed: 150 in the tournament, 100 in the table around it"
    background = 100


@register
class RegistrationListingLargeScenario(_ListingScenario):
    name = "registration_listing_100k"
    description = "GET registrations?status=pending,confirmed: 150 in the tournament, 100 000 in the table around it"
    background = 100_000
