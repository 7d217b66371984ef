import pytest

from teams.models import Membership, Team

pytestmark = pytest.mark.django_db


def _team(client, tag="WLV"):
    return client.post("/api/teams/", {"name": "Wolves", "tag": tag}, format="json").json()


def test_create_team_makes_the_creator_captain(client_for, captain):
    response = client_for(captain).post("/api/teams/", {"name": "Wolves", "tag": "wlv"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["tag"], body["captain"]) == (
        "Wolves",
        "WLV",
        {"id": captain.pk, "username": "captain"},
    )
    assert [(m["user"]["id"], m["role"]) for m in body["members"]] == [(captain.pk, "captain")]


def test_duplicate_tag_is_409(client_for, captain, member):
    _team(client_for(captain))
    response = client_for(member).post("/api/teams/", {"name": "Other", "tag": "WLV"}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "tag_taken")
    assert Team.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [{}, {"name": "Wolves"}, {"name": "", "tag": "WLV"}, {"name": "Wolves", "tag": "W"}, {"name": "W", "tag": "a b"}],
)
def test_bad_team_input_is_400(client_for, captain, body):
    response = client_for(captain).post("/api/teams/", body, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert Team.objects.count() == 0


def test_extra_field_is_refused(client_for, captain, member):
    body = {"name": "Wolves", "tag": "WLV", "captain_id": member.pk}
    response = client_for(captain).post("/api/teams/", body, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"captain_id": ["Unknown field."]}
    assert Team.objects.count() == 0


def test_captain_adds_and_removes_members(client_for, captain, member):
    client = client_for(captain)
    team = _team(client)

    added = client.post(f"/api/teams/{team['id']}/members/", {"user_id": member.pk}, format="json")
    detail = client.get(f"/api/teams/{team['id']}/").json()
    removed = client.delete(f"/api/teams/{team['id']}/members/{member.pk}/")

    assert added.status_code == 201
    assert (added.json()["user"], added.json()["role"]) == ({"id": member.pk, "username": "member"}, "member")
    assert [m["user"]["id"] for m in detail["members"]] == [captain.pk, member.pk]
    assert removed.status_code == 204
    assert list(Membership.objects.values_list("user_id", flat=True)) == [captain.pk]


def test_team_detail_in_constant_queries(client_for, captain, member, outsider, django_assert_num_queries):
    client = client_for(captain)
    team = _team(client)
    for user in (member, outsider):
        client.post(f"/api/teams/{team['id']}/members/", {"user_id": user.pk}, format="json")
    # token, team + captain, memberships + users
    with django_assert_num_queries(3):
        assert len(client.get(f"/api/teams/{team['id']}/").json()["members"]) == 3


def test_only_the_captain_manages_members(client_for, captain, member, outsider):
    team = _team(client_for(captain))
    client = client_for(outsider)
    added = client.post(f"/api/teams/{team['id']}/members/", {"user_id": member.pk}, format="json")
    removed = client.delete(f"/api/teams/{team['id']}/members/{captain.pk}/")
    assert (added.status_code, added.json()["code"]) == (403, "not_team_captain")
    assert (removed.status_code, removed.json()["code"]) == (403, "not_team_captain")
    assert Membership.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"user_id": 999999}, 404, "user_not_found"),
        ({"user_id": "MEMBER_AS_STRING"}, 400, "invalid"),
        ({"user_id": -3}, 400, "invalid"),
        ({}, 400, "invalid"),
        ({"user_id": "MEMBER", "role": "captain"}, 400, "invalid"),
        ({"user_id": "CAPTAIN"}, 409, "already_member"),
    ],
)
def test_add_member_bad_input(client_for, captain, member, body, status, code):
    client = client_for(captain)
    team = _team(client)
    names = {"MEMBER": member.pk, "CAPTAIN": captain.pk, "MEMBER_AS_STRING": str(member.pk)}
    body = {key: names.get(value, value) if isinstance(value, str) else value for key, value in body.items()}
    response = client.post(f"/api/teams/{team['id']}/members/", body, format="json")
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert Membership.objects.count() == 1


def test_remove_rules(client_for, captain, member):
    client = client_for(captain)
    team = _team(client)
    captain_leaves = client.delete(f"/api/teams/{team['id']}/members/{captain.pk}/")
    not_member = client.delete(f"/api/teams/{team['id']}/members/{member.pk}/")
    assert (captain_leaves.status_code, captain_leaves.json()["code"]) == (409, "captain_cannot_leave")
    assert (not_member.status_code, not_member.json()["code"]) == (404, "membership_not_found")
    assert Membership.objects.count() == 1


@pytest.mark.parametrize(
    "path",
    [
        "/api/teams/999999/",
        "/api/teams/-1/",
        "/api/teams/abc/",
        "/api/teams/99999999999999999999999/",
    ],
)
def test_unknown_team_is_404_json(client_for, captain, path):
    response = client_for(captain).get(path)
    assert response.status_code == 404
    assert response.json()["code"] in {"team_not_found", "not_found"}


def test_huge_ids_in_member_paths_are_404(client_for, captain):
    client = client_for(captain)
    team = _team(client)
    huge = 10**30
    assert client.delete(f"/api/teams/{team['id']}/members/{huge}/").json()["code"] == "not_found"
    assert client.post(f"/api/teams/{huge}/members/", {"user_id": 1}, format="json").status_code == 404
