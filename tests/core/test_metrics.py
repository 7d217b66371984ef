"""core.metrics: /metrics in Prometheus format, labelled by route, never by raw path."""

from __future__ import annotations

from django.urls import resolve

from core import metrics


def sample(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


def test_request_duration_is_labelled_by_resolver_route(client) -> None:
    route = resolve("/api/teams/123/").route
    assert "123" not in route
    labels = {"route": route, "method": "GET", "status": "401"}
    before = sample("arena_http_request_duration_seconds_count", **labels)
    client.get("/api/teams/123/")
    client.get("/api/teams/456/")
    assert sample("arena_http_request_duration_seconds_count", **labels) == before + 2
    assert sample("arena_http_request_duration_seconds_count", route="api/teams/123/", method="GET", status="401") == 0


def test_unrouted_paths_share_one_label(client) -> None:
    labels = {"route": metrics.UNMATCHED, "method": "GET", "status": "404"}
    before = sample("arena_http_request_duration_seconds_count", **labels)
    client.get("/no-such-page-1")
    client.get("/no-such-page-2")
    assert sample("arena_http_request_duration_seconds_count", **labels) == before + 2


def test_unknown_methods_share_one_label(client) -> None:
    labels = {"route": "metrics", "method": "OTHER", "status": "200"}
    before = sample("arena_http_request_duration_seconds_count", **labels)
    client.generic("BREW", "/metrics")
    assert sample("arena_http_request_duration_seconds_count", **labels) == before + 1


def test_queries_of_a_request_are_timed_by_statement(client_for, captain) -> None:
    before = sample("arena_db_query_duration_seconds_count", statement="SELECT")
    response = client_for(captain).get("/api/auth/me/")
    assert response.status_code == 200
    assert sample("arena_db_query_duration_seconds_count", statement="SELECT") == before + 1  # the token lookup


def test_broadcast_and_lock_hold_observers_feed_their_histograms() -> None:
    broadcasts = sample("arena_broadcast_latency_seconds_count")
    holds = sample("arena_lock_hold_seconds_count", pipeline="finalization", entity_type="Season")
    metrics.observe_broadcast(0.002)
    metrics.observe_lock_hold("finalization", "Season", 0.004)
    assert sample("arena_broadcast_latency_seconds_count") == broadcasts + 1
    assert sample("arena_lock_hold_seconds_count", pipeline="finalization", entity_type="Season") == holds + 1


def test_statement_verb_is_a_bounded_label() -> None:
    assert [metrics.statement_verb(sql) for sql in ("  select 1", "INSERT INTO t", "VACUUM", "")] == [
        "SELECT",
        "INSERT",
        "OTHER",
        "OTHER",
    ]


def test_metrics_endpoint_serves_prometheus_text(client) -> None:
    metrics.observe_broadcast(0.001)
    response = client.get("/metrics")
    body = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    for name in (
        "arena_http_request_duration_seconds",
        "arena_db_query_duration_seconds",
        "arena_broadcast_latency_seconds",
        "arena_lock_hold_seconds",
    ):
        assert f"# TYPE {name} histogram" in body


def test_a_committed_lock_feeds_the_lock_hold_histogram(transactional_db) -> None:
    from django.db import transaction

    from tests import factories
    from tournaments.locks import tournament_lock

    tournament = factories.tournament()
    labels = {"pipeline": "metrics-test", "entity_type": "Tournament"}
    before = sample("arena_lock_hold_seconds_count", **labels)

    with transaction.atomic():
        tournament_lock(tournament_id=tournament.pk, pipeline="metrics-test", caller="test")

    assert sample("arena_lock_hold_seconds_count", **labels) == before + 1


def test_a_published_event_feeds_the_broadcast_histogram(transactional_db) -> None:
    # Fed after COMMIT (the delivery), so the transaction must really commit.
    from realtime.events import publish

    before = sample("arena_broadcast_latency_seconds_count")

    publish(tournament_id=987654, type="registration.created", data={"team_id": 1})

    assert sample("arena_broadcast_latency_seconds_count") == before + 1
