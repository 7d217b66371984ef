"""An organizer's override racing a downstream report: PostgreSQL, real threads.

Both lock the tournament, then the matches. Either the report lands first (the final
is then reported: a plain override is refused, 409 ``downstream_reported``), or the
override does (the final's slot now holds another team: the stale report is refused,
403 or 409). Never a report recorded for a team that is no longer in the match.
"""

import pytest

from tests import factories
from tests.concurrency.threads import run_together
from tests.tournaments.builders import match_at, started_tournament
from tournaments.models import Match, ResultReport

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _settle(match, score_a, score_b):
    match.refresh_from_db()
    for team in (match.team_a, match.team_b):
        factories.client_for(team.captain).post(
            f"/api/matches/{match.pk}/result/", {"score_a": score_a, "score_b": score_b}, format="json"
        )


@pytest.mark.parametrize("attempt", range(5))
def test_an_override_racing_a_downstream_report_never_leaves_a_stale_report(attempt):
    organizer = factories.user(is_staff=True)
    tournament, _ = started_tournament(organizer=organizer, teams=4)
    semi, other, final = match_at(tournament, 1, 1), match_at(tournament, 1, 2), match_at(tournament, 2, 1)
    _settle(semi, 2, 1)
    _settle(other, 2, 1)
    final.refresh_from_db()
    reporter = final.team_a  # the semi's winner, whom the override takes out of the final

    report, override = run_together(
        [
            lambda: factories.client_for(reporter.captain).post(
                f"/api/matches/{final.pk}/result/", {"score_a": 3, "score_b": 0}, format="json"
            ),
            lambda: factories.client_for(organizer).post(
                f"/api/matches/{semi.pk}/override/", {"score_a": 0, "score_b": 2, "reason": "race"}, format="json"
            ),
        ]
    )

    final.refresh_from_db()
    reports = list(ResultReport.objects.filter(match=final).values_list("side", flat=True))
    if override.status_code == 200:
        assert report.status_code in (403, 409)
        assert (final.team_a_id, reports) == (semi.team_b_id, [])
    else:
        assert (override.status_code, override.json()["code"]) == (409, "downstream_reported")
        assert (report.status_code, final.team_a_id, reports) == (201, reporter.pk, ["a"])
    assert Match.objects.get(pk=semi.pk).winner_id == (
        semi.team_b_id if override.status_code == 200 else semi.team_a_id
    )
