"""Swiss (issue 15) through the HTTP API: a 9-team Swiss over its default 4 rounds.

In every match the better seed wins 1-0. Every round's pairing, bye and the final
table are worked out by hand below from the rules (``tournaments.formats``): the
lowest-ranked team without a bye sits out and wins; the best team meets the best
opponent it has not met, its score group's other half first; ranks by points,
Buchholz, Sonneborn-Berger, game differential, games won, seed.
"""

from __future__ import annotations

import json

import pytest

from realtime.selectors import event_history_list
from tests import factories
from tests.tournaments.builders import api_tournament, report_both
from tournaments.models import Match, Tournament, TournamentParticipation

pytestmark = pytest.mark.django_db

ROUNDS = {
    # Round 1, everyone on 0, by seed: 9 has the bye; 1 meets the group's middle (5).
    1: ([(1, 5), (2, 6), (3, 7), (4, 8)], 9),
    # 1 2 3 4 9 on 3 points (9 last: no games from its bye); 5 6 7 8 on 0, 8 the last without a bye.
    2: ([(1, 3), (2, 4), (9, 5), (6, 7)], 8),
    # 1 2 on 6; then 4 5 (Buchholz 9), 3 6 (6), 8 9 (3) on 3; 7 on 0 and has no bye.
    3: ([(1, 2), (4, 6), (5, 8), (3, 9)], 7),
    # 1 on 9 has met 2, 3 and 5: it meets 4; 5 has met 8 and 9: it meets 7. 6 is the last without a bye.
    4: ([(1, 4), (2, 3), (5, 7), (8, 9)], 6),
}
# (seed, points, Buchholz, Sonneborn-Berger), best first.
TABLE = [
    (1, 12, 30, 30),
    (2, 9, 30, 18),
    (5, 9, 24, 12),
    (4, 6, 33, 12),
    (3, 6, 27, 6),
    (6, 6, 18, 3),  # level with 8 down to games won (1 each): the seed decides
    (8, 6, 18, 3),
    (7, 3, 21, 0),
    (9, 3, 21, 0),
]


def play(match, seeds):
    report_both(match, *((1, 0) if seeds[match.team_a_id] < seeds[match.team_b_id] else (0, 1)))


def test_a_nine_team_swiss_pairs_by_score_without_rematches_and_pays_by_its_table(organizer):
    tournament, squads = api_tournament(organizer=organizer, teams=9, format="swiss")
    assert Tournament.objects.get(pk=tournament.pk).swiss_rounds == 4  # ⌈log2 9⌉
    seeds = {team.pk: seed for seed, team in enumerate(squads, start=1)}

    for round_, (pairs, bye) in ROUNDS.items():
        matches = list(
            Match.objects.filter(tournament=tournament, round=round_).select_related(
                "team_a__captain", "team_b__captain"
            )
        )
        played = [m for m in matches if m.team_b_id is not None]
        assert [(seeds[m.team_a_id], seeds[m.team_b_id]) for m in played] == pairs, round_
        (sitting_out,) = [m for m in matches if m.team_b_id is None]
        assert (seeds[sitting_out.team_a_id], sitting_out.status, sitting_out.winner_id) == (
            bye,
            "confirmed",
            sitting_out.team_a_id,
        )
        assert Tournament.objects.get(pk=tournament.pk).status == "live"
        for match in played:
            play(match, seeds)
    assert Tournament.objects.get(pk=tournament.pk).status == "completed"
    assert not Match.objects.filter(tournament=tournament, round=5).exists()
    pairings = [frozenset(p) for p in Match.objects.filter(tournament=tournament).values_list("team_a", "team_b")]
    assert len(pairings) == len(set(pairings))  # no rematch

    standings = factories.client_for(organizer).get(f"/api/tournaments/{tournament.pk}/standings/").json()
    assert [
        (seeds[row["team"]["id"]], row["points"], row["buchholz"], row["sonneborn_berger"]) for row in standings
    ] == TABLE
    assert [row["rank"] for row in standings] == list(range(1, 10))

    kinds = [event["type"] for event in _events(tournament)]
    assert kinds.count("round.paired") == 4

    finalized = factories.client_for(organizer).post(f"/api/tournaments/{tournament.pk}/finalize/")
    assert finalized.status_code == 200, finalized.json()
    placed = dict(TournamentParticipation.objects.filter(tournament=tournament).values_list("team_id", "placement"))
    assert {seeds[team_id]: placement for team_id, placement in placed.items()} == {
        seed: rank for rank, (seed, *_) in enumerate(TABLE, start=1)
    }


def _events(tournament):
    return [json.loads(text) for _, text in event_history_list(tournament_id=tournament.pk, since=0)]


def test_too_many_rounds_for_the_field_is_409_and_nothing_starts(organizer):
    tournament = factories.tournament(organizer=organizer, format="swiss", swiss_rounds=4)
    for _ in range(4):  # 4 teams meet each other in 3 rounds
        factories.confirmed_registration(tournament=tournament, team=factories.team())
    response = factories.client_for(organizer).post(f"/api/tournaments/{tournament.pk}/start/")
    assert (response.status_code, response.json()["code"]) == (409, "not_enough_teams")
    assert Tournament.objects.get(pk=tournament.pk).status == "registration_open"
    assert not Match.objects.filter(tournament=tournament).exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"format": "single_elimination", "swiss_rounds": 3},
        {"format": "round_robin", "tiebreakers": ["points", "buchholz"]},
        {"format": "swiss", "swiss_rounds": 0},
    ],
)
def test_swiss_options_elsewhere_are_a_400(organizer, fields):
    body = {"name": "Open", "game": "chess", "max_teams": 8, "team_size": 1, **fields}
    response = factories.client_for(organizer).post("/api/tournaments/", body, format="json")
    assert response.status_code == 400, response.json()
    assert not Tournament.objects.exists()


def test_a_swiss_whose_field_is_disqualified_down_to_one_team_completes(organizer):
    # Three rounds for four teams; after round 2 only one team is left to pair.
    tournament = factories.tournament(organizer=organizer, format="swiss", max_teams=4, swiss_rounds=3)
    squads = [factories.team() for _ in range(4)]
    for squad in squads:
        factories.confirmed_registration(tournament=tournament, team=squad)
    factories.client_for(organizer).post(f"/api/tournaments/{tournament.pk}/start/")
    client = factories.client_for(organizer)
    for squad in squads[1:]:
        response = client.post(
            f"/api/tournaments/{tournament.pk}/disqualify/", {"team_id": squad.pk, "reason": "no-show"}, format="json"
        )
        assert response.status_code == 200, response.json()
    assert Tournament.objects.get(pk=tournament.pk).status == "completed"
    assert max(Match.objects.filter(tournament=tournament).values_list("round", flat=True)) == 2
    standings = client.get(f"/api/tournaments/{tournament.pk}/standings/").json()
    assert [row["team"]["id"] for row in standings] == [squads[0].pk]
