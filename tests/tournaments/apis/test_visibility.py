"""The HTTP API shows a tournament to whoever may watch it (tournaments/policies.py)."""

from __future__ import annotations

import pytest

from tests import factories
from tests.tournaments.builders import match_at
from tournaments.services.matches import tournament_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def hidden(organizer):
    """A draft, and an open participants-only tournament with one confirmed team of two."""
    draft = factories.tournament(organizer=organizer, status="draft")
    private = factories.tournament(organizer=organizer, visibility="participants")
    team = factories.team(size=2)
    factories.confirmed_registration(tournament=private, team=team)
    player = team.memberships.exclude(user_id=team.captain_id).get().user
    public = factories.tournament(organizer=organizer)
    return {"draft": draft, "private": private, "public": public, "player": player}


def _ids(client) -> set[int]:
    return {row["id"] for row in client.get("/api/tournaments/").json()["results"]}


def test_outsider_sees_only_open_public_tournaments(client_for, outsider, hidden):
    client = client_for(outsider)

    assert _ids(client) == {hidden["public"].pk}
    assert client.get(f"/api/tournaments/{hidden['draft'].pk}/").status_code == 404
    assert client.get(f"/api/tournaments/{hidden['private'].pk}/").json()["code"] == "tournament_not_found"


def test_participant_sees_the_participants_only_tournament(client_for, hidden):
    client = client_for(hidden["player"])

    assert _ids(client) == {hidden["public"].pk, hidden["private"].pk}
    assert client.get(f"/api/tournaments/{hidden['private'].pk}/").status_code == 200
    assert client.get(f"/api/tournaments/{hidden['draft'].pk}/").status_code == 404


def test_organizer_sees_everything_they_run(client_for, organizer, hidden):
    client = client_for(organizer)

    assert _ids(client) == {hidden["public"].pk, hidden["private"].pk, hidden["draft"].pk}
    assert client.get(f"/api/tournaments/{hidden['draft'].pk}/").status_code == 200


@pytest.mark.parametrize("path", ["/matches/", "/standings/"])
def test_the_bracket_and_the_table_follow_the_same_policy(client_for, outsider, organizer, hidden, path):
    """They used to answer anyone: a participants-only tournament's matches were readable by id."""
    for who, key, status in [
        (outsider, "private", 404),
        (outsider, "draft", 404),
        (hidden["player"], "private", 200),
        (organizer, "draft", 200),
        (outsider, "public", 200),
    ]:
        response = client_for(who).get(f"/api/tournaments/{hidden[key].pk}{path}")
        assert response.status_code == status, (who, key, response.json())
        if status == 404:
            assert response.json()["code"] == "tournament_not_found"


def test_a_match_of_a_tournament_one_may_not_see_does_not_exist(client_for, outsider, organizer, hidden):
    factories.confirmed_registration(tournament=hidden["private"], team=factories.team())
    tournament_start(tournament_id=hidden["private"].pk, actor=organizer)
    match = match_at(hidden["private"], 1, 1)
    refused = client_for(outsider).get(f"/api/matches/{match.pk}/")
    assert (refused.status_code, refused.json()["code"]) == (404, "match_not_found")
    assert client_for(hidden["player"]).get(f"/api/matches/{match.pk}/").status_code == 200
