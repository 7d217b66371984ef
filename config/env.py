"""Strict parsing of settings from the environment.

A typo in an environment variable must stop the process at start-up with a message
that names the variable, never silently fall back to a default (healthchecks'
``envbool`` is the model).
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be >= {minimum}")
    return value


def env_choice(name: str, default: str, choices: set[str]) -> str:
    value = os.environ.get(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} must be one of {sorted(choices)}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(url: str, *, pool_max_size: int) -> dict:
    """Translate ``postgres://user:pass@host:port/name`` into a DATABASES entry.

    Only PostgreSQL is accepted: the embedded default is SQLite without any URL,
    and anything else is a configuration error rather than a surprise.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured(f"DATABASE_URL scheme {parts.scheme!r} is not supported (use postgres://)")
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ImproperlyConfigured("DATABASE_URL has no database name")
    try:
        port = parts.port or 5432
    except ValueError:
        raise ImproperlyConfigured("DATABASE_URL has an invalid port") from None
    options: dict = {
        # psycopg 3's pool keeps connections warm; min_size=1 avoids a connect on
        # the first request of every worker, max_size bounds what a worker may hold.
        "pool": {"min_size": 1, "max_size": pool_max_size, "timeout": 10},
    }
    for key, values in parse_qs(parts.query).items():
        options[key] = values[-1]
    pooler = options.pop("pooler", "")
    if pooler not in {"", "pgbouncer"}:
        raise ImproperlyConfigured(f"DATABASE_URL pooler={pooler!r} is not supported (pooler=pgbouncer, or none)")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(port),
        "OPTIONS": options,
        "TEST": {"NAME": f"test_{name}"},
        # Behind PgBouncer's transaction pooling a connection is the server's for one
        # transaction only: a named cursor (QuerySet.iterator() outside a transaction)
        # would be looked for on another server connection. Django's other defaults already
        # fit it: client-side parameter binding, no prepared statements, no session state.
        "DISABLE_SERVER_SIDE_CURSORS": pooler == "pgbouncer",
    }
