"""Hot path 1: a team registers for an open tournament through the API (SPEC "Tournament registration").

Every call registers a fresh team (a repeat would be a cheaper 409 path and flatter
the numbers) into a tournament with room to spare, and checks the 201 says
``confirmed``, which proves the capacity count, the insert and the roster ran. Its
captain's token has been used just before (untimed), as a signed-in captain's has.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.services import user_create
from economy.models import Wallet
from perf.harness import Scenario, expect, register
from teams.models import Membership, Team
from tournaments.models import Tournament, TournamentStatus

PATH = "/api/tournaments/register/"
#: Room for any benchmark run: every call must be confirmed, never waitlisted.
CAPACITY = 1_000_000


def captains_with_teams(*, count: int, label: str) -> list[tuple[str, int]]:
    """``count`` captains, each with a token, a wallet and a one-player team: (token key, team id).

    Built in bulk because preparing is not timed but must stay fast: user_create would
    hash a password per user. The rows are the ones the signup and team services
    write (unusable password, wallet, captain membership).
    """
    tag = uuid.uuid4().hex[:10]
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"perf-{label}-{tag}-{n}", password=make_password(None)) for n in range(count)
    )
    tokens = Token.objects.bulk_create(Token(user=user, key=Token.generate_key()) for user in users)
    Wallet.objects.bulk_create(Wallet(user=user) for user in users)
    teams = Team.objects.bulk_create(
        Team(name=f"Perf {label} {n}", tag=secrets.token_hex(6).upper(), captain=user) for n, user in enumerate(users)
    )
    Membership.objects.bulk_create(
        Membership(team=team, user=user, role=Membership.Role.CAPTAIN) for team, user in zip(teams, users, strict=True)
    )
    return [(token.key, team.pk) for token, team in zip(tokens, teams, strict=True)]


@register
class RegistrationScenario(Scenario):
    name = "registration"
    description = "POST /api/tournaments/register/: lock, count, registration + roster insert (fresh team per call)"

    def setup(self) -> None:
        organizer, _token = user_create(username=f"perf-org-{uuid.uuid4().hex[:12]}", password=uuid.uuid4().hex)
        self.tournament = Tournament.objects.create(
            name="Perf registration cup",
            game="chess",
            organizer=organizer,
            status=TournamentStatus.REGISTRATION_OPEN,
            max_teams=CAPACITY,
            team_size=1,
        )
        # One client for every call, each call naming its captain in the header: a new
        # APIClient builds its middleware chain on its first request (WhiteNoise scans
        # every static file, ~0.3 s here), which would be timed and is not registration.
        self.client = APIClient()

    def prepare(self, count: int) -> list[Any]:
        captains = captains_with_teams(count=count, label="register")
        for key, _team_id in captains:
            # Each captain has just used their token, as one who opened the tournament
            # before registering has: the timed call finds it in the token cache. (A cold
            # token costs the one SELECT floor_auth's first call shows.)
            expect(self.client.get("/api/auth/me/", HTTP_AUTHORIZATION=f"Token {key}"), 200)
        return captains

    def run(self, item: Any) -> None:
        key, team_id = item
        response = self.client.post(
            PATH,
            {"tournament_id": self.tournament.pk, "team_id": team_id},
            format="json",
            HTTP_AUTHORIZATION=f"Token {key}",
        )
        expect(response, 201, lambda body: body["status"] == "confirmed" and body["team_id"] == team_id)
