"""``tournaments.awards`` is pure maths: it imports without Django, and computes from plain values."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tournaments.awards import Award, BracketMatch, awards_compute, reward_policy_resolve

ROOT = Path(__file__).resolve().parents[2]


def test_the_awards_module_imports_without_django():
    code = "import sys, tournaments.awards; sys.exit(any(name.split('.')[0] == 'django' for name in sys.modules))"
    completed = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr


def test_a_two_team_final_between_equals():
    bracket = [BracketMatch(round=1, team_a_id=10, team_b_id=20, winner_id=10, status="confirmed")]
    awards = awards_compute(
        bracket=bracket,
        roster=[(1, 10), (2, 20)],
        ratings={1: 1500, 2: 1500},
        opponent_averages={},
        policy=reward_policy_resolve({}),
    )
    # Equal ratings: expected score 0.5 each, K = 32, so +16 / -16.
    assert awards == [Award(1, 10, 1, 500, 1000, 1500, 1516), Award(2, 20, 2, 300, 500, 1500, 1484)]
