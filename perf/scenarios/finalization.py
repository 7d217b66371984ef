"""Finalization hot path: finalize 16 teams × 4 players, each with 20 past tournaments.

``finished_tournament_build`` writes a finished single-elimination tournament straight
through the ORM in a handful of bulk statements (the matches API is another issue's;
going through it would time the wrong thing and take minutes per tournament). The
tests of the finalization pipeline build their worlds with it too, so the benchmark
runs the world the tests check.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from accounts.services import user_create
from economy.models import Wallet
from perf.harness import Scenario, api_client, expect, register
from teams.models import Membership, Team
from tournaments.models import (
    Match,
    PlayerSkill,
    Registration,
    RosterEntry,
    Season,
    Tournament,
    TournamentParticipation,
)

TEAMS = 16
TEAM_SIZE = 4
HISTORY = 20


def _players(count: int) -> list[Any]:
    User = get_user_model()
    users = [User(username=f"fin-{uuid.uuid4().hex[:16]}") for _ in range(count)]
    for user in users:
        user.set_unusable_password()  # no hashing: prepare stays cheap
    users = User.objects.bulk_create(users)
    Wallet.objects.bulk_create([Wallet(user=user) for user in users])
    return users


def _teams(players: list[Any], *, team_size: int) -> list[Team]:
    squads = [players[i : i + team_size] for i in range(0, len(players), team_size)]
    teams = Team.objects.bulk_create(
        Team(name=f"Squad {uuid.uuid4().hex[:6]}", tag=uuid.uuid4().hex[:12], captain=squad[0]) for squad in squads
    )
    Membership.objects.bulk_create(
        Membership(team=team, user=user, role="captain" if user == squad[0] else "member")
        for team, squad in zip(teams, squads, strict=True)
        for user in squad
    )
    return teams


def _register(tournament: Tournament, teams: list[Team], squads: list[list[Any]]) -> None:
    registrations = Registration.objects.bulk_create(
        Registration(tournament=tournament, team=team, status="confirmed", registered_by=team.captain) for team in teams
    )
    RosterEntry.objects.bulk_create(
        RosterEntry(registration=registration, tournament=tournament, user=user)
        for registration, squad in zip(registrations, squads, strict=True)
        for user in squad
    )


def bracket_build(*, tournament: Tournament, teams: list[Team], confirmed: bool = True) -> list[Match]:
    """A full single-elimination bracket; the first team of each pairing wins."""
    matches, alive, round_number, now = [], list(teams), 1, timezone.now()
    while len(alive) > 1:
        winners = []
        for position, (team_a, team_b) in enumerate(zip(alive[::2], alive[1::2], strict=True), start=1):
            status = "confirmed" if confirmed else "scheduled"
            winner = team_a if confirmed else None
            matches.append(
                Match(
                    tournament=tournament,
                    round=round_number,
                    position=position,
                    team_a=team_a,
                    team_b=team_b,
                    status=status,
                    score_a=2 if confirmed else None,
                    score_b=1 if confirmed else None,
                    winner=winner,
                    confirmed_at=now if confirmed else None,
                )
            )
            winners.append(team_a)
        alive, round_number = winners, round_number + 1
    return Match.objects.bulk_create(matches)


def _history(*, organizer: Any, teams: list[Team], squads: list[list[Any]], count: int) -> None:
    """``count`` past, finalized tournaments in which every player took part."""
    if not count:
        return
    past = Tournament.objects.bulk_create(
        Tournament(
            name=f"Past {i}", game="chess", organizer=organizer, status="rewards_distributed", max_teams=64, team_size=1
        )
        for i in range(count)
    )
    TournamentParticipation.objects.bulk_create(
        TournamentParticipation(
            user=user,
            tournament=tournament,
            team=team,
            placement=index + 1,
            rating_before=1500,
            rating_after=1400 + 10 * index,
        )
        for tournament in past
        for index, (team, squad) in enumerate(zip(teams, squads, strict=True))
        for user in squad
    )
    PlayerSkill.objects.bulk_create(
        PlayerSkill(user=user, tournaments_played=count) for squad in squads for user in squad
    )


@transaction.atomic
def finished_tournament_build(
    *,
    organizer: Any,
    teams: int = TEAMS,
    team_size: int = TEAM_SIZE,
    history: int = 0,
    season: Season | None = None,
    confirmed: bool = True,
    **fields: Any,
) -> Tournament:
    """A completed tournament: ``teams`` confirmed teams, rosters, a confirmed bracket.

    ``teams`` must be a power of two. With ``history``, every player has that many
    past finalized tournaments (participations and a matching skill row).
    """
    players = _players(teams * team_size)
    squads = [players[i : i + team_size] for i in range(0, len(players), team_size)]
    team_rows = _teams(players, team_size=team_size)
    tournament = Tournament.objects.create(
        name=f"Cup {uuid.uuid4().hex[:8]}",
        game="chess",
        organizer=organizer,
        season=season,
        status=fields.pop("status", "completed"),
        max_teams=max(teams, 2),
        team_size=team_size,
        **fields,
    )
    _register(tournament, team_rows, squads)
    bracket_build(tournament=tournament, teams=team_rows, confirmed=confirmed)
    _history(organizer=organizer, teams=team_rows, squads=squads, count=history)
    return tournament


@register
class FinalizationScenario(Scenario):
    name = "finalization"
    description = f"Finalize {TEAMS} teams × {TEAM_SIZE} players, each with {HISTORY} past tournaments"

    def setup(self) -> None:
        organizer, token = user_create(username=f"perf-org-{uuid.uuid4().hex[:12]}", password=uuid.uuid4().hex)
        self.organizer = organizer
        self.client = api_client(token=token.key)
        self.season = Season.objects.create(name=f"Season {uuid.uuid4().hex[:12]}")

    def prepare(self, count: int) -> list[Any]:
        return [
            finished_tournament_build(organizer=self.organizer, history=HISTORY, season=self.season).pk
            for _ in range(count)
        ]

    def run(self, item: Any) -> None:
        response = self.client.post(f"/api/tournaments/{item}/finalize/", {}, format="json")
        expect(
            response,
            200,
            lambda body: body["status"] == "rewards_distributed" and body["players_rewarded"] == TEAMS * TEAM_SIZE,
        )
