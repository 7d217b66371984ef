import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import database_from_url, env_bool, env_int


def test_env_bool_rejects_garbage(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG='maybe' is not a boolean"):
        env_bool("FLAG")


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("yes", True), ("off", False), ("0", False)])
def test_env_bool_parses(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG") is expected


def test_env_int_rejects_non_integer(monkeypatch):
    monkeypatch.setenv("N", "ten")
    with pytest.raises(ImproperlyConfigured, match="N='ten' is not an integer"):
        env_int("N", 1)


def test_database_url_builds_pooled_postgres_entry():
    db = database_from_url("postgres://u:p%40ss@db.example:6543/arena?sslmode=require", pool_max_size=7)
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "arena",
        "u",
        "p@ss",
        "db.example",
        "6543",
    )
    assert db["OPTIONS"] == {"pool": {"min_size": 1, "max_size": 7, "timeout": 10}, "sslmode": "require"}


def test_database_url_behind_pgbouncer_turns_server_side_cursors_off():
    direct = database_from_url("postgres://u@h/arena", pool_max_size=1)
    pooled = database_from_url("postgres://u@h:6432/arena?pooler=pgbouncer", pool_max_size=1)
    assert (direct["DISABLE_SERVER_SIDE_CURSORS"], pooled["DISABLE_SERVER_SIDE_CURSORS"]) == (False, True)
    assert "pooler" not in pooled["OPTIONS"]  # not a libpq parameter


def test_database_url_refuses_an_unknown_pooler():
    with pytest.raises(ImproperlyConfigured, match="pooler='pgpool' is not supported"):
        database_from_url("postgres://u@h/arena?pooler=pgpool", pool_max_size=1)


def test_database_url_refuses_other_schemes():
    with pytest.raises(ImproperlyConfigured, match="'mysql' is not supported"):
        database_from_url("mysql://u@h/db", pool_max_size=1)


def test_production_refuses_to_start_without_secret_key():
    import subprocess
    import sys

    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django, os; django.setup()"],
        env={"DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_ENV": "production", "PATH": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DJANGO_ENV=production" in result.stderr


@pytest.mark.postgres
def test_suite_really_runs_on_postgresql(db):
    from django.db import connection

    assert connection.vendor == "postgresql"
    assert connection.settings_dict["OPTIONS"]["pool"]["max_size"] >= 1


@pytest.mark.redis
def test_redis_url_selects_the_redis_channel_layer_and_cache():
    from channels.layers import get_channel_layer
    from django.core.cache import caches

    assert type(get_channel_layer()).__module__.startswith("channels_redis")
    assert type(caches["default"]).__name__ == "RedisCache"


def _production_start(**env: str):
    import subprocess
    import sys

    base = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV": "production",
        "PATH": "",
        "SECRET_KEY": "k" * 60,
        "REDIS_URL": "redis://127.0.0.1:6379/4",
        "ALLOWED_HOSTS": "arena.example",
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup()"],
        env={key: value for key, value in {**base, **env}.items() if value is not None},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "1"}, "DEBUG must be off when DJANGO_ENV=production"),
        ({"REDIS_URL": ""}, "REDIS_URL must be set when DJANGO_ENV=production"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must be set when DJANGO_ENV=production"),
    ],
)
def test_production_refuses_unsafe_settings(env, message):
    result = _production_start(**env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_starts_with_safe_settings():
    result = _production_start()
    assert result.returncode == 0, result.stderr


def _traceback_page(request) -> str:
    """The DEBUG 500 page for an error raised here (a frame with no secret in its locals)."""
    import sys

    from django.views.debug import ExceptionReporter

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        return ExceptionReporter(request, *sys.exc_info()).get_traceback_html()


def test_error_report_never_shows_connection_urls(settings, rf):
    import uuid

    database_password, redis_password = uuid.uuid4().hex, uuid.uuid4().hex
    settings.DATABASE_URL = f"postgres://arena:{database_password}@db.internal:5432/arena"
    settings.REDIS_URL = f"redis://:{redis_password}@cache.internal:6379/0"
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": settings.REDIS_URL}}

    html = _traceback_page(rf.get("/boom", HTTP_X_DATABASE_URL=settings.DATABASE_URL))

    assert database_password not in html
    assert redis_password not in html
    assert "DATABASE_URL" in html  # the setting is listed, its value hidden
