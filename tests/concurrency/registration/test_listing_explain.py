"""The organizer listing's plan on PostgreSQL: idx_registration_tournament_status, no Seq Scan.

The EXPLAIN is taken of the exact statements the API runs (captured from a real
request), over 10 100 registrations in 100 tournaments after VACUUM ANALYZE.
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from teams.models import Team
from tests import factories
from tournaments.models import Registration, Tournament

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

INDEX = "idx_registration_tournament_status"
STATUSES = ["pending", "confirmed", "waitlisted", "withdrawn", "rejected"]


@pytest.fixture
def world():
    """100 tournaments × 101 registrations with mixed statuses, built in bulk (a few seconds)."""
    organizer = factories.user(is_staff=True)
    captain = factories.user()
    teams = Team.objects.bulk_create(Team(name=f"Bulk {n}", tag=f"BK{n}", captain=captain) for n in range(101))
    cups = Tournament.objects.bulk_create(
        Tournament(name=f"Cup {n}", game="chess", organizer=organizer, max_teams=101, team_size=1) for n in range(100)
    )
    Registration.objects.bulk_create(
        (
            Registration(tournament=cup, team=team, status=STATUSES[n % len(STATUSES)], registered_by=captain)
            for cup in cups
            for n, team in enumerate(teams)
        ),
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        for table in ("tournaments_registration", "tournaments_tournament", "teams_team", "auth_user"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return organizer, cups[50]


def _listing_statements(organizer, tournament) -> dict[str, str]:
    """The listing's SQL against registrations, as the API runs it: {"count": ..., "page": ...}."""
    client = factories.client_for(organizer)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/api/tournaments/{tournament.pk}/registrations/?status=pending,confirmed")
    assert (response.status_code, response.json()["count"]) == (200, 41)
    statements = [q["sql"] for q in captured.captured_queries if '"tournaments_registration"' in q["sql"]]
    assert len(statements) == 2, statements
    count, page = sorted(statements, key=lambda sql: "COUNT(" not in sql)
    return {"count": count, "page": page}


def _registration_scans(sql: str) -> list[tuple[str, str | None]]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        raw = cursor.fetchone()[0]
    stack, scans = [(raw if isinstance(raw, list) else json.loads(raw))[0]["Plan"]], []
    while stack:
        node = stack.pop()
        stack.extend(node.get("Plans", []))
        if node.get("Relation Name") == "tournaments_registration":
            scans.append((node["Node Type"], node.get("Index Name")))
    return scans


def test_listing_count_is_an_index_only_scan_of_the_covering_index(world):
    scans = _registration_scans(_listing_statements(*world)["count"])
    assert scans == [("Index Only Scan", INDEX)]


def test_listing_page_never_seq_scans_registrations(world):
    scans = _registration_scans(_listing_statements(*world)["page"])
    assert scans
    assert all(node_type in {"Index Scan", "Index Only Scan", "Bitmap Heap Scan"} for node_type, _ in scans), scans


def test_listing_page_uses_the_covering_index(world):
    scans = _registration_scans(_listing_statements(*world)["page"])
    assert scans == [("Index Scan", INDEX)]
