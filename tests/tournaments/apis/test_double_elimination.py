"""Double elimination (issue 15) through the HTTP API: both brackets, the grand final and its reset.

An 8-team bracket played to completion, with and without the grand-final reset. Every
pairing, where every loser drops, and the placements are worked out by hand below
from the rules (docs/formats.md), not by the code under test.
"""

from __future__ import annotations

import pytest

from tests import factories
from tests.tournaments.builders import api_tournament, report_both, statements
from tournaments.models import Match, Tournament, TournamentParticipation
from tournaments.services.matches import tournament_start

pytestmark = pytest.mark.django_db

# (bracket, round, position, seed a, seed b, seed of the winner), in the order played.
PLAYED = [
    ("winners", 1, 1, 1, 8, 1), ("winners", 1, 2, 4, 5, 5), ("winners", 1, 3, 2, 7, 2), ("winners", 1, 4, 3, 6, 3),
    ("losers", 1, 1, 8, 4, 4), ("losers", 1, 2, 7, 6, 6),
    ("winners", 2, 1, 1, 5, 1), ("winners", 2, 2, 2, 3, 3),
    ("losers", 2, 1, 4, 2, 2), ("losers", 2, 2, 6, 5, 6),
    ("losers", 3, 1, 2, 6, 2),
    ("winners", 3, 1, 1, 3, 1),
    ("losers", 4, 1, 2, 3, 2),
    ("grand_final", 1, 1, 1, 2, 2),  # the losers bracket's champion wins the first grand final
]  # fmt: skip
# Out in losers round 4 (the final): 3rd; round 3: 4th; round 2: 5th (two); round 1: 7th (two).
PLACES_BELOW_THE_FINAL = {3: 3, 6: 4, 4: 5, 5: 5, 7: 7, 8: 7}


def double(organizer, teams: int, **fields):
    return api_tournament(organizer=organizer, teams=teams, format="double_elimination", **fields)


def bracket(tournament, seeds):
    return [
        (m.bracket, m.round, m.position, seeds.get(m.team_a_id), seeds.get(m.team_b_id), seeds.get(m.winner_id))
        for m in Match.objects.filter(tournament=tournament).order_by("pk")
    ]


def play_in_order(tournament, seeds, *, until: int):
    """Confirm the matches in pk order (the play order) through the API, each as PLAYED says."""
    for expected in PLAYED[:until]:
        match = (
            Match.objects.filter(tournament=tournament, status="scheduled")
            .select_related("team_a__captain", "team_b__captain")
            .order_by("pk")
            .first()
        )
        assert match is not None
        assert (match.bracket, match.round, match.position, seeds[match.team_a_id], seeds[match.team_b_id]) == (
            expected[:5]
        )
        a_wins = seeds[match.team_a_id] == expected[5]
        report_both(match, *((2, 1) if a_wins else (0, 2)))


def placements(tournament, seeds):
    standings = factories.client_for(factories.user()).get(f"/api/tournaments/{tournament.pk}/standings/")
    assert standings.status_code == 200, standings.json()
    return [(row["rank"], seeds[row["team"]["id"]]) for row in standings.json()]


