"""Start, bracket listing, match detail, resolve, and a whole tournament through the API."""

from __future__ import annotations

import pytest

from tests import factories
from tests.tournaments.builders import MATCH_LOCK, disputed, match_at, started_tournament
from tournaments.models import Match, ResultReport, Tournament

pytestmark = pytest.mark.django_db


def post(user, path, body=None):
    return factories.client_for(user).post(path, body or {}, format="json")


def scores(user, match, score_a, score_b, action="result"):
    return post(user, f"/api/matches/{match.pk}/{action}/", {"score_a": score_a, "score_b": score_b})


# --- start -------------------------------------------------------------------------------


def test_start_returns_the_bracket(organizer):
    tournament = factories.tournament(organizer=organizer, status="registration_closed")
    teams = [factories.team() for _ in range(4)]
    for team in teams:
        factories.confirmed_registration(tournament=tournament, team=team)
    response = post(organizer, f"/api/tournaments/{tournament.pk}/start/")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"]) == (tournament.pk, "live")
    assert [(m["round"], m["position"], m["status"]) for m in body["matches"]] == [
        (1, 1, "scheduled"),
        (1, 2, "scheduled"),
        (2, 1, "scheduled"),
    ]
    assert [(m["team_a"]["id"], m["team_b"]["id"]) for m in body["matches"][:2]] == [
        (teams[0].pk, teams[3].pk),
        (teams[1].pk, teams[2].pk),
    ]


def test_start_refusals(organizer, captain):
    tournament = factories.tournament(organizer=organizer)
    for _ in range(2):
        factories.confirmed_registration(tournament=tournament, team=factories.team())
    start = f"/api/tournaments/{tournament.pk}/start/"
    cases = [
        (post(captain, start), 403, "not_organizer"),
        (post(organizer, "/api/tournaments/999999/start/"), 404, "tournament_not_found"),
        (post(organizer, start, {"force": True}), 400, "invalid"),
    ]
    assert [(r.status_code, r.json()["code"]) for r, *_ in cases] == [(s, c) for _, s, c in cases]
    assert not Match.objects.exists()
    assert post(organizer, start).status_code == 200
    again = post(organizer, start)
    assert (again.status_code, again.json()["code"]) == (409, "tournament_not_startable")
    assert Match.objects.count() == 1


# --- listing and detail ----------------------------------------------------------------


@pytest.mark.parametrize("teams", [4, 16])
def test_bracket_listing_runs_a_constant_number_of_queries(organizer, outsider, teams, django_assert_num_queries):
    tournament, _ = started_tournament(organizer=organizer, teams=teams)
    client = factories.client_for(outsider)
    with django_assert_num_queries(3):  # token, the tournament (who may see it), matches with their teams
        response = client.get(f"/api/tournaments/{tournament.pk}/matches/")
    assert response.status_code == 200
    assert len(response.json()) == teams - 1


def test_bracket_listing_shows_results(organizer, outsider):
    tournament, teams = started_tournament(organizer=organizer, teams=2)
    final = match_at(tournament, 1, 1)
    scores(teams[0].captain, final, 3, 1)
    scores(teams[1].captain, final, 3, 1)
    [row] = factories.client_for(outsider).get(f"/api/tournaments/{tournament.pk}/matches/").json()
    assert {k: row[k] for k in ("round", "position", "status", "score_a", "score_b", "winner_id", "next_match_id")} == {
        "round": 1,
        "position": 1,
        "status": "confirmed",
        "score_a": 3,
        "score_b": 1,
        "winner_id": teams[0].pk,
        "next_match_id": None,
    }
    assert row["team_a"] == {"id": teams[0].pk, "name": teams[0].name, "tag": teams[0].tag}


def test_bracket_listing_of_an_unstarted_tournament_is_empty(organizer, outsider, django_assert_num_queries):
    tournament = factories.tournament(organizer=organizer)
    client = factories.client_for(outsider)
    with django_assert_num_queries(3):  # token, the tournament (404, who may see it), no match
        response = client.get(f"/api/tournaments/{tournament.pk}/matches/")
    assert (response.status_code, response.json()) == (200, [])
    missing = client.get("/api/tournaments/999999/matches/")
    assert (missing.status_code, missing.json()["code"]) == (404, "tournament_not_found")


def test_match_detail_includes_its_reports(organizer, outsider, django_assert_num_queries):
    tournament, _ = started_tournament(organizer=organizer, teams=4)
    semi = disputed(tournament)
    client = factories.client_for(outsider)
    with django_assert_num_queries(3):  # token, match with teams, reports
        response = client.get(f"/api/matches/{semi.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "disputed"
    assert [(r["side"], r["reported_by_id"], r["score_a"], r["score_b"]) for r in body["reports"]] == [
        ("a", semi.team_a.captain_id, 2, 1),
        ("b", semi.team_b.captain_id, 1, 2),
    ]
    missing = client.get("/api/matches/999999/")
    assert (missing.status_code, missing.json()["code"]) == (404, "match_not_found")


# --- resolve ---------------------------------------------------------------------------


def test_organizer_resolves_a_dispute(organizer, published, django_capture_on_commit_callbacks):
    tournament, _ = started_tournament(organizer=organizer, teams=4)
    semi = disputed(tournament)
    with django_capture_on_commit_callbacks(execute=True):
        response = scores(organizer, semi, 1, 2, action="resolve")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["score_a"], body["score_b"], body["winner_id"]) == ("confirmed", 1, 2, semi.team_b_id)
    assert match_at(tournament, 2, 1).team_a_id == semi.team_b_id
    assert ResultReport.objects.filter(match=semi).count() == 2
    assert [(e["type"], e["data"]["match_id"], e["data"]["winner_id"]) for e in published] == [
        ("match.resolved", semi.pk, semi.team_b_id)
    ]


