"""Match result hot path: one captain reports, the other confirms, the bracket moves on.

Each timed call is the pair of requests that settles one match through the API: side
a's report (201 ``awaiting_confirmation``) then side b's identical report (200
``confirmed``). ``prepare`` builds fresh matches in bulk statements, untimed.

* ``results``: single elimination; the winner is written into the next match.
* ``results_double_elimination``: a winners-bracket match; the winner goes on and the
  loser drops into a losers-bracket match, under the tournament's lock (every
  double-elimination result takes it, ``services.matches._completes_tournament``).
* ``results_swiss``: a Swiss match of a round still being played: the tournament's lock
  and the check that matches are left (the round's last result, which pairs the next
  round, is not this path).
"""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from perf.harness import Scenario, api_client, expect, register
from teams.models import Membership, Team
from tournaments import formats
from tournaments.models import Match, Tournament

SCORE = {"score_a": 2, "score_b": 1}


def _captain_and_team(label: str) -> tuple[str, Team]:
    """A captain (no password hashing: setup stays cheap), their one-player team, their token."""
    user = get_user_model()(username=f"res-{label}-{uuid.uuid4().hex[:12]}")
    user.set_unusable_password()
    user.save()
    team = Team.objects.create(name=f"Results {label}", tag=uuid.uuid4().hex[:12], captain=user)
    Membership.objects.create(team=team, user=user, role=Membership.Role.CAPTAIN)
    return Token.objects.create(user=user).key, team


@register
class ResultsScenario(Scenario):
    name = "results"
    description = "POST /api/matches/{id}/result/ by both captains: report (201), confirm + advance (200)"

    requests = 2
    format = formats.SINGLE_ELIMINATION

    def setup(self) -> None:
        token_a, self.team_a = _captain_and_team("a")
        token_b, self.team_b = _captain_and_team("b")
        self.tournament = Tournament.objects.create(
            name=f"Results bench {uuid.uuid4().hex[:8]}",
            game="chess",
            organizer=self.team_a.captain,
            status=Tournament.Status.LIVE,
            max_teams=2,
            team_size=1,
            format=self.format,
            swiss_rounds=2 if self.format == formats.SWISS else None,
        )
        self.client_a, self.client_b = api_client(token=token_a), api_client(token=token_b)
        self.positions = itertools.count(1)

    def prepare(self, count: int) -> list[Any]:
        positions = [next(self.positions) for _ in range(count)]
        matches = Match.objects.bulk_create(
            Match(tournament=self.tournament, round=1, position=p, team_a=self.team_a, team_b=self.team_b)
            for p in positions
        )
        # Created after the round-1 matches: each next match has the higher pk, the
        # order in which confirmations lock (see tournaments.services.matches).
        following = Match.objects.bulk_create(Match(tournament=self.tournament, round=2, position=p) for p in positions)
        for match, next_match in zip(matches, following, strict=True):
            match.next_match, match.next_slot = next_match, Match.Slot.A
        Match.objects.bulk_update(matches, ["next_match", "next_slot"])
        return [match.pk for match in matches]

    def run(self, item: Any) -> None:
        url = f"/api/matches/{item}/result/"
        expect(
            self.client_a.post(url, SCORE, format="json"), 201, lambda body: body["status"] == "awaiting_confirmation"
        )
        expect(
            self.client_b.post(url, SCORE, format="json"),
            200,
            lambda body: body["status"] == "confirmed" and body["winner_id"] == self.team_a.pk,
        )


@register
class DoubleEliminationResultsScenario(ResultsScenario):
    name = "results_double_elimination"
    description = (
        "POST /api/matches/{id}/result/ by both captains, a double-elimination winners-bracket match: "
        "report (201), confirm (200): the winner goes on, the loser drops to the losers bracket"
    )
    format = formats.DOUBLE_ELIMINATION

    def prepare(self, count: int) -> list[Any]:
        positions = [next(self.positions) for _ in range(count)]

        def matches(bracket: str, **fields: Any) -> list[Match]:
            return Match.objects.bulk_create(
                Match(tournament=self.tournament, bracket=bracket, position=p, **fields) for p in positions
            )

        # In play order, as the start saves them: each destination has the higher pk.
        played = matches(formats.WINNERS, round=1, team_a=self.team_a, team_b=self.team_b)
        dropped_to = matches(formats.LOSERS, round=1)
        won_to = matches(formats.WINNERS, round=2)
        for match, winners_next, losers_next in zip(played, won_to, dropped_to, strict=True):
            match.next_match, match.next_slot = winners_next, Match.Slot.A
            match.loser_next_match, match.loser_next_slot = losers_next, Match.Slot.A
        Match.objects.bulk_update(played, ["next_match", "next_slot", "loser_next_match", "loser_next_slot"])
        return [match.pk for match in played]


@register
class SwissResultsScenario(ResultsScenario):
    name = "results_swiss"
    description = (
        "POST /api/matches/{id}/result/ by both captains, a Swiss match of a round still in play: "
        "report (201), confirm (200) under the tournament's lock"
    )
    format = formats.SWISS

    def setup(self) -> None:
        super().setup()
        # A match of the round left open: no timed confirmation is the round's last.
        Match.objects.create(tournament=self.tournament, round=1, position=next(self.positions))

    def prepare(self, count: int) -> list[Any]:
        return [
            match.pk
            for match in Match.objects.bulk_create(
                Match(
                    tournament=self.tournament,
                    round=1,
                    position=next(self.positions),
                    team_a=self.team_a,
                    team_b=self.team_b,
                )
                for _ in range(count)
            )
        ]
