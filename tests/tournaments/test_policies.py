"""The organizer policy, persona by persona, for every action that runs a tournament.

The tournament's organizer and any other staff member (a moderator) may run it; a
captain or an outsider never may, and is refused with the code its endpoint has always
answered, with nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from perf.scenarios.finalization import finished_tournament_build
from tests import factories
from tests.tournaments.builders import disputed, started_tournament
from tournaments.models import Match, Tournament
from tournaments.policies import may_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(db):
    return factories.user(username="moderator", is_staff=True)


def _draft(organizer) -> tuple[Tournament, str, dict | None]:
    tournament = factories.tournament(organizer=organizer, status="draft")
    return tournament, f"/api/tournaments/{tournament.pk}/open/", None


def _open(organizer) -> tuple[Tournament, str, dict | None]:
    tournament = factories.tournament(organizer=organizer)
    return tournament, f"/api/tournaments/{tournament.pk}/close/", None


def _startable(organizer) -> tuple[Tournament, str, dict | None]:
    tournament = factories.tournament(organizer=organizer)
    for _ in range(2):
        factories.confirmed_registration(tournament=tournament, team=factories.team())
    return tournament, f"/api/tournaments/{tournament.pk}/start/", {}


def _dispute(organizer) -> tuple[Tournament, str, dict | None]:
    tournament, _ = started_tournament(organizer=organizer, teams=4)
    semi = disputed(tournament)
    return tournament, f"/api/matches/{semi.pk}/resolve/", {"score_a": 2, "score_b": 1}


def _finished(organizer) -> tuple[Tournament, str, dict | None]:
    tournament = finished_tournament_build(organizer=organizer, teams=2, team_size=2)
    return tournament, f"/api/tournaments/{tournament.pk}/finalize/", {}


Setup = Callable[..., tuple[Tournament, str, dict | None]]
# action → (setup, refusal code, the tournament's status afterwards when allowed)
ACTIONS: dict[str, tuple[Setup, str, str]] = {
    "open": (_draft, "organizer_only", "registration_open"),
    "close": (_open, "organizer_only", "registration_closed"),
    "start": (_startable, "not_organizer", "live"),
    "resolve": (_dispute, "not_organizer", "live"),
    "finalize": (_finished, "not_organizer", "rewards_distributed"),
}


def _snapshot(tournament: Tournament) -> tuple:
    tournament.refresh_from_db()
    matches = tuple(Match.objects.filter(tournament=tournament).order_by("pk").values_list("status", "winner_id"))
    return tournament.status, matches


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("persona", ["organizer", "moderator"])
def test_the_organizer_and_staff_may_run_a_tournament(action, persona, organizer, request):
    setup, _code, after = ACTIONS[action]
    tournament, url, body = setup(organizer)
    response = factories.client_for(request.getfixturevalue(persona)).post(url, body, format="json")
    assert response.status_code == 200, response.content
    tournament.refresh_from_db()
    assert tournament.status == after


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("persona", ["captain", "outsider"])
def test_players_may_not_run_a_tournament(action, persona, organizer, request):
    setup, code, _after = ACTIONS[action]
    tournament, url, body = setup(organizer)
    before = _snapshot(tournament)
    response = factories.client_for(request.getfixturevalue(persona)).post(url, body, format="json")
    assert (response.status_code, response.json()["code"]) == (403, code)
    assert _snapshot(tournament) == before


@pytest.mark.parametrize(("persona", "allowed"), [("organizer", True), ("moderator", True), ("captain", False)])
def test_listing_registrations_follows_the_policy(persona, allowed, organizer, request):
    tournament = factories.tournament(organizer=organizer)
    response = factories.client_for(request.getfixturevalue(persona)).get(
        f"/api/tournaments/{tournament.pk}/registrations/"
    )
    if allowed:
        assert response.status_code == 200
    else:
        assert (response.status_code, response.json()["code"]) == (403, "organizer_only")


def test_only_staff_may_create_a_tournament(captain, moderator):
    body = {"name": "Cup", "game": "chess", "max_teams": 8, "team_size": 1}
    refused = factories.client_for(captain).post("/api/tournaments/", body, format="json")
    created = factories.client_for(moderator).post("/api/tournaments/", body, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "organizer_only")
    assert (created.status_code, created.json()["organizer_id"]) == (201, moderator.pk)
    assert Tournament.objects.count() == 1


def test_an_organizer_who_lost_staff_still_runs_their_own_tournament(organizer, captain):
    tournament = factories.tournament(organizer=captain)  # made before, e.g. through the admin
    assert may_run(captain, organizer_id=tournament.organizer_id)
    assert not may_run(captain, organizer_id=organizer.pk)
    response = factories.client_for(captain).post(f"/api/tournaments/{tournament.pk}/close/")
    assert (response.status_code, response.json()["status"]) == (200, "registration_closed")
