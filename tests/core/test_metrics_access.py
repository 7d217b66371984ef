"""/metrics answers a bearer token or an allowed address, nobody else; the schema is built once."""

from __future__ import annotations

from unittest import mock

import pytest
from drf_spectacular.generators import SchemaGenerator

from config.schema_view import CachedSchemaApi

TOKEN = "m" * 40


@pytest.fixture
def metrics_settings(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    return settings


def test_metrics_refuses_an_unknown_address_without_token(metrics_settings, client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert b"arena_http_request_duration_seconds" not in response.content


def test_metrics_refuses_a_wrong_token(metrics_settings, client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION=f"Bearer {'x' * 40}")
    assert response.status_code == 403


def test_metrics_answers_the_bearer_token(metrics_settings, client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert b"arena_http_request_duration_seconds" in response.content


def test_metrics_answers_an_allowed_network(metrics_settings, client):
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200


def test_metrics_default_is_loopback_only(client):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.10").status_code == 403


@pytest.mark.django_db
def test_schema_is_generated_once_per_process(anon_client):
    CachedSchemaApi._cache.clear()
    with mock.patch.object(SchemaGenerator, "get_schema", autospec=True, side_effect=SchemaGenerator.get_schema) as spy:
        first = anon_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
        second = anon_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert spy.call_count == 1
