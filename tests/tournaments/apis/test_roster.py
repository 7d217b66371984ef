"""Roster and substitutes: a lineup named at registration, changed until the start, and
swapped per match after it; rewards and ratings go to who played.

``POST /api/tournaments/register/`` ``{..., starters, substitutes}``,
``PUT /api/registrations/{id}/roster/`` and ``POST /api/matches/{id}/substitutions/``.
"""

from __future__ import annotations

import pytest

from teams.models import Membership
from tests import factories
from tests.tournaments.builders import match_at
from tournaments.models import AuditEntry, MatchSubstitution, Registration, RosterEntry, TournamentParticipation
from tournaments.services.matches import tournament_start

pytestmark = pytest.mark.django_db

REGISTER = "/api/tournaments/register/"


def members(team) -> list[int]:
    return sorted(team.memberships.values_list("user_id", flat=True))


def roster(registration_id: int) -> dict[int, str]:
    return dict(RosterEntry.objects.filter(registration_id=registration_id, active=True).values_list("user_id", "role"))


def register(team, tournament, **lineup):
    body = {"tournament_id": tournament.pk, "team_id": team.pk, **lineup}
    return factories.client_for(team.captain).post(REGISTER, body, format="json")


@pytest.fixture
def cup(organizer):
    """Open, teams of 2 starters and up to 1 substitute."""
    return factories.tournament(organizer=organizer, team_size=2, max_substitutes=1)


@pytest.fixture
def squad():
    """A team of four: its captain first."""
    return factories.team(size=4)


def test_a_registration_names_its_starters_and_substitutes(cup, squad):
    captain, second, third, _fourth = members(squad)
    response = register(squad, cup, starters=[captain, third], substitutes=[second])
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["starters"], body["substitutes"], body["roster"]) == (
        [captain, third],
        [second],
        [captain, third, second],
    )
    assert roster(body["id"]) == {captain: "starter", third: "starter", second: "substitute"}


def test_a_team_bigger_than_the_lineup_must_name_its_starters(cup, squad):
    response = register(squad, cup)
    assert (response.status_code, response.json()["code"]) == (422, "starters_required")
    assert "name the starters" in response.json()["detail"]
    assert not Registration.objects.exists()


@pytest.mark.parametrize(
    ("lineup", "status", "code"),
    [
        (lambda m, stranger: {"starters": [m[0], stranger]}, 422, "roster_not_members"),
        (lambda m, stranger: {"starters": [m[0]], "substitutes": [m[1]]}, 422, "starters_count"),
        (lambda m, stranger: {"starters": m[:3]}, 422, "starters_count"),
        (lambda m, stranger: {"starters": m[:2], "substitutes": m[2:]}, 422, "too_many_substitutes"),
        (lambda m, stranger: {"substitutes": [m[1]]}, 422, "starters_required"),
        (lambda m, stranger: {"starters": [m[0], m[0]]}, 400, "invalid"),
        (lambda m, stranger: {"starters": m[:2], "substitutes": [m[1]]}, 400, "invalid"),
        (lambda m, stranger: {"starters": []}, 400, "invalid"),
        (lambda m, stranger: {"starters": [str(m[0]), m[1]]}, 400, "invalid"),
        (lambda m, stranger: {"starters": m[:2], "bench": [m[2]]}, 400, "invalid"),
    ],
    ids=[
        "stranger",
        "one-starter",
        "three-starters",
        "two-substitutes",
        "substitutes-alone",
        "starter-twice",
        "starter-and-substitute",
        "no-starter",
        "string-id",
        "unknown-field",
    ],
)
def test_a_wrong_lineup_is_refused_and_writes_nothing(cup, squad, lineup, status, code):
    response = register(squad, cup, **lineup(members(squad), factories.user().pk))
    assert response.status_code == status, response.json()
    assert response.json()["code"] == code
    assert not Registration.objects.exists()
    assert not RosterEntry.objects.exists()


def test_an_unnamed_member_may_play_for_another_team_but_a_substitute_may_not(cup, squad):
    captain, second, third, fourth = members(squad)
    assert register(squad, cup, starters=[captain, second], substitutes=[third]).status_code == 201
    free, taken = factories.team(), factories.team()
    # Memberships written directly: how players join is tests/teams' concern.
    free.memberships.create(user_id=fourth, role=Membership.Role.MEMBER)
    taken.memberships.create(user_id=third, role=Membership.Role.MEMBER)
    assert register(free, cup).status_code == 201
    refused = register(taken, cup)
    assert (refused.status_code, refused.json()["code"]) == (409, "player_already_registered")


