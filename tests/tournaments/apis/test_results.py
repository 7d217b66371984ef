"""POST /api/matches/{id}/result/: reports, confirmation, disputes, refusals."""

from __future__ import annotations

import pytest

from tests import factories
from tests.tournaments.builders import MATCH_LOCK, match_at
from tournaments.models import Match, ResultReport

pytestmark = pytest.mark.django_db


def url(match) -> str:
    return f"/api/matches/{match.pk}/result/"


def report(user, match, score_a, score_b, **extra):
    return factories.client_for(user).post(url(match), {"score_a": score_a, "score_b": score_b, **extra}, format="json")


def _state(match):
    match.refresh_from_db()
    return (match.status, match.score_a, match.score_b, match.winner_id)


def _reports(match):
    return sorted(ResultReport.objects.filter(match=match).values_list("side", "reported_by_id", "score_a", "score_b"))


def test_first_report_awaits_confirmation(semi, published, django_capture_on_commit_callbacks):
    captain_a = semi.team_a.captain
    with django_capture_on_commit_callbacks(execute=True):
        response = report(captain_a, semi, 2, 1)
    assert published == []  # only confirmations, disputes and resolutions are broadcast
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "awaiting_confirmation"
    assert (body["id"], body["score_a"], body["score_b"], body["winner_id"]) == (semi.pk, None, None, None)
    assert body["team_a"] == {"id": semi.team_a.pk, "name": semi.team_a.name, "tag": semi.team_a.tag}
    assert _state(semi) == ("awaiting_confirmation", None, None, None)
    assert _reports(semi) == [("a", captain_a.pk, 2, 1)]


def test_first_report_query_count(semi, django_assert_num_queries):
    client = factories.client_for(semi.team_b.captain)
    # token, match read, savepoint, match lock (PostgreSQL), insert, status CAS, audit, release
    # (no reports query: a scheduled match has none)
    with django_assert_num_queries(7 + MATCH_LOCK):
        response = client.post(url(semi), {"score_a": 0, "score_b": 3}, format="json")
    assert response.status_code == 201


def test_matching_report_confirms_and_advances_the_winner(bracket, semi, published, django_capture_on_commit_callbacks):
    tournament, _ = bracket
    report(semi.team_a.captain, semi, 1, 3)
    client = factories.client_for(semi.team_b.captain)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(semi), {"score_a": 1, "score_b": 3}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["score_a"], body["score_b"], body["winner_id"]) == ("confirmed", 1, 3, semi.team_b.pk)
    assert body["confirmed_at"] is not None
    assert _state(semi) == ("confirmed", 1, 3, semi.team_b.pk)
    final = match_at(tournament, 2, 1)
    assert (final.team_a_id, final.team_b_id, final.status) == (semi.team_b.pk, None, "scheduled")
    assert published == [
        {
            "tournament_id": tournament.pk,
            "type": "match.confirmed",
            "data": {
                "match_id": semi.pk,
                "round": 1,
                "position": 1,
                "status": "confirmed",
                "team_a_id": semi.team_a.pk,
                "team_b_id": semi.team_b.pk,
                "score_a": 1,
                "score_b": 3,
                "winner_id": semi.team_b.pk,
                "next_match_id": final.pk,
                "tournament_status": "live",
            },
        }
    ]


def test_confirmation_query_count(semi, django_assert_num_queries):
    report(semi.team_a.captain, semi, 5, 4)
    client = factories.client_for(semi.team_b.captain)
    # token, match read, savepoint, match lock (PostgreSQL), reports, insert, settle, advance, event,
    # audit, release
    with django_assert_num_queries(10 + MATCH_LOCK):
        response = client.post(url(semi), {"score_a": 5, "score_b": 4}, format="json")
    assert response.status_code == 200


def test_conflicting_report_disputes_the_match(semi, published, django_capture_on_commit_callbacks):
    report(semi.team_a.captain, semi, 2, 0)
    with django_capture_on_commit_callbacks(execute=True):
        response = report(semi.team_b.captain, semi, 0, 2)
    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["match"]["status"], body["match"]["winner_id"]) == ("result_disputed", "disputed", None)
    assert body["detail"]
    assert _state(semi) == ("disputed", None, None, None)
    assert _reports(semi) == [("a", semi.team_a.captain.pk, 2, 0), ("b", semi.team_b.captain.pk, 0, 2)]
    assert [(event["type"], event["data"]["status"], event["data"]["reports"]) for event in published] == [
        (
            "match.disputed",
            "disputed",
            [
                {"side": "a", "score_a": 2, "score_b": 0, "games": []},
                {"side": "b", "score_a": 0, "score_b": 2, "games": []},
            ],
        )
    ]


