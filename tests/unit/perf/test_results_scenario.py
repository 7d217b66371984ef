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
