"""The tournament metadata cache (tournaments/cache.py, core/cache.py): reads served from it, and
no way to read a row older than the last write through the API."""

from __future__ import annotations

import json
import urllib.request

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from redis.exceptions import ConnectionError as RedisConnectionError

from core.cache import RowCache, filtered_ids
from core.metrics import REGISTRY
from tests import factories
from tournaments.models import Tournament
from tournaments.selectors.tournaments import tournament_find

# Real commits: entries are retired on commit, and a transaction's own writes skip the
# cache until it ends, so inside the test-wide transaction of ``db`` nothing would be cached.
pytestmark = pytest.mark.django_db(transaction=True)


def _tournament_reads(captured: CaptureQueriesContext) -> int:
    return sum('FROM "tournaments_tournament"' in query["sql"] for query in captured.captured_queries)


def _detail(client, tournament_id: int) -> dict:
    response = client.get(f"/api/tournaments/{tournament_id}/")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_second_detail_read_comes_from_the_cache(organizer):
    tournament = factories.tournament(organizer=organizer)
    client = factories.client_for(organizer)
    with CaptureQueriesContext(connection) as first:
        _detail(client, tournament.pk)
    with CaptureQueriesContext(connection) as second:
        body = _detail(client, tournament.pk)
    assert (_tournament_reads(first), _tournament_reads(second)) == (1, 0)
    assert body["name"] == tournament.name


def test_the_hit_ratio_is_counted(organizer):
    tournament = factories.tournament(organizer=organizer)

    def counted() -> tuple[float, ...]:
        return tuple(
            REGISTRY.get_sample_value("arena_cache_reads_total", {"cache": "tournament", "result": result}) or 0.0
            for result in ("hit", "miss")
        )

    before = counted()
    for _ in range(3):
        tournament_find(tournament_id=tournament.pk)
    after = counted()
    assert (after[0] - before[0], after[1] - before[1]) == (2, 1)


def test_a_status_write_through_the_api_is_read_back_at_once(organizer):
    client = factories.client_for(organizer)
    tournament = factories.tournament(organizer=organizer)
    assert _detail(client, tournament.pk)["status"] == "registration_open"  # now cached
    assert client.post(f"/api/tournaments/{tournament.pk}/close/").status_code == 200
    assert _detail(client, tournament.pk)["status"] == "registration_closed"


def test_the_list_serves_cached_rows_and_sees_writes(organizer):
    client = factories.client_for(organizer)
    tournaments = [factories.tournament(organizer=organizer) for _ in range(3)]
    client.get("/api/tournaments/")  # caches the page's rows
    with CaptureQueriesContext(connection) as captured:
        listed = client.get("/api/tournaments/").json()
    # count and the page's ids: the rows themselves come from the cache
    assert len(captured.captured_queries) == 2
    assert [row["id"] for row in listed["results"]] == [t.pk for t in reversed(tournaments)]
    Tournament.objects.filter(pk=tournaments[0].pk).update(name="Renamed")
    names = {row["id"]: row["name"] for row in client.get("/api/tournaments/").json()["results"]}
    assert names[tournaments[0].pk] == "Renamed"


def test_update_by_pk_retires_the_entry_without_asking_which_rows(organizer):
    tournament = factories.tournament(organizer=organizer)
    tournament_find(tournament_id=tournament.pk)
    with CaptureQueriesContext(connection) as captured:
        Tournament.objects.filter(pk=tournament.pk, status="registration_open").update(name="New name")
    assert len(captured.captured_queries) == 1  # the UPDATE alone
    assert tournament_find(tournament_id=tournament.pk).name == "New name"


def test_an_update_by_another_column_retires_every_row_it_matched(organizer):
    kept, renamed = factories.tournament(organizer=organizer, game="go"), factories.tournament(organizer=organizer)
    for tournament in (kept, renamed):
        tournament_find(tournament_id=tournament.pk)
    Tournament.objects.filter(game="chess").update(name="Chess cup")
    assert tournament_find(tournament_id=renamed.pk).name == "Chess cup"
    assert tournament_find(tournament_id=kept.pk).name == kept.name


def test_save_and_delete_retire_the_entry(organizer):
    tournament = factories.tournament(organizer=organizer)
    tournament_find(tournament_id=tournament.pk)
    tournament.name = "Saved"
    tournament.save(update_fields=["name"])
    assert tournament_find(tournament_id=tournament.pk).name == "Saved"
    Tournament.objects.filter(pk=tournament.pk).delete()
    assert tournament_find(tournament_id=tournament.pk) is None


@pytest.mark.parametrize(
    ("lookup", "expected"),
    [
        ({"pk": 7}, [7]),
        ({"id": 7, "status": "live"}, [7]),
        ({"pk__in": [3, 4]}, [3, 4]),
        ({"status": "live"}, None),
        ({"organizer__pk": 7}, None),  # another model's key
    ],
)
def test_filtered_ids_reads_only_what_bounds_the_rows(lookup, expected):
    assert filtered_ids(Tournament.objects.filter(**lookup)) == expected


def test_filtered_ids_does_not_trust_or_or_exclude():
    from django.db.models import Q

    assert filtered_ids(Tournament.objects.filter(Q(pk=1) | Q(status="live"))) is None
    assert filtered_ids(Tournament.objects.exclude(pk=1)) is None


