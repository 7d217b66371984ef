"""Round robin (issue 15) through the HTTP API: pairings, draws, completion, standings, rewards.

A 6-team round robin played to completion. Every pairing, the final table and what
decided each rank are computed by hand below, not by the code under test.
"""

from __future__ import annotations

import pytest

from tests import factories
from tests.tournaments.builders import api_tournament, report_both, seeded_score, statements
from tournaments.models import Match, Tournament, TournamentParticipation
from tournaments.services.matches import tournament_start

pytestmark = pytest.mark.django_db

# The circle method for seeds 1..6 (seed 1 fixed, the rest rotating; sides alternate):
# (round, position, seed of team a, seed of team b).
PAIRINGS = [
    (1, 1, 1, 6), (1, 2, 5, 2), (1, 3, 3, 4),
    (2, 1, 5, 1), (2, 2, 6, 4), (2, 3, 3, 2),
    (3, 1, 1, 4), (3, 2, 3, 5), (3, 3, 6, 2),
    (4, 1, 3, 1), (4, 2, 4, 2), (4, 3, 6, 5),
    (5, 1, 1, 2), (5, 2, 6, 3), (5, 3, 4, 5),
]  # fmt: skip
# Games won by (seed x, seed y) when x meets y.
SCORES = {
    (1, 2): (1, 2), (1, 3): (2, 0), (1, 4): (2, 1), (1, 5): (3, 0), (1, 6): (2, 0),
    (2, 3): (0, 1), (2, 4): (2, 0), (2, 5): (2, 1), (2, 6): (1, 0),
    (3, 4): (1, 1), (3, 5): (0, 2), (3, 6): (1, 3),
    (4, 5): (2, 0), (4, 6): (0, 1),
    (5, 6): (2, 1),
}  # fmt: skip
# Seeds 1 and 2 level on 12 points, 2 beat 1; 5 and 6 on 6, 5 beat 6; 3 and 4 on 4 and
# drew, 4's game differential (-2) better than 3's (-5).
TABLE = [
    # (rank, seed, played, wins, draws, losses, points, game differential, games won, tiebreaks)
    (1, 2, 5, 4, 0, 1, 12, 4, 7, {"points": 12, "head_to_head": 3}),
    (2, 1, 5, 4, 0, 1, 12, 7, 10, {"points": 12, "head_to_head": 0}),
    (3, 5, 5, 2, 0, 3, 6, -3, 5, {"points": 6, "head_to_head": 3}),
    (4, 6, 5, 2, 0, 3, 6, -1, 5, {"points": 6, "head_to_head": 0}),
    (5, 4, 5, 1, 1, 3, 4, -2, 4, {"points": 4, "head_to_head": 1, "game_differential": -2}),
    (6, 3, 5, 1, 1, 3, 4, -5, 3, {"points": 4, "head_to_head": 1, "game_differential": -5}),
]


def create(organizer, **fields):
    body = {"name": "League", "game": "chess", "max_teams": 8, "team_size": 1, "format": "round_robin", **fields}
    return factories.client_for(organizer).post("/api/tournaments/", body, format="json")


def league(organizer, teams: int, **fields):
    return api_tournament(organizer=organizer, teams=teams, format="round_robin", **fields)


def score(match, seeds) -> tuple[int, int]:
    return seeded_score(match, seeds, SCORES)


def test_a_six_team_round_robin_plays_to_its_table_and_pays_by_it(organizer):
    tournament, squads = league(organizer, 6)
    seeds = {team.pk: seed for seed, team in enumerate(squads, start=1)}
    matches = list(Match.objects.filter(tournament=tournament).select_related("team_a__captain", "team_b__captain"))
    assert [(m.round, m.position, seeds[m.team_a_id], seeds[m.team_b_id]) for m in matches] == PAIRINGS
    assert all(m.next_match_id is None for m in matches)

    for match in matches:
        confirmed = report_both(match, *score(match, seeds))
        assert confirmed.json()["status"] == "confirmed"
        expected = "completed" if match is matches[-1] else "live"
        assert Tournament.objects.get(pk=tournament.pk).status == expected
    drawn = Match.objects.get(pk=next(m.pk for m in matches if {seeds[m.team_a_id], seeds[m.team_b_id]} == {3, 4}))
    assert (drawn.status, drawn.winner_id, drawn.score_a) == ("confirmed", None, 1)

    standings = factories.client_for(factories.user()).get(f"/api/tournaments/{tournament.pk}/standings/")
    assert standings.status_code == 200, standings.json()
    rows = [
        (
            row["rank"],
            seeds[row["team"]["id"]],
            row["played"],
            row["wins"],
            row["draws"],
            row["losses"],
            row["points"],
            row["game_differential"],
            row["games_won"],
            row["tiebreaks"],
        )
        for row in standings.json()
    ]
    assert rows == TABLE

    finalized = factories.client_for(organizer).post(f"/api/tournaments/{tournament.pk}/finalize/")
    assert finalized.status_code == 200, finalized.json()
    placed = dict(TournamentParticipation.objects.filter(tournament=tournament).values_list("team_id", "placement"))
    assert {seeds[team_id]: placement for team_id, placement in placed.items()} == {
        seed: rank for rank, seed, *_ in TABLE
    }