def test_eight_teams_with_the_reset_play_a_second_grand_final_and_place_by_the_round_they_went_out(organizer):
    tournament, squads = double(organizer, 8)
    seeds = {team.pk: seed for seed, team in enumerate(squads, start=1)}
    # The start builds both brackets and the grand final: 4 + 2 + 1 winners, 2 + 2 + 1 + 1 losers, 1.
    start = bracket(tournament, seeds)
    assert [row[:3] for row in start] == [row[:3] for row in PLAYED]
    assert [row[3:5] for row in start[:4]] == [(1, 8), (4, 5), (2, 7), (3, 6)]
    assert all(row[3:] == (None, None, None) for row in start[4:])

    play_in_order(tournament, seeds, until=len(PLAYED))
    assert bracket(tournament, seeds)[: len(PLAYED)] == PLAYED
    # The losers bracket's champion won the first grand final: both have lost once, a second is paired.
    second = Match.objects.select_related("team_a__captain", "team_b__captain").get(
        tournament=tournament, bracket="grand_final", round=2
    )
    assert (seeds[second.team_a_id], seeds[second.team_b_id]) == (1, 2)
    assert Tournament.objects.get(pk=tournament.pk).status == "live"
    assert placements(tournament, seeds)[:2] == [(None, 1), (None, 2)]  # the grand final is not decided yet
    report_both(second, 3, 1)
    assert Tournament.objects.get(pk=tournament.pk).status == "completed"

    expected = {1: 1, 2: 2} | PLACES_BELOW_THE_FINAL
    assert placements(tournament, seeds) == sorted((place, seed) for seed, place in expected.items())
    finalized = factories.client_for(organizer).post(f"/api/tournaments/{tournament.pk}/finalize/")
    assert finalized.status_code == 200, finalized.json()
    placed = dict(TournamentParticipation.objects.filter(tournament=tournament).values_list("team_id", "placement"))
    assert {seeds[team]: place for team, place in placed.items()} == expected


def test_eight_teams_without_the_reset_end_on_the_first_grand_final(organizer):
    tournament, squads = double(organizer, 8, grand_final_reset=False)
    seeds = {team.pk: seed for seed, team in enumerate(squads, start=1)}
    play_in_order(tournament, seeds, until=len(PLAYED))
    assert bracket(tournament, seeds) == PLAYED
    assert Tournament.objects.get(pk=tournament.pk).status == "completed"
    expected = {2: 1, 1: 2} | PLACES_BELOW_THE_FINAL
    assert placements(tournament, seeds) == sorted((place, seed) for seed, place in expected.items())
    finalized = factories.client_for(organizer).post(f"/api/tournaments/{tournament.pk}/finalize/")
    assert finalized.status_code == 200, finalized.json()
    placed = dict(TournamentParticipation.objects.filter(tournament=tournament).values_list("team_id", "placement"))
    assert {seeds[team]: place for team, place in placed.items()} == expected


def test_the_winners_bracket_champion_winning_the_grand_final_ends_it_even_with_the_reset(organizer):
    tournament, squads = double(organizer, 2)
    one, two = squads
    first = Match.objects.select_related("team_a__captain", "team_b__captain").get(
        tournament=tournament, bracket="winners"
    )
    report_both(first, 2, 0)  # 1 beats 2: 2 drops to the grand final (no losers bracket with two teams)
    final = Match.objects.select_related("team_a__captain", "team_b__captain").get(
        tournament=tournament, bracket="grand_final"
    )
    assert (final.team_a_id, final.team_b_id) == (one.pk, two.pk)
    report_both(final, 2, 1)
    assert Tournament.objects.get(pk=tournament.pk).status == "completed"
    assert Match.objects.filter(tournament=tournament).count() == 2


def test_byes_leave_no_empty_losers_match(organizer):
    # 5 teams in an 8 bracket: seeds 1, 2, 3 have byes. The 4v5 loser meets the loser of
    # 2v3 (winners round 2, position 2, reversed); its winner meets the loser of 1 v (4v5).
    tournament, squads = double(organizer, 5)
    seeds = {team.pk: seed for seed, team in enumerate(squads, start=1)}
    rows = bracket(tournament, seeds)
    assert [row[:3] for row in rows] == [
        ("winners", 1, 1), ("winners", 1, 2), ("winners", 1, 3), ("winners", 1, 4),
        ("winners", 2, 1), ("winners", 2, 2), ("losers", 1, 1), ("losers", 2, 1),
        ("winners", 3, 1), ("losers", 3, 1), ("grand_final", 1, 1),
    ]  # fmt: skip
    assert [row[3:] for row in rows[:6]] == [
        (1, None, 1),
        (4, 5, None),
        (2, None, 2),
        (3, None, 3),
        (1, None, None),
        (2, 3, None),
    ]
    for pk in (
        Match.objects.filter(tournament=tournament, status="scheduled").order_by("pk").values_list("pk", flat=True)
    ):
        match = Match.objects.select_related("team_a__captain", "team_b__captain").get(pk=pk)
        report_both(match, 2, 0)  # team a wins every match (both teams are there by then)
    assert Tournament.objects.get(pk=tournament.pk).status == "completed"
    # Team a won every match: 4 beat 5 (5 drops), 1 beat 4 (4 drops), 2 beat 3 (3 drops);
    # losers round 1: 5 beat 3; round 2: 5 beat 4; 1 beat 2 in the winners final (2
    # drops); losers final: 5 beat 2; the grand final: 1 beat 5, no reset due.
    assert placements(tournament, seeds) == [(1, 1), (2, 5), (3, 2), (4, 4), (5, 3)]


