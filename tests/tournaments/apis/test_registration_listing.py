from datetime import timedelta

import pytest
from django.utils import timezone

from tests import factories
from tournaments.models import Registration

pytestmark = pytest.mark.django_db


def _registrations(tournament, statuses):
    """One registration per status, created a minute apart (oldest first)."""
    start = timezone.now() - timedelta(hours=1)
    created = []
    for offset, status in enumerate(statuses):
        team = factories.team(size=1)
        registration = Registration.objects.create(
            tournament=tournament, team=team, status=status, registered_by=team.captain
        )
        Registration.objects.filter(pk=registration.pk).update(created_at=start + timedelta(minutes=offset))
        created.append(registration)
    return created


def test_listing_filters_and_orders_newest_first(client_for, organizer):
    tournament = factories.tournament(organizer=organizer)
    pending, confirmed, waitlisted, withdrawn = _registrations(
        tournament, ["pending", "confirmed", "waitlisted", "withdrawn"]
    )
    factories.confirmed_registration(tournament=factories.tournament(organizer=organizer), team=factories.team())

    response = client_for(organizer).get(f"/api/tournaments/{tournament.pk}/registrations/?status=PENDING,confirmed")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [confirmed.pk, pending.pk]
    first = body["results"][0]
    assert first["status"] == "confirmed"
    assert first["team"] == {
        "id": confirmed.team_id,
        "name": confirmed.team.name,
        "tag": confirmed.team.tag,
        "captain": {"id": confirmed.team.captain_id, "username": confirmed.team.captain.username},
    }


def test_listing_without_filter_lists_every_status(client_for, organizer):
    tournament = factories.tournament(organizer=organizer)
    _registrations(tournament, ["pending", "confirmed", "waitlisted", "withdrawn", "rejected"])
    response = client_for(organizer).get(f"/api/tournaments/{tournament.pk}/registrations/")
    assert response.json()["count"] == 5


@pytest.mark.parametrize("rows", [1, 50, 60])
def test_listing_query_count_is_constant(client_for, organizer, django_assert_num_queries, rows):
    tournament = factories.tournament(organizer=organizer)
    _registrations(tournament, ["confirmed"] * rows)
    client = client_for(organizer)
    # token, tournament, count, page: the same whatever the page holds
    with django_assert_num_queries(4):
        response = client.get(f"/api/tournaments/{tournament.pk}/registrations/?status=confirmed")
    assert len(response.json()["results"]) == min(rows, 50)


def test_listing_paginates_by_50(client_for, organizer):
    tournament = factories.tournament(organizer=organizer)
    created = _registrations(tournament, ["confirmed"] * 55)
    second = client_for(organizer).get(f"/api/tournaments/{tournament.pk}/registrations/?page=2").json()
    assert [row["id"] for row in second["results"]] == [r.pk for r in reversed(created[:5])]
    assert second["next"] is None


@pytest.mark.parametrize(
    "query", ["?status=pending,bogus", "?status=,", "?status=CONFIRMED;DROP", "?status=" + "x" * 300]
)
def test_unknown_status_filter_is_400(client_for, organizer, query):
    tournament = factories.tournament(organizer=organizer)
    response = client_for(organizer).get(f"/api/tournaments/{tournament.pk}/registrations/{query}")
    assert (response.status_code, response.json()["code"]) == (400, "invalid")


def test_listing_is_for_organizers(client_for, organizer, captain):
    tournament = factories.tournament(organizer=organizer)
    response = client_for(captain).get(f"/api/tournaments/{tournament.pk}/registrations/")
    assert (response.status_code, response.json()["code"]) == (403, "organizer_only")


def test_listing_of_unknown_tournament_is_404(client_for, organizer):
    response = client_for(organizer).get("/api/tournaments/999999/registrations/")
    assert (response.status_code, response.json()["code"]) == (404, "tournament_not_found")


def test_page_out_of_range_is_404_json(client_for, organizer):
    tournament = factories.tournament(organizer=organizer)
    response = client_for(organizer).get(f"/api/tournaments/{tournament.pk}/registrations/?page=9")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
