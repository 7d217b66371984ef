"""The perf scenario does what it says (no timing here: that is tests/perf's job)."""

from __future__ import annotations

import pytest

from perf.harness import REGISTRY
from perf.scenarios import results  # noqa: F401 - registers the scenario
from tournaments.models import Match, ResultReport

pytestmark = pytest.mark.django_db


def test_results_scenario_settles_fresh_matches_and_advances_winners():
    scenario = REGISTRY["results"]()
    scenario.setup()
    items = scenario.prepare(3) + scenario.prepare(2)
    for item in items:
        scenario.run(item)
    settled = Match.objects.filter(pk__in=items)
    assert [(m.status, m.score_a, m.score_b, m.winner_id) for m in settled] == [
        ("confirmed", 2, 1, scenario.team_a.pk)
    ] * 5
    assert sorted(Match.objects.filter(round=2).values_list("team_a_id", flat=True)) == [scenario.team_a.pk] * 5
    assert ResultReport.objects.filter(match__in=items).count() == 10


def test_results_scenario_fails_loudly_when_a_match_is_not_fresh():
    scenario = REGISTRY["results"]()
    scenario.setup()
    [item] = scenario.prepare(1)
    scenario.run(item)
    with pytest.raises(AssertionError, match="expected 201, got 200"):
        scenario.run(item)


def test_the_double_elimination_scenario_sends_the_winner_on_and_drops_the_loser():
    scenario = REGISTRY["results_double_elimination"]()
    scenario.setup()
    items = scenario.prepare(3)
    for item in items:
        scenario.run(item)
    played = list(Match.objects.filter(pk__in=items).select_related("next_match", "loser_next_match"))
    assert [(m.status, m.winner_id) for m in played] == [("confirmed", scenario.team_a.pk)] * 3
    assert [(m.next_match.bracket, m.next_match.team_a_id) for m in played] == [("winners", scenario.team_a.pk)] * 3
    assert [(m.loser_next_match.bracket, m.loser_next_match.team_a_id) for m in played] == [
        ("losers", scenario.team_b.pk)
    ] * 3


def test_the_swiss_scenario_confirms_matches_of_a_round_that_goes_on():
    scenario = REGISTRY["results_swiss"]()
    scenario.setup()
    items = scenario.prepare(3)
    for item in items:
        scenario.run(item)
    assert list(Match.objects.filter(pk__in=items).values_list("status", flat=True)) == ["confirmed"] * 3
    scenario.tournament.refresh_from_db()
    assert scenario.tournament.status == "live"
    assert not Match.objects.filter(tournament=scenario.tournament, round=2).exists()  # the round is not over
