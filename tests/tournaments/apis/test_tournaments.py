import pytest

from tests import factories
from tournaments.models import Tournament

pytestmark = pytest.mark.django_db

REQUIRED = {"name": "Spring Cup", "game": "chess", "max_teams": 8, "team_size": 2}


def test_organizer_creates_a_draft_tournament(client_for, organizer):
    response = client_for(organizer).post("/api/tournaments/", REQUIRED, format="json")
    assert response.status_code == 201
    body = response.json()
    tournament = Tournament.objects.get()
    assert body == {
        "id": tournament.pk,
        "name": "Spring Cup",
        "game": "chess",
        "season_id": None,
        "organizer_id": organizer.pk,
        "status": "draft",
        "visibility": "public",
        "max_teams": 8,
        "team_size": 2,
        "max_substitutes": 0,
        "format": "single_elimination",
        "round_robin_legs": 1,
        "grand_final_reset": True,
        "swiss_rounds": None,
        "group_count": 2,
        "group_advancers": 2,
        "tiebreakers": [],
        "seeding": "registration_order",
        "seeding_seed": None,
        "manual_seeds": [],
        "registration_opens_at": None,
        "registration_closes_at": None,
        "entry_fee": 0,
        "best_of": 1,
        "round_best_of": {},
        "check_in_opens_at": None,
        "check_in_closes_at": None,
        "no_show_refund": True,
        "cancelled_at": None,
        "cancel_reason": "",
        "created_at": body["created_at"],
    }


def test_create_with_window_and_fee(client_for, organizer):
    body = {
        **REQUIRED,
        "registration_opens_at": "2030-01-01T10:00:00Z",
        "registration_closes_at": "2030-01-02T10:00:00Z",
        "entry_fee": 500,
    }
    response = client_for(organizer).post("/api/tournaments/", body, format="json")
    assert response.status_code == 201
    assert (response.json()["registration_closes_at"], response.json()["entry_fee"]) == ("2030-01-02T10:00:00Z", 500)


def test_player_cannot_create_a_tournament(client_for, captain):
    response = client_for(captain).post("/api/tournaments/", REQUIRED, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "organizer_only")
    assert Tournament.objects.count() == 0


@pytest.mark.parametrize(
    "change",
    [
        {"name": None},
        {"max_teams": 1},
        {"max_teams": "8"},
        {"team_size": 0},
        {"entry_fee": -1},
        {"status": "live"},
        {"season_id": "1"},
        {"registration_opens_at": "2030-01-02T10:00:00Z", "registration_closes_at": "2030-01-01T10:00:00Z"},
    ],
)
def test_create_refuses_bad_input(client_for, organizer, change):
    body = {key: value for key, value in {**REQUIRED, **change}.items() if value is not None}
    response = client_for(organizer).post("/api/tournaments/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] in {"invalid", "invalid_window"}
    assert Tournament.objects.count() == 0


def test_list_and_detail(client_for, organizer, captain):
    older = factories.tournament(organizer=organizer)
    newer = factories.tournament(organizer=organizer)
    client = client_for(captain)

    listing = client.get("/api/tournaments/").json()
    detail = client.get(f"/api/tournaments/{older.pk}/")

    assert listing["count"] == 2
    assert [row["id"] for row in listing["results"]] == [newer.pk, older.pk]
    assert (detail.status_code, detail.json()["id"]) == (200, older.pk)


@pytest.mark.parametrize("path", ["/api/tournaments/999999/", "/api/tournaments/-1/", "/api/tournaments/abc/"])
def test_unknown_tournament_is_404_json(client_for, captain, path):
    response = client_for(captain).get(path)
    assert response.status_code == 404
    assert response.json()["code"] in {"tournament_not_found", "not_found"}


def test_open_and_close_through_the_api(client_for, organizer):
    tournament = factories.tournament(organizer=organizer, status="draft")
    client = client_for(organizer)

    opened = client.post(f"/api/tournaments/{tournament.pk}/open/")
    reopened = client.post(f"/api/tournaments/{tournament.pk}/open/")
    closed = client.post(f"/api/tournaments/{tournament.pk}/close/")

    assert (opened.status_code, opened.json()["status"]) == (200, "registration_open")
    assert (reopened.status_code, reopened.json()["code"]) == (409, "invalid_status_transition")
    assert (closed.status_code, closed.json()["status"]) == (200, "registration_closed")


def test_player_cannot_open_or_close(client_for, organizer, captain):
    tournament = factories.tournament(organizer=organizer, status="draft")
    response = client_for(captain).post(f"/api/tournaments/{tournament.pk}/open/")
    assert (response.status_code, response.json()["code"]) == (403, "organizer_only")
    assert Tournament.objects.get().status == "draft"
