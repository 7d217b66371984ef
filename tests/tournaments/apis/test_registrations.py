import json

import pytest

from economy.models import LedgerTransaction
from tests import factories
from tournaments.models import Registration, RosterEntry

pytestmark = pytest.mark.django_db

URL = "/api/tournaments/register/"


def _nothing_written():
    assert Registration.objects.count() == 0
    assert RosterEntry.objects.count() == 0
    assert LedgerTransaction.objects.count() == 0


def test_register_returns_201_with_the_registration(client_for, tournament, team, captain, member):
    response = client_for(captain).post(URL, {"tournament_id": tournament.pk, "team_id": team.pk}, format="json")

    assert response.status_code == 201
    body = response.json()
    registration = Registration.objects.get()
    assert body == {
        "id": registration.pk,
        "tournament_id": tournament.pk,
        "team_id": team.pk,
        "status": "confirmed",
        "registered_by_id": captain.pk,
        "created_at": body["created_at"],
        "waitlist_position": None,
        "roster": sorted([captain.pk, member.pk]),
        "starters": sorted([captain.pk, member.pk]),  # a team of team_size fields everyone
        "substitutes": [],
    }


def test_register_query_count(client_for, tournament, team, captain, django_assert_num_queries):
    client = client_for(captain)
    # token lookup 1 + registration_create 6 (its event: one INSERT) + the test transaction's savepoint pair 2
    with django_assert_num_queries(9):
        response = client.post(URL, {"tournament_id": tournament.pk, "team_id": team.pk}, format="json")
    assert response.status_code == 201


def test_full_tournament_answers_201_waitlisted(client_for, tournament, team, captain):
    for _ in range(2):
        factories.confirmed_registration(tournament=tournament, team=factories.team(size=2))
    response = client_for(captain).post(URL, {"tournament_id": tournament.pk, "team_id": team.pk}, format="json")
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["waitlist_position"]) == ("waitlisted", 1)


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [("member", 403, "not_team_captain"), ("outsider", 403, "not_team_captain")],
)
def test_only_the_captain_registers(request, client_for, tournament, team, who, status, code):
    response = client_for(request.getfixturevalue(who)).post(
        URL, {"tournament_id": tournament.pk, "team_id": team.pk}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (status, code)
    _nothing_written()


def test_rule_errors_map_to_their_status(client_for, organizer, captain, team):
    client = client_for(captain)
    small = factories.tournament(organizer=organizer, team_size=3)
    closed = factories.tournament(organizer=organizer, team_size=2, status="registration_closed")

    too_small = client.post(URL, {"tournament_id": small.pk, "team_id": team.pk}, format="json")
    not_open = client.post(URL, {"tournament_id": closed.pk, "team_id": team.pk}, format="json")

    assert (too_small.status_code, too_small.json()["code"]) == (422, "team_too_small")
    assert (not_open.status_code, not_open.json()["code"]) == (409, "registration_closed")
    _nothing_written()


def test_second_registration_of_a_team_is_409(client_for, tournament, team, captain):
    client = client_for(captain)
    client.post(URL, {"tournament_id": tournament.pk, "team_id": team.pk}, format="json")
    again = client.post(URL, {"tournament_id": tournament.pk, "team_id": team.pk}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "team_already_registered")
    assert Registration.objects.count() == 1


def test_player_in_two_teams_is_409(client_for, tournament, team, captain, member):
    rival = factories.team(size=1)
    rival.memberships.create(user=member, role="member")
    factories.confirmed_registration(tournament=tournament, team=rival)
    response = client_for(captain).post(URL, {"tournament_id": tournament.pk, "team_id": team.pk}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "player_already_registered")
    assert Registration.objects.count() == 1


def test_insufficient_funds_is_422(client_for, organizer, team, captain):
    tournament = factories.tournament(organizer=organizer, team_size=2, entry_fee=10)
    response = client_for(captain).post(URL, {"tournament_id": tournament.pk, "team_id": team.pk}, format="json")
    assert (response.status_code, response.json()["code"]) == (422, "insufficient_funds")
    _nothing_written()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "invalid"),
        ({"tournament_id": None, "team_id": None}, 400, "invalid"),
        ({"team_id": "TEAM"}, 400, "invalid"),
        ({"tournament_id": "abc", "team_id": 1}, 400, "invalid"),
        ({"tournament_id": "1", "team_id": "1"}, 400, "invalid"),
        ({"tournament_id": -1, "team_id": 1}, 400, "invalid"),
        ({"tournament_id": 0, "team_id": 1}, 400, "invalid"),
        ({"tournament_id": 1.5, "team_id": 1}, 400, "invalid"),
        ({"tournament_id": True, "team_id": 1}, 400, "invalid"),
        ({"tournament_id": 2**70, "team_id": 1}, 400, "invalid"),
        ({"tournament_id": [1], "team_id": 1}, 400, "invalid"),
        ({"tournament_id": "TOURNAMENT", "team_id": "TEAM", "status": "confirmed"}, 400, "invalid"),
        ({"tournament_id": "TOURNAMENT", "team_id": 999999}, 404, "team_not_found"),
        ({"tournament_id": 999999, "team_id": "TEAM"}, 404, "tournament_not_found"),
        ({"tournament_id": 2**62, "team_id": "TEAM"}, 404, "tournament_not_found"),
    ],
)
def test_bad_input_is_a_json_error_and_writes_nothing(client_for, tournament, team, captain, body, status, code):
    names = {"TOURNAMENT": tournament.pk, "TEAM": team.pk}
    body = {key: names.get(value, value) if isinstance(value, str) else value for key, value in body.items()}
    response = client_for(captain).post(URL, body, format="json")
    assert (response.status_code, response.json()["code"]) == (status, code)
    _nothing_written()