def test_a_team_out_of_the_winners_bracket_by_disqualification_forfeits_its_losers_match_too(organizer):
    tournament, squads = double(organizer, 4)
    seeds = {team.pk: seed for seed, team in enumerate(squads, start=1)}
    client = factories.client_for(organizer)
    banned = squads[3]  # seed 4, in winners round 1 against seed 1
    response = client.post(
        f"/api/tournaments/{tournament.pk}/disqualify/", {"team_id": banned.pk, "reason": "cheating"}, format="json"
    )
    assert response.status_code == 200, response.json()
    rows = bracket(tournament, seeds)
    assert rows[0] == ("winners", 1, 1, 1, 4, 1)
    # It dropped to losers round 1 and forfeits there: the walkover waits for its opponent.
    dropped = Match.objects.get(tournament=tournament, bracket="losers", round=1)
    assert (seeds.get(dropped.team_a_id), dropped.forfeited_by_id, dropped.status) == (4, banned.pk, "scheduled")
    semi = Match.objects.select_related("team_a__captain", "team_b__captain").get(
        tournament=tournament, bracket="winners", round=1, position=2
    )
    report_both(semi, 2, 0)  # 2 beats 3: 3 drops in and wins the walkover
    dropped.refresh_from_db()
    assert (dropped.status, seeds[dropped.winner_id], dropped.forfeited_by_id) == ("confirmed", 3, banned.pk)
    assert seeds[Match.objects.get(tournament=tournament, bracket="losers", round=2).team_a_id] == 3