def test_the_captain_changes_the_lineup_until_the_start(cup, squad, organizer):
    captain, second, third, fourth = members(squad)
    registration_id = register(squad, cup, starters=[captain, second]).json()["id"]
    url = f"/api/registrations/{registration_id}/roster/"

    response = factories.client_for(squad.captain).put(
        url, {"starters": [third, fourth], "substitutes": [captain]}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {"starters": [third, fourth], "substitutes": [captain]}
    assert roster(registration_id) == {third: "starter", fourth: "starter", captain: "substitute"}

    member = factories.client_for(squad.memberships.get(user_id=second).user)
    refused = member.put(url, {"starters": [captain, second]}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "not_team_captain")

    factories.confirmed_registration(tournament=cup, team=factories.team(size=2))
    tournament_start(tournament_id=cup.pk, actor=organizer)
    locked = factories.client_for(squad.captain).put(url, {"starters": [captain, second]}, format="json")
    assert (locked.status_code, locked.json()["code"]) == (409, "roster_locked")
    assert roster(registration_id) == {third: "starter", fourth: "starter", captain: "substitute"}


def test_a_lineup_change_to_a_player_on_another_roster_is_409_and_keeps_the_old_one(cup, squad):
    captain, second, third, _fourth = members(squad)
    registration_id = register(squad, cup, starters=[captain, second]).json()["id"]
    other = factories.team(size=2)
    assert register(other, cup).status_code == 201
    squad.memberships.create(user_id=members(other)[1], role=Membership.Role.MEMBER)

    response = factories.client_for(squad.captain).put(
        f"/api/registrations/{registration_id}/roster/", {"starters": [captain, members(other)[1]]}, format="json"
    )

    assert (response.status_code, response.json()["code"]) == (409, "player_already_registered")
    assert roster(registration_id) == {captain: "starter", second: "starter"}


def test_registering_with_a_lineup_costs_what_registering_did(cup, squad, django_assert_num_queries):
    captain, second, third, _fourth = members(squad)
    client = factories.client_for(squad.captain)
    body = {"tournament_id": cup.pk, "team_id": squad.pk, "starters": [captain, second], "substitutes": [third]}
    with django_assert_num_queries(9):  # as test_registrations.py's: the roles ride in the one roster INSERT
        assert client.post(REGISTER, body, format="json").status_code == 201


# --- per match, after the start ------------------------------------------------------------


@pytest.fixture
def final(organizer):
    """A live final of two teams, each with 1 starter and 1 substitute on its roster."""
    tournament = factories.tournament(organizer=organizer, team_size=1, max_substitutes=1)
    teams = [factories.team(size=2) for _ in range(2)]
    for team in teams:
        captain, other = members(team)
        assert register(team, tournament, starters=[captain], substitutes=[other]).status_code == 201
    tournament_start(tournament_id=tournament.pk, actor=organizer)
    return match_at(tournament, 1, 1)


def substitute(user, match, player_out, player_in):
    return factories.client_for(user).post(
        f"/api/matches/{match.pk}/substitutions/", {"player_out": player_out, "player_in": player_in}, format="json"
    )


def bench(team) -> int:
    return next(user_id for user_id in members(team) if user_id != team.captain_id)


def test_a_captain_swaps_a_starter_for_a_substitute_for_one_match(final):
    team = final.team_a
    response = substitute(team.captain, final, team.captain_id, bench(team))
    assert response.status_code == 201, response.json()
    assert response.json() | {"id": 0, "created_at": ""} == {
        "id": 0,
        "match_id": final.pk,
        "team_id": team.pk,
        "player_out": team.captain_id,
        "player_in": bench(team),
        "created_at": "",
    }
    entry = AuditEntry.objects.get(action="match.substitution")
    assert (entry.match_id, entry.actor_id, entry.after["player_in"]) == (final.pk, team.captain_id, bench(team))


def test_substitution_refusals_write_nothing(final, organizer):
    team, opponent = final.team_a, final.team_b
    member = team.memberships.get(user_id=bench(team)).user
    cases = [
        (member, final, team.captain_id, bench(team), 403, "not_match_captain"),
        (factories.user(), final, team.captain_id, bench(team), 403, "not_match_captain"),
        (organizer, final, team.captain_id, bench(team), 403, "not_match_captain"),
        (opponent.captain, final, team.captain_id, bench(team), 422, "invalid_substitution"),  # not its roster
        (team.captain, final, bench(team), team.captain_id, 422, "invalid_substitution"),  # the substitute out
        (team.captain, final, team.captain_id, factories.user().pk, 422, "invalid_substitution"),
    ]
    for actor, match, player_out, player_in, status, code in cases:
        response = substitute(actor, match, player_out, player_in)
        assert (response.status_code, response.json()["code"]) == (status, code), (actor, response.json())
    missing = factories.client_for(team.captain).post(
        "/api/matches/999999/substitutions/", {"player_out": 1, "player_in": 2}, format="json"
    )
    assert (missing.status_code, missing.json()["code"]) == (404, "match_not_found")
    bad = factories.client_for(team.captain).post(
        f"/api/matches/{final.pk}/substitutions/", {"player_out": "x"}, format="json"
    )
    assert bad.status_code == 400
    assert not MatchSubstitution.objects.exists()
    assert not AuditEntry.objects.filter(action="match.substitution").exists()


def test_a_player_is_swapped_once_per_match_and_never_after_the_report(final):
    team = final.team_a
    assert substitute(team.captain, final, team.captain_id, bench(team)).status_code == 201
    again = substitute(team.captain, final, team.captain_id, bench(team))
    assert (again.status_code, again.json()["code"]) == (422, "invalid_substitution")
    opponent = final.team_b
    factories.client_for(opponent.captain).post(
        f"/api/matches/{final.pk}/result/", {"score_a": 0, "score_b": 1}, format="json"
    )
    late = substitute(opponent.captain, final, opponent.captain_id, bench(opponent))
    assert (late.status_code, late.json()["code"]) == (409, "lineup_locked")
    assert MatchSubstitution.objects.count() == 1


def test_rewards_and_ratings_go_to_who_played(final, organizer):
    team, opponent = final.team_a, final.team_b
    assert substitute(team.captain, final, team.captain_id, bench(team)).status_code == 201
    for captain in (team.captain, opponent.captain):
        response = factories.client_for(captain).post(
            f"/api/matches/{final.pk}/result/", {"score_a": 2, "score_b": 1}, format="json"
        )
        assert response.status_code in (200, 201), response.json()
    finalized = factories.client_for(organizer).post(f"/api/tournaments/{final.tournament_id}/finalize/")
    assert finalized.status_code == 200, finalized.json()

    placed = dict(
        TournamentParticipation.objects.filter(tournament_id=final.tournament_id).values_list("user_id", "placement")
    )
    # The benched starter and the unused substitute are left out; who played is placed.
    assert placed == {bench(team): 1, opponent.captain_id: 2}
