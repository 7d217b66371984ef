"""Check-in racing the start: PostgreSQL, committed data, one connection per thread.

Both take the tournament's row lock. Either the check-in commits first and the team
plays, or the start does and the check-in gets 409 with the team a no-show: never a
checked-in team left out, never a no-show in the bracket.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests import factories
from tests.concurrency.threads import run_together
from tournaments.models import Match, Registration

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("attempt", range(5))
def test_check_in_racing_the_start_is_all_or_nothing(attempt):
    organizer = factories.user(is_staff=True)
    now = timezone.now()
    tournament = factories.tournament(
        organizer=organizer,
        max_teams=4,
        check_in_opens_at=now - timedelta(hours=1),
        check_in_closes_at=now + timedelta(hours=1),
    )
    teams = [factories.team() for _ in range(4)]
    for team in teams:
        factories.confirmed_registration(tournament=tournament, team=team)
    for team in teams[:3]:
        Registration.objects.filter(team=team).update(checked_in_at=now)
    late = teams[3]

    check_in, start = run_together(
        [
            lambda: factories.client_for(late.captain).post(
                f"/api/tournaments/{tournament.pk}/check-in/", {"team_id": late.pk}, format="json"
            ),
            lambda: factories.client_for(organizer).post(f"/api/tournaments/{tournament.pk}/start/"),
        ]
    )

    assert start.status_code == 200
    in_bracket = set(
        Match.objects.filter(tournament=tournament, round=1).values_list("team_a_id", "team_b_id").distinct()
    )
    playing = {team_id for pair in in_bracket for team_id in pair if team_id is not None}
    status = Registration.objects.get(team=late).status
    if check_in.status_code == 200:
        assert (status, late.pk in playing) == ("confirmed", True)
    else:
        assert (check_in.status_code, check_in.json()["code"]) == (409, "check_in_closed")
        assert (status, late.pk in playing) == ("no_show", False)