def test_a_match_cannot_end_in_a_draw(organizer):
    tournament, squads = double(organizer, 4)
    first = Match.objects.get(tournament=tournament, bracket="winners", round=1, position=1)
    response = factories.client_for(squads[0].captain).post(
        f"/api/matches/{first.pk}/result/", {"score_a": 1, "score_b": 1}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (422, "draw_not_allowed")


def test_the_start_and_a_result_cost_the_same_whatever_the_size_the_bracket_and_the_round(organizer):
    costs = []
    for size in (4, 16):
        tournament = factories.tournament(organizer=organizer, format="double_elimination")
        for _ in range(size):
            factories.confirmed_registration(tournament=tournament, team=factories.team())
        costs.append(statements(lambda t=tournament: tournament_start(tournament_id=t.pk, actor=organizer)))
    assert costs[0] == costs[1]

    tournament = Tournament.objects.latest("pk")
    per_step = {}
    while True:
        match = (
            Match.objects.filter(tournament=tournament, status="scheduled")
            .select_related("team_a__captain", "team_b__captain")
            .order_by("pk")
            .first()
        )
        if match is None or match.bracket == "grand_final":
            break
        # A winners-bracket result fills two later matches, a losers-bracket one fills one.
        per_step.setdefault((match.bracket, match.round), statements(lambda m=match: report_both(m, 1, 0)))
    winners = {cost for (kind, _), cost in per_step.items() if kind == "winners"}
    losers = {cost for (kind, _), cost in per_step.items() if kind == "losers"}
    assert len(winners) == 1, per_step
    assert len(losers) == 1, per_step
    assert len([key for key in per_step if key[0] == "losers"]) == 6  # 16 teams: 2·4 − 2 losers rounds


def override(organizer, match, score_a: int, score_b: int):
    return factories.client_for(organizer).post(
        f"/api/matches/{match.pk}/override/",
        {"score_a": score_a, "score_b": score_b, "reason": "wrong result"},
        format="json",
    )


def teams_of(tournament, seeds, bracket_: str, round_: int, position: int = 1):
    match = Match.objects.get(tournament=tournament, bracket=bracket_, round=round_, position=position)
    return seeds.get(match.team_a_id), seeds.get(match.team_b_id)


def test_an_override_swaps_the_winner_and_the_loser_downstream(organizer):
    tournament, squads = double(organizer, 4)
    seeds = {team.pk: seed for seed, team in enumerate(squads, start=1)}
    first = Match.objects.select_related("team_a__captain", "team_b__captain").get(
        tournament=tournament, bracket="winners", round=1, position=1
    )
    report_both(first, 2, 0)  # 1 beats 4
    assert (teams_of(tournament, seeds, "winners", 2), teams_of(tournament, seeds, "losers", 1)) == (
        (1, None),
        (4, None),
    )
    response = override(organizer, first, 0, 2)
    assert response.status_code == 200, response.json()
    assert (teams_of(tournament, seeds, "winners", 2), teams_of(tournament, seeds, "losers", 1)) == (
        (4, None),
        (1, None),
    )


def test_an_override_behind_a_reported_match_is_refused_and_writes_nothing(organizer):
    tournament, squads = double(organizer, 4)
    seeds = {team.pk: seed for seed, team in enumerate(squads, start=1)}
    for position in (1, 2):
        report_both(
            Match.objects.select_related("team_a__captain", "team_b__captain").get(
                tournament=tournament, bracket="winners", round=1, position=position
            ),
            2,
            0,
        )  # 1 beats 4, 2 beats 3
    dropped = Match.objects.select_related("team_a__captain", "team_b__captain").get(
        tournament=tournament, bracket="losers", round=1
    )
    report_both(dropped, 2, 0)  # 4 beats 3 in the losers bracket
    before = bracket(tournament, seeds)
    first = Match.objects.get(tournament=tournament, bracket="winners", round=1, position=1)
    response = override(organizer, first, 0, 2)
    assert (response.status_code, response.json()["code"]) == (409, "downstream_reported")
    assert str(dropped.pk) in response.json()["detail"]
    assert bracket(tournament, seeds) == before


def test_overriding_the_grand_final_pairs_or_removes_the_second_one(organizer):
    tournament, squads = double(organizer, 2)
    first = Match.objects.select_related("team_a__captain", "team_b__captain").get(
        tournament=tournament, bracket="winners"
    )
    report_both(first, 2, 0)
    final = Match.objects.select_related("team_a__captain", "team_b__captain").get(
        tournament=tournament, bracket="grand_final"
    )
    report_both(final, 2, 0)  # the winners bracket's champion wins: over
    assert Tournament.objects.get(pk=tournament.pk).status == "completed"

    assert override(organizer, final, 0, 2).status_code == 200  # the other team won it after all
    assert Tournament.objects.get(pk=tournament.pk).status == "live"
    second = Match.objects.get(tournament=tournament, bracket="grand_final", round=2)
    assert (second.team_a_id, second.team_b_id, second.status) == (squads[0].pk, squads[1].pk, "scheduled")

    response = override(organizer, final, 2, 1)  # and back: the second grand final is not due
    assert response.status_code == 200, response.json()
    assert response.json()["reset_match_ids"] == [second.pk]
    assert not Match.objects.filter(pk=second.pk).exists()
    assert Tournament.objects.get(pk=tournament.pk).status == "completed"
