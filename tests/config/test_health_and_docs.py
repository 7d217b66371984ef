import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_channel_layer(anon_client):
    response = anon_client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["channel_layer"]["ok"] is True
    assert body["tasks"]["ok"] is True


def test_healthz_reports_an_unreachable_broker_without_failing(anon_client, settings):
    from core.metrics import _broker

    # A real Redis client on a port where nothing listens: the connection is refused.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    _broker.cache_clear()
    try:
        response = anon_client.get("/healthz")
    finally:
        _broker.cache_clear()
    assert response.status_code == 200  # the web serves without the broker
    assert response.json()["tasks"] == {"ok": False, "info": "broker unreachable", "queued": 0}


def test_openapi_schema_is_served(anon_client):
    response = anon_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/auth/users/" in schema["paths"]


def test_docs_page_loads_its_assets_from_the_app_not_a_cdn(anon_client):
    response = anon_client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn." not in html
    assert "/static/drf_spectacular_sidecar/" in html
