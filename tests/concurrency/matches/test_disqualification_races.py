"""A disqualification racing the confirmation that brings the disqualified team its
opponent: PostgreSQL, real threads.

The first semi-final's winner waits in the final; the organizer disqualifies it while
the other semi-final's second captain confirms. Both lock the tournament first when
they know the final may complete (the confirmation knows it only from its unlocked
read). Either order ends in one state: the final won by walkover by the other
semi-final's winner and the tournament completed, or, when the disqualification
committed after the confirmation's read, the confirmation refused (409
``match_state_changed``, nothing written) and its retry completes it. Never a final
with both teams that nobody can settle.
"""

import pytest

from tests import factories
from tests.concurrency.threads import run_together
from tests.tournaments.builders import match_at, started_tournament
from tournaments.models import Tournament

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _report(captain, match, score_a, score_b):
    return factories.client_for(captain).post(
        f"/api/matches/{match.pk}/result/", {"score_a": score_a, "score_b": score_b}, format="json"
    )


@pytest.mark.parametrize("attempt", range(5))
def test_a_disqualification_racing_the_opponent_s_arrival_always_ends_in_a_walkover(attempt):
    organizer = factories.user(is_staff=True)
    tournament, _ = started_tournament(organizer=organizer, teams=4)
    first, second, final = match_at(tournament, 1, 1), match_at(tournament, 1, 2), match_at(tournament, 2, 1)
    for captain in (first.team_a.captain, first.team_b.captain):
        _report(captain, first, 2, 0)
    assert _report(second.team_a.captain, second, 0, 1).status_code == 201
    finalist = first.team_a

    confirm, disqualify = run_together(
        [
            lambda: _report(second.team_b.captain, second, 0, 1),
            lambda: factories.client_for(organizer).post(
                f"/api/tournaments/{tournament.pk}/disqualify/",
                {"team_id": finalist.pk, "reason": "race"},
                format="json",
            ),
        ]
    )

    assert disqualify.status_code == 200, disqualify.json()
    if confirm.status_code == 409:
        assert confirm.json()["code"] == "match_state_changed"
        second.refresh_from_db()
        assert second.status == "awaiting_confirmation"  # nothing written
        assert _report(second.team_b.captain, second, 0, 1).status_code == 200
    else:
        assert confirm.status_code == 200, confirm.json()
    final.refresh_from_db()
    assert (final.status, final.winner_id, final.forfeited_by_id) == ("confirmed", second.team_b_id, finalist.pk)
    assert Tournament.objects.get(pk=tournament.pk).status == "completed"
