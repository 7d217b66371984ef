import pytest

from tests import factories


@pytest.fixture
def tournament(organizer):
    """Open, 2 slots, teams of 2, no fee."""
    return factories.tournament(organizer=organizer, max_teams=2, team_size=2)


@pytest.fixture
def team(captain, member):
    created = factories.team(captain=captain, size=1)
    created.memberships.create(user=member, role="member")
    return created
