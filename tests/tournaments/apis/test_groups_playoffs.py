"""Groups into playoffs (issue 15) through the HTTP API: 2 groups of 4 into a 4-team playoff.

Seeds 1..8 are drawn snake-wise: group 1 = 1 4 5 8, group 2 = 2 3 6 7. Every pairing,
the group tables, the playoff's cross-over and the placements are worked out by hand.
"""

from __future__ import annotations

import pytest

from tests import factories
from tests.tournaments.builders import api_tournament, report_both, seeded_score
from tournaments.models import Match, Tournament, TournamentParticipation

pytestmark = pytest.mark.django_db

# (round, group, seed a, seed b): the circle method within each group, group 1 first.
GROUP_STAGE = [
    (1, 1, 1, 8), (1, 1, 5, 4), (1, 2, 2, 7), (1, 2, 6, 3),
    (2, 1, 5, 1), (2, 1, 8, 4), (2, 2, 6, 2), (2, 2, 7, 3),
    (3, 1, 1, 4), (3, 1, 8, 5), (3, 2, 2, 3), (3, 2, 7, 6),
]  # fmt: skip
# Games won by (seed x, seed y). Group 1: 1 wins all, 5 beats 4 and 8, 4 beats 8.
# Group 2: 3 beats 2 and 6 and draws 7; 2 beats 6 and 7; 6 and 7 draw.
SCORES = {
    (1, 4): (1, 0), (1, 5): (1, 0), (1, 8): (1, 0), (4, 5): (0, 1), (4, 8): (1, 0), (5, 8): (1, 0),
    (2, 3): (1, 2), (2, 6): (1, 0), (2, 7): (1, 0), (3, 6): (1, 0), (3, 7): (0, 0), (6, 7): (1, 1),
}  # fmt: skip
TABLES = {1: [1, 5, 4, 8], 2: [3, 2, 7, 6]}  # group 2: 3 on 7, 2 on 6, 7 on 2, 6 on 1
# Winners meet the other group's runner-up: 1 v 2 and 3 v 5 (rounds 4, 5 follow the groups').
PLAYOFF = [(4, 1, 2), (4, 3, 5)]
# 1 beats 2, 5 beats 3, then 1 beats 5. Third: the semi-final losers; then the groups' thirds, fourths.
STANDINGS = [(1, 1), (2, 5), (3, 3), (3, 2), (5, 4), (5, 7), (7, 8), (7, 6)]


def test_two_groups_of_four_into_a_playoff_through_the_api(organizer):
    tournament, squads = api_tournament(organizer=organizer, teams=8, format="groups_playoffs")
    assert (tournament.group_count, tournament.group_advancers) == (2, 2)
    seeds = {team.pk: seed for seed, team in enumerate(squads, start=1)}

    group_stage = list(Match.objects.filter(tournament=tournament).select_related("team_a__captain", "team_b__captain"))
    assert [(m.round, m.group, seeds[m.team_a_id], seeds[m.team_b_id]) for m in group_stage] == GROUP_STAGE
    for match in group_stage:
        assert not Match.objects.filter(tournament=tournament, group__isnull=True).exists()
        report_both(match, *seeded_score(match, seeds, SCORES))

    standings = factories.client_for(organizer).get(f"/api/tournaments/{tournament.pk}/standings/").json()
    tables = {1: [], 2: []}
    for row in sorted(standings, key=lambda row: (row["group"], row["group_rank"])):
        tables[row["group"]].append(seeds[row["team"]["id"]])
    assert tables == TABLES

    playoff = list(
        Match.objects.filter(tournament=tournament, group__isnull=True).select_related(
            "team_a__captain", "team_b__captain"
        )
    )
    semis = [m for m in playoff if m.round == 4]
    assert [(m.round, seeds[m.team_a_id], seeds[m.team_b_id]) for m in semis] == PLAYOFF
    final = next(m for m in playoff if m.round == 5)
    report_both(semis[0], 1, 0)
    report_both(semis[1], 0, 1)
    final.refresh_from_db()
    drawn = factories.client_for(final.team_a.captain).post(
        f"/api/matches/{final.pk}/result/", {"score_a": 1, "score_b": 1}, format="json"
    )
    assert (drawn.status_code, drawn.json()["code"]) == (422, "draw_not_allowed")  # the playoff eliminates
    report_both(Match.objects.select_related("team_a__captain", "team_b__captain").get(pk=final.pk), 2, 0)
    assert Tournament.objects.get(pk=tournament.pk).status == "completed"

    standings = factories.client_for(organizer).get(f"/api/tournaments/{tournament.pk}/standings/").json()
    assert [(row["rank"], seeds[row["team"]["id"]]) for row in standings] == STANDINGS
    finalized = factories.client_for(organizer).post(f"/api/tournaments/{tournament.pk}/finalize/")
    assert finalized.status_code == 200, finalized.json()
    placed = dict(TournamentParticipation.objects.filter(tournament=tournament).values_list("team_id", "placement"))
    assert sorted((placement, seeds[team]) for team, placement in placed.items()) == sorted(STANDINGS)


def test_groups_too_small_for_their_advancers_are_409_and_nothing_starts(organizer):
    tournament = factories.tournament(organizer=organizer, format="groups_playoffs", group_count=2, group_advancers=2)
    for _ in range(4):  # groups of 2 cannot send 2 on
        factories.confirmed_registration(tournament=tournament, team=factories.team())
    response = factories.client_for(organizer).post(f"/api/tournaments/{tournament.pk}/start/")
    assert (response.status_code, response.json()["code"]) == (409, "not_enough_teams")
    assert not Match.objects.filter(tournament=tournament).exists()
    assert Tournament.objects.get(pk=tournament.pk).status == "registration_open"


def test_group_options_elsewhere_are_a_400(organizer):
    body = {"name": "Cup", "game": "chess", "max_teams": 8, "team_size": 1, "group_count": 2}
    response = factories.client_for(organizer).post("/api/tournaments/", body, format="json")
    assert response.status_code == 400
    assert "group_count" in response.json()["detail"]
