"""The HTTP API shows a tournament to whoever may watch it (tournaments/policies.py)."""

from __future__ import annotations

import pytest

from tests import factories

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