def test_resolve_query_count(organizer, django_assert_num_queries):
    tournament, _ = started_tournament(organizer=organizer, teams=4)
    semi = disputed(tournament)
    client = factories.client_for(organizer)
    # token, match read, savepoint, match lock (PostgreSQL), settle, advance, audit, event, release
    with django_assert_num_queries(8 + MATCH_LOCK):
        response = client.post(f"/api/matches/{semi.pk}/resolve/", {"score_a": 4, "score_b": 0}, format="json")
    assert response.status_code == 200


def test_resolve_refusals_write_nothing(organizer):
    tournament, _ = started_tournament(organizer=organizer, teams=4)
    semi = disputed(tournament)
    other = match_at(tournament, 1, 2)
    cases = [
        (scores(semi.team_a.captain, semi, 2, 1, "resolve"), 403, "not_organizer"),
        (scores(organizer, semi, 1, 1, "resolve"), 422, "draw_not_allowed"),
        (scores(organizer, other, 1, 0, "resolve"), 409, "match_not_disputed"),
        (post(organizer, "/api/matches/999999/resolve/", {"score_a": 1, "score_b": 0}), 404, "match_not_found"),
        (post(organizer, f"/api/matches/{semi.pk}/resolve/", {"score_a": 1, "score_b": 0, "x": 1}), 400, "invalid"),
        (post(organizer, f"/api/matches/{semi.pk}/resolve/", {"score_a": -1, "score_b": 0}), 400, "invalid"),
    ]
    assert [(r.status_code, r.json()["code"]) for r, *_ in cases] == [(s, c) for _, s, c in cases]
    assert list(Match.objects.filter(tournament=tournament).values_list("status", flat=True)) == [
        "disputed",
        "scheduled",
        "scheduled",
    ]


def test_a_confirmed_match_cannot_be_resolved(organizer):
    tournament, teams = started_tournament(organizer=organizer, teams=2)
    final = match_at(tournament, 1, 1)
    scores(teams[0].captain, final, 1, 0)
    scores(teams[1].captain, final, 1, 0)
    tournament.status = "live"  # even were the tournament still live
    tournament.save(update_fields=["status"])
    response = scores(organizer, final, 0, 1, action="resolve")
    assert (response.status_code, response.json()["code"]) == (409, "match_not_disputed")
    assert Match.objects.get(pk=final.pk).winner_id == teams[0].pk


def test_resolving_the_final_completes_the_tournament(organizer):
    tournament, teams = started_tournament(organizer=organizer, teams=2)
    final = match_at(tournament, 1, 1)
    scores(teams[0].captain, final, 1, 0)
    scores(teams[1].captain, final, 0, 1)
    assert scores(organizer, final, 0, 1, action="resolve").status_code == 200
    tournament.refresh_from_db()
    assert tournament.status == "completed"


# --- a whole tournament ----------------------------------------------------------------


def test_an_eight_team_tournament_is_played_to_completion_through_the_api(organizer, outsider):
    tournament = factories.tournament(organizer=organizer, max_teams=8)
    teams = [factories.team(size=2) for _ in range(8)]
    for team in teams:
        factories.confirmed_registration(tournament=tournament, team=team)
    assert post(organizer, f"/api/tournaments/{tournament.pk}/start/").status_code == 200
    by_id = {team.pk: team for team in teams}
    viewer = factories.client_for(outsider)
    played = 0
    for round_ in (1, 2, 3):
        bracket = viewer.get(f"/api/tournaments/{tournament.pk}/matches/").json()
        for row in (m for m in bracket if m["round"] == round_):
            # The higher-seeded (earlier registered) team wins, 2-1 or 1-2 as it sits.
            a, b = by_id[row["team_a"]["id"]], by_id[row["team_b"]["id"]]
            score = (2, 1) if teams.index(a) < teams.index(b) else (1, 2)
            first = post(
                a.captain, f"/api/matches/{row['id']}/result/", dict(zip(("score_a", "score_b"), score, strict=False))
            )
            second = post(
                b.captain, f"/api/matches/{row['id']}/result/", dict(zip(("score_a", "score_b"), score, strict=False))
            )
            assert (first.status_code, second.status_code, second.json()["status"]) == (201, 200, "confirmed")
            played += 1
    assert played == 7
    tournament.refresh_from_db()
    assert tournament.status == Tournament.Status.COMPLETED
    final = match_at(tournament, 3, 1)
    assert (final.team_a_id, final.team_b_id, final.winner_id) == (teams[0].pk, teams[1].pk, teams[0].pk)
    assert set(Match.objects.filter(tournament=tournament).values_list("status", flat=True)) == {"confirmed"}
    assert ResultReport.objects.filter(match__tournament=tournament).count() == 14
    late = post(teams[0].captain, f"/api/matches/{final.pk}/result/", {"score_a": 0, "score_b": 9})
    assert (late.status_code, late.json()["code"]) == (409, "tournament_not_live")


def test_a_dispute_in_a_tournament_no_longer_live_cannot_be_resolved(organizer):
    tournament, _ = started_tournament(organizer=organizer, teams=4)
    semi = disputed(tournament)
    Tournament.objects.filter(pk=tournament.pk).update(status="cancelled")
    response = scores(organizer, semi, 2, 1, action="resolve")
    assert (response.status_code, response.json()["code"]) == (409, "tournament_not_live")
    assert Match.objects.get(pk=semi.pk).status == "disputed"
