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


def test_healthz_reports_an_unreachable_broker_without_failing(anon_client, settings, monkeypatch):
    import config.health

    monkeypatch.setattr(config.health, "task_queue_depth", lambda: -1)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    response = anon_client.get("/healthz")
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
