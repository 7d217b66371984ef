from __future__ import annotations

import pytest

from tests.realtime.capture import capture_delivered
from tests.tournaments.builders import match_at, started_tournament


@pytest.fixture
def bracket(organizer):
    """A live 4-team tournament: semi-finals (1, 1) and (1, 2), final (2, 1)."""
    tournament, teams = started_tournament(organizer=organizer, teams=4)
    return tournament, teams


@pytest.fixture
def semi(bracket):
    """The first semi-final (seed 1 vs seed 4), its teams' captains and their clients."""
    tournament, _teams = bracket
    return match_at(tournament, 1, 1)


@pytest.fixture
def published(monkeypatch):
    """Every realtime event actually sent (on-commit callbacks must run: use execute=True)."""
    return capture_delivered(monkeypatch)