def test_repeating_the_same_report_writes_nothing(semi, django_assert_num_queries):
    report(semi.team_a.captain, semi, 2, 1)
    client = factories.client_for(semi.team_a.captain)
    # match read, savepoint, match lock (PostgreSQL), reports, release: no write (the token: cached)
    with django_assert_num_queries(4 + MATCH_LOCK):
        response = client.post(url(semi), {"score_a": 2, "score_b": 1}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "awaiting_confirmation"
    assert _reports(semi) == [("a", semi.team_a.captain.pk, 2, 1)]


def test_repeating_the_confirming_report_after_confirmation_is_harmless(semi):
    report(semi.team_a.captain, semi, 2, 1)
    report(semi.team_b.captain, semi, 2, 1)
    response = report(semi.team_b.captain, semi, 2, 1)
    assert response.status_code == 200
    assert response.json()["status"] == "confirmed"
    assert ResultReport.objects.filter(match=semi).count() == 2


def test_changing_a_report_before_confirmation_is_refused(semi):
    report(semi.team_a.captain, semi, 2, 1)
    response = report(semi.team_a.captain, semi, 3, 1)
    assert response.status_code == 409
    assert response.json()["code"] == "report_already_submitted"
    assert _state(semi) == ("awaiting_confirmation", None, None, None)
    assert _reports(semi) == [("a", semi.team_a.captain.pk, 2, 1)]


def test_a_different_report_on_a_confirmed_match_is_refused(semi):
    report(semi.team_a.captain, semi, 2, 1)
    report(semi.team_b.captain, semi, 2, 1)
    response = report(semi.team_a.captain, semi, 1, 2)
    assert response.status_code == 409
    assert response.json()["code"] == "match_already_confirmed"
    assert _state(semi) == ("confirmed", 2, 1, semi.team_a.pk)
    assert ResultReport.objects.filter(match=semi).count() == 2


def test_a_new_report_on_a_disputed_match_is_refused(semi):
    report(semi.team_a.captain, semi, 2, 1)
    report(semi.team_b.captain, semi, 1, 2)
    response = report(semi.team_b.captain, semi, 2, 1)
    assert response.status_code == 409
    assert response.json()["code"] == "match_disputed"
    assert _state(semi) == ("disputed", None, None, None)


def test_repeating_a_report_on_a_disputed_match_writes_nothing(semi):
    report(semi.team_a.captain, semi, 2, 1)
    report(semi.team_b.captain, semi, 1, 2)
    response = report(semi.team_a.captain, semi, 2, 1)
    assert response.status_code == 200
    assert response.json()["status"] == "disputed"
    assert ResultReport.objects.filter(match=semi).count() == 2


def test_a_draw_is_refused(semi):
    response = report(semi.team_a.captain, semi, 2, 2)
    assert response.status_code == 422
    assert response.json()["code"] == "draw_not_allowed"
    assert _state(semi) == ("scheduled", None, None, None)
    assert not ResultReport.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"score_a": -1, "score_b": 2},
        {"score_a": 1.5, "score_b": 2},
        {"score_a": 2.0, "score_b": 1},
        {"score_a": "2", "score_b": 1},
        {"score_a": True, "score_b": 0},
        {"score_a": None, "score_b": 1},
        {"score_a": 1_000_001, "score_b": 1},
        {"score_a": 10**30, "score_b": 1},
        {"score_a": [1], "score_b": 1},
        {"score_a": 1},
        {},
        {"score_a": 2, "score_b": 1, "winner": 1},
        {"score_a": 2, "score_b": 1, "status": "confirmed"},
    ],
)
def test_malformed_scores_are_refused(semi, body):
    response = factories.client_for(semi.team_a.captain).post(url(semi), body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert _state(semi) == ("scheduled", None, None, None)
    assert not ResultReport.objects.exists()


@pytest.mark.parametrize("raw", [b"[1, 2]", b"not json", b'"x"', b"null"])
def test_a_body_that_is_not_an_object_is_refused(semi, raw):
    client = factories.client_for(semi.team_a.captain)
    response = client.post(url(semi), raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] in {"invalid", "malformed_request"}
    assert not ResultReport.objects.exists()


@pytest.mark.parametrize("match_id", [999_999, 2**63, 10**30])
def test_an_unknown_match_is_404(captain, match_id):
    response = factories.client_for(captain).post(
        f"/api/matches/{match_id}/result/", {"score_a": 1, "score_b": 0}, format="json"
    )
    assert response.status_code == 404
    assert response.json()["code"] in {"match_not_found", "not_found"}


def test_an_anonymous_report_is_refused(semi, anon_client):
    response = anon_client.post(url(semi), {"score_a": 1, "score_b": 0}, format="json")
    assert response.status_code == 401
    assert not ResultReport.objects.exists()


def test_only_the_two_captains_may_report(semi, organizer, outsider):
    member = factories.user()
    semi.team_a.memberships.create(user=member, role="member")
    other_captain = match_at(semi.tournament, 1, 2).team_a.captain
    for user in (member, outsider, organizer, other_captain):
        response = report(user, semi, 1, 0)
        assert response.status_code == 403
        assert response.json()["code"] == "not_match_captain"
    assert _state(semi) == ("scheduled", None, None, None)
    assert not ResultReport.objects.exists()


def test_a_match_without_both_teams_is_not_ready(bracket, semi):
    tournament, _ = bracket
    report(semi.team_a.captain, semi, 1, 0)
    report(semi.team_b.captain, semi, 1, 0)
    final = match_at(tournament, 2, 1)
    response = report(semi.team_a.captain, final, 1, 0)
    assert response.status_code == 409
    assert response.json()["code"] == "match_not_ready"
    assert not ResultReport.objects.filter(match=final).exists()


@pytest.mark.parametrize("status", ["registration_closed", "completed", "cancelled"])
def test_a_tournament_that_is_not_live_refuses_reports(bracket, semi, status):
    tournament, _ = bracket
    tournament.status = status
    tournament.save(update_fields=["status"])
    response = report(semi.team_a.captain, semi, 1, 0)
    assert response.status_code == 409
    assert response.json()["code"] == "tournament_not_live"
    assert not ResultReport.objects.exists()


def test_confirming_the_final_completes_the_tournament(organizer, django_assert_num_queries):
    from tests.tournaments.builders import started_tournament

    tournament, teams = started_tournament(organizer=organizer, teams=2)
    final = match_at(tournament, 1, 1)
    report(teams[0].captain, final, 0, 1)
    client = factories.client_for(teams[1].captain)
    # token, match read, savepoint, tournament lock, match lock (PostgreSQL), reports, insert, settle,
    # complete, event, audit, release
    with django_assert_num_queries(11 + MATCH_LOCK):
        response = client.post(url(final), {"score_a": 0, "score_b": 1}, format="json")
    assert response.status_code == 200
    assert response.json()["winner_id"] == teams[1].pk
    tournament.refresh_from_db()
    assert tournament.status == "completed"


def test_bye_matches_accept_no_report(organizer):
    from tests.tournaments.builders import started_tournament

    tournament, teams = started_tournament(organizer=organizer, teams=3)
    bye = match_at(tournament, 1, 1)
    response = report(teams[0].captain, bye, 1, 0)
    assert response.status_code == 409
    assert response.json()["code"] == "match_not_ready"
    assert Match.objects.get(pk=bye.pk).status == "confirmed"


def test_the_confirming_captains_retry_after_the_final_still_gets_200(organizer):
    from tests.tournaments.builders import started_tournament

    tournament, teams = started_tournament(organizer=organizer, teams=2)
    final = match_at(tournament, 1, 1)
    report(teams[0].captain, final, 4, 0)
    assert report(teams[1].captain, final, 4, 0).status_code == 200
    retry = report(teams[1].captain, final, 4, 0)
    assert (retry.status_code, retry.json()["status"], retry.json()["winner_id"]) == (200, "confirmed", teams[0].pk)
    assert ResultReport.objects.filter(match=final).count() == 2