def test_a_row_loaded_before_a_write_is_never_served_after_it():
    """The race a delete-on-write cache loses: a reader loads the old row, the write
    commits and invalidates, and then the reader stores what it loaded."""
    rows = RowCache("race-test", seconds_setting="TOURNAMENT_CACHE_SECONDS")
    database = {"value": "old"}
    loads = []

    def load_racing_a_write(row_id: int) -> str:
        loaded = database["value"]
        database["value"] = "new"  # the write commits between this reader's load and its store
        rows.forget([row_id])
        loads.append(loaded)
        return loaded

    assert rows.get(1, load_racing_a_write) == "old"  # what that reader saw, stored with an old stamp
    assert rows.get(1, lambda row_id: database["value"]) == "new"  # the next reader does not take it
    assert rows.get(1, lambda row_id: pytest.fail("cached by now")) == "new"


def test_an_unreachable_cache_is_a_miss_never_an_error(organizer, monkeypatch):
    from django.core.cache import cache

    tournament = factories.tournament(organizer=organizer)

    def unreachable(*args, **kwargs):
        raise RedisConnectionError("down")

    for method in ("get_many", "set_many", "add", "incr"):
        monkeypatch.setattr(cache, method, unreachable)
    assert tournament_find(tournament_id=tournament.pk).name == tournament.name
    Tournament.objects.filter(pk=tournament.pk).update(name="Written while the cache is down")
    assert tournament_find(tournament_id=tournament.pk).name == "Written while the cache is down"


def test_a_redis_that_refuses_connections_is_a_miss(organizer, settings):
    tournament = factories.tournament(organizer=organizer)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there: connection refused
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    assert tournament_find(tournament_id=tournament.pk).name == tournament.name
    Tournament.objects.filter(pk=tournament.pk).update(name="Written while Redis is down")
    assert tournament_find(tournament_id=tournament.pk).name == "Written while Redis is down"


def test_a_transaction_reads_its_own_write_and_the_commit_retires_the_entry(organizer):
    from django.db import transaction

    tournament = factories.tournament(organizer=organizer)
    tournament_find(tournament_id=tournament.pk)  # cached
    with transaction.atomic():
        Tournament.objects.filter(pk=tournament.pk).update(name="Inside")
        assert tournament_find(tournament_id=tournament.pk).name == "Inside"
    with CaptureQueriesContext(connection) as captured:
        assert tournament_find(tournament_id=tournament.pk).name == "Inside"
        assert tournament_find(tournament_id=tournament.pk).name == "Inside"
    assert _tournament_reads(captured) == 1  # one miss after the commit's bump, then a hit


def test_a_rolled_back_write_leaves_the_cached_row_correct(organizer):
    from django.db import transaction

    tournament = factories.tournament(organizer=organizer)
    tournament_find(tournament_id=tournament.pk)

    def write_then_fail() -> None:
        with transaction.atomic():
            Tournament.objects.filter(pk=tournament.pk).update(name="Never committed")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        write_then_fail()
    assert tournament_find(tournament_id=tournament.pk).name == tournament.name


def test_turned_off_it_reads_the_database_every_time(organizer, settings):
    settings.TOURNAMENT_CACHE_SECONDS = 0
    tournament = factories.tournament(organizer=organizer)
    with CaptureQueriesContext(connection) as captured:
        for _ in range(2):
            tournament_find(tournament_id=tournament.pk)
    assert _tournament_reads(captured) == 2


def _call(server, method: str, path: str, token: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{server.http}{path}",
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


@pytest.mark.redis
@pytest.mark.slow
def test_a_write_on_one_server_is_read_back_on_the_other_at_once(tmp_path_factory):
    """Two server processes sharing Redis: every read through the second, right after a write
    through the first, shows the write, although the second had the old row cached."""
    from realtime.events import redis_prefix
    from tests.realtime.live import running_server, seed_world

    world = seed_world(tmp_path_factory.mktemp("tournament-cache"))
    shared = {"redis_url": settings.REDIS_URL, "redis_prefix": f"{redis_prefix()}_tcache"}
    token = world.organizer_token
    seen = []
    with running_server(world, **shared) as writer, running_server(world, **shared) as reader:
        for number in range(10):
            created = _call(
                writer,
                "POST",
                "/api/tournaments/",
                token,
                {"name": f"Cup {number}", "game": "go", "max_teams": 8, "team_size": 1},
            )
            path = f"/api/tournaments/{created['id']}/"
            for action, status in (("open", "registration_open"), ("close", "registration_closed")):
                _call(reader, "GET", path, token)  # the reader's cache holds the row as it was
                _call(reader, "GET", path, token)
                _call(writer, "POST", f"{path}{action}/", token)
                seen.append((_call(reader, "GET", path, token)["status"], status))
        metrics = urllib.request.urlopen(f"{reader.http}/metrics", timeout=10).read().decode()  # noqa: S310
    assert all(got == wanted for got, wanted in seen), seen
    assert len(seen) == 20
    hits = [
        line
        for line in metrics.splitlines()
        if line.startswith('arena_cache_reads_total{cache="tournament",result="hit"')
    ]
    assert len(hits) == 1
    assert float(hits[0].split()[-1]) >= 20  # the second read of each pair was a hit
