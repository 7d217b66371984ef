"""Double elimination under concurrent confirmations: PostgreSQL, real threads.

Two winners-round-1 matches feed the same two matches: their winners meet in winners
round 2 and their losers in losers round 1. Confirmed at the same moment, both
confirmations write both of those matches (one slot each). Every double-elimination
result takes the tournament's lock first, then the two destinations in ascending pk:
no deadlock, no lost slot, and a disqualification racing a result cannot leave a
walkover unsettled.
"""

import pytest

from tests import factories
from tests.concurrency.threads import run_together
from tournaments.models import Match
from tournaments.services.matches import match_result_submit, tournament_start

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def four_team_bracket():
    organizer = factories.user(is_staff=True)
    tournament = factories.tournament(organizer=organizer, format="double_elimination")
    squads = [factories.team() for _ in range(4)]
    for squad in squads:
        factories.confirmed_registration(tournament=tournament, team=squad)
    tournament_start(tournament_id=tournament.pk, actor=organizer)
    first_round = list(
        Match.objects.filter(tournament=tournament, bracket="winners", round=1)
        .select_related("team_a", "team_b")
        .order_by("position")
    )
    return organizer, tournament, squads, first_round


def confirm(match, *, b_wins: bool = False):
    score = {"score_a": 0, "score_b": 2} if b_wins else {"score_a": 2, "score_b": 0}
    return factories.client_for(match.team_b.captain).post(f"/api/matches/{match.pk}/result/", score, format="json")


@pytest.mark.parametrize("attempt", range(5))
def test_two_confirmations_at_once_fill_both_brackets(attempt):
    _, tournament, squads, first_round = four_team_bracket()
    for match in first_round:
        match_result_submit(match_id=match.pk, actor=match.team_a.captain, score_a=2, score_b=0)

    answers = run_together([lambda match=match: confirm(match) for match in first_round])

    assert [answer.status_code for answer in answers] == [200, 200], [answer.json() for answer in answers]
    winners = Match.objects.get(tournament=tournament, bracket="winners", round=2)
    losers = Match.objects.get(tournament=tournament, bracket="losers", round=1)
    one, two, three, four = squads  # 1 v 4 and 2 v 3, team a won both
    assert (winners.team_a_id, winners.team_b_id) == (one.pk, two.pk)
    assert (losers.team_a_id, losers.team_b_id) == (four.pk, three.pk)


@pytest.mark.parametrize("attempt", range(5))
def test_a_disqualification_racing_the_result_that_drops_its_opponent_settles_the_walkover_once(attempt):
    organizer, tournament, squads, first_round = four_team_bracket()
    one, two, three, four = squads
    report_first = first_round[0]
    match_result_submit(match_id=report_first.pk, actor=report_first.team_a.captain, score_a=2, score_b=0)
    # 2 v 3: 2 wins; 4 (losing to 1) will meet 3 in losers round 1, and is disqualified meanwhile.
    other = first_round[1]
    match_result_submit(match_id=other.pk, actor=other.team_a.captain, score_a=2, score_b=0)

    answers = run_together(
        [
            lambda: confirm(report_first),
            lambda: confirm(other),
            lambda: factories.client_for(organizer).post(
                f"/api/tournaments/{tournament.pk}/disqualify/", {"team_id": four.pk, "reason": "x"}, format="json"
            ),
        ]
    )

    # The disqualification first forfeits 1 v 4 (its confirmation is then a 409, already
    # confirmed); after it, 4 has dropped and forfeits its losers-bracket match instead.
    assert sorted(answer.status_code for answer in answers) in ([200, 200, 200], [200, 200, 409]), [
        answer.json() for answer in answers
    ]
    winners = Match.objects.get(tournament=tournament, bracket="winners", round=2)
    losers = Match.objects.get(tournament=tournament, bracket="losers", round=1)
    assert (winners.team_a_id, winners.team_b_id) == (one.pk, two.pk)
    # Whatever the order, 4 is out and 3 goes on by walkover, exactly once.
    assert (losers.status, losers.winner_id, losers.forfeited_by_id) == ("confirmed", three.pk, four.pk)
    assert Match.objects.get(tournament=tournament, bracket="losers", round=2).team_a_id == three.pk
