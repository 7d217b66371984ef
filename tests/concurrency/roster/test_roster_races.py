"""Lineup changes racing what locks them: PostgreSQL, committed data, one connection per thread.

A roster change and the start both take the tournament's row lock: either the change
commits first and the bracket's team plays with it, or the start does and the change
gets 409 ``roster_locked`` with the old roster kept. A per-match swap and the match's
report both take the match's row lock: either the swap lands before the report, or it
gets 409 ``lineup_locked``. Never a roster changed after the start, or a swap after a report.
"""

import pytest

from tests import factories
from tests.concurrency.threads import run_together
from tests.tournaments.builders import match_at
from tournaments.models import MatchSubstitution, RosterEntry, Tournament
from tournaments.services.matches import tournament_start

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _members(team) -> list[int]:
    return sorted(team.memberships.values_list("user_id", flat=True))


def _register(team, tournament, **lineup):
    response = factories.client_for(team.captain).post(
        "/api/tournaments/register/", {"tournament_id": tournament.pk, "team_id": team.pk, **lineup}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


@pytest.mark.parametrize("attempt", range(5))
def test_a_roster_change_racing_the_start_lands_before_it_or_not_at_all(attempt):
    organizer = factories.user(is_staff=True)
    tournament = factories.tournament(organizer=organizer, team_size=1, max_substitutes=1)
    team = factories.team(size=2)
    captain, other = _members(team)
    registration_id = _register(team, tournament, starters=[captain], substitutes=[other])
    factories.confirmed_registration(tournament=tournament, team=factories.team())

    change, start = run_together(
        [
            lambda: factories.client_for(team.captain).put(
                f"/api/registrations/{registration_id}/roster/",
                {"starters": [other], "substitutes": [captain]},
                format="json",
            ),
            lambda: factories.client_for(organizer).post(f"/api/tournaments/{tournament.pk}/start/"),
        ]
    )

    assert start.status_code == 200, start.json()
    roles = dict(RosterEntry.objects.filter(registration_id=registration_id).values_list("user_id", "role"))
    if change.status_code == 200:
        assert roles == {other: "starter", captain: "substitute"}
    else:
        assert (change.status_code, change.json()["code"]) == (409, "roster_locked")
        assert roles == {captain: "starter", other: "substitute"}
    assert Tournament.objects.get(pk=tournament.pk).status == "live"


@pytest.mark.parametrize("attempt", range(5))
def test_a_swap_racing_the_report_lands_before_it_or_not_at_all(attempt):
    organizer = factories.user(is_staff=True)
    tournament = factories.tournament(organizer=organizer, team_size=1, max_substitutes=1)
    teams = [factories.team(size=2) for _ in range(2)]
    for team in teams:
        captain, other = _members(team)
        _register(team, tournament, starters=[captain], substitutes=[other])
    tournament_start(tournament_id=tournament.pk, actor=organizer)
    final = match_at(tournament, 1, 1)
    team, reporter = final.team_a, final.team_b
    benched = next(user_id for user_id in _members(team) if user_id != team.captain_id)

    swap, report = run_together(
        [
            lambda: factories.client_for(team.captain).post(
                f"/api/matches/{final.pk}/substitutions/",
                {"player_out": team.captain_id, "player_in": benched},
                format="json",
            ),
            lambda: factories.client_for(reporter.captain).post(
                f"/api/matches/{final.pk}/result/", {"score_a": 1, "score_b": 0}, format="json"
            ),
        ]
    )

    assert report.status_code in (200, 201), report.json()
    swapped = MatchSubstitution.objects.filter(match=final).exists()
    if swap.status_code == 201:
        assert swapped
    else:
        assert (swap.status_code, swap.json()["code"], swapped) == (409, "lineup_locked", False)
