"""Real threads, real transactions on PostgreSQL: simultaneous reports end in one state."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests import factories
from tests.concurrency.threads import run_together
from tests.realtime.capture import capture_delivered
from tests.tournaments.builders import match_at, started_tournament
from tournaments.models import Match, ResultReport

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def reporter(user, match, score_a: int, score_b: int) -> Callable[[], tuple[int, str]]:
    client = factories.client_for(user)

    def call() -> tuple[int, str]:
        response = client.post(
            f"/api/matches/{match.pk}/result/", {"score_a": score_a, "score_b": score_b}, format="json"
        )
        body = response.json()
        return response.status_code, body.get("status") or body["code"]

    return call


@pytest.fixture
def published(monkeypatch):
    return _Pairs(capture_delivered(monkeypatch))


class _Pairs:
    """The delivered match events as (type, match id) pairs, read when compared (the start's
    round.paired is not a result's)."""

    def __init__(self, delivered: list[dict]) -> None:
        self.delivered = delivered

    def __iter__(self):
        return iter([(e["type"], e["data"]["match_id"]) for e in self.delivered if e["type"].startswith("match.")])

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __eq__(self, other: object) -> bool:
        return list(self) == other

    __hash__ = None  # type: ignore[assignment]


def test_both_captains_reporting_the_same_score_at_once_confirm_once(organizer, published):
    tournament, _ = started_tournament(organizer=organizer, teams=8)
    semis = [match_at(tournament, 1, position) for position in (1, 2, 3, 4)]
    for match in semis:  # four independent races
        results = run_together(
            [reporter(match.team_a.captain, match, 3, 2), reporter(match.team_b.captain, match, 3, 2)]
        )
        assert sorted(results) == [(200, "confirmed"), (201, "awaiting_confirmation")]
        match.refresh_from_db()
        assert (match.status, match.score_a, match.score_b, match.winner_id) == ("confirmed", 3, 2, match.team_a_id)
        assert ResultReport.objects.filter(match=match).count() == 2
    quarter = [match_at(tournament, 2, position) for position in (1, 2)]
    assert [(m.team_a_id, m.team_b_id) for m in quarter] == [
        (semis[0].team_a_id, semis[1].team_a_id),
        (semis[2].team_a_id, semis[3].team_a_id),
    ]
    assert sorted(published) == sorted(("match.confirmed", m.pk) for m in semis)


def test_many_identical_retries_from_both_sides_confirm_once(organizer, published):
    tournament, _ = started_tournament(organizer=organizer, teams=2)
    final = match_at(tournament, 1, 1)
    calls = [reporter(final.team_a.captain, final, 0, 4) for _ in range(6)]
    calls += [reporter(final.team_b.captain, final, 0, 4) for _ in range(6)]
    results = run_together(calls)
    assert [status for status, _ in results].count(201) == 1
    assert all(status in {200, 201} for status, _ in results)
    final.refresh_from_db()
    tournament.refresh_from_db()
    assert (final.status, final.winner_id, tournament.status) == ("confirmed", final.team_b_id, "completed")
    assert ResultReport.objects.filter(match=final).count() == 2
    assert published == [("match.confirmed", final.pk)]


def test_conflicting_simultaneous_reports_end_disputed(organizer, published):
    tournament, _ = started_tournament(organizer=organizer, teams=4)
    for position in (1, 2):
        match = match_at(tournament, 1, position)
        results = run_together(
            [reporter(match.team_a.captain, match, 2, 1), reporter(match.team_b.captain, match, 1, 2)]
        )
        assert sorted(results) == [(201, "awaiting_confirmation"), (409, "result_disputed")]
        match.refresh_from_db()
        assert (match.status, match.score_a, match.score_b, match.winner_id) == ("disputed", None, None, None)
        assert ResultReport.objects.filter(match=match).count() == 2
    final = match_at(tournament, 2, 1)
    assert (final.team_a_id, final.team_b_id) == (None, None)
    assert sorted(published) == sorted(("match.disputed", match_at(tournament, 1, p).pk) for p in (1, 2))


def test_both_semi_finals_confirmed_at_once_fill_both_final_slots(organizer, published):
    tournament, _ = started_tournament(organizer=organizer, teams=4)
    semis = [match_at(tournament, 1, position) for position in (1, 2)]
    for match in semis:
        reporter(match.team_a.captain, match, 1, 0)()
    results = run_together([reporter(m.team_b.captain, m, 1, 0) for m in semis])
    assert results == [(200, "confirmed"), (200, "confirmed")]
    final = Match.objects.get(tournament=tournament, round=2)
    assert (final.team_a_id, final.team_b_id) == (semis[0].team_a_id, semis[1].team_a_id)


def test_two_simultaneous_starts_build_one_bracket(organizer):
    tournament = factories.tournament(organizer=organizer, max_teams=8)
    for _ in range(8):
        factories.confirmed_registration(tournament=tournament, team=factories.team())

    def starter() -> Callable[[], int]:
        client = factories.client_for(organizer)  # one client per thread
        return lambda: client.post(f"/api/tournaments/{tournament.pk}/start/", {}, format="json").status_code

    assert sorted(run_together([starter() for _ in range(3)])) == [200, 409, 409]
    assert Match.objects.filter(tournament=tournament).count() == 7