def test_the_tiebreakers_are_the_tournament_s_own(organizer):
    tournament, squads = league(organizer, 6, tiebreakers=["points", "game_differential"])
    seeds = {team.pk: seed for seed, team in enumerate(squads, start=1)}
    for match in Match.objects.filter(tournament=tournament).select_related("team_a__captain", "team_b__captain"):
        report_both(match, *score(match, seeds))
    standings = factories.client_for(organizer).get(f"/api/tournaments/{tournament.pk}/standings/").json()
    # Game differential before head-to-head: 1 (+7) over 2 (+4), 6 (-1) over 5 (-3).
    assert [seeds[row["team"]["id"]] for row in standings] == [1, 2, 6, 5, 4, 3]


def test_a_double_round_robin_meets_twice_with_sides_swapped(organizer):
    tournament, squads = league(organizer, 3, round_robin_legs=2)
    pairs = list(Match.objects.filter(tournament=tournament).values_list("round", "team_a_id", "team_b_id"))
    assert len(pairs) == 6  # 3 pairs, twice; with 3 teams one sits out each round
    assert max(round_ for round_, *_ in pairs) == 6
    first, second = pairs[:3], pairs[3:]
    assert sorted((b, a) for _, a, b in second) == sorted((a, b) for _, a, b in first)
    for round_ in range(1, 7):
        playing = [team for r, a, b in pairs if r == round_ for team in (a, b)]
        assert len(playing) == len(set(playing))


def test_an_elimination_match_still_refuses_a_draw(organizer):
    tournament = factories.tournament(organizer=organizer)
    squads = [factories.team() for _ in range(2)]
    for squad in squads:
        factories.confirmed_registration(tournament=tournament, team=squad)
    tournament_start(tournament_id=tournament.pk, actor=organizer)
    final = Match.objects.get(tournament=tournament)
    response = factories.client_for(squads[0].captain).post(
        f"/api/matches/{final.pk}/result/", {"score_a": 1, "score_b": 1}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (422, "draw_not_allowed")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"format": "double_elimination", "round_robin_legs": 2}, "round_robin_legs"),
        ({"format": "single_elimination", "grand_final_reset": False}, "grand_final_reset"),
        ({"format": "double_elimination", "grand_final_reset": "maybe"}, "grand_final_reset"),
        ({"format": "single_elimination", "round_robin_legs": 2}, "round_robin_legs"),
        ({"round_robin_legs": 3}, "round_robin_legs"),
        ({"tiebreakers": ["points", "buchholz"]}, "tiebreakers"),
        ({"tiebreakers": ["points", "points"]}, "tiebreakers"),
        ({"tiebreakers": "points"}, "tiebreakers"),
    ],
)
def test_a_bad_format_is_a_400_that_names_the_field_and_writes_nothing(organizer, fields, field):
    response = create(organizer, **fields)
    assert response.status_code == 400, response.json()
    assert field in str(response.json())
    assert not Tournament.objects.exists()


def test_the_start_and_a_result_cost_the_same_whatever_the_size_and_the_round(organizer):
    costs = []
    for size in (4, 8):
        tournament = factories.tournament(organizer=organizer, format="round_robin")
        for _ in range(size):
            factories.confirmed_registration(tournament=tournament, team=factories.team())
        costs.append(statements(lambda t=tournament: tournament_start(tournament_id=t.pk, actor=organizer)))
    assert costs[0] == costs[1]

    tournament = Tournament.objects.latest("pk")
    matches = list(Match.objects.filter(tournament=tournament).select_related("team_a__captain", "team_b__captain"))
    per_round = {}
    for match in matches[:-1]:  # the last one completes the tournament: one more UPDATE
        per_round.setdefault(match.round, statements(lambda m=match: report_both(m, 1, 0)))
    assert len(set(per_round.values())) == 1, per_round


def test_the_standings_cost_the_same_whatever_the_number_of_matches(organizer):
    costs = []
    for size in (3, 7):
        tournament, squads = league(organizer, size)
        for match in Match.objects.filter(tournament=tournament).select_related("team_a__captain", "team_b__captain"):
            report_both(match, 2, 1)
        client = factories.client_for(organizer)
        url = f"/api/tournaments/{tournament.pk}/standings/"
        costs.append(statements(lambda client=client, url=url: client.get(url)))
    assert costs[0] == costs[1] == 4  # the token, the tournament, the teams in seed order, the confirmed matches


def test_a_disqualified_team_forfeits_every_match_it_has_left_and_leaves_the_table(organizer):
    tournament, squads = league(organizer, 4)
    first = Match.objects.select_related("team_a__captain", "team_b__captain").get(
        tournament=tournament, round=1, position=1
    )
    report_both(first, 2, 0)  # played before the disqualification: it stands
    banned = first.team_b
    response = factories.client_for(organizer).post(
        f"/api/tournaments/{tournament.pk}/disqualify/", {"team_id": banned.pk, "reason": "cheating"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert len(response.json()["forfeited_match_ids"]) == 2
    walkovers = Match.objects.filter(tournament=tournament, forfeited_by=banned)
    assert walkovers.count() == 2
    assert all(match.status == "confirmed" and match.winner_id != banned.pk for match in walkovers)

    standings = factories.client_for(organizer).get(f"/api/tournaments/{tournament.pk}/standings/").json()
    assert banned.pk not in [row["team"]["id"] for row in standings]
    assert len(standings) == 3
    winner_of_first = next(row for row in standings if row["team"]["id"] == first.team_a_id)
    assert (winner_of_first["wins"], winner_of_first["games_won"]) == (1, 2)  # the walkover was not yet played