def test_extra_field_is_named_in_the_error(client_for, tournament, team, captain):
    body = {"tournament_id": tournament.pk, "team_id": team.pk, "status": "confirmed"}
    response = client_for(captain).post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"status": ["Unknown field."]}
    _nothing_written()


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b'"text"', b"null"])
def test_malformed_body_is_400(client_for, captain, raw):
    response = client_for(captain).post(URL, raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] in {"malformed_request", "invalid"}
    _nothing_written()


def test_one_megabyte_body_is_refused(client_for, tournament, team, captain):
    # A valid body padded with whitespace: refused for its size, not for its content.
    body = json.dumps({"tournament_id": tournament.pk, "team_id": team.pk}) + " " * (1024 * 1024)
    response = client_for(captain).post(URL, body, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "bad_request")
    _nothing_written()


def test_anonymous_is_401(anon_client, tournament, team):
    response = anon_client.post(URL, {"tournament_id": tournament.pk, "team_id": team.pk}, format="json")
    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")
    _nothing_written()


# --- withdraw -----------------------------------------------------------------------------


def test_withdraw_promotes_and_answers_200(client_for, tournament, team, captain):
    client = client_for(captain)
    mine = client.post(URL, {"tournament_id": tournament.pk, "team_id": team.pk}, format="json").json()
    factories.confirmed_registration(tournament=tournament, team=factories.team(size=2))
    waiting = factories.team(size=2)
    queued = client_for(waiting.captain).post(
        URL, {"tournament_id": tournament.pk, "team_id": waiting.pk}, format="json"
    )

    response = client.post(f"/api/registrations/{mine['id']}/withdraw/")

    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert response.json()["promoted_registration_id"] == queued.json()["id"]
    assert Registration.objects.get(pk=queued.json()["id"]).status == "confirmed"


@pytest.mark.parametrize("path", ["/api/registrations/999999/withdraw/", "/api/registrations/-1/withdraw/"])
def test_withdraw_unknown_is_404(client_for, captain, path):
    response = client_for(captain).post(path)
    assert response.status_code == 404
    assert response.json()["code"] in {"registration_not_found", "not_found"}
