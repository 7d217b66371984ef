"""The organizer listing's plan on SQLite: idx_registration_tournament_status, never a table scan.

Migration 0003 rebuilt the table on SQLite and dropped the database-only index of
0002 (migration 0004 restores it): the listing then scanned every registration and
grew with the table. The plan is read from the exact statements the API runs.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories

pytestmark = pytest.mark.django_db

INDEX = "idx_registration_tournament_status"


@pytest.fixture
def listing_statements(client_for, organizer):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's plan is checked by tests/concurrency/registration/test_listing_explain.py")
    tournament = factories.tournament(organizer=organizer)
    factories.confirmed_registration(tournament=tournament, team=factories.team())
    with CaptureQueriesContext(connection) as captured:
        response = client_for(organizer).get(f"/api/tournaments/{tournament.pk}/registrations/?status=confirmed")
    assert (response.status_code, response.json()["count"]) == (200, 1)
    return [query["sql"] for query in captured.captured_queries if '"tournaments_registration"' in query["sql"]]


def _registration_plan(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return [row[-1] for row in cursor.fetchall() if "tournaments_registration" in row[-1]]


def test_listing_count_and_page_search_the_covering_index(listing_statements):
    plans = [_registration_plan(sql) for sql in listing_statements]

    assert len(plans) == 2
    for plan in plans:
        assert len(plan) == 1
        assert plan[0].startswith("SEARCH tournaments_registration USING ")
        assert f"INDEX {INDEX} (tournament_id=? AND status=?)" in plan[0]
