"""The last matches of a league (round robin, Swiss) confirmed at the same moment: PostgreSQL, real threads.

Each confirmation counts the matches still open. Without a common lock both would
count the other as open (neither has committed): the round robin would never
complete, the Swiss round would never be followed. Every league confirmation takes
the tournament's lock first, so the second counts after the first commits, and
exactly one completes the tournament or pairs the next round.
"""

import pytest

from tests import factories
from tests.concurrency.threads import run_together
from tournaments.models import Match, Tournament
from tournaments.services.matches import match_result_submit, tournament_start

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("attempt", range(5))
def test_two_last_confirmations_at_once_complete_the_tournament_once(attempt):
    organizer = factories.user(is_staff=True)
    tournament = factories.tournament(organizer=organizer, format="round_robin")
    for _ in range(4):
        factories.confirmed_registration(tournament=tournament, team=factories.team())
    tournament_start(tournament_id=tournament.pk, actor=organizer)
    matches = list(Match.objects.filter(tournament=tournament).select_related("team_a", "team_b"))
    *played, last, other = matches
    for match in played:
        for captain in (match.team_a.captain, match.team_b.captain):
            match_result_submit(match_id=match.pk, actor=captain, score_a=1, score_b=0)
    for match in (last, other):
        match_result_submit(match_id=match.pk, actor=match.team_a.captain, score_a=0, score_b=0)

    answers = run_together(
        [
            lambda match=match: factories.client_for(match.team_b.captain).post(
                f"/api/matches/{match.pk}/result/", {"score_a": 0, "score_b": 0}, format="json"
            )
            for match in (last, other)
        ]
    )

    assert [answer.status_code for answer in answers] == [200, 200], [answer.json() for answer in answers]
    assert set(Match.objects.filter(tournament=tournament).values_list("status", flat=True)) == {"confirmed"}
    assert Tournament.objects.get(pk=tournament.pk).status == "completed"


@pytest.mark.parametrize("attempt", range(5))
def test_the_last_two_confirmations_of_a_swiss_round_pair_the_next_round_once(attempt):
    organizer = factories.user(is_staff=True)
    tournament = factories.tournament(organizer=organizer, format="swiss")
    for _ in range(4):
        factories.confirmed_registration(tournament=tournament, team=factories.team())
    tournament_start(tournament_id=tournament.pk, actor=organizer)
    first_round = list(Match.objects.filter(tournament=tournament).select_related("team_a", "team_b"))
    for match in first_round:
        match_result_submit(match_id=match.pk, actor=match.team_a.captain, score_a=1, score_b=0)

    answers = run_together(
        [
            lambda match=match: factories.client_for(match.team_b.captain).post(
                f"/api/matches/{match.pk}/result/", {"score_a": 1, "score_b": 0}, format="json"
            )
            for match in first_round
        ]
    )

    assert [answer.status_code for answer in answers] == [200, 200], [answer.json() for answer in answers]
    assert Match.objects.filter(tournament=tournament, round=2).count() == 2
    assert Tournament.objects.get(pk=tournament.pk).status == "live"
