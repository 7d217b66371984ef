"""The perf scenario runs the world the tests check, and asserts its own response."""

from __future__ import annotations

import pytest

from perf.harness import REGISTRY
from tournaments.models import PlayerSkill, Tournament

pytestmark = pytest.mark.django_db


def test_finalization_scenario_prepares_and_runs_one_item():
    import perf.scenarios.finalization  # noqa: F401 - registers the scenario

    scenario = REGISTRY["finalization"]()
    scenario.setup()
    [tournament_id] = scenario.prepare(1)
    assert Tournament.objects.get(pk=tournament_id).registrations.count() == 16
    assert set(PlayerSkill.objects.values_list("tournaments_played", flat=True)) == {20}
    scenario.run(tournament_id)
    assert Tournament.objects.get(pk=tournament_id).status == "rewards_distributed"
    assert set(PlayerSkill.objects.values_list("tournaments_played", flat=True)) == {21}
