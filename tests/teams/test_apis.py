import pytest

from teams.models import Membership, Team, TeamInvite

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


def _invite(client, team, user):
    return client.post(f"/api/teams/{team['id']}/invites/", {"user_id": user.pk}, format="json")


def _join(client_for, captain_client, team, user):
    invite = _invite(captain_client, team, user).json()
    return client_for(user).post(f"/api/teams/invites/{invite['id']}/accept/")


def test_a_player_joins_by_accepting_the_captains_invitation(client_for, captain, member):
    client = client_for(captain)
    team = _team(client)

    invited = _invite(client, team, member)
    listed = client_for(member).get("/api/teams/invites/")
    accepted = client_for(member).post(f"/api/teams/invites/{invited.json()['id']}/accept/")
    removed = client.delete(f"/api/teams/{team['id']}/members/{member.pk}/")

    assert invited.status_code == 201
    body = invited.json()
    assert (body["team"]["id"], body["user_id"], body["invited_by"]["id"], body["status"]) == (
        team["id"],
        member.pk,
        captain.pk,
        "pending",
    )
    assert [invite["id"] for invite in listed.json()] == [body["id"]]
    assert accepted.status_code == 200
    assert [(m["user"]["id"], m["role"]) for m in accepted.json()["members"]] == [
        (captain.pk, "captain"),
        (member.pk, "member"),
    ]
    assert client_for(member).get("/api/teams/invites/").json() == []
    assert removed.status_code == 204
    assert list(Membership.objects.values_list("user_id", flat=True)) == [captain.pk]


def test_a_captain_cannot_add_a_stranger_without_consent(client_for, captain, member, organizer):
    client = client_for(captain)
    team = _team(client)
    refused = client.post(f"/api/teams/{team['id']}/members/", {"user_id": member.pk}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "direct_add_staff_only")
    assert Membership.objects.count() == 1
    # Staff may (a support case): the one exception, decided in teams/policies.py.
    added = client_for(organizer).post(f"/api/teams/{team['id']}/members/", {"user_id": member.pk}, format="json")
    assert (added.status_code, added.json()["user"]["id"], added.json()["role"]) == (201, member.pk, "member")


def test_declining_writes_no_membership(client_for, captain, member):
    client = client_for(captain)
    team = _team(client)
    invite = _invite(client, team, member).json()
    declined = client_for(member).post(f"/api/teams/invites/{invite['id']}/decline/")
    again = client_for(member).post(f"/api/teams/invites/{invite['id']}/accept/")
    assert (declined.status_code, declined.json()["status"]) == (200, "declined")
    assert (again.status_code, again.json()["code"]) == (409, "invite_not_pending")
    assert Membership.objects.count() == 1


def test_nobody_else_answers_an_invitation(client_for, captain, member, outsider):
    client = client_for(captain)
    team = _team(client)
    invite = _invite(client, team, member).json()
    for intruder in (captain, outsider):
        for action in ("accept", "decline"):
            response = client_for(intruder).post(f"/api/teams/invites/{invite['id']}/{action}/")
            assert (response.status_code, response.json()["code"]) == (404, "invite_not_found")
    assert client_for(outsider).get("/api/teams/invites/").json() == []
    assert TeamInvite.objects.get().status == "pending"
    assert Membership.objects.count() == 1


def test_team_detail_in_constant_queries(client_for, captain, member, outsider, django_assert_num_queries):
    client = client_for(captain)
    team = _team(client)
    for user in (member, outsider):
        _join(client_for, client, team, user)
    # team + captain, memberships + users (the token: cached by the requests above)
    with django_assert_num_queries(2):
        assert len(client.get(f"/api/teams/{team['id']}/").json()["members"]) == 3


def test_only_the_captain_manages_members(client_for, captain, member, outsider):
    team = _team(client_for(captain))
    client = client_for(outsider)
    invited = _invite(client, team, member)
    removed = client.delete(f"/api/teams/{team['id']}/members/{captain.pk}/")
    handed = client.post(f"/api/teams/{team['id']}/captain/", {"user_id": outsider.pk}, format="json")
    assert (invited.status_code, invited.json()["code"]) == (403, "not_team_captain")
    assert (removed.status_code, removed.json()["code"]) == (403, "not_team_captain")
    assert (handed.status_code, handed.json()["code"]) == (403, "not_team_captain")
    assert Membership.objects.count() == 1
    assert TeamInvite.objects.count() == 0


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
def test_invite_bad_input(client_for, captain, member, body, status, code):
    client = client_for(captain)
    team = _team(client)
    names = {"MEMBER": member.pk, "CAPTAIN": captain.pk, "MEMBER_AS_STRING": str(member.pk)}
    body = {key: names.get(value, value) if isinstance(value, str) else value for key, value in body.items()}
    response = client.post(f"/api/teams/{team['id']}/invites/", body, format="json")
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert Membership.objects.count() == 1
    assert TeamInvite.objects.count() == 0


def test_a_full_team_answers_409_team_full(client_for, captain, member, outsider):
    client = client_for(captain)
    team = client.post("/api/teams/", {"name": "Duo", "tag": "DUO", "max_members": 2}, format="json").json()
    assert team["max_members"] == 2
    late = _invite(client, team, outsider).json()
    assert _join(client_for, client, team, member).status_code == 200
    full = client_for(outsider).post(f"/api/teams/invites/{late['id']}/accept/")
    assert (full.status_code, full.json()["code"]) == (409, "team_full")
    assert Membership.objects.count() == 2


@pytest.mark.parametrize("size", [0, 51, "many"])
def test_a_bad_team_size_is_400(client_for, captain, size):
    response = client_for(captain).post("/api/teams/", {"name": "W", "tag": "WLV", "max_members": size}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert "max_members" in response.json()["fields"]
    assert Team.objects.count() == 0


def test_members_leave_and_the_captaincy_is_handed_over(client_for, captain, member):
    client = client_for(captain)
    team = _team(client)
    _join(client_for, client, team, member)
    stays = client.post(f"/api/teams/{team['id']}/leave/")
    handed = client.post(f"/api/teams/{team['id']}/captain/", {"user_id": member.pk}, format="json")
    leaves = client.post(f"/api/teams/{team['id']}/leave/")
    again = client.post(f"/api/teams/{team['id']}/leave/")
    assert (stays.status_code, stays.json()["code"]) == (409, "captain_cannot_leave")
    assert (handed.status_code, handed.json()["captain"]["id"]) == (200, member.pk)
    assert leaves.status_code == 204
    assert (again.status_code, again.json()["code"]) == (404, "not_team_member")
    assert list(Membership.objects.values_list("user_id", "role")) == [(member.pk, "captain")]


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
